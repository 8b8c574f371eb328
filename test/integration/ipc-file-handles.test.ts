import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayloads } from '../../shared/ipc-contract.js';
import type { FileRef } from '../../shared/file-handle.js';
import { AppServicesHarness } from '../helpers/app-services-harness.js';
import { removeDir, tempDir } from '../helpers/cli.js';

/**
 * Least privilege over IPC: the window acts only on files main was given (its dialogs, the OS,
 * drops the preload registered, outputs it wrote), named by handles. A path or a handle the
 * page makes up is refused on every channel that touches files, and nothing happens.
 */
let work: string;
let app: AppServicesHarness;

beforeEach(async () => {
  work = await tempDir();
  app = await AppServicesHarness.start(join(work, 'vault'));
  await app.ok('vault:create', { protection: 'keychain' });
  await app.ok('keys:create', { key_alias: 'files' });
});
afterEach(async () => {
  await app.close();
  await removeDir(work);
});

describe('files reach main by handles only', () => {
  it('refuses a path made up by the page on every channel that acts on files, and does nothing', async () => {
    const secret = join(work, 'secret.txt');
    await writeFile(secret, 'not given to the window');
    const folder = join(work, 'elsewhere');
    await mkdir(folder);
    const [given] = await app.choose('files', join(work, 'given.txt'));
    const made = [secret, '/etc/passwd', 'C:\\Users\\me\\secret.txt', '../../secret.txt'];
    // A well-formed handle main never minted is refused the same way.
    const forged = 'AAAAAAAAAAAAAAAAAAAAAA';
    for (const name of [...made, forged]) {
      const cases: [string, unknown][] = [
        ['files:classify', { handles: [name] }],
        ['files:classify', { handles: [given!.handle, name] }],
        ['files:show-in-folder', { handle: name }],
        ['jobs:start', { action: 'encrypt', inputs: [name], key_ids: ['alias/files'], remove_originals: true }],
        ['jobs:start', { action: 'decrypt', inputs: [name] }],
        ['jobs:start', { action: 'verify', inputs: [name] }],
        ['jobs:start', { action: 'encrypt', inputs: [given!.handle], key_ids: ['alias/files'], out_dir: name }],
        ['media:open', { handle: name }],
        ['vault:restore', { file: name, passphrase: 'backup passphrase', force: true }],
        ['settings:set', { out_dir: name }],
        // A PKCS#11 module is a library main would load: the worst path to let a page name.
        ['keystores:tokens', { module_file: name }],
        ['keystores:create', { keystore_alias: 'hsm', module_file: name, token_label: 't', pin: '1234', keep_pin: false }],
        ['keystores:set-module', { keystore_id: 'hsm', module_file: name }],
      ];
      for (const [channel, payload] of cases) {
        const result = await app.invoke(channel, payload);
        expect(result, `${channel} ${JSON.stringify(payload)}`).toMatchObject({
          ok: false,
          error: { code: 'COFFER.2040', message: expect.stringMatching(/is not a file Coffer was given.*choose the file/) },
        });
      }
    }
    // The old path fields are gone: naming one, even beside a handle, is an unknown parameter.
    const handle = given!.handle;
    for (const [channel, payload] of [
      ['jobs:start', { action: 'encrypt', inputs: [handle], paths: [secret], key_ids: ['alias/files'] }],
      ['files:classify', { handles: [handle], paths: [secret] }],
      ['files:show-in-folder', { handle, path: secret }],
      ['media:open', { handle, path: secret }],
      ['vault:backup', { path: join(folder, 'keys.backup'), passphrase: 'backup passphrase' }],
      ['vault:restore', { file: handle, path: secret, passphrase: 'backup passphrase' }],
      ['keystores:tokens', { module_file: handle, pkcs11_module: secret }],
    ] as const) {
      expect(await app.invoke(channel, payload), channel).toMatchObject({ ok: false, error: { code: 'KMS.0308' } });
    }
    expect(app.sent.some((s) => s.event === 'jobs:finished')).toBe(false);
    expect(await readdir(work)).toEqual(expect.not.arrayContaining(['secret.txt.coffer']));
    expect(await readFile(secret, 'utf8')).toBe('not given to the window');
    expect(await readdir(folder)).toEqual([]);
    expect(app.dialogs.revealed).toEqual([]);
    expect((await app.ok('settings:get')).out_dir).toBeNull();
    expect((await app.ok('keystores:list')).total).toBe(0);
  });

  it('acts on files from its dialogs, drops, the OS and its own outputs', async () => {
    const chosenFile = join(work, 'chosen.txt');
    const droppedFile = join(work, 'dropped.txt');
    const launchedFile = join(work, 'launched.txt');
    for (const path of [chosenFile, droppedFile, launchedFile]) await writeFile(path, `the bytes of ${path}`);

    const [fromDialog] = await app.choose('files', chosenFile);
    const [fromDrop] = (await app.ok<{ files: FileRef[] }>('files:register-drop', { paths: [droppedFile] })).files;
    app.services.acceptLaunch({ encrypt: [launchedFile], decrypt: [] });
    const [fromOs] = (app.sent.find((s) => s.event === 'launch:files')!.payload as EventPayloads['launch:files']).encrypt;
    expect([fromDialog, fromDrop, fromOs]).toEqual([
      { handle: expect.stringMatching(/^[\w-]{22}$/), path: chosenFile, name: 'chosen.txt' },
      { handle: expect.stringMatching(/^[\w-]{22}$/), path: droppedFile, name: 'dropped.txt' },
      { handle: expect.stringMatching(/^[\w-]{22}$/), path: launchedFile, name: 'launched.txt' },
    ]);
    expect(new Set([fromDialog!.handle, fromDrop!.handle, fromOs!.handle]).size).toBe(3);

    const [out] = await app.choose('folder', await mkdir(join(work, 'out')).then(() => join(work, 'out')));
    const job = await app.ok('jobs:start', {
      action: 'encrypt',
      inputs: [fromDialog!.handle, fromDrop!.handle, fromOs!.handle],
      key_ids: ['alias/files'],
      out_dir: out!.handle,
    });
    const done = await app.finished(job.job_id);
    expect(done.results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect((await readdir(join(work, 'out'))).sort()).toEqual(['chosen.txt.coffer', 'dropped.txt.coffer', 'launched.txt.coffer']);

    // main wrote the outputs, so their handles show them and preview and decrypt them.
    const result = done.results[0]!;
    expect(result).toMatchObject({ input_handle: fromDialog!.handle, output_handle: expect.stringMatching(/^[\w-]{22}$/) });
    expect(await app.ok('files:show-in-folder', { handle: result.output_handle })).toEqual({ shown: true });
    expect(app.dialogs.revealed).toEqual([join(work, 'out', 'chosen.txt.coffer')]);
    const decrypted = await app.finished(
      (await app.ok('jobs:start', { action: 'decrypt', inputs: [result.output_handle] })).job_id,
    );
    expect(decrypted.results[0]).toMatchObject({ status: 'ok', output: join(work, 'out', 'chosen.txt') });
  });

  it('an output folder must be a folder, and Settings keep the one chosen by handle', async () => {
    const file = join(work, 'a.txt');
    await writeFile(file, 'a');
    const [asFile] = await app.choose('files', file);
    for (const [channel, payload] of [
      ['jobs:start', { action: 'encrypt', inputs: [asFile!.handle], key_ids: ['alias/files'], out_dir: asFile!.handle }],
      ['settings:set', { out_dir: asFile!.handle }],
    ] as const) {
      expect(await app.invoke(channel, payload)).toMatchObject({
        ok: false,
        error: { code: 'COFFER.2041', message: `${file} is not a folder: choose the output folder with Coffer's folder dialog.` },
      });
    }
    await mkdir(join(work, 'results'));
    const [folder] = await app.choose('folder', join(work, 'results'));
    expect(await app.ok('settings:set', { out_dir: folder!.handle })).toMatchObject({ out_dir: join(work, 'results') });
    const done = await app.finished(
      (await app.ok('jobs:start', { action: 'encrypt', inputs: [asFile!.handle], key_ids: ['alias/files'] })).job_id,
    );
    expect(done.results[0]).toMatchObject({ status: 'ok', output: join(work, 'results', 'a.txt.coffer') });
    expect(await app.ok('settings:set', { out_dir: null })).toMatchObject({ out_dir: null });
  });

  it('a folder handle grants the walk under it, never a symbolic link out of it', async () => {
    const outside = join(work, 'outside.txt');
    await writeFile(outside, 'outside the folder');
    const folder = join(work, 'album');
    await mkdir(folder);
    await writeFile(join(folder, 'inside.txt'), 'inside');
    await symlink(outside, join(folder, 'link.txt'));
    const [album] = await app.choose('folder', folder);
    const done = await app.finished(
      (await app.ok('jobs:start', { action: 'encrypt', inputs: [album!.handle], key_ids: ['alias/files'] })).job_id,
    );
    expect(done.results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ input: join(folder, 'inside.txt'), status: 'ok' }),
        expect.objectContaining({
          input: join(folder, 'link.txt'),
          status: 'skipped',
          reason: expect.stringMatching(/symbolic links/),
        }),
      ]),
    );
    expect(existsSync(`${outside}.coffer`)).toBe(false);
  });

  it('a backup goes where the save dialog says, a restore reads the file the open dialog gave', async () => {
    expect(await app.ok('vault:backup', { passphrase: 'backup passphrase' })).toEqual({ cancelled: true });
    const file = join(work, 'keys.backup');
    app.dialogs.save.push(file);
    expect(await app.ok('vault:backup', { passphrase: 'backup passphrase' })).toMatchObject({
      cancelled: false,
      backup: file,
      keys: 1,
    });
    const [backup] = await app.choose('file', file);
    expect(await app.ok('vault:restore', { file: backup!.handle, passphrase: 'backup passphrase', force: true })).toMatchObject({
      restored: [expect.any(String)],
    });
  });

  it('a page loaded again holds no handles: the ones granted before are void', async () => {
    const file = join(work, 'a.txt');
    await writeFile(file, 'a');
    const [before] = await app.choose('files', file);
    app.services.files.revokeAll();
    expect(await app.invoke('files:classify', { handles: [before!.handle] })).toMatchObject({
      ok: false,
      error: { code: 'COFFER.2040' },
    });
    const [after] = await app.choose('files', file);
    expect(after!.handle).not.toBe(before!.handle);
    expect((await app.ok('files:classify', { handles: [after!.handle] })).files[0]).toMatchObject({ path: file, kind: 'file' });
  });
});
