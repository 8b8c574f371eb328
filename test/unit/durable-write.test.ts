import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeStaleTemporaries, replaceKeepingPrevious } from '../../electron/core/vault/durable-write.js';
import { removeDir, tempDir } from '../helpers/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe('replaceKeepingPrevious', () => {
  it('writes the new content and keeps exactly one generation back', async () => {
    const target = join(dir, 'vault.json');
    const previous = join(dir, 'vault.previous.json');
    await replaceKeepingPrevious(target, previous, 'one');
    expect(await readFile(target, 'utf8')).toBe('one');
    expect(await readdir(dir)).toEqual(['vault.json']);
    await replaceKeepingPrevious(target, previous, 'two');
    await replaceKeepingPrevious(target, previous, 'three');
    expect(await readFile(target, 'utf8')).toBe('three');
    expect(await readFile(previous, 'utf8')).toBe('two');
    expect((await readdir(dir)).sort()).toEqual(['vault.json', 'vault.previous.json']);
  });

  it('cleans temporaries a killed writer left, and nothing else', async () => {
    for (const name of ['vault.json.3141592653', '.vault.previous.json.42.tmp', 'vault.json', 'vault.json.bak', 'notes.txt']) {
      await writeFile(join(dir, name), 'x');
    }
    await removeStaleTemporaries(dir, ['vault.json', 'vault.previous.json']);
    expect((await readdir(dir)).sort()).toEqual(['notes.txt', 'vault.json', 'vault.json.bak']);
  });
});
