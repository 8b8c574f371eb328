import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CofferError, isErrorCode } from '../../../shared/errors.js';
import type { UnnumberedRequest, WorkerRequest, WorkerResponse } from './crypto-worker-protocol.js';
import { tempsRemoved } from './output-file.js';

/** A worker's output, and the buffers it handed back for reuse. */
export interface WorkerResult {
  data: Buffer;
  returned: ArrayBuffer[];
}

type Task = {
  request: WorkerRequest;
  transfer: ArrayBuffer[];
  resolve: (result: WorkerResult) => void;
  reject: (error: Error) => void;
};

/**
 * The compiled worker script: beside the CLI's bundle, its own CommonJS bundle; beside tsc's
 * output (the app), the compiled module. Under the test runner this module is TypeScript source,
 * and the worker (a separate thread with no TypeScript loader) runs the build's copy instead.
 */
function workerScript(): URL {
  for (const candidate of ['./crypto-worker.cjs', './crypto-worker.js', '../../../dist/electron/core/jobs/crypto-worker.js']) {
    const url = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new Error('The crypto worker is not built: run `npm run build`.');
}

/**
 * A fixed set of worker threads that seal and open batches of frames. One task per worker at a
 * time; further tasks wait in a queue, so the caller bounds memory by bounding what it submits.
 */
export class WorkerPool {
  readonly size: number;
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  private readonly script: URL;

  constructor(size = availableParallelism()) {
    this.size = Math.max(1, Math.min(64, Math.floor(size)));
    this.script = workerScript();
    for (let i = 0; i < this.size; i += 1) this.idle.push(this.spawn());
  }

  private spawn(): Worker {
    const worker = new Worker(this.script, { workerData: { tempsRemoved: tempsRemoved.buffer } });
    worker.unref();
    worker.on('message', (response: WorkerResponse) => this.settle(worker, response));
    worker.on('error', (error) => this.fail(worker, error));
    // A worker that dies (out of memory, a crash) must not leave its task waiting for ever, nor
    // the pool a thread short: its task fails and a fresh worker takes its place.
    worker.on('exit', (code) => {
      if (this.closed) return;
      this.fail(
        worker,
        new CofferError('COFFER.2014', `A crypto worker stopped unexpectedly (exit code ${code}); run the job again.`),
      );
      const index = this.idle.indexOf(worker);
      if (index >= 0) this.idle.splice(index, 1);
      this.idle.push(this.spawn());
      this.pump();
    });
    return worker;
  }

  run(request: UnnumberedRequest, transfer: ArrayBuffer[]): Promise<WorkerResult> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { ...request, id: this.nextId++ } as WorkerRequest, transfer, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.ref();
      worker.postMessage(task.request, task.transfer);
    }
  }

  private settle(worker: Worker, response: WorkerResponse): void {
    const task = this.busy.get(worker);
    this.busy.delete(worker);
    worker.unref();
    this.idle.push(worker);
    if (task) {
      if (response.ok) {
        task.resolve({
          data: Buffer.from(response.data.buffer, response.data.byteOffset, response.data.byteLength),
          returned: response.returned,
        });
      } else
        task.reject(new CofferError(isErrorCode(response.error.code) ? response.error.code : 'KMS.0101', response.error.message));
    }
    this.pump();
  }

  private fail(worker: Worker, error: Error): void {
    const task = this.busy.get(worker);
    this.busy.delete(worker);
    task?.reject(error);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new CofferError('COFFER.2010', 'The job was cancelled.'));
    await Promise.all([...this.idle, ...this.busy.keys()].map((w) => w.terminate()));
  }
}
