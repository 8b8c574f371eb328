import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import {
  removeLiveTempsNow,
  TEMPS_BEING_CREATED,
  TEMPS_REMOVED,
  tempsRemoved,
  trackTemp,
} from '../../electron/core/jobs/output-file.js';

const folder = mkdtempSync(join(tmpdir(), 'coffer-signal-temps-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/**
 * A signal's exit removes this process's temporary outputs and sets a flag the workers share. A
 * worker counts itself into TEMPS_BEING_CREATED while it creates one and checks that flag (as
 * whole-files.ts createTemp does); the exit must wait for it, or the exit could stop that worker
 * between creating its file and removing it.
 */
describe("a signal's exit and the workers' temporary files", () => {
  it('removes the live temporary files, and waits for a worker inside its create before returning', async () => {
    const live = join(folder, '.a.jpg.coffer-tmp-1');
    writeFileSync(live, 'half');
    trackTemp(live);
    const late = join(folder, '.b.jpg.coffer-tmp-2');
    // The worker enters its create, waits for the flag, takes 150 ms, then removes its file as
    // createTemp does once it sees the flag, and leaves.
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const fs = require('node:fs');
       const view = new Int32Array(workerData.shared);
       Atomics.add(view, ${TEMPS_BEING_CREATED}, 1);
       parentPort.postMessage('inside');
       while (Atomics.load(view, ${TEMPS_REMOVED}) === 0) Atomics.wait(view, ${TEMPS_REMOVED}, 0, 2);
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
       fs.writeFileSync(workerData.late, 'created after the removal');
       if (Atomics.load(view, ${TEMPS_REMOVED}) === 1) fs.unlinkSync(workerData.late);
       Atomics.sub(view, ${TEMPS_BEING_CREATED}, 1);
       Atomics.notify(view, ${TEMPS_BEING_CREATED});`,
      { eval: true, workerData: { shared: tempsRemoved.buffer, late } },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    const started = Date.now();
    removeLiveTempsNow();
    const waited = Date.now() - started;
    expect(existsSync(live)).toBe(false);
    expect(Atomics.load(tempsRemoved, TEMPS_REMOVED)).toBe(1);
    // Returned only once the worker was out of its create: its late file is gone too.
    expect(Atomics.load(tempsRemoved, TEMPS_BEING_CREATED)).toBe(0);
    expect(waited).toBeGreaterThanOrEqual(100);
    expect(existsSync(late)).toBe(false);
    await worker.terminate();
  });
});
