/** Bytes done, total, rate and ETA, reported a few times a second rather than once per frame. */
export interface Progress {
  bytesDone: number;
  bytesTotal: number;
  /** Bytes per second over the job so far. */
  rate: number;
  /** Seconds left at that rate, or null before there is a rate. */
  etaSeconds: number | null;
}

export type ProgressListener = (progress: Progress) => void;

export const PROGRESS_INTERVAL_MS = 250;

export class ProgressMeter {
  private done = 0;
  private lastEmit = 0;
  private readonly started = performance.now();

  constructor(
    private readonly total: number,
    private readonly listener: ProgressListener | undefined,
    private readonly interval = PROGRESS_INTERVAL_MS,
  ) {}

  add(bytes: number): void {
    this.done += bytes;
    const now = performance.now();
    if (now - this.lastEmit >= this.interval) this.emit(now);
  }

  /** The last word, always sent, so a listener sees 100 %. */
  finish(): void {
    this.emit(performance.now());
  }

  private emit(now: number): void {
    if (!this.listener) return;
    this.lastEmit = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    this.listener({
      bytesDone: this.done,
      bytesTotal: this.total,
      rate,
      etaSeconds: rate > 0 ? Math.max(0, (this.total - this.done) / rate) : null,
    });
  }
}
