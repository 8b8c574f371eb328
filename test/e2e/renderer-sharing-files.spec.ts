import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCoffer } from '../helpers/cli.js';
import { dropFiles } from './support/files.js';
import { expect, test } from './support/fixtures.js';
import { goTo } from './support/views.js';

/**
 * The Files screen's sharing and ESDK options, end to end: a contact added from the pasted public
 * key of ANOTHER real vault, a file encrypted in the window for that recipient only, which that
 * vault opens and this one cannot; and signed files with a required context pair, as the CLI's
 * inspect-file reports them, that decrypt only with the pair given back.
 */
test.beforeEach(async ({ app, server }) => {
  await server.services.handlers['vault:create']({ protection: 'keychain' });
  await server.services.handlers['keys:create']({ key_alias: 'files' });
  await app.reload();
});

/** Someone else's Coffer: a second real vault, driven by the `coffer` command, with the RSA key they share. */
async function otherVault(): Promise<{ coffer: (...args: string[]) => Promise<any>; close: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'coffer-e2e-other-'));
  const coffer = async (...args: string[]): Promise<any> => {
    const result = await runCoffer(args, { env: { COFFER_HOME: home, COFFER_AGENT: 'off' } });
    if (result.code !== 0) throw new Error(`coffer ${args[0]}: ${result.stderr}`);
    return result.json;
  };
  await coffer('init');
  return { coffer, close: () => rm(home, { recursive: true, force: true }) };
}

test('a file encrypted in the window for a contact only opens in their vault, not in mine', async ({ app, server }) => {
  const bea = await otherVault();
  try {
    await bea.coffer('create-key', '--alias', 'bea', '--key-spec', 'RSA_2048', '--key-usage', 'ENCRYPT_DECRYPT');
    const beasFile = join(server.workDir, 'bea.coffer-public-key');
    const shared = await bea.coffer('get-publickey', '--key-id', 'alias/bea', '--out', beasFile);
    const beasKey = { text: await readFile(beasFile, 'utf8'), fingerprint: shared.fingerprint as string };

    await goTo(app, 'Contacts');
    await app.getByLabel('Their name').fill('Bea');
    await app.getByLabel("Or paste the file's text").fill(beasKey.text);
    await app.getByRole('button', { name: 'Add contact' }).click();
    await expect(app.getByTestId('contact-row').getByTestId('fingerprint')).toHaveText(beasKey.fingerprint);

    await goTo(app, 'Files');
    const folder = join(server.workDir, `share-${Date.now()}`);
    await mkdir(folder);
    const note = join(folder, 'note.txt');
    await writeFile(note, 'for Bea only');
    await dropFiles(app, [{ name: 'note.txt', path: note }]);
    await app.getByRole('combobox', { name: 'Also encrypt for (recipients)' }).click();
    await app.getByRole('option', { name: /^Bea/ }).click();
    await app.getByRole('checkbox', { name: 'Only the recipients can open them (no key of mine)' }).check();
    await app.getByRole('button', { name: 'Start' }).click();
    const card = app.getByTestId('job-card').first();
    await expect(card).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
    await expect(card.getByTestId('job-options')).toHaveText('Only for Bea');

    const sealed = `${note}.coffer`;
    const inspected = await runCoffer(['inspect-file', sealed]);
    expect(inspected.code).toBe(0);
    const bea1 = (await bea.coffer('describe-key', '--key-id', 'alias/bea')).key_info;
    expect(inspected.json.encrypted_data_keys).toEqual([
      expect.objectContaining({ provider_id: bea1.key_namespace, key_name: bea1.key_name }),
    ]);

    // Bea's vault opens it.
    const out = join(folder, 'bea');
    await mkdir(out);
    const opened = await bea.coffer('decrypt-file', '--out-dir', out, sealed);
    expect(opened.files[0]).toMatchObject({ status: 'ok' });
    expect(await readFile(join(out, 'note.txt'), 'utf8')).toBe('for Bea only');

    // Mine does not: no key of this vault wraps it.
    await rename(note, join(folder, 'note-original.txt'));
    await dropFiles(app, [{ name: 'note.txt.coffer', path: sealed }]);
    await app.getByRole('button', { name: 'Start' }).click();
    await expect(app.getByTestId('job-card')).toHaveCount(2);
    const refused = app.getByTestId('job-card').first();
    await expect(refused).toHaveAttribute('data-state', 'failed', { timeout: 30_000 });
    await expect(refused.getByTestId('result-row')).toHaveAttribute('data-status', 'error');
    expect(existsSync(note)).toBe(false);
  } finally {
    await bea.close();
  }
});

test('signed files with a required context pair: inspect-file says signed and the pair is not in the header; they decrypt only with it given back', async ({
  app,
  server,
}) => {
  const folder = join(server.workDir, `signed-${Date.now()}`);
  await mkdir(folder);
  const memo = join(folder, 'memo.txt');
  await writeFile(memo, 'case 42 memo');
  await goTo(app, 'Files');
  await dropFiles(app, [{ name: 'memo.txt', path: memo }]);
  await app.getByText('More options').click();
  await app.getByRole('checkbox', { name: /^Sign the files/ }).check();
  const context = app.getByRole('group', { name: 'Encryption context' });
  await context.getByRole('button', { name: 'Add a pair' }).click();
  await context.getByLabel('Encryption context: name 1').fill('case');
  await context.getByLabel('Encryption context: value 1').fill('42');
  await context.getByRole('checkbox', { name: 'Required 1: kept out of the file' }).check();
  await context.getByRole('button', { name: 'Add a pair' }).click();
  await context.getByLabel('Encryption context: name 2').fill('team');
  await context.getByLabel('Encryption context: value 2').fill('legal');
  await app.getByRole('button', { name: 'Start' }).click();
  const card = app.getByTestId('job-card').first();
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(card.getByTestId('job-options')).toHaveText('Signed · 2 context pairs, 1 required (kept out of the files)');

  const sealed = `${memo}.coffer`;
  const inspected = await runCoffer(['inspect-file', sealed]);
  expect(inspected.code).toBe(0);
  expect(inspected.json).toMatchObject({ suite_id: expect.stringMatching(/0x0578/i), signed: true });
  expect(inspected.json.encryption_context).toMatchObject({ team: 'legal' });
  expect(inspected.json.encryption_context).not.toHaveProperty('case');

  // Without the pair: refused, nothing written. With it given back: the memo again.
  await rename(memo, join(folder, 'memo-original.txt'));
  await dropFiles(app, [{ name: 'memo.txt.coffer', path: sealed }]);
  await app.getByRole('button', { name: 'Start' }).click();
  await expect(app.getByTestId('job-card')).toHaveCount(2);
  await expect(app.getByTestId('job-card').first()).toHaveAttribute('data-state', 'failed', { timeout: 30_000 });
  expect(existsSync(memo)).toBe(false);

  await dropFiles(app, [{ name: 'memo.txt.coffer', path: sealed }]);
  await app.getByText('More options').click();
  const back = app.getByRole('group', { name: 'Context to give back' });
  await back.getByRole('button', { name: 'Add a pair' }).click();
  await back.getByLabel('Context to give back: name 1').fill('case');
  await back.getByLabel('Context to give back: value 1').fill('42');
  await app.getByRole('button', { name: 'Start' }).click();
  await expect(app.getByTestId('job-card')).toHaveCount(3);
  const opened = app.getByTestId('job-card').first();
  await expect(opened).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(opened.getByTestId('job-options')).toHaveText('1 context pair given back');
  expect(await readFile(memo, 'utf8')).toBe('case 42 memo');
});
