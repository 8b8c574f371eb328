import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { goTo } from './support/views.js';

/** Asymmetric keys end to end: made in the Create dialog, used on the Text screen, against the real vault. */
test.beforeEach(async ({ app, server }) => {
  await server.services.handlers['vault:create']({ protection: 'keychain' });
  await app.reload();
});

async function createKey(app: Page, alias: string, spec: string, usage: string): Promise<void> {
  await goTo(app, 'Keys');
  await app.getByRole('button', { name: 'Create key' }).first().click();
  const dialog = app.getByRole('dialog', { name: 'Create a key' });
  await dialog.getByLabel('Alias').fill(alias);
  await dialog.getByLabel('Key spec').selectOption(spec);
  // EC keys only sign: the usage is fixed; RSA keys take either.
  if (spec.startsWith('EC_')) await expect(dialog.getByLabel('Key usage')).toBeDisabled();
  else await dialog.getByLabel('Key usage').selectOption(usage);
  await expect(dialog.getByLabel('Key usage')).toHaveValue(usage);
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(dialog).toBeHidden();
  await expect(app.getByRole('region', { name: 'Key details' }).getByRole('heading', { level: 2 })).toHaveText(alias);
}

test('an EC_P384 key signs text and a file; the signature checks out, and a changed message does not', async ({
  app,
  server,
}) => {
  await createKey(app, 'release-signing', 'EC_P384', 'SIGN_VERIFY');
  const details = app.getByRole('region', { name: 'Key details' });
  await expect(details.getByLabel('Public key (PEM)')).toHaveValue(/^-----BEGIN PUBLIC KEY-----/);
  await expect(details.getByRole('region', { name: 'Rotation' })).toContainText('Asymmetric keys do not rotate');

  await goTo(app, 'Text');
  const panel = app.getByRole('region', { name: 'Sign and verify' });
  await expect(panel.getByRole('combobox', { name: 'Signing key' })).toHaveValue('release-signing');
  await expect(panel.getByLabel('Signing algorithm')).toHaveValue('ECDSA_SHA_384');
  await panel.getByLabel('Message', { exact: true }).fill('release 1.2.0, sha256 9f86d0…');
  await panel.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(panel.getByRole('status')).toHaveText('Signed the message: the signature is below.');
  await expect(panel.getByLabel('Signature (Base64)')).toHaveValue(/^MG[A-Za-z0-9+/]+=*$/); // DER SEQUENCE
  await panel.getByRole('button', { name: 'Verify signature' }).click();
  await expect(panel.getByRole('status')).toHaveText(/^Valid:/);
  await panel.getByLabel('Message', { exact: true }).fill('release 1.2.1, sha256 9f86d0…');
  await panel.getByRole('button', { name: 'Verify signature' }).click();
  await expect(panel.getByRole('status')).toHaveText(/^Not valid:/);

  // A file: main's dialog picks it (the stand-in answers), Coffer signs its digest.
  const file = join(server.workDir, 'installer.bin');
  await writeFile(file, Buffer.alloc(300_000, 1));
  server.chooseAnswers.push([file]);
  await panel.getByRole('button', { name: 'Sign a file…' }).click();
  await expect(panel.getByRole('status')).toHaveText('Signed installer.bin: the signature is below.');
  server.chooseAnswers.push([file]);
  await panel.getByRole('button', { name: 'Verify a file…' }).click();
  await expect(panel.getByRole('status')).toHaveText(/^Valid: this signature of installer.bin/);
  await writeFile(file, Buffer.alloc(300_000, 2));
  server.chooseAnswers.push([file]);
  await panel.getByRole('button', { name: 'Verify a file…' }).click();
  await expect(panel.getByRole('status')).toHaveText(/^Not valid: installer.bin/);
});

test('an RSA_3072 ENCRYPT_DECRYPT key round-trips text with RSAES_OAEP_SHA_256', async ({ app }) => {
  await createKey(app, 'rsa-box', 'RSA_3072', 'ENCRYPT_DECRYPT');
  await goTo(app, 'Text');
  const encrypt = app.getByRole('region', { name: 'Encrypt', exact: true });
  await expect(encrypt.getByRole('combobox', { name: 'Key' })).toHaveValue('rsa-box');
  await expect(encrypt.getByText(/An RSA_3072 key encrypts at most 318 bytes/)).toBeVisible();
  await encrypt.getByLabel('Plaintext', { exact: true }).fill('the safe code is 4711');
  await expect(encrypt.getByText('21 / 318 bytes')).toBeVisible();
  await encrypt.getByRole('button', { name: 'Encrypt', exact: true }).click();
  await expect(encrypt.getByText('Encrypted with rsa-box, version 1, RSAES_OAEP_SHA_256.')).toBeVisible();
  // 384 bytes of RSA-OAEP ciphertext: 512 Base64 characters.
  await expect(encrypt.getByLabel('Ciphertext (Base64)')).toHaveValue(/^[A-Za-z0-9+/]{512}$/);
  await encrypt.getByRole('button', { name: 'Decrypt it' }).click();
  const decrypt = app.getByRole('region', { name: 'Decrypt', exact: true });
  await expect(decrypt.getByRole('combobox', { name: 'RSA key (RSA ciphertexts only)' })).toHaveValue('rsa-box');
  await decrypt.getByRole('button', { name: 'Decrypt', exact: true }).click();
  await expect(decrypt.getByLabel('Decrypted plaintext', { exact: true })).toHaveValue('the safe code is 4711');
});
