import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCoffer } from '../helpers/cli.js';

/**
 * bin/coffer.cjs runs the CLI bundle from V8's code cache, kept beside it. A cache is used only
 * for the exact source it was made from; any other cache is ignored and replaced, never trusted.
 */
const bundle = fileURLToPath(new URL('../../dist/electron/cli/coffer.bundle.cjs', import.meta.url));
const cacheFile = bundle.replace(/\.cjs$/, '.v8-cache');

async function bundleDigest(): Promise<Buffer> {
  return createHash('sha256')
    .update(await readFile(bundle))
    .digest();
}

async function versionRuns(): Promise<void> {
  const run = await runCoffer(['--version']);
  expect(run.code).toBe(0);
  expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
}

describe("the CLI's code cache", () => {
  it('is written after a run, for the bundle it was made from', async () => {
    await versionRuns();
    const cache = await readFile(cacheFile);
    expect(cache.subarray(0, 32).equals(await bundleDigest())).toBe(true);
    expect(cache.length).toBeGreaterThan(100_000);
  });

  it('made from another source (a stale build) is ignored and replaced', async () => {
    await writeFile(cacheFile, Buffer.concat([randomBytes(32), randomBytes(200_000)]));
    await versionRuns();
    expect((await readFile(cacheFile)).subarray(0, 32).equals(await bundleDigest())).toBe(true);
  });

  it('that V8 refuses (damaged, or from another Node) is ignored and replaced', async () => {
    const digest = await bundleDigest();
    await writeFile(cacheFile, Buffer.concat([digest, randomBytes(200_000)]));
    await versionRuns();
    const cache = await readFile(cacheFile);
    expect(cache.subarray(0, 32).equals(digest)).toBe(true);
    // A fresh cache from V8, not the damaged bytes left in place.
    expect(cache.length).not.toBe(32 + 200_000);
  });
});

describe('the CLI bundle', () => {
  it('is pure ASCII, so V8 holds its source as one-byte text (a single non-ASCII character doubles the cost of decoding it)', async () => {
    const bytes = await readFile(bundle);
    expect(bytes.findIndex((byte) => byte > 0x7f)).toBe(-1);
  });
});
