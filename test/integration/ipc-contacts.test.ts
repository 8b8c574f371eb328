import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventChannel } from '../../shared/ipc-channels.js';
import type { EventPayloads } from '../../shared/ipc-contract.js';
import { AppServices } from '../../electron/app/app-services.js';
import { registerIpcHandlers } from '../../electron/app/ipc.js';
import { MediaRegistry } from '../../electron/app/media-protocol.js';
import { removeDir, tempDir } from '../helpers/cli.js';
import { FakeIpcMain } from '../helpers/fake-ipc-main.js';

/** The app's sharing channels through the real handlers and core: public key file, contacts, recipients in a file job. */
let work: string;
let ipc: FakeIpcMain;
let services: AppServices;
/** The OS dialogs' answers: the next path each returns (null: cancelled). */
const openAnswers: (string | null)[] = [];
const saveAnswers: (string | null)[] = [];
const suggested: string[] = [];
const sent: { event: EventChannel; payload: EventPayloads[EventChannel] }[] = [];
/** What Coffer's folder dialog answers next. */
const dialogAnswers: string[][] = [];

async function ok<T = any>(channel: string, payload: unknown = {}): Promise<T> {
  const result = await ipc.invoke<T>(channel, payload);
  if (!result.ok) throw new Error(`${channel}: ${result.error.code} ${result.error.message}`);
  return result.value;
}

function finished(jobId: string): Promise<EventPayloads['jobs:finished']> {
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      const done = sent.find(
        (s) => s.event === 'jobs:finished' && (s.payload as EventPayloads['jobs:finished']).job_id === jobId,
      );
      if (done) {
        clearInterval(poll);
        resolve(done.payload as EventPayloads['jobs:finished']);
      }
    }, 5);
  });
}

beforeAll(async () => {
  work = await tempDir();
  ipc = new FakeIpcMain();
  services = await AppServices.start({
    vaultDir: join(work, 'vault'),
    version: '0.1.0-test',
    platform: process.platform,
    poolSize: 2,
    createMedia: (unwrap) => new MediaRegistry(unwrap),
    send: (event, payload) => sent.push({ event, payload }),
    publicKeyFileDialogs: {
      open: async () => openAnswers.shift() ?? null,
      save: async (name) => {
        suggested.push(name);
        return saveAnswers.shift() ?? null;
      },
    },
    choosePaths: async () => dialogAnswers.shift() ?? [],
  });
  registerIpcHandlers(ipc, services.handlers);
  await ok('vault:create', { protection: 'keychain' });
});
afterAll(async () => {
  await services.close();
  await removeDir(work);
});

describe('sharing over IPC', () => {
  it('my public key file, a contact added from its text, and a file job for that recipient that my vault opens', async () => {
    const { key_info } = await ok('keys:create', { key_alias: 'me', key_spec: 'RSA_2048', key_usage: 'ENCRYPT_DECRYPT' });
    const mine = await ok('keys:public-key-file', { key_id: 'alias/me' });
    expect(mine.key_id).toBe(key_info.key_id);
    expect(JSON.parse(mine.text)).toMatchObject({ format: 'coffer-public-key', fingerprint: mine.fingerprint });

    const added = await ok('contacts:add', { name: 'me too', public_key_file: mine.text });
    expect(added.contact).toMatchObject({ name: 'me too', fingerprint: mine.fingerprint });
    expect((await ok('contacts:list')).contacts).toHaveLength(1);
    const damaged = await ipc.invoke('contacts:add', { name: 'broken', public_key_file: mine.text.slice(0, 100) });
    expect(damaged).toMatchObject({ ok: false, error: { code: 'COFFER.8004' } });

    const input = join(work, 'note.txt');
    await writeFile(input, 'shared through the app');
    // The file is dropped (the preload registers it) and the output folder chosen in the dialog.
    const [dropped] = (await ok('files:register-drop', { paths: [input] })).files;
    const job = await ok('jobs:start', { action: 'encrypt', inputs: [dropped.handle], recipients: ['me too'] });
    const sealed = await finished(job.job_id);
    expect(sealed.results[0]).toMatchObject({ status: 'ok' });
    const output = (sealed.results[0] as { output_handle: string }).output_handle;
    await mkdir(join(work, 'out'));
    dialogAnswers.push([join(work, 'out')]);
    const [outDir] = (await ok('files:choose', { kind: 'folder' })).files;
    const opened = await finished(
      (await ok('jobs:start', { action: 'decrypt', inputs: [output], out_dir: outDir.handle })).job_id,
    );
    expect(opened.results[0]).toMatchObject({ status: 'ok' });
    expect(await readFile((opened.results[0] as { output: string }).output, 'utf8')).toBe('shared through the app');

    expect((await ok('contacts:remove', { name: 'me too' })).removed).toBe(true);
    expect((await ok('contacts:list')).total).toBe(0);
  }, 60_000);

  it('saves my public key where the save dialog says, replacing what the user agreed to replace, and writes nothing when cancelled', async () => {
    await ok('keys:create', { key_alias: 'team:me', key_spec: 'RSA_2048', key_usage: 'ENCRYPT_DECRYPT' });
    const target = join(work, 'mine.coffer-public-key');
    await writeFile(target, 'an older file the dialog asked to replace');
    saveAnswers.push(target);
    const saved = await ok('contacts:save-public-key-file', { key_id: 'alias/team:me' });
    expect(suggested.at(-1)).toBe('team-me.coffer-public-key');
    expect(saved.path).toBe(target);
    const text = await readFile(target, 'utf8');
    expect(text).toBe((await ok('keys:public-key-file', { key_id: 'alias/team:me' })).text);
    expect(JSON.parse(text)).toMatchObject({ fingerprint: saved.fingerprint });
    expect((await readdir(work)).filter((name) => name.includes('coffer-tmp'))).toEqual([]);

    const before = (await stat(target)).mtimeMs;
    saveAnswers.push(null);
    expect(await ok('contacts:save-public-key-file', { key_id: 'alias/team:me' })).toMatchObject({ path: null });
    expect((await stat(target)).mtimeMs).toBe(before);

    // A symmetric key has no public key: refused before any dialog opens.
    await ok('keys:create', { key_alias: 'plain' });
    const asked = suggested.length;
    const refused = await ipc.invoke('contacts:save-public-key-file', { key_id: 'alias/plain' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'COFFER.8003' } });
    expect(suggested.length).toBe(asked);
  }, 30_000);

  it('reads the public key file the open dialog chose, and names a damaged, oversized or special file with the CLI codes', async () => {
    await ok('keys:create', { key_alias: 'friend', key_spec: 'RSA_2048', key_usage: 'ENCRYPT_DECRYPT' });
    const good = join(work, 'friend.coffer-public-key');
    const mine = await ok('keys:public-key-file', { key_id: 'alias/friend' });
    await writeFile(good, mine.text);
    openAnswers.push(good);
    expect(await ok('contacts:open-key-file')).toEqual({
      file: { file_name: 'friend.coffer-public-key', text: mine.text, fingerprint: mine.fingerprint, key_spec: 'RSA_2048' },
    });

    openAnswers.push(null);
    expect(await ok('contacts:open-key-file')).toEqual({ file: null });

    const damaged = join(work, 'damaged.coffer-public-key');
    await writeFile(damaged, mine.text.replace(mine.fingerprint, `${mine.fingerprint.slice(0, -2)}AA`));
    openAnswers.push(damaged);
    expect(await ipc.invoke('contacts:open-key-file', {})).toMatchObject({ ok: false, error: { code: 'COFFER.8004' } });

    const huge = join(work, 'huge.coffer-public-key');
    await writeFile(huge, Buffer.alloc(64 * 1024 + 1, 0x20));
    openAnswers.push(huge);
    expect(await ipc.invoke('contacts:open-key-file', {})).toMatchObject({ ok: false, error: { code: 'COFFER.8004' } });

    openAnswers.push(join(work, 'nowhere'));
    expect(await ipc.invoke('contacts:open-key-file', {})).toMatchObject({ ok: false, error: { code: 'COFFER.1018' } });

    if (process.platform !== 'win32') {
      const fifo = join(work, 'fifo.coffer-public-key');
      execFileSync('mkfifo', [fifo]);
      openAnswers.push(fifo);
      expect(await ipc.invoke('contacts:open-key-file', {})).toMatchObject({ ok: false, error: { code: 'COFFER.8004' } });
    }
  }, 30_000);
});
