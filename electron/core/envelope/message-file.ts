import { promises as fs, type Stats } from 'node:fs';
import { CofferError } from '../../../shared/errors.js';
import { FINAL_FRAME_MARKER, frameLayout, MAX_FRAMES, REGULAR_FRAME_OVERHEAD } from './esdk-constants.js';
import type { ParsedHeader } from './message-header.js';

/** Opens a regular file for reading, with one clear error for a missing, unreadable or special file. */
export async function openReadableFile(path: string): Promise<{ handle: fs.FileHandle; stats: Stats }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CofferError(
      'COFFER.2008',
      code === 'ENOENT' ? `${path} does not exist.` : `${path} cannot be read: ${(error as Error).message}.`,
    );
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new CofferError('COFFER.2008', `${path} is not a regular file.`);
  }
  return { handle, stats };
}

export interface BodyLayout {
  regularFrames: number;
  finalLength: number;
}

/**
 * The body's frames as the file size places them, if the final frame really starts where they
 * end: marked final, numbered next, and as long as the size says. Not authenticated: opening the
 * final frame does that. Null for any other body (cut short, bytes appended, a frame resized).
 */
export async function locateFrames(handle: fs.FileHandle, header: ParsedHeader, size: number): Promise<BodyLayout | null> {
  const layout = frameLayout(size, header.length, header.frameLength);
  if (!layout || layout.regularFrames + 1 > MAX_FRAMES) return null;
  const start = header.length + layout.regularFrames * (header.frameLength + REGULAR_FRAME_OVERHEAD);
  const head = Buffer.alloc(24);
  const { bytesRead } = await handle.read(head, 0, head.length, start);
  const fits =
    bytesRead === head.length &&
    head.readUInt32BE(0) === FINAL_FRAME_MARKER &&
    head.readUInt32BE(4) === layout.regularFrames + 1 &&
    head.readUInt32BE(20) === layout.finalLength;
  return fits ? layout : null;
}
