import * as z from 'zod';
import type { FileResult } from './kms-responses.js';

/**
 * How the renderer names a file to the main process: an opaque handle that main minted when the
 * file reached it through a gesture it trusts (its own dialogs, the OS, a drop the preload
 * registered, an output it wrote). The renderer may show a file's path, never act on one.
 */

/** 128 random bits, base64url: 22 characters. */
export const FILE_HANDLE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export function isFileHandle(value: string): boolean {
  return FILE_HANDLE_PATTERN.test(value);
}

/** A handle, or a refusal that says a made-up name (a path, say) is not one. */
export const FileHandle = z
  .string()
  .max(4096)
  .refine(isFileHandle, {
    error: (issue) =>
      `"${String(issue.input).slice(0, 200)}" is not a file Coffer was given: choose the file with Coffer's dialog or drop it on the window.`,
    params: { coffer_code: 'COFFER.2040' },
  });
export type FileHandle = z.infer<typeof FileHandle>;

/** A granted file as the window sees it: its handle to act on, and its path and name to show. */
export interface FileRef {
  handle: string;
  path: string;
  name: string;
}

/** A job's result with handles for the files main read or wrote (to show or preview them). */
export type FileResultView = FileResult & { input_handle?: string; output_handle?: string };
