import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listKeys } from '../../electron/core/kms/key-operations.js';
import { Vault } from '../../electron/core/vault/vault.js';
import { removeDir, tempDir } from '../helpers/cli.js';

const CREATOR = fileURLToPath(new URL('../fixtures/create-keys.mjs', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
  await Vault.init({ dir }, { mode: 'keychain' });
});
afterEach(async () => {
  await removeDir(dir);
});

interface Creator {
  reported: string[];
  exited: Promise<number | null>;
  kill(): void;
}

function startCreator(prefix: string, count: number): Creator {
  const child = spawn(process.execPath, [CREATOR, dir, prefix, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const reported: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    reported.push(...lines.filter(Boolean));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      if (code !== 0 && code !== null) console.error(stderr);
      resolve(code);
    }),
  );
  return { reported, exited, kill: () => child.kill('SIGKILL') };
}

async function allKeyIds(): Promise<Set<string>> {
  const vault = await Vault.open({ dir });
  const ids = new Set<string>();
  let marker = '';
  do {
    const page = await listKeys(vault, { limit: 1000, marker });
    page.keys.forEach((id) => ids.add(id));
    marker = page.next_marker;
  } while (marker);
  return ids;
}

describe('the vault shared by several processes', () => {
  it('8 processes each creating 25 keys at once end with 200 keys, none lost, and the vault opens', async () => {
    const creators = Array.from({ length: 8 }, (_, i) => startCreator(`p${i}`, 25));
    expect(await Promise.all(creators.map((c) => c.exited))).toEqual(Array(8).fill(0));
    const reported = creators.flatMap((c) => c.reported);
    expect(reported).toHaveLength(200);
    const ids = await allKeyIds();
    expect(ids.size).toBe(200);
    for (const id of reported) expect(ids.has(id)).toBe(true);
    const vault = await Vault.open({ dir });
    const log = await vault.auditLog();
    expect(log.chain_verified, log.problems.join('; ')).toBe(true);
    expect(log.records.filter((r) => r.operation === 'create-key' && r.outcome === 'success')).toHaveLength(200);
  });

  it('a process killed with SIGKILL at 30 random moments never loses a key whose creation it reported', async () => {
    const everReported: string[] = [];
    let killedHoldingLock = 0;
    for (let round = 0; round < 30; round += 1) {
      const creator = startCreator(`r${round}`, 0);
      // Wait until it is in its loop of creations (a stale lock from the last kill may delay it),
      // then kill it at a random moment of that loop.
      const started = Date.now();
      while (creator.reported.length === 0 && Date.now() - started < 20_000) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
      creator.kill();
      await creator.exited;
      if (existsSync(join(dir, 'vault.lock'))) killedHoldingLock += 1;
      everReported.push(...creator.reported);
      const ids = await allKeyIds();
      const missing = everReported.filter((id) => !ids.has(id));
      expect(missing, `round ${round}: reported but missing`).toEqual([]);
    }
    console.info(
      `crash test: ${everReported.length} creations reported over 30 kills, ${killedHoldingLock} kills while holding the vault lock`,
    );
    expect(everReported.length).toBeGreaterThan(30);
    expect(killedHoldingLock).toBeGreaterThan(0);
    const vault = await Vault.open({ dir });
    const log = await vault.auditLog();
    // A kill can tear the last audit line; the next writer cuts it off, and the vault stays intact.
    expect(log.records.length).toBeGreaterThan(everReported.length);
  }, 300_000);
});
