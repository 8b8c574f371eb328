import type { FileResultView } from '../../../../shared/file-handle.js';
import type { FileResult } from '../../../../shared/kms-responses.js';
import { baseName } from '../../ui/format.js';
import { COFFER_EXTENSION } from '../../../../shared/file-format.js';

/** What a preview can show, judged by name: pictures and videos, with or without ".coffer". */
const MEDIA_NAME = /\.(jpe?g|png|gif|webp|avif|mp4|webm|mov|m4v)(\.coffer)?$/i;
const VIDEO_NAME = /\.(mp4|webm|mov|m4v)(\.coffer)?$/i;

export function isMediaName(path: string): boolean {
  return MEDIA_NAME.test(baseName(path));
}

export function isVideoName(path: string): boolean {
  return VIDEO_NAME.test(baseName(path));
}

/** "photo.jpg.coffer" -> "photo.jpg" (what the preview shows). */
export function plainName(path: string): string {
  const name = baseName(path);
  return name.toLowerCase().endsWith(COFFER_EXTENSION) && name.length > COFFER_EXTENSION.length
    ? name.slice(0, -COFFER_EXTENSION.length)
    : name;
}

/**
 * The encrypted file behind an ok result, which is what media:open reads: the output of an
 * encryption, the input of a decryption or verification. Null when neither is a .coffer file.
 */
export function cofferPathOf(result: FileResult): string | null {
  if (result.status !== 'ok') return null;
  const path = outcomeOf(result) === 'encrypted' ? result.output : result.input;
  return path?.toLowerCase().endsWith(COFFER_EXTENSION) ? path : null;
}

/** The .coffer file to preview for a result, or null when it holds no picture or video. */
export function previewPathOf(result: FileResult): string | null {
  const path = cofferPathOf(result);
  return path && isMediaName(path) ? path : null;
}

/** A file main granted: the handle to act on it by, the path to show. */
export interface ShownFile {
  handle: string;
  path: string;
}

/** The file a result row stands for (its output, or what was verified), when main sent its handle. */
export function shownFileOf(result: FileResultView): ShownFile | null {
  if (result.status !== 'ok') return null;
  const handle = result.output ? result.output_handle : result.input_handle;
  return handle ? { handle, path: result.output ?? result.input } : null;
}

/** The .coffer file a result row previews, by handle: null when there is none to show. */
export function previewFileOf(result: FileResultView): ShownFile | null {
  const path = previewPathOf(result);
  if (!path || result.status !== 'ok') return null;
  const handle = path === result.output ? result.output_handle : result.input_handle;
  return handle ? { handle, path } : null;
}

/** What an ok result did, read from its names (jobs started outside this window carry no action). */
export function outcomeOf(result: Extract<FileResult, { status: 'ok' }>): 'encrypted' | 'decrypted' | 'verified' {
  if (!result.output) return 'verified';
  // Encryption appends ".coffer"; decryption takes it off (or appends ".decrypted").
  return result.output.toLowerCase().endsWith(COFFER_EXTENSION) && baseName(result.output).length > baseName(result.input).length
    ? 'encrypted'
    : 'decrypted';
}
