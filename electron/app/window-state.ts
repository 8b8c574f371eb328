import { readFile } from 'node:fs/promises';
import writeFileAtomic from 'write-file-atomic';
import * as z from 'zod';

/** The main window's bounds, remembered between runs (a damaged file means the defaults). */
export const MIN_WIDTH = 760;
export const MIN_HEIGHT = 520;

const BoundsSchema = z.strictObject({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(MIN_WIDTH).max(20_000),
  height: z.number().int().min(MIN_HEIGHT).max(20_000),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof BoundsSchema>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1100, height: 740, maximized: false };

export async function loadWindowState(path: string): Promise<WindowState> {
  try {
    const parsed = BoundsSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : DEFAULT_WINDOW_STATE;
  } catch {
    return DEFAULT_WINDOW_STATE;
  }
}

export async function saveWindowState(path: string, state: WindowState): Promise<void> {
  const parsed = BoundsSchema.safeParse(state);
  if (parsed.success) await writeFileAtomic(path, JSON.stringify(parsed.data));
}
