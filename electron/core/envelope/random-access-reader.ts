import { promises as fs } from 'node:fs';
import { CofferError } from '../../../shared/errors.js';
import { FINAL_FRAME_OVERHEAD, frameLayout, REGULAR_FRAME_OVERHEAD } from './esdk-constants.js';
import { openFrames, type FrameSpan } from './frame-codec.js';
import { MAX_PREVIEW_FRAME_LENGTH } from '../../../shared/file-format.js';
import { formatBytes } from '../../../shared/format-bytes.js';
import { authenticateHeader, readHeader, type HeaderLimits } from './header-reader.js';
import { openReadableFile } from './message-file.js';
import type { EncryptedDataKey, ParsedHeader } from './message-header.js';

/**
 * Files that open only whole: a signed file's signature covers every byte, so a part of it
 * served before the whole was verified would be unverified plaintext; a legacy (v1) file opens
 * only when explicitly allowed, which a preview cannot ask for. Both are decrypted instead.
 */
function refuseWholeOnly(header: ParsedHeader, path: string): void {
  if (header.suite.signature) {
    throw new CofferError(
      'COFFER.2053',
      `${path} is signed (suite ${header.suite.hex}): its signature covers every byte, so it is not previewed in parts. Decrypt it to open it.`,
    );
  }
  if (header.version === 1) {
    throw new CofferError(
      'COFFER.2050',
      `${path} is a legacy AWS Encryption SDK 1.x message (format v1): it is not previewed. Decrypt it with --allow-legacy-format.`,
    );
  }
}

/** What a preview reads: the header's limits, and the longest frame it decrypts for one range. */
export interface ReaderLimits extends HeaderLimits {
  /** Default 4 MiB (shared/file-format.ts's MAX_PREVIEW_FRAME_LENGTH). */
  maxFrameLength?: number;
}

/**
 * Every range request decrypts the whole frames it covers, so a file of long frames (a 16 MiB
 * frame per seek of a video) is refused before any key is used: it is decrypted instead.
 */
function refuseLongFrames(header: ParsedHeader, path: string, max: number): void {
  if (header.frameLength > max) {
    throw new CofferError(
      'COFFER.2037',
      `${path} was written in frames of ${formatBytes(header.frameLength)}; the preview reads frames of at most ${formatBytes(max)}, ` +
        'since each part it shows decrypts whole frames. Decrypt the file to open it.',
    );
  }
}

/** Recovers a file's data key from its EDKs (the vault's keyring, in the app). */
export type DataKeyUnwrapper = (edks: readonly EncryptedDataKey[], contextBytes: Buffer) => Promise<Buffer>;

/**
 * Reads any plaintext byte range of a .coffer file by opening only the frames it covers, so
 * pictures and videos can be previewed (and videos seek) with no plaintext written to disk.
 * Opening authenticates the header and the final frame, so the plaintext length, which ranges
 * counted from the end rely on, is authenticated before any range is served.
 */
export class RandomAccessReader {
  private cache: { index: number; plaintext: Buffer } | undefined;

  private constructor(
    private readonly handle: fs.FileHandle,
    readonly header: ParsedHeader,
    private readonly dataKey: Buffer,
    private readonly regularFrames: number,
    readonly plaintextLength: number,
  ) {}

  static async open(path: string, unwrap: DataKeyUnwrapper, limits: ReaderLimits = {}): Promise<RandomAccessReader> {
    const { handle, stats } = await openReadableFile(path);
    try {
      const size = stats.size;
      const header = await readHeader(handle, size, limits);
      refuseWholeOnly(header, path);
      refuseLongFrames(header, path, limits.maxFrameLength ?? MAX_PREVIEW_FRAME_LENGTH);
      const dek = await unwrap(header.edks, header.contextBytes);
      const { dataKey } = authenticateHeader(header, dek);
      dek.fill(0);
      const layout = frameLayout(size, header.length, header.frameLength);
      if (!layout) {
        throw new CofferError(
          'COFFER.2004',
          `${path} does not end with a whole final frame: it is cut short or has bytes appended.`,
        );
      }
      const { regularFrames: regular, finalLength } = layout;
      const reader = new RandomAccessReader(handle, header, dataKey, regular, regular * header.frameLength + finalLength);
      // Authenticate the end now: it fixes the plaintext length and proves nothing was cut off.
      await reader.openFrameRange(regular, regular);
      return reader;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  get frameLength(): number {
    return this.header.frameLength;
  }

  /** Opens frames first..last (0-based, inclusive) with one read. */
  private async openFrameRange(first: number, last: number): Promise<Buffer> {
    const frameSize = this.header.frameLength + REGULAR_FRAME_OVERHEAD;
    const start = this.header.length + first * frameSize;
    const includesFinal = last === this.regularFrames;
    const regularCount = (includesFinal ? last : last + 1) - first;
    const finalSize = includesFinal
      ? this.plaintextLength - this.regularFrames * this.header.frameLength + FINAL_FRAME_OVERHEAD
      : 0;
    const bytes = Buffer.alloc(regularCount * frameSize + finalSize);
    const { bytesRead } = await this.handle.read(bytes, 0, bytes.length, start);
    if (bytesRead !== bytes.length) throw new CofferError('COFFER.2004', 'The file became shorter while it was being read.');
    const spans: FrameSpan[] = [];
    for (let i = 0; i < regularCount; i += 1) spans.push({ start: i * frameSize, size: frameSize, final: false });
    if (includesFinal) spans.push({ start: regularCount * frameSize, size: finalSize, final: true });
    return openFrames(this.dataKey, this.header.messageId, this.header.frameLength, first + 1, bytes, spans);
  }

  /** Plaintext bytes [start, end): every byte returned was authenticated. */
  async read(start: number, end: number): Promise<Buffer> {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > this.plaintextLength) {
      throw new CofferError('COFFER.2013', `The range ${start}-${end} is not within the file's ${this.plaintextLength} bytes.`);
    }
    if (start === end) return Buffer.alloc(0);
    const length = this.header.frameLength;
    const first = Math.floor(start / length);
    const last = Math.min(this.regularFrames, Math.floor((end - 1) / length));
    // Players read small, mostly sequential ranges: keep the last single frame opened.
    let plaintext: Buffer;
    if (first === last && this.cache?.index === first) {
      plaintext = this.cache.plaintext;
    } else {
      plaintext = await this.openFrameRange(first, last);
      if (first === last) this.cache = { index: first, plaintext };
    }
    const offset = first * length;
    return Buffer.from(plaintext.subarray(start - offset, end - offset));
  }

  async close(): Promise<void> {
    this.dataKey.fill(0);
    this.cache = undefined;
    await this.handle.close();
  }
}
