import type { UnnumberedRequest } from './crypto-worker-protocol.js';
import type { WorkerPool } from './worker-pool.js';

export interface RangeTask {
  request: UnnumberedRequest;
  /** Input bytes the range covers, for progress. */
  bytes: number;
  /** The output bytes the range writes, [start, end), when a caller follows them (a signature). */
  output?: { start: number; end: number };
}

/**
 * Runs ranged tasks on the pool, at most `window` at once, in any order (each writes its own
 * part of the output). On a failure or a cancel it submits nothing more and waits for every task
 * in flight before returning: they write through the job's descriptors, which must stay open
 * (and not be reused by another file) until the last one is done. The error reported is the
 * earliest range's, so a damaged file names the same frame however the workers raced.
 */
export async function runRanges(
  pool: WorkerPool,
  tasks: Iterable<RangeTask>,
  options: { window: number; signal?: AbortSignal; onDone: (bytes: number, task: RangeTask) => void },
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: { index: number; error: unknown } | undefined;
  let index = 0;
  for (const task of tasks) {
    if (failure || options.signal?.aborted) break;
    const taskIndex = index++;
    const done: Promise<void> = pool.run(task.request, []).then(
      () => {
        inFlight.delete(done);
        options.onDone(task.bytes, task);
      },
      (error: unknown) => {
        inFlight.delete(done);
        if (!failure || taskIndex < failure.index) failure = { index: taskIndex, error };
      },
    );
    inFlight.add(done);
    if (inFlight.size >= options.window) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failure) throw failure.error;
}
