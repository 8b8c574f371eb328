import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { expect, test } from './support/fixtures.js';
import { dropFiles } from './support/files.js';

/**
 * Least privilege over IPC, in Chromium against the real main-process handlers: the page acts
 * on files by the handles main granted (drops, its dialogs), and a script in the page that makes
 * up a path, forges a handle or builds a File of its own reaches nothing.
 */
test.beforeEach(async ({ app, server }) => {
  await server.services.handlers['vault:create']({ protection: 'keychain' });
  await server.services.handlers['keys:create']({ key_alias: 'documents' });
  await app.reload();
});

test('a script in the page cannot name a file: made-up paths and handles are refused on every channel', async ({
  app,
  server,
}) => {
  const secret = join(server.workDir, 'secret.txt');
  await writeFile(secret, 'never given to the window');
  const outside = join(server.workDir, 'outside');
  await mkdir(outside);
  await app.getByTestId('drop-zone').waitFor();

  const answers = await app.evaluate(
    async ({ secret, outside }) => {
      const coffer = (window as unknown as { coffer: import('../../shared/ipc-contract.js').CofferBridge }).coffer;
      const attempts: [string, unknown][] = [];
      for (const name of [secret, 'AAAAAAAAAAAAAAAAAAAAAA']) {
        attempts.push(
          ['files:classify', { handles: [name] }],
          ['files:show-in-folder', { handle: name }],
          ['jobs:start', { action: 'encrypt', inputs: [name], key_ids: ['alias/documents'], remove_originals: true }],
          ['jobs:start', { action: 'decrypt', inputs: [name] }],
          ['media:open', { handle: name }],
          ['vault:restore', { file: name, passphrase: 'backup passphrase', force: true }],
          ['settings:set', { out_dir: name }],
          ['keystores:tokens', { module_file: name }],
        );
      }
      const codes: string[] = [];
      for (const [channel, payload] of attempts) {
        const result = await coffer.invoke(channel as never, payload as never);
        codes.push(result.ok ? 'accepted' : result.error.code);
      }
      // The preload's own channel is not the page's to call.
      const register = await coffer.invoke('files:register-drop' as never, { paths: [secret] } as never);
      // A File the script builds is not on disk: the preload finds no path for it.
      const built = await coffer.registerDroppedFiles([new File(['x'], 'secret.txt')]);
      // The old path fields: unknown parameters.
      const backup = await coffer.invoke('vault:backup', { path: `${outside}/keys.backup`, passphrase: 'pass' } as never);
      return { codes, register, built, backup };
    },
    { secret, outside },
  );
  expect(answers.codes).toEqual(Array(16).fill('COFFER.2040'));
  expect(answers.register).toMatchObject({ ok: false, error: { code: 'COFFER.4001' } });
  expect(answers.built).toEqual({ ok: true, value: { files: [], not_on_disk: ['secret.txt'] } });
  expect(answers.backup).toMatchObject({ ok: false, error: { code: 'KMS.0308' } });

  expect(await readFile(secret, 'utf8')).toBe('never given to the window');
  expect(existsSync(`${secret}.coffer`)).toBe(false);
  expect(await readdir(outside)).toEqual([]);
  expect(server.revealed).toEqual([]);
  expect(server.services.jobs.list()).toEqual([]);
});

test('a dropped file is granted, encrypted and shown in its folder by handle; a File not on disk is left out', async ({
  app,
  server,
}) => {
  const folder = join(server.workDir, `handles-${Date.now()}`);
  await mkdir(folder);
  const report = join(folder, 'report.txt');
  await writeFile(report, 'quarterly figures');

  await dropFiles(app, [{ name: 'report.txt', path: report }]);
  await expect(app.getByTestId('pending-row')).toHaveCount(1);
  // A File the page made up (its name was never mapped to a file on disk) is refused by name.
  await app.evaluate(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['made up'], 'invented.txt'));
    document
      .querySelector('[data-testid="drop-zone"]')!
      .dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await expect(app.getByText('“invented.txt” is not a file on disk, so it was left out.')).toBeVisible();
  await expect(app.getByTestId('pending-row')).toHaveCount(1);
  await expect(app.getByLabel('Key for encryption')).toHaveValue(/.+/);
  await app.getByRole('button', { name: 'Start' }).click();
  const card = app.getByTestId('job-card').first();
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  expect(existsSync(`${report}.coffer`)).toBe(true);

  // The output's handle came with the result: main wrote it, so the window may show it.
  await card.getByRole('button', { name: 'Show in folder' }).click();
  await expect.poll(() => server.revealed).toEqual([`${report}.coffer`]);
});

test('Settings take the output folder from the folder dialog and write a backup where the save dialog says', async ({
  app,
  server,
}) => {
  const results = join(server.workDir, `results-${Date.now()}`);
  await mkdir(results);
  const backup = join(server.workDir, `keys-${Date.now()}.backup`);
  await app.getByRole('button', { name: 'Settings', exact: true }).click();

  const field = app.getByRole('textbox', { name: 'Default output folder' });
  await expect(field).toHaveAttribute('readonly', '');
  server.chooseAnswers.push([results]);
  await app.getByRole('button', { name: 'Choose folder…' }).click();
  await expect(field).toHaveValue(results);
  expect((await server.services.handlers['settings:get']({})).out_dir).toBe(results);

  await app.getByLabel('Backup passphrase').fill('a backup passphrase');
  server.backupSaveAnswers.push(backup);
  await app.getByRole('button', { name: 'Back up…' }).click();
  await expect(app.getByText(`Backed up 1 key(s), 1 version(s), to ${backup}.`)).toBeVisible({ timeout: 30_000 });
  expect(existsSync(backup)).toBe(true);

  server.chooseAnswers.push([backup]);
  await app.getByRole('button', { name: 'Choose backup file…' }).click();
  await expect(app.getByText(basename(backup), { exact: true })).toBeVisible();
  expect(server.chooseAsked).toEqual(['folder', 'file']);
});

test('a file the OS opens with Coffer, with no default key, waits in the Files list by handle and encrypts on Start', async ({
  app,
  server,
}) => {
  await server.services.handlers['settings:set']({ default_key_id: null });
  const folder = join(server.workDir, `launched-${Date.now()}`);
  await mkdir(folder);
  const report = join(folder, 'launched.txt');
  await writeFile(report, 'opened from the file manager');
  await app.getByRole('button', { name: 'Keys' }).first().click();

  // As the OS path does: main grants the handle and, with no default key, leaves the file to the window.
  expect(server.services.acceptLaunch({ encrypt: [report], decrypt: [] })).toEqual([]);
  await expect(app.getByRole('heading', { level: 1, name: 'Files' })).toBeVisible();
  await expect(app.getByTestId('pending-row')).toHaveCount(1);
  await expect(app.getByTestId('pending-row')).toContainText('launched.txt');
  await app.getByRole('combobox', { name: 'Key for encryption' }).click();
  await app.getByRole('option', { name: /^documents/ }).click();
  await app.getByRole('button', { name: 'Start' }).click();
  await expect(app.getByTestId('job-card').first()).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  expect(existsSync(`${report}.coffer`)).toBe(true);
});
