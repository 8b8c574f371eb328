import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { JobProgressEvent } from '../../../shared/ipc-contract.js';
import { errorFields } from '../../../shared/errors.js';
import type { FileResult } from '../../../shared/kms-responses.js';
import type { FileAction, FileJobRequest } from '../../../shared/file-job.js';
import type { RequestKeyrings } from '../keyrings/request-keyrings.js';
import { checkFileJob, runFileJob } from './file-job-runner.js';
import { PROGRESS_INTERVAL_MS } from './progress.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * The app's queue of file jobs: one batch runs at a time (each already uses every core), the
 * others wait. Every job reports progress per file and overall, throttled to a few updates a
 * second, each file's result as it lands, and its end. Cancel stops a job (its current file's
 * temporary output is removed by the engine) or drops it from the queue. A job is a file job
 * request (shared/file-job.ts), checked when it is started and run by the one runner.
 */

/** Progress of a job, per file and overall: the payload of the jobs:progress event. */
export type JobProgress = JobProgressEvent;

export interface JobSummary {
  job_id: string;
  action: FileAction;
  state: 'queued' | 'running' | 'done' | 'cancelled';
  paths: string[];
}

interface JobEvents {
  progress: [JobProgress];
  fileDone: [{ job_id: string; result: FileResult }];
  finished: [{ job_id: string; results: FileResult[]; cancelled: boolean }];
}

export interface JobManagerDeps {
  pool: WorkerPool;
  /** Where a job's key references become keyrings (request-keyrings.ts), asked when the job runs. */
  keyrings(): RequestKeyrings;
  progressIntervalMs?: number;
}

interface Job {
  id: string;
  request: FileJobRequest;
  controller: AbortController;
  state: JobSummary['state'];
}

export class JobManager extends EventEmitter<JobEvents> {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Job[] = [];
  private running: Promise<void> | null = null;

  constructor(private readonly deps: JobManagerDeps) {
    super();
  }

  /** Queues a job, or throws the request's one refusal (nothing is queued, no file touched). */
  start(input: FileJobRequest): string {
    const request = checkFileJob(input);
    const job: Job = { id: randomUUID(), request, controller: new AbortController(), state: 'queued' };
    this.jobs.set(job.id, job);
    this.queue.push(job);
    this.running ??= this.drain();
    return job.id;
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job || job.state === 'done' || job.state === 'cancelled') return false;
    job.controller.abort();
    if (job.state === 'queued') {
      this.queue.splice(this.queue.indexOf(job), 1);
      job.state = 'cancelled';
      this.emit('finished', { job_id: job.id, results: [], cancelled: true });
    }
    return true;
  }

  /** For a clean quit: cancel everything and wait until running work has removed its temporaries. */
  async cancelAll(): Promise<void> {
    for (const job of [...this.jobs.values()]) this.cancel(job.id);
    await this.running;
  }

  list(): JobSummary[] {
    return [...this.jobs.values()].map((j) => ({
      job_id: j.id,
      action: j.request.action,
      state: j.state,
      paths: j.request.paths,
    }));
  }

  get busy(): boolean {
    return this.running !== null;
  }

  private async drain(): Promise<void> {
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) await this.run(job);
    } finally {
      this.running = null;
    }
  }

  private async run(job: Job): Promise<void> {
    job.state = 'running';
    const interval = this.deps.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
    let sizes = new Map<string, number>();
    let overallTotal = 0;
    let finishedBytes = 0;
    let lastEmit = 0;
    // Small files run several at once: overall progress is the finished files plus each running one's bytes.
    const running = new Map<string, { index: number; count: number; done: number }>();
    const emitProgress = (
      file: string,
      bytesDone: number,
      bytesTotal: number,
      rate: number,
      eta: number | null,
      force: boolean,
    ): void => {
      const entry = running.get(file);
      if (entry) entry.done = Math.min(bytesDone, sizes.get(file) ?? bytesDone);
      const now = performance.now();
      if (!force && now - lastEmit < interval) return;
      lastEmit = now;
      let inFlight = 0;
      for (const r of running.values()) inFlight += r.done;
      this.emit('progress', {
        job_id: job.id,
        file,
        file_index: entry?.index ?? 0,
        file_count: entry?.count ?? 0,
        bytes_done: bytesDone,
        bytes_total: bytesTotal,
        rate,
        eta_seconds: eta,
        overall_done: Math.min(overallTotal, finishedBytes + inFlight),
        overall_total: overallTotal,
      });
    };
    let results: FileResult[] = [];
    try {
      results = await runFileJob(job.request, {
        pool: this.deps.pool,
        signal: job.controller.signal,
        keyrings: this.deps.keyrings(),
        onPlanned: (files) => {
          sizes = new Map(files.map((f) => [f.input, f.size]));
          overallTotal = files.reduce((n, f) => n + f.size, 0);
        },
        onFileStart: (file, index, count) => {
          running.set(file, { index, count, done: 0 });
          emitProgress(file, 0, sizes.get(file) ?? 0, 0, null, true);
        },
        onProgress: (file, p) => emitProgress(file, p.bytesDone, p.bytesTotal, p.rate, p.etaSeconds, p.bytesDone >= p.bytesTotal),
        onFileDone: (result) => {
          if (running.delete(result.input)) finishedBytes += sizes.get(result.input) ?? 0;
          this.emit('fileDone', { job_id: job.id, result });
        },
      });
    } catch (error) {
      // The job's keys could not be used (a locked vault): every file says so, as the CLI's batch does.
      results = job.request.paths.map((input): FileResult => ({ input, status: 'error', error: errorFields(error) }));
      for (const result of results) this.emit('fileDone', { job_id: job.id, result });
    } finally {
      job.state = job.controller.signal.aborted ? 'cancelled' : 'done';
      this.emit('finished', { job_id: job.id, results, cancelled: job.state === 'cancelled' });
    }
  }
}
