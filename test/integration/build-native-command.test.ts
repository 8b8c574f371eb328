import { execFile } from 'node:child_process';
import { copyFile, mkdir, readlink, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../helpers/cli.js';

/**
 * `npm run build` writes bin/coffer, the `coffer` that npm links (package.json "bin"): the small
 * C client where a C compiler built it, else bin/coffer.cjs. Run here in a folder of its own, with
 * only the files the step reads, so the checkout's own bin/coffer is never touched.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

describe.runIf(process.platform !== 'win32')('the build writes the `coffer` command', () => {
  let work: string;

  beforeEach(async () => {
    work = await tempDir('coffer-build-');
    await mkdir(join(work, 'bin'));
    await mkdir(join(work, 'electron/agent/native'), { recursive: true });
    await copyFile(join(ROOT, 'bin/coffer.cjs'), join(work, 'bin/coffer.cjs'));
    await copyFile(join(ROOT, 'electron/agent/native/coffer-client.c'), join(work, 'electron/agent/native/coffer-client.c'));
  });

  afterEach(() => removeDir(work));

  const build = (env: NodeJS.ProcessEnv = {}) =>
    run(process.execPath, [join(ROOT, 'scripts/build-native.js')], { cwd: work, env: { ...process.env, ...env } });

  it('links it to dist/native/coffer, an executable, when the client compiles', async () => {
    await build();
    expect(await readlink(join(work, 'bin/coffer'))).toBe('../dist/native/coffer');
    expect((await stat(join(work, 'dist/native/coffer'))).mode & 0o111).toBe(0o111);
  }, 60_000);

  it('links it to bin/coffer.cjs, and says why and what to install, when there is no C compiler', async () => {
    const { stderr } = await build({ CC: 'a-compiler-that-is-not-there' });
    expect(await readlink(join(work, 'bin/coffer'))).toBe('coffer.cjs');
    expect(stderr).toContain('dist/native/coffer was not built');
    expect(stderr).toContain('install a C compiler');
    // Nothing half-built is left behind.
    await expect(stat(join(work, 'dist/native/coffer'))).rejects.toThrow();
  }, 60_000);

  it('removes a client that no longer compiles, instead of keeping the older build', async () => {
    await build();
    const source = join(work, 'electron/agent/native/coffer-client.c');
    const later = new Date(Date.now() + 60_000);
    await utimes(source, later, later);
    await build({ CC: 'a-compiler-that-is-not-there' });
    expect(await readlink(join(work, 'bin/coffer'))).toBe('coffer.cjs');
    await expect(stat(join(work, 'dist/native/coffer'))).rejects.toThrow();
  }, 60_000);
});
