import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Vault } from '../../electron/core/vault/vault.js';
import { VaultLockLease, withVaultLock } from '../../electron/core/vault/vault-lock.js';
import { removeDir, tempDir } from '../helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe("the vault lock's lease (a folder's audit appends)", () => {
  it('takes the lock once for a run of work, and gives it up after a short idle time', async () => {
    const lock = join(dir, 'lock');
    const lease = new VaultLockLease(dir, lock, { idleMs: 30, maxHoldMs: 10_000 });
    const fresh: boolean[] = [];
    for (let i = 0; i < 5; i += 1) await lease.run(async (isFresh) => fresh.push(isFresh));
    expect(fresh).toEqual([true, false, false, false, false]);
    expect(existsSync(lock)).toBe(true);
    // Given up by the idle timer alone (polled: a loaded machine runs timers late).
    for (let i = 0; i < 300 && existsSync(lock); i += 1) await sleep(10);
    expect(existsSync(lock)).toBe(false);
    await lease.run(async (isFresh) => fresh.push(isFresh));
    expect(fresh.at(-1)).toBe(true);
    await lease.release();
  });

  it('gives the lock up once held for maxHoldMs, so another holder waits at most about that long', async () => {
    const lock = join(dir, 'lock');
    const lease = new VaultLockLease(dir, lock, { idleMs: 10_000, maxHoldMs: 40 });
    const fresh: boolean[] = [];
    const started = Date.now();
    // Work that keeps coming: without the cap the lock would stay held throughout.
    const steady = (async () => {
      while (Date.now() - started < 400) {
        await lease.run(async (isFresh) => fresh.push(isFresh));
        await sleep(5);
      }
    })();
    await sleep(50);
    const waited = Date.now();
    await withVaultLock(dir, lock, async () => undefined);
    expect(Date.now() - waited).toBeLessThan(1_000);
    await steady;
    await lease.release();
    expect(fresh.filter(Boolean).length).toBeGreaterThan(2);
  });

  it('runs pieces of work one at a time, and a failing piece gives the lock up', async () => {
    const lock = join(dir, 'lock');
    const lease = new VaultLockLease(dir, lock);
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        lease.run(async () => {
          running += 1;
          most = Math.max(most, running);
          await sleep(2);
          running -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
    await expect(
      lease.run(async () => {
        throw new Error('disk gone');
      }),
    ).rejects.toThrow('disk gone');
    expect(existsSync(lock)).toBe(false);
  });

  it("keeps the audit chain whole when records interleave with the vault's own transactions", async () => {
    const vault = (await Vault.init({ dir }, { mode: 'keychain' })).vault;
    for (let i = 0; i < 20; i += 1) {
      await Promise.all([
        vault.record([{ operation: 'decrypt-file', outcome: 'success', detail: `file ${i}` }]),
        vault.record([{ operation: 'decrypt-file', outcome: 'success', detail: `file ${i}b` }]),
        i % 5 === 0
          ? vault.mutate('tag-key', () => ({ result: null, events: [{ operation: 'tag-key', outcome: 'success' }] }))
          : null,
      ]);
    }
    // Another process (a second Vault on the same folder) appends between the holds.
    const other = await Vault.open({ dir });
    await sleep(60);
    await other.record([{ operation: 'encrypt-file', outcome: 'success' }]);
    await vault.record([{ operation: 'decrypt-file', outcome: 'success', detail: 'after' }]);
    const verified = await vault.auditLog();
    expect(verified.problems).toEqual([]);
    expect(verified.chain_verified).toBe(true);
    expect(verified.records.filter((r) => r.operation === 'decrypt-file')).toHaveLength(41);
    expect(verified.records.at(-1)?.detail).toBe('after');
  });
});
