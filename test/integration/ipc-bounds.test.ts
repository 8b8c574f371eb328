import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MediaRegistry } from '../../electron/app/media-protocol.js';
import { RandomAccessReader } from '../../electron/core/envelope/random-access-reader.js';
import { encryptFile } from '../../electron/core/jobs/file-crypto.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { AppServicesHarness } from '../helpers/app-services-harness.js';
import { removeDir, tempDir } from '../helpers/cli.js';
import { memoryKeyring } from '../helpers/engine-fixture.js';

/**
 * The app's bounds on hostile headers, at the handlers the IPC bridge calls: the EDK limit is a
 * setting that persists and reaches the app's jobs and previews, and the preview refuses files of
 * frames too long to stream. Real vault (keychain), real files, the real main-process code.
 */
let work: string;
let app: AppServicesHarness;

/** A handle for a path, as the window gets one: the user picks it in Coffer's dialog. */
async function chosen(path: string): Promise<string> {
  return (await app.choose('files', path))[0]!.handle;
}

beforeEach(async () => {
  work = await tempDir();
  app = await AppServicesHarness.start(join(work, 'vault'), { poolSize: 1 });
});
afterEach(async () => {
  await app.close();
  await removeDir(work);
});

describe('the EDK limit as an app setting', () => {
  it('round-trips through settings:set, survives a restart, and is applied to jobs:start and media:open', async () => {
    await app.ok('vault:create', { protection: 'keychain' });
    for (const alias of ['one', 'two', 'three']) await app.ok('keys:create', { key_alias: alias });
    const plain = join(work, 'clip.mp4');
    await writeFile(plain, randomBytes(4000));
    const [sealed] = await app.runJob({
      action: 'encrypt',
      inputs: [await chosen(plain)],
      key_ids: ['alias/one', 'alias/two', 'alias/three'],
    });
    expect(sealed).toMatchObject({ status: 'ok' });
    const file = `${plain}.coffer`;

    expect(await app.ok('settings:get')).toMatchObject({ max_encrypted_data_keys: null });
    expect(await app.ok('settings:set', { max_encrypted_data_keys: 2 })).toMatchObject({ max_encrypted_data_keys: 2 });
    await app.restart();
    expect(await app.ok('settings:get')).toMatchObject({ max_encrypted_data_keys: 2 });
    const handle = await chosen(file);

    // Under 2, the 3-EDK file is refused by every reader of the app, before any key is used.
    expect(await app.runJob({ action: 'verify', inputs: [handle] })).toMatchObject([
      {
        input: file,
        status: 'error',
        error: { error_code: 'COFFER.2036', error_msg: expect.stringMatching(/3 encrypted data keys, over the 2/) },
      },
    ]);
    expect(await app.runJob({ action: 'decrypt', inputs: [handle] })).toMatchObject([
      { status: 'error', error: { error_code: 'COFFER.2036' } },
    ]);
    expect(await app.invoke('media:open', { handle })).toMatchObject({ ok: false, error: { code: 'COFFER.2036' } });
    // A request's own limit beats the setting.
    expect(await app.runJob({ action: 'verify', inputs: [handle], max_encrypted_data_keys: 3 })).toMatchObject([
      { status: 'ok' },
    ]);

    await app.ok('settings:set', { max_encrypted_data_keys: 3 });
    expect(await app.runJob({ action: 'verify', inputs: [handle] })).toMatchObject([{ status: 'ok' }]);
    expect(await app.ok('media:open', { handle })).toMatchObject({ mime_type: 'video/mp4', size: 4000 });
    // Encrypting takes no EDK limit: the setting is not added to encrypt jobs.
    expect(await app.runJob({ action: 'encrypt', inputs: [await chosen(plain)], key_ids: ['alias/one'] })).toMatchObject([
      { status: 'ok' },
    ]);

    expect(await app.invoke('settings:set', { max_encrypted_data_keys: 0 })).toMatchObject({ ok: false });
    expect(await app.invoke('settings:set', { max_encrypted_data_keys: 65_536 })).toMatchObject({ ok: false });
    expect(await app.ok('settings:set', { max_encrypted_data_keys: null })).toMatchObject({ max_encrypted_data_keys: null });
  });
});

describe('the preview and long frames', () => {
  it('refuses a file of 8 MiB frames (COFFER.2037, decrypt it instead) and previews one of 4 MiB frames', async () => {
    const pool = new WorkerPool(1);
    const keys = memoryKeyring();
    try {
      const plain = join(work, 'movie.mp4');
      await writeFile(plain, randomBytes(10_000));
      const long = await encryptFile(plain, join(work, 'long.mp4.coffer'), { frame_length: 8 * 1024 * 1024 }, { pool, keys });
      const fits = await encryptFile(plain, join(work, 'fits.mp4.coffer'), { frame_length: 4 * 1024 * 1024 }, { pool, keys });
      let unwraps = 0;
      const counting = (...args: Parameters<typeof keys.unwrap>) => (unwraps++, keys.unwrap(...args));
      const error = await RandomAccessReader.open(long.output!, counting).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'COFFER.2037' });
      expect((error as Error).message).toMatch(
        /frames of 8\.0 MiB; the preview reads frames of at most 4\.0 MiB.*Decrypt the file/,
      );
      expect(unwraps).toBe(0);

      const registry = new MediaRegistry(counting);
      await expect(registry.open(long.output!)).rejects.toMatchObject({ code: 'COFFER.2037' });
      const opened = await registry.open(fits.output!);
      expect(opened.size).toBe(10_000);
      const response = await registry.handle(new Request(opened.url, { headers: { Range: 'bytes=100-199' } }));
      expect(response.status).toBe(206);
      expect(Buffer.from(await response.arrayBuffer())).toEqual((await readFile(plain)).subarray(100, 200));
      await registry.closeAll();
    } finally {
      await pool.close();
    }
  });
});

describe('rollback in the app', () => {
  it('lists the previous generation with the keys it lacks, refuses to drop them unless forced, then puts it back', async () => {
    await app.ok('vault:create', { protection: 'keychain' });
    const kept = (await app.ok('keys:create', { key_alias: 'kept' })).key_info.key_id;
    const newer = (await app.ok('keys:create', { key_alias: 'newer' })).key_info.key_id;
    const { generations } = await app.ok('vault:rollback-generations');
    expect(generations).toEqual([
      {
        generation: expect.any(Number),
        saved: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        lost_keys: [{ key_id: newer, alias: 'newer', version: null }],
      },
    ]);
    const generation = generations[0].generation as number;

    const refused = await app.invoke('vault:rollback', { generation, force: false });
    expect(refused).toMatchObject({ ok: false, error: { code: 'COFFER.1019' } });
    expect(refused.ok ? '' : refused.error.message).toContain(`key ${newer} (alias "newer")`);
    expect((await app.ok('keys:list', {})).keys.sort()).toEqual([kept, newer].sort());
    expect(await app.invoke('vault:rollback', { generation: generation + 5, force: true })).toMatchObject({
      ok: false,
      error: { code: 'COFFER.1020' },
    });

    const done = await app.ok('vault:rollback', { generation, force: true });
    expect(done).toMatchObject({ restored_generation: generation, dropped_keys: [`key ${newer} (alias "newer")`] });
    expect((await app.ok('keys:list', {})).keys).toEqual([kept]);
    // The vault goes on working on the generation put back, and the audit chain holds the rollback.
    await app.ok('keys:create', { key_alias: 'after' });
    const audit = await app.ok('audit:list', {});
    expect(audit.chain_verified).toBe(true);
    expect(audit.records.some((r: { operation: string }) => r.operation === 'rollback')).toBe(true);
  });
});
