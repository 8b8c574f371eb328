import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import type { Progress } from '../core/jobs/progress.js';
import { formatBytes as human } from '../../shared/format-bytes.js';
import { cliHost } from './cli-host.js';

function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${s}s`;
}

/** A progress bar with speed and ETA on stderr, drawn only when stderr is a terminal. */
export class FileProgressBar {
  private readonly bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{index} {file} |{bar}| {percentage}% {done}/{size} {speed}/s ETA {eta}',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: true,
      fps: 8,
    },
    cliProgress.Presets.shades_classic,
  );
  private started = false;

  static forTerminal(): FileProgressBar | undefined {
    const host = cliHost();
    return host.stderr.isTTY && !host.inAgent ? new FileProgressBar() : undefined;
  }

  fileStarted(input: string, index: number, count: number): void {
    const payload = {
      index: `[${index + 1}/${count}]`,
      file: basename(input).slice(0, 40),
      done: '0 B',
      size: '?',
      speed: '0 B',
      eta: '--',
    };
    if (this.started) this.bar.update(0, payload);
    else this.bar.start(1, 0, payload);
    this.started = true;
  }

  update(progress: Progress): void {
    this.bar.setTotal(Math.max(1, progress.bytesTotal));
    this.bar.update(progress.bytesDone, {
      done: human(progress.bytesDone),
      size: human(progress.bytesTotal),
      speed: human(progress.rate),
      eta: duration(progress.etaSeconds),
    });
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}
