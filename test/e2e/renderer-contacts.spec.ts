import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.js';
import { goTo } from './support/views.js';

/**
 * Sharing in the window, over the real main-process code and a real vault: "my public key"
 * created, copied and saved, and contacts added from a real public key file's text, then removed.
 */
test.beforeEach(async ({ app, server, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await server.services.handlers['vault:create']({ protection: 'keychain' });
  await app.reload();
});

test('create my encryption key on Contacts, copy my public key, save it to a file, and add it back as a contact', async ({
  app,
  server,
}) => {
  await goTo(app, 'Contacts');
  const share = app.getByRole('region', { name: 'Share my public key' });
  await share.getByLabel('Alias for the new key').fill('me');
  await share.getByRole('button', { name: 'Create my encryption key' }).click();
  const fingerprint = share.getByTestId('fingerprint');
  await expect(fingerprint).toHaveText(/^SHA256:/);
  const { key_details } = await server.services.handlers['keys:list']({});
  expect(key_details.find((k) => k.key_alias === 'me')).toMatchObject({ key_spec: 'RSA_3072', key_usage: 'ENCRYPT_DECRYPT' });
  const mine = await server.services.handlers['keys:public-key-file']({ key_id: 'alias/me' });
  await expect(fingerprint).toHaveText(mine.fingerprint);

  await share.getByRole('button', { name: 'Copy my public key' }).click();
  await expect(share.getByRole('button', { name: 'Copied' })).toBeVisible();
  const copied = await app.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(mine.text);

  const target = join(server.workDir, 'me.coffer-public-key');
  server.saveAnswers.push(target);
  await share.getByRole('button', { name: 'Save to a file…' }).click();
  await expect(share.getByRole('status')).toHaveText(`Saved to ${target}.`);
  expect(server.saveSuggested).toEqual(['me.coffer-public-key']);
  expect(await readFile(target, 'utf8')).toBe(mine.text);

  // The saved file, chosen in the open dialog, becomes a contact (as a friend's would).
  server.keyFileAnswers.push(target);
  await app.getByLabel('Their name').fill('Me at home');
  await app.getByRole('button', { name: 'Choose their public key file…' }).click();
  await expect(app.getByText(/Read me\.coffer-public-key: an RSA 3072 key/)).toBeVisible();
  await app.getByRole('button', { name: 'Add contact' }).click();
  const row = app.getByTestId('contact-row');
  await expect(row.getByRole('rowheader')).toHaveText('Me at home');
  await expect(row.getByTestId('fingerprint')).toHaveText(mine.fingerprint);
  expect((await server.services.handlers['contacts:list']({})).contacts.map((c) => c.name)).toEqual(['Me at home']);
});

test('a pasted damaged public key is refused in words, a good one is added, and removing asks first', async ({ app, server }) => {
  const other = await server.services.handlers['keys:create']({
    key_alias: 'friend',
    key_spec: 'RSA_2048',
    key_usage: 'ENCRYPT_DECRYPT',
  });
  const friend = await server.services.handlers['keys:public-key-file']({ key_id: other.key_info.key_id });
  await goTo(app, 'Contacts');
  await app.getByLabel('Their name').fill('Bob');
  await app
    .getByLabel("Or paste the file's text")
    .fill(friend.text.replace(/"fingerprint": "SHA256:.{4}/, '"fingerprint": "SHA256:AAAA'));
  await app.getByRole('button', { name: 'Add contact' }).click();
  await expect(app.getByRole('alert')).toContainText('This is not a usable Coffer public key file');
  await expect(app.getByText('No contacts yet')).toBeVisible();

  await app.getByLabel("Or paste the file's text").fill(friend.text);
  await app.getByRole('button', { name: 'Add contact' }).click();
  await expect(app.getByTestId('contact-row').getByTestId('fingerprint')).toHaveText(friend.fingerprint);

  await app.getByRole('button', { name: 'Remove Bob…' }).click();
  const dialog = app.getByRole('alertdialog', { name: 'Remove the contact "Bob"?' });
  await dialog.getByRole('button', { name: 'Remove contact' }).click();
  await expect(app.getByText('No contacts yet')).toBeVisible();
  expect((await server.services.handlers['contacts:list']({})).total).toBe(0);
});
