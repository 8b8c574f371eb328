import { readSync, writevSync } from 'node:fs';
import { CofferError } from '../../../shared/errors.js';
import { FINAL_FRAME_MARKER, FINAL_FRAME_OVERHEAD, REGULAR_FRAME_OVERHEAD } from '../envelope/esdk-constants.js';
import { FrameError, openFrameParts, sealFrames, type FrameSpan } from '../envelope/frame-codec.js';
import type { OpenRangeRequest, SealRangeRequest } from './crypto-worker-protocol.js';

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
export function readAt(fd: number, buffer: Buffer, position: number): number {
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
