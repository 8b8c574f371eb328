import { expect, test } from './support/fixtures.js';

test.beforeEach(async ({ app, server }) => {
  await server.services.handlers['vault:create']({ protection: 'keychain' });
  await server.services.handlers['keys:create']({ key_alias: 'secrets' });
  await app.reload();
  await app.getByRole('button', { name: 'Text', exact: true }).click();
});

test('small data: encrypt with a context, decrypt with it; a wrong context is refused in plain words', async ({ app }) => {
  const encrypt = app.getByRole('region', { name: 'Encrypt', exact: true });
  await app.getByRole('button', { name: 'Add context pair' }).click();
  await app.getByLabel('Context name 1').fill('purpose');
  await app.getByLabel('Context value 1').fill('database password');
  await encrypt.getByLabel('Plaintext', { exact: true }).fill('hunter2 – ünïcode ✓');
  await expect(encrypt.getByText(/\d+ \/ 4096 bytes/)).toBeVisible();
  await encrypt.getByRole('button', { name: 'Encrypt', exact: true }).click();
  const ciphertext = encrypt.getByLabel('Ciphertext (Base64)');
  await expect(ciphertext).toHaveValue(/^[A-Za-z0-9+/]+=*$/);
  await encrypt.getByRole('button', { name: 'Decrypt it' }).click();

  const decrypt = app.getByRole('region', { name: 'Decrypt', exact: true });
  await decrypt.getByRole('button', { name: 'Decrypt', exact: true }).click();
  await expect(decrypt.getByLabel('Decrypted plaintext', { exact: true })).toHaveValue('hunter2 – ünïcode ✓');

  await app.getByLabel('Context value 1').fill('Database password');
  await decrypt.getByRole('button', { name: 'Decrypt', exact: true }).click();
  await expect(decrypt.getByRole('alert')).toContainText('encryption context does not match');
});

test('the byte counter blocks plaintext over 4096 bytes', async ({ app }) => {
  const encrypt = app.getByRole('region', { name: 'Encrypt', exact: true });
  await encrypt.getByLabel('Plaintext', { exact: true }).fill('é'.repeat(2049));
  await expect(encrypt.getByText('4098 / 4096 bytes')).toBeVisible();
  await expect(encrypt.getByRole('button', { name: 'Encrypt', exact: true })).toBeDisabled();
});
