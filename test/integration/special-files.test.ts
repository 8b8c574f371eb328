import { execFileSync, spawn } from 'node:child_process';
import { mkdir, readdir, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../shared/errors.js';
import { openReadableFile } from '../../electron/core/envelope/message-file.js';
import { COFFER_BIN, removeDir, runCoffer, tempDir } from '../helpers/cli.js';

/**
 * FIFOs, sockets and devices are never opened for reading (opening a FIFO waits for a writer
 * forever): named and skipped, alone or inside a folder. And the first SIGINT or SIGTERM ends a
 * file command promptly, leaving nothing half-written.
 */
let root: string;
let vault: string;
let socketServer: Server;

const coffer = (args: string[]) => runCoffer(['--vault', vault, ...args], { env: { COFFER_AGENT: 'off' } });

beforeAll(async () => {
  root = await tempDir('coffer-special-');
  vault = join(root, 'vault');
  expect((await runCoffer(['--vault', vault, 'init'])).code).toBe(0);
  expect((await runCoffer(['--vault', vault, 'create-key', '--alias', 'k'])).code).toBe(0);
  await mkdir(join(root, 'folder'));
  await writeFile(join(root, 'folder', 'note.txt'), 'a regular file');
  execFileSync('mkfifo', [join(root, 'folder', 'pipe'), join(root, 'pipe'), join(root, 'pipe.coffer')]);
  socketServer = createServer();
  await new Promise<void>((resolve) => socketServer.listen(join(root, 'folder', 'sock'), resolve));
});
afterAll(async () => {
  await new Promise((resolve) => socketServer.close(resolve));
  await removeDir(root);
});

describe('special files', () => {
  it('skips a FIFO given to encrypt-file at once, with its reason, instead of waiting on it forever', async () => {
    const started = Date.now();
    const result = await coffer(['encrypt-file', '--key-id', 'alias/k', join(root, 'pipe')]);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.json.files).toEqual([
      {
        input: join(root, 'pipe'),
        status: 'skipped',
        reason: expect.stringMatching(/^a named pipe \(FIFO\), not a regular file/),
      },
    ]);
    expect(await readdir(root)).not.toContain('pipe.coffer-tmp');
  });

  it('skips FIFOs and sockets inside a folder by name, and encrypts the rest', async () => {
    const result = await coffer(['encrypt-file', '--key-id', 'alias/k', join(root, 'folder')]);
    expect(result.code).toBe(0);
    const byInput = Object.fromEntries(result.json.files.map((f: { input: string }) => [f.input, f]));
    expect(byInput[join(root, 'folder', 'note.txt')]).toMatchObject({ status: 'ok' });
    expect(byInput[join(root, 'folder', 'pipe')]).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/named pipe/),
    });
    expect(byInput[join(root, 'folder', 'sock')]).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/^a socket/),
    });
  });

  it('skips a FIFO named like a Coffer file when decrypting or verifying', async () => {
    for (const command of ['decrypt-file', 'verify-file']) {
      const result = await coffer([command, join(root, 'pipe.coffer')]);
      expect(result.json.files[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/named pipe/) });
    }
  });

  it('refuses to open a FIFO or a device for reading, with its own code', async () => {
    for (const [path, kind] of [
      [join(root, 'pipe'), 'a named pipe (FIFO)'],
      ['/dev/null', 'a character device'],
    ] as const) {
      const error = await openReadableFile(path).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CofferError);
      expect((error as CofferError).code).toBe('COFFER.2030');
      expect((error as CofferError).message).toContain(kind);
    }
  });
});

describe('a signal', () => {
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`ends encrypt-file on the first ${signal}, promptly, exiting ${code} and leaving no temporary file`, async () => {
      const input = join(root, `big-${signal}.img`);
      await writeFile(input, '');
      await truncate(input, 3 * 1024 ** 3);
      const out = join(root, `out-${signal}`);
      await mkdir(out);
      const child = spawn(
        process.execPath,
        [COFFER_BIN, '--vault', vault, 'encrypt-file', '--key-id', 'alias/k', '--out-dir', out, input],
        { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, COFFER_AGENT: 'off' } },
      );
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const deadline = Date.now() + 30_000;
      while (!(await readdir(out)).some((e) => e.includes('.coffer-tmp-'))) {
        if (Date.now() > deadline) throw new Error('no temporary file appeared');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const sent = Date.now();
      child.kill(signal);
      expect(await exited).toBe(code);
      expect(Date.now() - sent).toBeLessThan(5000);
      expect(await readdir(out)).toEqual([]);
      expect(JSON.parse(stdout).files[0]).toMatchObject({ input, status: 'error', error: { error_code: 'COFFER.2010' } });
      await truncate(input, 0);
    }, 60_000);
  }
});
