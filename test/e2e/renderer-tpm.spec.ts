import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCoffer } from '../helpers/cli.js';
import { expect, tpmSkipReason, withTpm, withUnreachableTpm } from './support/tpm.js';
import { goTo } from './support/views.js';

// The main-process code behind the page runs in this process and reaches a real swtpm through
// TPM2TOOLS_TCTI, as the desktop app does through its environment.
withTpm.skip(tpmSkipReason !== null, tpmSkipReason ?? '');

withTpm(
  'first run with a TPM: offered, chosen, the vault sealed by it (only sealed blobs on disk), the code shown, keys made',
  async ({ app, server, tpm }) => {
    await expect(app.getByRole('heading', { name: 'Welcome to Coffer' })).toBeVisible();
    await app.getByRole('radio', { name: /TPM 2\.0 chip/ }).check();
    await expect(app.getByText(/not offered/)).toHaveCount(0);
    await app.getByRole('button', { name: 'Create my vault' }).click();

    await expect(app.getByLabel('Recovery code')).toHaveText(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
    await expect(app.getByText(/TPM is cleared or replaced/)).toBeVisible();
    const file = JSON.parse(await readFile(join(server.vaultDir, 'vault.json'), 'utf8'));
    expect(file.protection).toMatchObject({ mode: 'tpm', sealed_vmk: { primary: 'owner-ecc256' } });
    expect(Object.keys(file.protection.sealed_vmk).sort()).toEqual(['primary', 'private', 'public']);
    for (const name of await readdir(server.vaultDir)) expect(name).not.toMatch(/tpm|\.ctx$/);

    await app.getByRole('checkbox').check();
    await app.getByRole('button', { name: 'Continue' }).click();
    await goTo(app, 'Keys');
    await app.getByRole('button', { name: 'Create key' }).first().click();
    const dialog = app.getByRole('dialog', { name: 'Create a key' });
    await dialog.getByLabel('Alias', { exact: true }).fill('sealed-by-tpm');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await expect(dialog).toBeHidden();
    await expect(app.getByRole('table', { name: 'Keys' }).getByRole('row', { name: /sealed-by-tpm/ })).toContainText('Vault');

    await goTo(app, 'Settings');
    await expect(app.getByText(/sealed by this computer's TPM 2\.0 chip/)).toBeVisible();
    await expect(app.getByRole('heading', { name: 'Use a passphrase instead of the TPM' })).toBeVisible();

    // Another process opens the vault with nothing but the TPM, and finds the key the app made.
    const listed = await runCoffer(['--vault', server.vaultDir, 'list-keys'], {
      env: tpm.env,
      removeEnv: ['COFFER_PASSPHRASE'],
    });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.json.key_details.map((k: { key_alias: string }) => k.key_alias)).toEqual(['sealed-by-tpm']);
  },
);

withUnreachableTpm(
  'first run where the configured TPM does not answer: not offered, says so, the keychain still works',
  async ({ app, server }) => {
    await expect(app.getByText('No TPM 2.0 chip answered on this computer, so it is not offered.')).toBeVisible();
    const choices = app.getByRole('group', { name: 'Protect the vault with' }).getByRole('radio');
    await expect(choices).toHaveCount(2);
    await expect(choices.nth(0)).toBeChecked();
    await app.getByRole('button', { name: 'Create my vault' }).click();
    await expect(app.getByLabel('Recovery code')).toBeVisible();
    expect((await server.services.status()).protection).toBe('keychain');
  },
);

withTpm('Settings seals a keychain vault with the TPM, and moves it back to the keychain', async ({ app, server, tpm }) => {
  await server.services.handlers['vault:create']({ protection: 'keychain' });
  await server.services.handlers['keys:create']({ key_alias: 'kept' });
  await app.reload();
  await goTo(app, 'Settings');
  await app.getByRole('button', { name: "Seal it with this computer's TPM instead" }).click();
  await expect(app.getByText(/^The vault is now sealed by this computer's TPM 2\.0 chip/)).toBeVisible();
  await expect(app.getByText(/^This vault is sealed by this computer's TPM 2\.0 chip/)).toBeVisible();
  const file = JSON.parse(await readFile(join(server.vaultDir, 'vault.json'), 'utf8'));
  expect(file.protection).toMatchObject({ mode: 'tpm', sealed_vmk: { primary: 'owner-ecc256' } });
  const listed = await runCoffer(['--vault', server.vaultDir, 'list-keys'], { env: tpm.env, removeEnv: ['COFFER_PASSPHRASE'] });
  expect(listed.code, listed.stderr).toBe(0);
  expect(listed.json.key_details[0].key_alias).toBe('kept');

  await app.getByRole('button', { name: 'Use the keychain instead' }).click();
  await expect(app.getByText(/protected by this computer's keychain: it opens/)).toBeVisible();
  await expect(app.getByRole('button', { name: "Seal it with this computer's TPM instead" })).toBeVisible();
  expect((await server.services.status()).protection).toBe('keychain');
});
