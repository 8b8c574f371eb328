import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, copyFile, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COFFER_BIN, removeDir, runCoffer, tempDir } from '../helpers/cli.js';

/**
 * Every file-system failure has its own code and a sentence that says what happened and what was
 * kept: a full disk, a read-only file system, a denied permission, a loop of symbolic links, a
 * name too long. Real ones: small tmpfs mounts, a real loop, a real unprivileged user.
 */
let root: string;
let vault: string;
const mounts: string[] = [];
const canMount = process.platform === 'linux' && process.getuid?.() === 0;

const coffer = (args: string[]) => runCoffer(['--vault', vault, ...args], { env: { COFFER_AGENT: 'off' } });

async function tmpfs(name: string, options: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

beforeAll(async () => {
  root = await tempDir('coffer-fs-');
  vault = join(root, 'vault');
  expect((await runCoffer(['--vault', vault, 'init'])).code).toBe(0);
  expect((await runCoffer(['--vault', vault, 'create-key', '--alias', 'k'])).code).toBe(0);
});
afterAll(async () => {
  for (const dir of mounts) execFileSync('umount', [dir]);
  await removeDir(root);
});

describe('file-system failures', () => {
  it.runIf(canMount)('names a full disk (COFFER.2031), keeps the original and leaves nothing in the output folder', async () => {
    const full = await tmpfs('full', 'size=1m');
    const input = join(root, 'big.bin');
    await writeFile(input, randomBytes(4 * 1024 * 1024));
    const result = await coffer(['encrypt-file', '--key-id', 'alias/k', '--out-dir', full, input]);
    expect(result.code).toBe(1);
    const error = result.json.files[0].error;
    expect(error.error_code).toBe('COFFER.2031');
    expect(error.error_msg).toContain(join(full, 'big.bin.coffer'));
    expect(error.error_msg).toMatch(/disk is full.*The original was kept/);
    expect(await readdir(full)).toEqual([]);
  });

  it.runIf(canMount)('names a read-only file system (COFFER.2035) and keeps the encrypted file', async () => {
    const disk = await tmpfs('ro', 'size=1m');
    await writeFile(join(root, 'small.txt'), 'hello');
    expect((await coffer(['encrypt-file', '--key-id', 'alias/k', '--out-dir', disk, join(root, 'small.txt')])).code).toBe(0);
    execFileSync('mount', ['-o', 'remount,ro', disk]);
    const result = await coffer(['decrypt-file', join(disk, 'small.txt.coffer')]);
    expect(result.code).toBe(1);
    expect(result.json.files[0].error).toMatchObject({
      error_code: 'COFFER.2035',
      error_msg: expect.stringMatching(/read-only.*The encrypted file was kept/),
    });
    expect(await readdir(disk)).toEqual(['small.txt.coffer']);
  });

  it('names a loop of symbolic links given on the command line (COFFER.2033), not "does not exist"', async () => {
    await symlink(join(root, 'loop-b'), join(root, 'loop-a'));
    await symlink(join(root, 'loop-a'), join(root, 'loop-b'));
    const result = await coffer(['encrypt-file', '--key-id', 'alias/k', join(root, 'loop-a')]);
    expect(result.code).toBe(1);
    expect(result.json.files[0].error).toMatchObject({
      error_code: 'COFFER.2033',
      error_msg: expect.stringMatching(/loop of symbolic links/),
    });
  });

  it('names a path whose name is too long (COFFER.2034)', async () => {
    const result = await coffer(['encrypt-file', '--key-id', 'alias/k', join(root, 'n'.repeat(300))]);
    expect(result.json.files[0].error).toMatchObject({ error_code: 'COFFER.2034', error_msg: expect.stringMatching(/too long/) });
  });

  it('leaves no empty tree of output folders when every file of a folder fails', async () => {
    const tree = join(root, 'tree', 'a', 'b');
    await mkdir(tree, { recursive: true });
    await writeFile(join(tree, 'one.coffer'), 'not a Coffer file');
    await writeFile(join(root, 'tree', 'a', 'two.coffer'), 'nor this');
    const out = join(root, 'opened');
    const result = await coffer(['decrypt-file', '--out-dir', out, join(root, 'tree')]);
    expect(result.code).toBe(1);
    expect(result.json.files.map((f: { error: { error_code: string } }) => f.error.error_code)).toEqual([
      'COFFER.2001',
      'COFFER.2001',
    ]);
    expect(await readdir(out)).toEqual([]);
  });

  it.runIf(process.getuid?.() === 0)('names a denied permission (COFFER.2032) to a user who may not read or write', async () => {
    // Root reads everything: the CLI runs as the unprivileged user nobody, with a passphrase vault.
    const home = join(root, 'nobody');
    await mkdir(home);
    await chmod(root, 0o755);
    const env = { ...process.env, COFFER_AGENT: 'off', COFFER_PASSPHRASE: 'correct horse battery staple', HOME: home };
    const asNobody = (args: string[]) => {
      const run = spawnSync(
        'setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          process.execPath,
          COFFER_BIN,
          '--vault',
          join(home, 'vault'),
          ...args,
        ],
        { env, encoding: 'utf8' },
      );
      return { code: run.status, json: run.stdout ? JSON.parse(run.stdout) : undefined, stderr: run.stderr };
    };
    await chown(home, 65534, 65534);
    expect(asNobody(['init', '--passphrase']).code).toBe(0);
    expect(asNobody(['create-key', '--alias', 'k']).code).toBe(0);
    const secret = join(root, 'secret.txt');
    await writeFile(secret, 'root only');
    await chmod(secret, 0o600);
    const unreadable = asNobody(['encrypt-file', '--key-id', 'alias/k', '--out-dir', home, secret]);
    expect(unreadable.code).toBe(1);
    expect(unreadable.json.files[0].error).toMatchObject({
      error_code: 'COFFER.2032',
      error_msg: expect.stringMatching(/secret\.txt cannot be read: permission was denied.*Nothing was written/),
    });
    const mine = join(home, 'mine.txt');
    await writeFile(mine, 'nobody owns this');
    await chown(mine, 65534, 65534);
    expect(asNobody(['encrypt-file', '--key-id', 'alias/k', mine]).code).toBe(0);
    // A folder nobody may read but not write: the decrypted file cannot be made beside its source.
    const closed = join(root, 'closed');
    await mkdir(closed, { mode: 0o755 });
    await copyFile(`${mine}.coffer`, join(closed, 'mine.txt.coffer'));
    await chmod(join(closed, 'mine.txt.coffer'), 0o644);
    const intoClosed = asNobody(['decrypt-file', join(closed, 'mine.txt.coffer')]);
    expect(intoClosed.code).toBe(1);
    expect(intoClosed.json.files[0].error).toMatchObject({
      error_code: 'COFFER.2032',
      error_msg: expect.stringMatching(/mine\.txt could not be written: permission was denied.*The encrypted file was kept/),
    });
    expect(await readdir(closed)).toEqual(['mine.txt.coffer']);
  });
});
