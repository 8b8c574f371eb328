import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAIN_CHANNELS } from '../../shared/ipc-channels.js';
import type { EventPayloads } from '../../shared/ipc-contract.js';
import { AppServicesHarness } from '../helpers/app-services-harness.js';
import { removeDir, tempDir } from '../helpers/cli.js';

let work: string;
let app: AppServicesHarness;

beforeEach(async () => {
  work = await tempDir();
  app = await AppServicesHarness.start(join(work, 'vault'));
});
afterEach(async () => {
  await app.close();
  await removeDir(work);
});

/** Handles for paths, as the window gets them: the user picks them in Coffer's dialog. */
async function chosen(...paths: string[]): Promise<string[]> {
  const files = await app.choose('files', ...paths);
  expect(files.map((f) => f.path)).toEqual(paths);
  return files.map((f) => f.handle);
}

describe('the IPC bridge', () => {
  it('registers every channel of the contract', () => {
    expect([...app.ipc.handlers.keys()].sort()).toEqual([...MAIN_CHANNELS].sort());
  });

  it('classifies a FIFO or a device as special, with its reason, without opening it', async () => {
    const fifo = join(work, 'pipe.coffer');
    execFileSync('mkfifo', [fifo]);
    const handles = await chosen(fifo, '/dev/null');
    const classified = await app.ok('files:classify', { handles });
    expect(classified.files).toEqual([
      {
        handle: handles[0],
        path: fifo,
        name: 'pipe.coffer',
        kind: 'special',
        size: 0,
        reason: expect.stringMatching(/^a named pipe \(FIFO\), not a regular file/),
      },
      {
        handle: handles[1],
        path: '/dev/null',
        name: 'null',
        kind: 'special',
        size: 0,
        reason: expect.stringMatching(/^a character device/),
      },
    ]);
  });

  it('decrypts a hostile file name ("...coffer") inside the folder, under a safe name, with a note', async () => {
    await app.ok('vault:create', { protection: 'keychain' });
    await app.ok('keys:create', { key_alias: 'names' });
    const folder = join(work, 'a', 'b');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'x'), 'plain');
    expect(
      (
        await app.finished(
          (await app.ok('jobs:start', { action: 'encrypt', inputs: await chosen(join(folder, 'x')), key_ids: ['alias/names'] }))
            .job_id,
        )
      ).results[0],
    ).toMatchObject({ status: 'ok' });
    await rename(join(folder, 'x.coffer'), join(folder, '...coffer'));
    const done = await app.finished(
      (await app.ok('jobs:start', { action: 'decrypt', inputs: await chosen(join(folder, '...coffer')) })).job_id,
    );
    expect(done.results[0]).toMatchObject({
      status: 'ok',
      output: join(folder, 'decrypted'),
      note: expect.stringMatching(/not a file name/),
    });
    expect((await readdir(join(work, 'a'))).sort()).toEqual(['b']);
  });

  it('refuses every channel to a sender that is not the app page, doing nothing', async () => {
    for (const url of [
      'https://evil.example/',
      'file:///home/user/index.html',
      'app://other/index.html',
      'devtools://devtools/',
      '',
      null,
    ]) {
      for (const channel of MAIN_CHANNELS) {
        const result = await app.invoke(channel, { protection: 'keychain' }, url);
        expect(result).toMatchObject({ ok: false, error: { code: 'COFFER.4001' } });
      }
    }
    expect((await app.ok('vault:status')).state).toBe('none');
  });

  it('refuses malformed payloads with a clear error, as values', async () => {
    const cases: [string, unknown, string][] = [
      ['vault:create', { protection: 'cloud' }, 'KMS.0308'],
      ['vault:create', { protection: 'keychain', extra: 1 }, 'KMS.0308'],
      ['keys:create', { key_alias: 42 }, 'KMS.0308'],
      ['keys:create', {}, 'KMS.0204'],
      ['jobs:start', { action: 'encrypt', inputs: [] }, 'KMS.0308'],
      ['jobs:start', { action: 'shred', inputs: ['AAAAAAAAAAAAAAAAAAAAAA'] }, 'KMS.0308'],
      ['jobs:cancel', { job_id: 'not-a-uuid' }, 'KMS.0308'],
      ['media:open', { handle: 7 }, 'KMS.0308'],
      ['settings:set', { theme: 'neon' }, 'KMS.0308'],
      ['files:classify', 'not an object', 'KMS.0308'],
    ];
    for (const [channel, payload, code] of cases) {
      const result = await app.invoke(channel, payload);
      expect(result.ok, channel).toBe(false);
      if (!result.ok) {
        expect(result.error.code, `${channel} ${JSON.stringify(payload)}`).toBe(code);
        expect(result.error.message.length).toBeGreaterThan(10);
      }
    }
    // A locked or missing vault is an error value too, never a thrown object.
    expect(await app.invoke('keys:list', {})).toMatchObject({ ok: false, error: { code: 'COFFER.4002' } });
  });

  it('serves every channel: vault, keys, data, data keys, audit, files, jobs, previews, settings', async () => {
    expect(await app.ok('app:info')).toMatchObject({ version: '0.1.0-test', vault_dir: join(work, 'vault') });
    const created = await app.ok('vault:create', { protection: 'keychain' });
    expect(created.recovery_code).toMatch(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
    expect(await app.ok('vault:status')).toMatchObject({ state: 'unlocked', protection: 'keychain', vault_id: created.vault_id });

    const key = (await app.ok('keys:create', { key_alias: 'photos', exportable: true })).key_info.key_id;
    const other = (await app.ok('keys:create', { key_alias: 'imported', origin: 'external' })).key_info.key_id;
    expect((await app.ok('keys:list', {})).total).toBe(2);
    expect((await app.ok('keys:describe', { key_id: key })).key_info.key_alias).toBe('photos');
    await app.ok('keys:disable', { key_id: key });
    await app.ok('keys:enable', { key_id: key });
    await app.ok('keys:update-alias', { key_id: key, key_alias: 'pictures' });
    await app.ok('keys:update-description', { key_id: key, key_description: 'Holiday pictures' });
    await app.ok('keys:enable-rotation', { key_id: key, rotation_interval: 90 });
    await app.ok('keys:update-rotation-interval', { key_id: key, rotation_interval: 60 });
    expect((await app.ok('keys:rotation-status', { key_id: key })).rotation_interval).toBe(60);
    await app.ok('keys:disable-rotation', { key_id: key });
    expect((await app.ok('keys:rotate', { key_id: key })).key_version).toBe(2);
    expect((await app.ok('keys:import-parameters', { key_id: other })).public_key.length).toBeGreaterThan(300);
    const badImport = await app.invoke('keys:import-material', {
      key_id: other,
      import_token: 'AAAA',
      encrypted_key_material: 'AAAA',
    });
    expect(badImport).toMatchObject({ ok: false, error: { code: 'KMS.2605' } });
    expect((await app.ok('keys:export-material', { key_id: key })).key_material).toHaveLength(44);
    await app.ok('keys:schedule-deletion', { key_id: other, pending_days: 7 });
    await app.ok('keys:cancel-deletion', { key_id: other });

    const sealed = await app.ok('data:encrypt', {
      key_id: 'alias/pictures',
      plain_text: 'secret',
      encryption_context: { a: 'b' },
    });
    expect((await app.ok('data:decrypt', { cipher_text: sealed.cipher_text, encryption_context: { a: 'b' } })).plain_text).toBe(
      'secret',
    );
    expect(
      (await app.ok('data:re-encrypt', { cipher_text: sealed.cipher_text, encryption_context: { a: 'b' } })).key_version,
    ).toBe(2);
    const dk = await app.ok('datakey:create', { key_id: key });
    expect((await app.ok('datakey:decrypt', { cipher_text: dk.cipher_text })).data_key).toBe(dk.plain_text);
    expect(await app.ok('datakey:create-without-plaintext', { key_id: key })).not.toHaveProperty('plain_text');
    expect(
      (await app.ok('datakey:encrypt', { key_id: key, plain_text: dk.plain_text, datakey_plain_length: 32 })).datakey_length,
    ).toBe('32');
    expect((await app.ok('random:generate', { random_data_length: 128 })).random_data).toHaveLength(32);
    const audit = await app.ok('audit:list', { limit: 5 });
    expect(audit).toMatchObject({ chain_verified: true });
    expect(audit.records).toHaveLength(5);
    expect(audit.records[0]).not.toHaveProperty('mac');

    const folder = join(work, 'photos');
    await mkdir(folder);
    await writeFile(join(folder, 'a.jpg'), randomBytes(3000));
    await writeFile(join(folder, 'b.jpg'), randomBytes(5000));
    const [folderHandle, ...others] = await chosen(folder, join(folder, 'a.jpg'), join(work, 'nope'));
    const classified = await app.ok('files:classify', { handles: [folderHandle, ...others] });
    expect(classified.files.map((f: { kind: string }) => f.kind)).toEqual(['folder', 'file', 'missing']);

    const encryptJob = (await app.ok('jobs:start', { action: 'encrypt', inputs: [folderHandle], key_ids: ['alias/pictures'] }))
      .job_id;
    const encrypted = await app.finished(encryptJob);
    expect(encrypted.results.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(app.sent.filter((s) => s.event === 'jobs:file-done')).toHaveLength(2);
    // Outputs come back with handles: main wrote them, so the window may show and preview them.
    const written = encrypted.results.find((r) => r.status === 'ok' && r.output === join(folder, 'a.jpg.coffer'))!;
    expect((await app.ok('files:classify', { handles: [written.output_handle] })).files[0].kind).toBe('coffer');
    expect((await app.ok('jobs:list')).jobs[0]).toMatchObject({ job_id: encryptJob, state: 'done' });

    const verifyJob = (await app.ok('jobs:start', { action: 'verify', inputs: [folderHandle] })).job_id;
    expect((await app.finished(verifyJob)).results.filter((r) => r.status === 'ok')).toHaveLength(2);

    const preview = await app.ok('media:open', { handle: written.output_handle });
    expect(preview).toMatchObject({ mime_type: 'image/jpeg', size: 3000 });
    const response = await app.services.media.handle(new Request(preview.url, { headers: { Range: 'bytes=0-99' } }));
    expect(response.status).toBe(206);
    expect((await response.arrayBuffer()).byteLength).toBe(100);

    expect(await app.ok('settings:get')).toMatchObject({ default_key_id: null, theme: 'system' });
    expect(await app.ok('settings:set', { default_key_id: 'alias/pictures', theme: 'dark' })).toMatchObject({
      default_key_id: 'alias/pictures',
    });
    expect(await app.ok('jobs:cancel', { job_id: encryptJob })).toEqual({ cancelled: false });
  });

  it('reports a job’s progress in order, a few times a second, and its end', async () => {
    await app.ok('vault:create', { protection: 'keychain' });
    await app.ok('keys:create', { key_alias: 'big' });
    const file = join(work, 'big.bin');
    await writeFile(file, randomBytes(64 * 1024 * 1024));
    const started = performance.now();
    const job = (
      await app.ok('jobs:start', { action: 'encrypt', inputs: await chosen(file), key_ids: ['alias/big'], frame_length: 1024 })
    ).job_id;
    await app.finished(job);
    const seconds = (performance.now() - started) / 1000;
    const progress = app.sent.filter((s) => s.event === 'jobs:progress').map((s) => s.payload as EventPayloads['jobs:progress']);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(seconds * 4) + 3);
    for (let i = 1; i < progress.length; i += 1)
      expect(progress[i]!.overall_done).toBeGreaterThanOrEqual(progress[i - 1]!.overall_done);
    expect(progress.at(-1)).toMatchObject({ overall_done: 64 * 1024 * 1024, overall_total: 64 * 1024 * 1024, file_count: 1 });
    const order = app.sent.map((s) => s.event);
    expect(order.lastIndexOf('jobs:progress')).toBeLessThan(order.indexOf('jobs:finished'));
  });

  it('cancel stops a running job and removes its temporary file', async () => {
    await app.ok('vault:create', { protection: 'keychain' });
    await app.ok('keys:create', { key_alias: 'k' });
    const dir = join(work, 'cancel');
    await mkdir(dir);
    await writeFile(join(dir, 'video.mp4'), randomBytes(96 * 1024 * 1024));
    const job = (
      await app.ok('jobs:start', {
        action: 'encrypt',
        inputs: await chosen(join(dir, 'video.mp4')),
        key_ids: ['alias/k'],
        frame_length: 1024,
      })
    ).job_id;
    // Cancel as soon as the job writes (its first progress event may come after a fast job ended).
    while (!(await readdir(dir)).some((name) => name.includes('.coffer-tmp-'))) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await app.ok('jobs:cancel', { job_id: job })).toEqual({ cancelled: true });
    const end = await app.finished(job);
    expect(end.cancelled).toBe(true);
    expect(end.results).toMatchObject([{ status: 'error', error: { error_code: 'COFFER.2010' } }]);
    expect(await readdir(dir)).toEqual(['video.mp4']);
  });

  it('a passphrase vault starts locked and opens with its passphrase only', async () => {
    await app.ok('vault:create', { protection: 'passphrase', passphrase: 'a long enough passphrase' });
    await app.restart();
    expect(await app.ok('vault:status')).toMatchObject({ state: 'locked', protection: 'passphrase' });
    expect(await app.invoke('keys:list', {})).toMatchObject({ ok: false, error: { code: 'COFFER.4002' } });
    expect(await app.invoke('vault:unlock', { passphrase: 'wrong passphrase' })).toMatchObject({
      ok: false,
      error: { code: 'COFFER.1005' },
    });
    expect(await app.ok('vault:unlock', { passphrase: 'a long enough passphrase' })).toMatchObject({ state: 'unlocked' });
    expect((await app.ok('keys:list', {})).total).toBe(0);
  });

  it('changes the protection (keychain -> passphrase -> new passphrase -> keychain), and backs up and restores every key', async () => {
    await app.ok('vault:create', { protection: 'keychain' });
    const key = (await app.ok('keys:create', { key_alias: 'kept' })).key_info.key_id;
    expect(await app.ok('vault:change-protection', { protection: 'passphrase', passphrase: 'first passphrase' })).toMatchObject({
      protection: 'passphrase',
    });
    await app.restart();
    expect(await app.ok('vault:status')).toMatchObject({ state: 'locked', protection: 'passphrase' });
    await app.ok('vault:unlock', { passphrase: 'first passphrase' });
    await app.ok('vault:change-protection', { protection: 'passphrase', passphrase: 'second passphrase' });
    expect(await app.invoke('vault:change-protection', { protection: 'passphrase', passphrase: 'short' })).toMatchObject({
      ok: false,
      error: { code: 'COFFER.1013' },
    });
    await app.restart();
    expect(await app.invoke('vault:unlock', { passphrase: 'first passphrase' })).toMatchObject({
      ok: false,
      error: { code: 'COFFER.1005' },
    });
    await app.ok('vault:unlock', { passphrase: 'second passphrase' });
    await app.ok('vault:change-protection', { protection: 'keychain' });
    await app.restart();
    expect(await app.ok('vault:status')).toMatchObject({ state: 'unlocked', protection: 'keychain' });

    // The backup goes where main's save dialog says; cancelling it writes nothing.
    const file = join(work, 'keys.backup');
    expect(await app.ok('vault:backup', { passphrase: 'backup passphrase' })).toEqual({ cancelled: true });
    expect(existsSync(file)).toBe(false);
    app.dialogs.save.push(file);
    expect(await app.ok('vault:backup', { passphrase: 'backup passphrase' })).toEqual({
      cancelled: false,
      backup: file,
      keys: 1,
      key_versions: 1,
      contacts: 0,
      key_stores: 0,
      key_stores_without_pin: [],
    });
    app.dialogs.save.push(file);
    expect(await app.invoke('vault:backup', { passphrase: 'backup passphrase' })).toMatchObject({
      ok: false,
      error: { code: 'COFFER.1017' },
    });
    const [backup] = await chosen(file);
    expect(await app.invoke('vault:restore', { file: backup, passphrase: 'backup passphrase' })).toMatchObject({
      ok: false,
      error: { code: 'COFFER.1011' },
    });
    expect(await app.ok('vault:restore', { file: backup, passphrase: 'backup passphrase', force: true })).toEqual({
      restored: [key],
      replaced: [key],
      contacts_added: [],
      contacts_replaced: [],
      key_stores_added: [],
      key_stores_kept: [],
      key_stores_asking_pin: [],
    });
    expect(await app.invoke('vault:restore', { file: backup, passphrase: 'wrong' })).toMatchObject({
      ok: false,
      error: { code: 'COFFER.1010' },
    });
  });

  it('files from the OS reach the window and the job queue (decrypt at once, encrypt with the default key)', async () => {
    await app.ok('vault:create', { protection: 'keychain' });
    await app.ok('keys:create', { key_alias: 'default' });
    const plain = join(work, 'report.pdf');
    await writeFile(plain, 'pdf');
    expect(app.services.acceptLaunch({ encrypt: [plain], decrypt: [] })).toEqual([]);
    // The window hears of them by handle, and may act on them.
    expect(app.sent.at(-1)).toEqual({
      event: 'launch:files',
      payload: { encrypt: [{ handle: expect.stringMatching(/^[\w-]{22}$/), path: plain, name: 'report.pdf' }], decrypt: [] },
    });
    const launched = (app.sent.at(-1)!.payload as EventPayloads['launch:files']).encrypt[0]!.handle;
    expect((await app.ok('files:classify', { handles: [launched] })).files[0]).toMatchObject({ path: plain, kind: 'file' });
    await app.ok('settings:set', { default_key_id: 'alias/default' });
    const heard = app.sent.length;
    const [encryptJob] = app.services.acceptLaunch({ encrypt: [plain], decrypt: [] });
    await app.finished(encryptJob!);
    // Started by main, so not also offered to the window (it would list them twice).
    expect(app.sent.slice(heard).filter((s) => s.event === 'launch:files')).toEqual([]);
    await import('node:fs/promises').then((fs) => fs.rm(plain));
    const [decryptJob] = app.services.acceptLaunch({ encrypt: [], decrypt: [`${plain}.coffer`] });
    expect((await app.finished(decryptJob!)).results).toMatchObject([{ status: 'ok', output: plain }]);
    expect(existsSync(plain)).toBe(true);
  });
});
