import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderSyncGroups } from '../../electron/core/jobs/output-file.js';

const root = mkdtempSync(join(tmpdir(), 'coffer-folder-syncs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** How many of this process's descriptors are open on `dir` (Linux's /proc/self/fd). */
function openOn(dir: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(join('/proc/self/fd', fd)) === dir;
    } catch {
      return false; // closed meanwhile
    }
  }).length;
}

/**
 * A batch of small files reports each named output once a sync of its folder has returned; the
 * syncs of one batch share one open descriptor per folder, closed when the batch ends.
 */
describe('the folder syncs of a batch', () => {
  it.runIf(process.platform === 'linux')('keep each folder open once across the syncs, and close it at the end', async () => {
    const a = mkdtempSync(join(root, 'a-'));
    const b = mkdtempSync(join(root, 'b-'));
    const syncs = new FolderSyncGroups(2);
    const named: Promise<void>[] = [];
    for (let i = 0; i < 7; i += 1) {
      writeFileSync(join(a, `${i}.coffer`), 'x');
      named.push(syncs.named(a));
      if (i % 2 === 0) named.push(syncs.named(b));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    syncs.flushAll();
    await Promise.all(named);
    expect(openOn(a)).toBe(1);
    expect(openOn(b)).toBe(1);
    await syncs.close();
    expect(openOn(a)).toBe(0);
    expect(openOn(b)).toBe(0);
  });

  it('rejects the names of a folder that cannot be opened, and syncs the others', async () => {
    const gone = join(root, 'never-made');
    const there = mkdtempSync(join(root, 'there-'));
    const syncs = new FolderSyncGroups(64);
    const lost = syncs.named(gone);
    const kept = syncs.named(there);
    syncs.flushAll();
    await expect(lost).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(kept).resolves.toBeUndefined();
    await syncs.close();
  });

  it('after the batch ended, a late sync still syncs and keeps nothing open', async () => {
    const late = mkdtempSync(join(root, 'late-'));
    const syncs = new FolderSyncGroups(1);
    await syncs.close();
    await expect(syncs.named(late)).resolves.toBeUndefined();
    if (process.platform === 'linux') expect(openOn(late)).toBe(0);
  });
});
