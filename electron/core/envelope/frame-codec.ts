import { CofferError } from '../../../shared/errors.js';
import { frameCipher, type FrameCipher } from '../crypto/frame-cipher.js';
import { legacyFrameCipher } from '../crypto/legacy-gcm.js';
import {
  FINAL_FRAME_AAD,
  FINAL_FRAME_MARKER,
  FINAL_FRAME_OVERHEAD,
  FRAME_AAD,
  MAX_FRAMES,
  REGULAR_FRAME_OVERHEAD,
} from './esdk-constants.js';

/**
 * Sealing and opening ESDK frames. Every frame stands alone given the message's data key,
 * which is what lets worker threads seal batches in parallel and a reader open one frame.
 *   IV  = 8 zero bytes || u32(seq)          (computed, never trusted from the file)
 *   AAD = message id || "AWSKMSEncryptionClient Frame" or "... Final Frame" || u32(seq) || u64(length)
 */
export function frameIv(seq: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(seq, 8);
  return iv;
}

export function frameAad(messageId: Buffer, final: boolean, seq: number, length: number): Buffer {
  const label = final ? FINAL_FRAME_AAD : FRAME_AAD;
  const aad = Buffer.alloc(messageId.length + label.length + 12);
  messageId.copy(aad, 0);
  label.copy(aad, messageId.length);
  aad.writeUInt32BE(seq, messageId.length + label.length);
  aad.writeBigUInt64BE(BigInt(length), messageId.length + label.length + 4);
  return aad;
}

/** Writes into a recycled buffer when one is big enough: fresh buffers cost page faults and GC. */
function outputBuffer(size: number, spare: ArrayBuffer | undefined): Buffer {
  return spare && spare.byteLength >= size ? Buffer.from(spare, 0, size) : Buffer.allocUnsafeSlow(size);
}

/** AES-256 keys take the fast cipher; ESDK 1.x's AES-128 and AES-192 keys (read only) node:crypto. */
export function cipherFor(key: Buffer): FrameCipher {
  return key.length === 32 ? frameCipher : legacyFrameCipher;
}

/** A frame that failed, with the sequence number the error names. */
export class FrameError extends CofferError {}

function checkSeq(seq: number): void {
  if (seq < 1 || seq > MAX_FRAMES)
    throw new FrameError(
      'COFFER.2012',
      `Frame number ${seq} is out of range: the file would need over 2^32 - 1 frames; use a larger frame length.`,
    );
}

/**
 * Seals `plaintext` as consecutive frames from `firstSeq`, returned as the pieces (frame header,
 * ciphertext, tag, ...) that laid end to end make the frames: a caller writes them with one
 * gathered write instead of copying each ciphertext again. With `endsMessage`, the last frame is
 * the final frame (a full one when the length is a multiple of the frame length; an empty one
 * for an empty message). `plaintext` is consumed: with the in-place cipher it holds the
 * ciphertext afterwards.
 */
export function sealFrames(
  key: Buffer,
  messageId: Buffer,
  frameLength: number,
  firstSeq: number,
  plaintext: Buffer,
  endsMessage: boolean,
  cipher: FrameCipher = frameCipher,
): Buffer[] {
  const frames = Math.max(endsMessage ? 1 : 0, Math.ceil(plaintext.length / frameLength));
  if (!endsMessage && plaintext.length % frameLength !== 0) throw new RangeError('only the last batch may hold a partial frame');
  const parts: Buffer[] = [];
  // Every frame's header (at most 24 bytes) and tag (16), in one allocation for the whole batch.
  const meta = Buffer.allocUnsafe(frames * 40);
  for (let i = 0; i < frames; i += 1) {
    const seq = firstSeq + i;
    checkSeq(seq);
    const final = endsMessage && i === frames - 1;
    const chunk = plaintext.subarray(i * frameLength, final ? plaintext.length : (i + 1) * frameLength);
    const iv = frameIv(seq);
    const head = meta.subarray(i * 40, i * 40 + (final ? 24 : 16));
    const tag = meta.subarray(i * 40 + 24, i * 40 + 40);
    let offset = 0;
    if (final) offset = head.writeUInt32BE(FINAL_FRAME_MARKER, 0);
    head.writeUInt32BE(seq, offset);
    iv.copy(head, offset + 4);
    if (final) head.writeUInt32BE(chunk.length, offset + 16);
    parts.push(head, cipher.seal(key, iv, frameAad(messageId, final, seq, chunk.length), chunk, tag), tag);
  }
  return parts;
}

/** The byte size of the frames that seal `plaintextLength` bytes (see sealFrames). */
export function sealedSize(plaintextLength: number, frameLength: number, endsMessage: boolean): number {
  const frames = Math.max(endsMessage ? 1 : 0, Math.ceil(plaintextLength / frameLength));
  return plaintextLength + frames * REGULAR_FRAME_OVERHEAD + (endsMessage ? FINAL_FRAME_OVERHEAD - REGULAR_FRAME_OVERHEAD : 0);
}

export interface FrameSpan {
  /** Offset of the frame in the batch buffer. */
  start: number;
  /** Total bytes of the frame, header and tag included. */
  size: number;
  final: boolean;
}

/**
 * Finds whole frames at the start of `bytes` (which begins on a frame boundary). Stops at the
 * final frame or at the first frame that is not complete in `bytes`.
 */
export function scanFrames(bytes: Buffer, frameLength: number): { frames: FrameSpan[]; consumed: number; sawFinal: boolean } {
  const frames: FrameSpan[] = [];
  let offset = 0;
  while (bytes.length - offset >= 4) {
    if (bytes.readUInt32BE(offset) === FINAL_FRAME_MARKER) {
      if (bytes.length - offset < FINAL_FRAME_OVERHEAD - 16) break;
      const length = bytes.readUInt32BE(offset + 20);
      if (length > frameLength) {
        throw new FrameError(
          'COFFER.2003',
          `The file is damaged: its final frame claims ${length} bytes, more than the frame length ${frameLength}.`,
        );
      }
      const size = length + FINAL_FRAME_OVERHEAD;
      if (bytes.length - offset < size) break;
      frames.push({ start: offset, size, final: true });
      offset += size;
      return { frames, consumed: offset, sawFinal: true };
    }
    const size = frameLength + REGULAR_FRAME_OVERHEAD;
    if (bytes.length - offset < size) break;
    frames.push({ start: offset, size, final: false });
    offset += size;
  }
  return { frames, consumed: offset, sawFinal: false };
}

/**
 * Opens frames found by scanFrames, checking each one's sequence number and IV, and returns each
 * frame's plaintext. Nothing is returned unless every frame authenticated. The frames' bytes are
 * consumed: with the in-place cipher, the plaintext parts are views of `bytes`.
 */
export function openFrameParts(
  key: Buffer,
  messageId: Buffer,
  frameLength: number,
  firstSeq: number,
  bytes: Buffer,
  frames: readonly FrameSpan[],
  cipher: FrameCipher = cipherFor(key),
): Buffer[] {
  const parts: Buffer[] = [];
  frames.forEach((frame, i) => {
    const seq = firstSeq + i;
    let offset = frame.start + (frame.final ? 4 : 0);
    const storedSeq = bytes.readUInt32BE(offset);
    if (storedSeq !== seq) {
      throw new FrameError(
        'COFFER.2003',
        `The file is damaged: frame ${seq} carries number ${storedSeq} (frames were reordered, removed or altered).`,
      );
    }
    const iv = frameIv(seq);
    if (!bytes.subarray(offset + 4, offset + 16).equals(iv)) {
      throw new FrameError('COFFER.2003', `The file is damaged: frame ${seq} has the wrong IV.`);
    }
    offset += 16;
    const length = frame.final ? bytes.readUInt32BE(offset) : frameLength;
    if (frame.final) offset += 4;
    // The frame must fill its span exactly: a short tag would otherwise verify as a truncated one.
    const overhead = frame.final ? FINAL_FRAME_OVERHEAD : REGULAR_FRAME_OVERHEAD;
    if (length > frameLength || length + overhead !== frame.size || frame.start + frame.size > bytes.length) {
      throw new FrameError('COFFER.2004', `The file is cut short or damaged: frame ${seq} is incomplete.`);
    }
    const ciphertext = bytes.subarray(offset, offset + length);
    const tag = bytes.subarray(offset + length, offset + length + 16);
    const plaintext = cipher.open(key, iv, frameAad(messageId, frame.final, seq, length), ciphertext, tag);
    if (!plaintext) {
      throw new FrameError(
        'COFFER.2003',
        `The file is damaged or was altered: frame ${seq} does not authenticate. Nothing of it was written.`,
      );
    }
    parts.push(plaintext);
  });
  return parts;
}

/** openFrameParts, laid out in one buffer (a recycled one when it is big enough). */
export function openFrames(
  key: Buffer,
  messageId: Buffer,
  frameLength: number,
  firstSeq: number,
  bytes: Buffer,
  frames: readonly FrameSpan[],
  spare?: ArrayBuffer,
): Buffer {
  const parts = openFrameParts(key, messageId, frameLength, firstSeq, bytes, frames);
  const out = outputBuffer(
    parts.reduce((n, part) => n + part.length, 0),
    spare,
  );
  let written = 0;
  for (const part of parts) written += part.copy(out, written);
  return out;
}
