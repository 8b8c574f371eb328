import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppServicesHarness } from '../helpers/app-services-harness.js';
import { removeDir, tempDir } from '../helpers/cli.js';

/** The app's sharing channels through the real handlers and core: public key file, contacts, recipients in a file job. */
let work: string;
let app: AppServicesHarness;

beforeAll(async () => {
  work = await tempDir();
  app = await AppServicesHarness.start(join(work, 'vault'));
  await app.ok('vault:create', { protection: 'keychain' });
});
afterAll(async () => {
  await app.close();
  await removeDir(work);
});

describe('sharing over IPC', () => {
  it('my public key file, a contact added from its text, and a file job for that recipient that my vault opens', async () => {
    const { key_info } = await app.ok('keys:create', { key_alias: 'me', key_spec: 'RSA_2048', key_usage: 'ENCRYPT_DECRYPT' });
    const mine = await app.ok('keys:public-key-file', { key_id: 'alias/me' });
    expect(mine.key_id).toBe(key_info.key_id);
    expect(JSON.parse(mine.text)).toMatchObject({ format: 'coffer-public-key', fingerprint: mine.fingerprint });

    const added = await app.ok('contacts:add', { name: 'me too', public_key_file: mine.text });
    expect(added.contact).toMatchObject({ name: 'me too', fingerprint: mine.fingerprint });
    expect((await app.ok('contacts:list')).contacts).toHaveLength(1);
    const damaged = await app.invoke('contacts:add', { name: 'broken', public_key_file: mine.text.slice(0, 100) });
    expect(damaged).toMatchObject({ ok: false, error: { code: 'COFFER.8004' } });

    const input = join(work, 'note.txt');
    await writeFile(input, 'shared through the app');
    // The file is dropped (the preload registers it) and the output folder chosen in the dialog.
    const [dropped] = (await app.ok('files:register-drop', { paths: [input] })).files;
    const job = await app.ok('jobs:start', { action: 'encrypt', inputs: [dropped.handle], recipients: ['me too'] });
    const sealed = await app.finished(job.job_id);
    expect(sealed.results[0]).toMatchObject({ status: 'ok' });
    const output = (sealed.results[0] as { output_handle: string }).output_handle;
    await mkdir(join(work, 'out'));
    app.dialogs.open.push([join(work, 'out')]);
    const [outDir] = (await app.ok('files:choose', { kind: 'folder' })).files;
    const opened = await app.finished(
      (await app.ok('jobs:start', { action: 'decrypt', inputs: [output], out_dir: outDir.handle })).job_id,
    );
    expect(opened.results[0]).toMatchObject({ status: 'ok' });
    expect(await readFile((opened.results[0] as { output: string }).output, 'utf8')).toBe('shared through the app');

    expect((await app.ok('contacts:remove', { name: 'me too' })).removed).toBe(true);
    expect((await app.ok('contacts:list')).total).toBe(0);
  }, 60_000);

  it('saves my public key where the save dialog says, replacing what the user agreed to replace, and writes nothing when cancelled', async () => {
    await app.ok('keys:create', { key_alias: 'team:me', key_spec: 'RSA_2048', key_usage: 'ENCRYPT_DECRYPT' });
    const target = join(work, 'mine.coffer-public-key');
    await writeFile(target, 'an older file the dialog asked to replace');
    app.dialogs.publicKeySave.push(target);
    const saved = await app.ok('contacts:save-public-key-file', { key_id: 'alias/team:me' });
    expect(app.dialogs.suggested.at(-1)).toBe('team-me.coffer-public-key');
    expect(saved.path).toBe(target);
    const text = await readFile(target, 'utf8');
    expect(text).toBe((await app.ok('keys:public-key-file', { key_id: 'alias/team:me' })).text);
    expect(JSON.parse(text)).toMatchObject({ fingerprint: saved.fingerprint });
    expect((await readdir(work)).filter((name) => name.includes('coffer-tmp'))).toEqual([]);

    const before = (await stat(target)).mtimeMs;
    app.dialogs.publicKeySave.push(null);
    expect(await app.ok('contacts:save-public-key-file', { key_id: 'alias/team:me' })).toMatchObject({ path: null });
    expect((await stat(target)).mtimeMs).toBe(before);

    // A symmetric key has no public key: refused before any dialog opens.
    await app.ok('keys:create', { key_alias: 'plain' });
    const asked = app.dialogs.suggested.length;
    const refused = await app.invoke('contacts:save-public-key-file', { key_id: 'alias/plain' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'COFFER.8003' } });
    expect(app.dialogs.suggested.length).toBe(asked);
  }, 30_000);

  it('reads the public key file the open dialog chose, and names a damaged, oversized or special file with the CLI codes', async () => {
    await app.ok('keys:create', { key_alias: 'friend', key_spec: 'RSA_2048', key_usage: 'ENCRYPT_DECRYPT' });
    const good = join(work, 'friend.coffer-public-key');
    const mine = await app.ok('keys:public-key-file', { key_id: 'alias/friend' });
    await writeFile(good, mine.text);
    app.dialogs.publicKeyOpen.push(good);
    expect(await app.ok('contacts:open-key-file')).toEqual({
      file: { file_name: 'friend.coffer-public-key', text: mine.text, fingerprint: mine.fingerprint, key_spec: 'RSA_2048' },
    });

    app.dialogs.publicKeyOpen.push(null);
    expect(await app.ok('contacts:open-key-file')).toEqual({ file: null });

    const damaged = join(work, 'damaged.coffer-public-key');
    await writeFile(damaged, mine.text.replace(mine.fingerprint, `${mine.fingerprint.slice(0, -2)}AA`));
    app.dialogs.publicKeyOpen.push(damaged);
    expect(await app.invoke('contacts:open-key-file', {})).toMatchObject({ ok: false, error: { code: 'COFFER.8004' } });

    const huge = join(work, 'huge.coffer-public-key');
    await writeFile(huge, Buffer.alloc(64 * 1024 + 1, 0x20));
    app.dialogs.publicKeyOpen.push(huge);
    expect(await app.invoke('contacts:open-key-file', {})).toMatchObject({ ok: false, error: { code: 'COFFER.8004' } });

    app.dialogs.publicKeyOpen.push(join(work, 'nowhere'));
    expect(await app.invoke('contacts:open-key-file', {})).toMatchObject({ ok: false, error: { code: 'COFFER.1018' } });

    if (process.platform !== 'win32') {
      const fifo = join(work, 'fifo.coffer-public-key');
      execFileSync('mkfifo', [fifo]);
      app.dialogs.publicKeyOpen.push(fifo);
      expect(await app.invoke('contacts:open-key-file', {})).toMatchObject({ ok: false, error: { code: 'COFFER.8004' } });
    }
  }, 30_000);
});
