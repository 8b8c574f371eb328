import {
  constants as fsConstants,
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writevSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { CofferError } from '../../../shared/errors.js';
import { FINAL_FRAME_MARKER, FINAL_FRAME_OVERHEAD, REGULAR_FRAME_OVERHEAD } from '../envelope/esdk-constants.js';
import { FrameError, openFrameParts, sealFrames, type FrameSpan } from '../envelope/frame-codec.js';
import { fsFailure, fsFailureCode } from '../envelope/fs-failure.js';
import type { OpenRangeRequest, SealFileRequest, SealRangeRequest } from './crypto-worker-protocol.js';
import { isNoLinkSupport, numberedName } from './output-file.js';

/**
 * A worker's side of a ranged job: positional reads and gathered positional writes, synchronous
 * because they run on the worker's own thread. Ranges never overlap, so workers need no order.
 */

/** Linux and macOS both cap one writev at 1024 pieces. */
const MAX_IOV = 1024;

/** One growing read buffer per worker: a worker runs one range at a time. */
let scratch = Buffer.allocUnsafeSlow(0);
function scratchOf(size: number): Buffer {
  if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(size);
  return scratch.subarray(0, size);
}

/** Reads up to `buffer.length` bytes at `position`; fewer only at the end of the file. */
function readAt(fd: number, buffer: Buffer, position: number): number {
  let filled = 0;
  while (filled < buffer.length) {
    const n = readSync(fd, buffer, filled, buffer.length - filled, position + filled);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}

/** Writes the pieces end to end at `position`, resuming after short writes. */
export function writeAllAt(fd: number, pieces: readonly Buffer[], position: number): void {
  let queue = pieces.filter((piece) => piece.length > 0);
  while (queue.length > 0) {
    const batch = queue.slice(0, MAX_IOV);
    let written = writevSync(fd, batch, position);
    if (written === 0) throw new CofferError('COFFER.2009', 'The output could not be written: the disk accepted no more bytes.');
    position += written;
    let done = 0;
    while (done < batch.length && written >= batch[done]!.length) written -= batch[done++]!.length;
    const rest = queue.slice(done);
    if (written > 0) rest[0] = rest[0]!.subarray(written);
    queue = rest;
  }
}

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function sealRange(request: Omit<SealRangeRequest, 'id'>, key: Buffer): void {
  const plaintext = scratchOf(request.length);
  if (readAt(request.inputFd, plaintext, request.inputPosition) !== request.length) {
    throw new CofferError('COFFER.2011', 'The input became shorter while it was being encrypted.');
  }
  const pieces = sealFrames(key, view(request.messageId), request.frameLength, request.firstSeq, plaintext, request.endsMessage);
  writeAllAt(request.outputFd, pieces, request.outputPosition);
}

export function openRange(request: Omit<OpenRangeRequest, 'id'>, key: Buffer): void {
  const frameSize = request.frameLength + REGULAR_FRAME_OVERHEAD;
  const spans: FrameSpan[] = [];
  for (let i = 0; i < request.regularFrames; i += 1) spans.push({ start: i * frameSize, size: frameSize, final: false });
  const finalStart = request.regularFrames * frameSize;
  if (request.finalLength !== null)
    spans.push({ start: finalStart, size: request.finalLength + FINAL_FRAME_OVERHEAD, final: true });
  const size = finalStart + (request.finalLength === null ? 0 : request.finalLength + FINAL_FRAME_OVERHEAD);
  const bytes = scratchOf(size);
  if (readAt(request.inputFd, bytes, request.inputPosition) !== size) {
    throw new FrameError('COFFER.2004', 'The file is cut short: it became shorter while it was being read.');
  }
  if (request.finalLength !== null && bytes.readUInt32BE(finalStart) !== FINAL_FRAME_MARKER) {
    throw new FrameError(
      'COFFER.2003',
      `The file is damaged: frame ${request.firstSeq + request.regularFrames} is not marked final.`,
    );
  }
  const plaintext = openFrameParts(key, view(request.messageId), request.frameLength, request.firstSeq, bytes, spans);
  if (request.outputFd !== null) writeAllAt(request.outputFd, plaintext, request.outputPosition);
}

function syncFolderNow(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** output-file.ts's nameTemp, on the worker's thread: the first free name, never replacing a file. */
function nameTempNow(tempPath: string, target: string): string {
  for (let n = 0; n < 10_000; n += 1) {
    const candidate = numberedName(target, n);
    try {
      linkSync(tempPath, candidate);
      try {
        unlinkSync(tempPath);
      } catch {
        // a leftover temporary file is removed as stale by a later run
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (!isNoLinkSupport(code))
        throw new CofferError('COFFER.2009', `The output ${candidate} cannot be written: ${(error as Error).message}.`);
      try {
        lstatSync(candidate);
        continue;
      } catch {
        renameSync(tempPath, candidate);
      }
    }
    syncFolderNow(dirname(target));
    return candidate;
  }
  throw new CofferError('COFFER.2009', `Every name from ${target} to "(9999)" is taken.`);
}

/** A whole small file, sealed, synced and named (SealFileRequest): its plaintext length and output. */
export function sealFile(request: Omit<SealFileRequest, 'id'>, key: Buffer): { bytes: number; output: string } {
  let input: number;
  try {
    // Non-blocking: a FIFO put in a planned file's place must not hold the worker (regular files ignore it).
    input = openSync(request.input, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CofferError('COFFER.2008', `${request.input} does not exist.`);
    // Worded here, where the path is known, as the large-file path words it (fs-failure.ts).
    throw (
      fsFailure(error, `${request.input} cannot be read`, 'Nothing was written.') ??
      new CofferError('COFFER.2008', `${request.input} cannot be read: ${(error as Error).message}.`)
    );
  }
  let output: number | undefined;
  try {
    const stats = fstatSync(input);
    if (!stats.isFile()) throw new CofferError('COFFER.2008', `${request.input} is not a regular file.`);
    if (stats.size > request.maxBytes) {
      throw new CofferError(
        'COFFER.2011',
        `${request.input} grew while it was being encrypted; encrypt it again once it is stable.`,
      );
    }
    try {
      output = openSync(request.tempPath, 'wx', 0o600);
    } catch (error) {
      if (fsFailureCode(error)) throw error; // worded below, with the output's name
      throw new CofferError('COFFER.2009', `Coffer cannot write ${request.tempPath}: ${(error as Error).message}.`);
    }
    writeAllAt(output, [view(request.header)], 0);
    sealRange(
      {
        op: 'seal-range',
        key: request.key,
        messageId: request.messageId,
        frameLength: request.frameLength,
        firstSeq: 1,
        inputFd: input,
        inputPosition: 0,
        length: stats.size,
        endsMessage: true,
        outputFd: output,
        outputPosition: request.header.byteLength,
      },
      key,
    );
    if (fstatSync(input).size !== stats.size) {
      throw new CofferError(
        'COFFER.2011',
        `${request.input} changed while it was being encrypted (it was ${stats.size} bytes when the job started); encrypt it again once it is stable.`,
      );
    }
    if (request.finalMode !== undefined) fchmodSync(output, request.finalMode);
    fsyncSync(output);
    closeSync(output);
    output = undefined;
    return { bytes: stats.size, output: nameTempNow(request.tempPath, request.target) };
  } catch (error) {
    if (output !== undefined) closeSync(output);
    try {
      unlinkSync(request.tempPath);
    } catch {
      // never created, or already named
    }
    throw (
      fsFailure(
        error,
        `${request.target} could not be written`,
        'The original was kept; nothing was left under the output name.',
      ) ?? error
    );
  } finally {
    closeSync(input);
  }
}
