import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptedName } from '../../electron/core/jobs/file-batch.js';
import { removeDir, runCoffer, tempDir } from '../helpers/cli.js';

/**
 * An output is always one plain name inside its folder: "...coffer" once decrypted to "..", the
 * parent folder, and the output landed a folder up. Hostile names get a safe name and a note.
 */
let root: string;
let vault: string;
let sealed: string;

const coffer = (args: string[]) => runCoffer(['--vault', vault, ...args], { env: { COFFER_AGENT: 'off' } });

beforeAll(async () => {
  root = await tempDir('coffer-names-');
  vault = join(root, 'vault');
  expect((await runCoffer(['--vault', vault, 'init'])).code).toBe(0);
  expect((await runCoffer(['--vault', vault, 'create-key', '--alias', 'k'])).code).toBe(0);
  await writeFile(join(root, 'plain'), 'the plaintext');
  expect((await coffer(['encrypt-file', '--key-id', 'alias/k', join(root, 'plain')])).code).toBe(0);
  sealed = join(root, 'plain.coffer');
});
afterAll(async () => {
  await removeDir(root);
});

describe('output names', () => {
  it('never gives an output an empty name, ".", ".." or one with a separator', () => {
    for (const hostile of ['/x/..coffer', '/x/...coffer']) {
      expect(decryptedName(hostile)).toMatchObject({ name: 'decrypted', note: expect.stringContaining('not a file name') });
    }
    expect(decryptedName('/x/.coffer')).toEqual({ name: '.coffer.decrypted' });
    expect(decryptedName('/x/photo.jpg.coffer')).toEqual({ name: 'photo.jpg' });
  });

  it('decrypts "..coffer" and "...coffer" into their own folder, under safe names, with a note', async () => {
    const here = join(root, 'a', 'b');
    await mkdir(here, { recursive: true });
    await copyFile(sealed, join(here, '..coffer'));
    await copyFile(sealed, join(here, '...coffer'));
    const result = await coffer(['decrypt-file', join(here, '..coffer'), join(here, '...coffer')]);
    expect(result.code).toBe(0);
    // The two files run side by side, so which one finishes first and takes "decrypted" varies.
    const files = result.json.files as { status: string; output: string; note: string }[];
    for (const file of files) {
      expect(file).toMatchObject({ status: 'ok', note: expect.stringMatching(/written as "decrypted"/) });
    }
    expect(files.map((f) => f.output).sort()).toEqual([join(here, 'decrypted'), join(here, 'decrypted (1)')]);
    expect(await readFile(join(here, 'decrypted (1)'), 'utf8')).toBe('the plaintext');
    expect(await readFile(join(here, 'decrypted'), 'utf8')).toBe('the plaintext');
    // Nothing a folder or two up: the probe found "a (1)" beside "a" and "b (1)" beside "b".
    expect((await readdir(join(root, 'a'))).sort()).toEqual(['b']);
    expect((await readdir(root)).filter((n) => n.startsWith('a'))).toEqual(['a']);
  });

  it('keeps hostile names inside the output folder of a folder walk', async () => {
    const tree = join(root, 'tree');
    await mkdir(tree);
    await copyFile(sealed, join(tree, '...coffer'));
    const out = join(root, 'out');
    const result = await coffer(['decrypt-file', '--out-dir', out, tree]);
    expect(result.json.files[0]).toMatchObject({
      status: 'ok',
      output: join(out, 'tree', 'decrypted'),
      note: expect.any(String),
    });
    expect(await readdir(out)).toEqual(['tree']);
  });
});
