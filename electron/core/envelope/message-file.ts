import { constants, promises as fs, type Stats } from 'node:fs';
import { CofferError } from '../../../shared/errors.js';
import { FINAL_FRAME_MARKER, frameLayout, MAX_FRAMES, REGULAR_FRAME_OVERHEAD } from './esdk-constants.js';
import type { ParsedHeader } from './message-header.js';
import { specialFileKind, specialFileReason } from './file-kind.js';
import { fsFailure } from './fs-failure.js';
import { MAX_SIGNATURE_BYTES, MIN_SIGNATURE_BYTES, parseFooter } from './message-signature.js';

/**
 * Opens a regular file for reading, with one clear error for a missing, unreadable or special
 * file. The path is checked before it is opened (a FIFO would block the open until a writer
 * came), opened without blocking all the same (it could be swapped in between), and checked
 * again through the descriptor, which is what is read.
 */
export async function openReadableFile(path: string): Promise<{ handle: fs.FileHandle; stats: Stats }> {
  const before = await fs.stat(path).catch((error: unknown) => {
    throw unreadable(path, error);
  });
  const kind = specialFileKind(before);
  if (kind || before.isDirectory()) throw notRegular(path, kind ?? 'a folder');
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw unreadable(path, error);
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw notRegular(path, specialFileKind(stats) ?? 'a folder');
  }
  return { handle, stats };
}

function unreadable(path: string, error: unknown): CofferError {
  const code = (error as NodeJS.ErrnoException).code;
  const failure = fsFailure(error, `${path} cannot be read`, 'Nothing was written.');
  if (failure) return failure;
  return new CofferError(
    'COFFER.2008',
    code === 'ENOENT' ? `${path} does not exist.` : `${path} cannot be read: ${(error as Error).message}.`,
  );
}

function notRegular(path: string, kind: string): CofferError {
  return new CofferError('COFFER.2030', `${path} is ${specialFileReason(kind)}.`);
}

export interface BodyLayout {
  regularFrames: number;
  finalLength: number;
  /** Where the body ends: the file's size, or where a signed message's footer starts. */
  bodyEnd: number;
}

/**
 * The body's frames as the file size places them, if the final frame really starts where they
 * end: marked final, numbered next, and as long as the size says. Not authenticated: opening the
 * final frame does that. Null for any other body (cut short, bytes appended, a frame resized).
 */
export async function locateFrames(handle: fs.FileHandle, header: ParsedHeader, size: number): Promise<BodyLayout | null> {
  if (!header.suite.signature) return locateFramesEndingAt(handle, header, size);
  // A signed message ends with u16 length || DER signature: try each length the tail allows.
  const tail = Buffer.alloc(Math.min(size - header.length, 2 + MAX_SIGNATURE_BYTES));
  if (tail.length < 2 + MIN_SIGNATURE_BYTES) return null;
  const { bytesRead } = await handle.read(tail, 0, tail.length, size - tail.length);
  if (bytesRead !== tail.length) return null;
  for (let length = MIN_SIGNATURE_BYTES; length <= MAX_SIGNATURE_BYTES && length + 2 <= tail.length; length += 1) {
    const footer = tail.subarray(tail.length - 2 - length);
    if (footer[2] !== 0x30 || !parseFooter(footer)) continue;
    const layout = await locateFramesEndingAt(handle, header, size - 2 - length);
    if (layout) return layout;
  }
  return null;
}

async function locateFramesEndingAt(handle: fs.FileHandle, header: ParsedHeader, size: number): Promise<BodyLayout | null> {
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
  return fits ? { ...layout, bodyEnd: size } : null;
}
