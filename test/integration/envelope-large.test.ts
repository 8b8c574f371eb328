import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kms from '../../electron/core/kms/key-operations.js';
import { RandomAccessReader } from '../../electron/core/envelope/random-access-reader.js';
import { decryptFile, encryptFile } from '../../electron/core/jobs/file-crypto.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { COFFER_BIN, runCoffer } from '../helpers/cli.js';
import { memoryKeyring, sha256File } from '../helpers/engine-fixture.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';

let fx: VaultFixture;
let pool: WorkerPool;
beforeAll(async () => {
  fx = await keychainVault();
  pool = new WorkerPool();
});
afterAll(async () => {
  await pool.close();
  await fx.dispose();
});

describe('a file over 4 GiB', () => {
  it('round-trips across every 32-bit offset, and ranges past 4 GiB read back exactly', async () => {
    const input = join(fx.dir, 'huge.img');
    const size = 2 ** 32 + 5 * 1024 * 1024 + 3;
    await truncate(await writeFile(input, '').then(() => input), size);
    // Marks at the offsets where 32-bit arithmetic would wrap; the rest stays sparse (zeros).
    const marks = [0, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, size - 1];
    const handle = await open(input, 'r+');
    for (const offset of marks) await handle.write(Buffer.from([(offset % 251) + 1]), 0, 1, offset);
    await handle.close();

    const keys = memoryKeyring();
    const sealed = await encryptFile(input, `${input}.coffer`, { hashPlaintext: true }, { pool, keys });
    expect(sealed.bytes).toBe(size);
    const verified = await decryptFile(sealed.output!, null, { pool, keys }, { hashPlaintext: true });
    expect(verified.bytes).toBe(size);
    expect(verified.sha256).toBe(sealed.sha256);

    const reader = await RandomAccessReader.open(sealed.output!, keys.unwrap);
    try {
      expect(reader.plaintextLength).toBe(size);
      for (const offset of marks) {
        const around = await reader.read(Math.max(0, offset - 2), Math.min(size, offset + 3));
        expect(around[Math.min(2, offset)]).toBe((offset % 251) + 1);
      }
    } finally {
      await reader.close();
    }
    await rm(sealed.output!);
    await rm(input);
  }, 600_000);
});

function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { exited: Promise<number | null>; kill: () => void } {
  const child = spawn(process.execPath, [COFFER_BIN, '--vault', fx.dir, ...args], {
    stdio: 'ignore',
    env: { ...process.env, COFFER_AGENT: 'off', ...env },
  });
  return { exited: new Promise((resolve) => child.on('close', (code) => resolve(code))), kill: () => child.kill('SIGKILL') };
}

async function waitForTemp(dir: string, timeoutMs = 30_000): Promise<string> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const temp = (await readdir(dir)).find((name) => name.includes('.coffer-tmp-'));
    if (temp && (await stat(join(dir, temp))).size > 8 * 1024 * 1024) return temp;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the job never started writing');
}

/** A CMK named `alias` and a folder of that name holding one file of random bytes. */
async function keyAndFile(alias: string, name: string, size: number): Promise<{ dir: string; input: string; data: Buffer }> {
  await kms.createKey(fx.vault, { key_alias: alias });
  const dir = join(fx.dir, alias);
  await mkdir(dir);
  const input = join(dir, name);
  const data = randomBytes(size);
  await writeFile(input, data);
  return { dir, input, data };
}

describe('a job killed with SIGKILL', () => {
  it('leaves the input intact and nothing under the output name; the next run cleans up and succeeds', async () => {
    const { dir, input, data } = await keyAndFile('kill', 'database.dump', 256 * 1024 * 1024);
    const inputHash = createHash('sha256').update(data).digest('hex');

    const encrypting = startCli(['encrypt-file', '--key-id', 'alias/kill', '--frame-length', '65536', input]);
    const temp = await waitForTemp(dir);
    encrypting.kill();
    await encrypting.exited;
    expect(await sha256File(input)).toBe(inputHash);
    expect(existsSync(`${input}.coffer`)).toBe(false);
    expect(existsSync(join(dir, temp))).toBe(true);

    const again = startCli(['encrypt-file', '--key-id', 'alias/kill', input]);
    expect(await again.exited).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['database.dump', 'database.dump.coffer']);

    // The same for decryption: no plaintext ever appears under the final name.
    await rm(input);
    const decrypting = startCli(['decrypt-file', '--workers', '1', `${input}.coffer`]);
    await waitForTemp(dir);
    decrypting.kill();
    await decrypting.exited;
    expect(existsSync(input)).toBe(false);
    const finish = startCli(['decrypt-file', `${input}.coffer`]);
    expect(await finish.exited).toBe(0);
    expect(await sha256File(input)).toBe(inputHash);
    expect((await readdir(dir)).sort()).toEqual(['database.dump', 'database.dump.coffer']);
  }, 300_000);
});

describe('the two frame ciphers, through the CLI and its workers', () => {
  it('files sealed with node:crypto (COFFER_AES_GCM=node) open with the OpenSSL addon and the other way round, and so do those of its self-contained build', async () => {
    const { dir, input, data } = await keyAndFile('ciphers', 'video.mp4', 9 * 1024 * 1024 + 123);
    const node = { COFFER_AES_GCM: 'node' };
    const selfContained = { COFFER_AES_GCM: 'static' };
    for (const [sealWith, openWith] of [
      [node, {}],
      [{}, node],
      ...(process.platform === 'linux'
        ? ([
            [selfContained, node],
            [node, selfContained],
          ] as const)
        : []),
    ] as const) {
      const sealed = startCli(['encrypt-file', '--key-id', 'alias/ciphers', '--frame-length', '65536', input], sealWith);
      expect(await sealed.exited).toBe(0);
      await rm(input);
      const opened = startCli(['decrypt-file', `${input}.coffer`], openWith);
      expect(await opened.exited).toBe(0);
      expect((await readdir(dir)).sort()).toEqual(['video.mp4', 'video.mp4.coffer']);
      expect(await sha256File(input)).toBe(createHash('sha256').update(data).digest('hex'));
      await rm(`${input}.coffer`);
    }
  }, 60_000);
});

describe('encrypt-file, whose files are sealed while the vault opens', () => {
  it("fails with the vault's own error when the vault does not open, and leaves no file behind", async () => {
    const vaultDir = join(fx.dir, 'passphrase-vault');
    const run = (args: string[], passphrase: string) =>
      runCoffer(['--vault', vaultDir, ...args], { env: { COFFER_PASSPHRASE: passphrase } });
    expect((await run(['init', '--passphrase'], 'the right passphrase')).code).toBe(0);
    expect((await run(['create-key', '--alias', 'films'], 'the right passphrase')).code).toBe(0);
    const dir = join(fx.dir, 'films');
    await mkdir(dir);
    await writeFile(join(dir, 'a.mkv'), randomBytes(48 * 1024 * 1024));
    await writeFile(join(dir, 'b.mkv'), randomBytes(1024));

    const refused = await run(['encrypt-file', '--key-id', 'alias/films', dir], 'a wrong passphrase');
    expect(refused.code).toBe(1);
    expect(refused.error?.error_code).toBe('COFFER.1005');
    expect(refused.stdout).toBe('');
    expect((await readdir(dir)).sort()).toEqual(['a.mkv', 'b.mkv']);

    const sealed = await run(['encrypt-file', '--key-id', 'alias/films', dir], 'the right passphrase');
    expect(sealed.code, sealed.stderr).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['a.mkv', 'a.mkv.coffer', 'b.mkv', 'b.mkv.coffer']);
  }, 120_000);
});
