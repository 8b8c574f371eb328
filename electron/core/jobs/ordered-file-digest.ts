import type { promises as fs } from 'node:fs';
import { CofferError } from '../../../shared/errors.js';

/** What a digest feeds: a Hash, a Sign or a Verify. */
export interface DigestSink {
  update(data: Buffer): unknown;
}

const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Feeds a file's bytes to a signature hash in order, from byte 0, while worker threads still
 * write or read other parts of it in parallel: parts are marked ready in any order, and whatever
 * has become contiguous from the start is read and hashed, on this thread, alongside the workers.
 * A signature needs one sequential pass; this keeps it from serializing the workers.
 */
export class OrderedFileDigest {
  private ready = 0;
  private hashed = 0;
  private readonly pending = new Map<number, number>();
  private pumping: Promise<void> | null = null;
  private failure: unknown = null;
  private readonly buffer = Buffer.allocUnsafeSlow(CHUNK_BYTES);

  constructor(
    private readonly handle: fs.FileHandle,
    private readonly sink: DigestSink,
  ) {}

  /** Bytes [start, end) are final on disk. */
  markReady(start: number, end: number): void {
    if (end <= start) return;
    this.pending.set(start, end);
    for (let next = this.pending.get(this.ready); next !== undefined; next = this.pending.get(this.ready)) {
      this.pending.delete(this.ready);
      this.ready = next;
    }
    this.pump();
  }

  private stopped = false;

  private pump(): void {
    if (this.stopped || this.pumping || this.failure || this.hashed >= this.ready) return;
    this.pumping = (async () => {
      while (this.hashed < this.ready) {
        const want = Math.min(CHUNK_BYTES, this.ready - this.hashed);
        const { bytesRead } = await this.handle.read(this.buffer, 0, want, this.hashed);
        if (bytesRead === 0)
          throw new CofferError('COFFER.2004', 'The file became shorter while its signature was being computed.');
        this.sink.update(this.buffer.subarray(0, bytesRead));
        this.hashed += bytesRead;
      }
    })()
      .catch((error: unknown) => {
        this.failure = error;
      })
      .finally(() => {
        this.pumping = null;
        this.pump();
      });
  }

  /** Reads nothing more, and waits for a read in flight (before the file's descriptor closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.pumping;
  }

  /** Waits until bytes [0, end) have all been hashed; they must all have been marked ready. */
  async finish(end: number): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.hashed >= end) break;
      if (!this.pumping) {
        if (this.stopped) throw new RangeError('the digest was stopped');
        if (this.ready < end) throw new RangeError(`only ${this.ready} of ${end} bytes were marked ready`);
        this.pump();
      }
      await this.pumping;
    }
    if (this.hashed !== end) throw new RangeError(`hashed ${this.hashed} bytes, past the ${end} signed`);
  }
}
