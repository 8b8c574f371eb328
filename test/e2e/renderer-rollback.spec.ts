import { expect, test } from './support/fixtures.js';
import { goTo } from './support/views.js';

// The real main-process code behind the page: a real vault, its previous generation on disk.
test('Settings rolls the vault back: the dialog names the key the older generation lacks, and drops it only when asked', async ({
  app,
  server,
}) => {
  const h = server.services.handlers;
  await h['vault:create']({ protection: 'keychain' });
  await h['keys:create']({ key_alias: 'kept' });
  const newer = (await h['keys:create']({ key_alias: 'newer' })).key_info.key_id;
  await app.reload();
  await goTo(app, 'Settings');
  const section = app.getByRole('region', { name: 'Vault generations' });
  const rollBack = section.getByRole('button', { name: /^Roll back to generation \d+$/ });
  await expect(section.getByText(/lacks 1 key the vault holds now/)).toBeVisible();

  await rollBack.click();
  const dialog = app.getByRole('alertdialog', { name: 'Drop a key to roll back?' });
  await expect(dialog.getByRole('list', { name: 'Keys that would be lost' })).toHaveText(`newer (${newer})`);
  await dialog.getByRole('button', { name: 'Keep the current vault' }).click();
  await expect(dialog).toBeHidden();
  expect((await h['keys:list']({})).keys).toHaveLength(2);

  await rollBack.click();
  await app.getByRole('alertdialog').getByRole('button', { name: 'Drop it and roll back' }).click();
  await expect(
    section.getByText(/The vault is back at generation \d+\. The file it replaced is kept as .*vault\.damaged-/),
  ).toBeVisible();
  expect((await h['keys:list']({})).keys).toHaveLength(1);
  // The generation put back is now the vault; going back to it again loses nothing.
  await expect(section.getByText(/lacks/)).toHaveCount(0);
});
