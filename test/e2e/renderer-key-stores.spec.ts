import { mkdir, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { startSoftHsm, type SoftHsm } from '../helpers/softhsm.js';
import { expect, test } from './support/fixtures.js';
import { deleteTokenKeyLeavingObjects, goTo } from './support/views.js';

// The real core behind the page talks to a real SoftHSM2 token in this process (SOFTHSM2_CONF).
let hsm: SoftHsm;
test.beforeEach(async () => {
  hsm = await startSoftHsm();
  hsm.use();
  await hsm.initToken('desk-token', '4321');
});
test.afterEach(async () => {
  await hsm.remove();
});

test('Settings adds a key store from the tokens its module finds; Create key makes a key in it; Keys shows where each key is stored', async ({
  app,
  server,
}) => {
  await server.services.handlers['vault:create']({ protection: 'keychain' });
  await server.services.handlers['keys:create']({ key_alias: 'in-vault' });
  await app.reload();
  await goTo(app, 'Settings');
  const section = app.getByRole('region', { name: 'Key stores' });
  await expect(section.getByText('No key store yet.')).toBeVisible();
  // The module is a library main loads: it comes from Coffer's open dialog, never typed in.
  await expect(section.getByLabel('PKCS#11 module')).toHaveAttribute('readonly', '');
  server.chooseAnswers.push([hsm.module]);
  await section.getByRole('button', { name: 'Choose module…' }).click();
  await expect(section.getByLabel('PKCS#11 module')).toHaveValue(hsm.module);
  await section.getByRole('button', { name: 'Find tokens' }).click();
  await expect(section.getByRole('radio', { name: /desk-token .*serial/ })).toBeChecked();
  await section.getByLabel('Key store name').fill('desk');

  // A wrong PIN is refused after one try, and nothing is added.
  await section.getByLabel('Token PIN').fill('0000');
  await section.getByRole('button', { name: 'Add key store' }).click();
  await expect(section.getByRole('alert')).toContainText('Key store desk: the token refused the PIN');
  expect((await server.services.handlers['keystores:list']({})).total).toBe(0);

  await section.getByLabel('Token PIN').fill('4321');
  await section.getByRole('button', { name: 'Add key store' }).click();
  await expect(section.getByRole('status')).toContainText('Key store desk added');
  await expect(section.getByRole('list', { name: 'Key stores' })).toContainText('PIN kept in the OS keychain');

  // The module path can be changed (a restored store keeps the source machine's): again through Coffer's dialog.
  server.chooseAnswers.push([hsm.module]);
  await section.getByRole('button', { name: 'Change module of desk' }).click();
  await expect(section.getByRole('status')).toContainText(`Key store desk now uses the module ${hsm.module}`);

  // The token key is made through the Create key dialog, which offers the store.
  await goTo(app, 'Keys');
  await app.getByRole('button', { name: 'Create key' }).first().click();
  const dialog = app.getByRole('dialog', { name: 'Create a key' });
  await dialog.getByRole('radio', { name: /Key store desk/ }).check();
  await dialog.getByLabel('Alias', { exact: true }).fill('in-token');
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(dialog).toBeHidden();
  const table = app.getByRole('table', { name: 'Keys' });
  await expect(table.getByRole('row', { name: /in-token/ })).toContainText('Key store desk');
  await expect(table.getByRole('row', { name: /in-vault/ })).toContainText('Vault');
});

test("Settings says when a deleted key's objects are still in the token, and Retry cleanup destroys them once it is back", async ({
  app,
  server,
}) => {
  await server.services.handlers['vault:create']({ protection: 'keychain' });
  const [module] = server.grant(hsm.module);
  await server.services.handlers['keystores:create']({
    keystore_alias: 'desk',
    module_file: module!,
    token_label: 'desk-token',
    pin: '4321',
    keep_pin: true,
  });
  const keyId = await deleteTokenKeyLeavingObjects(server, 'old-payroll', 'desk');
  // The token is pulled out: its files move aside, as the device would go.
  const aside = join(hsm.dir, 'unplugged');
  await mkdir(aside);
  const files = await readdir(hsm.tokenDir);
  for (const name of files) await rename(join(hsm.tokenDir, name), join(aside, name));

  await app.reload();
  await goTo(app, 'Settings');
  const section = app.getByRole('region', { name: 'Key stores' });
  await expect(section.getByRole('list', { name: 'Key stores' })).toContainText(
    `The token still holds the objects of 1 deleted key (${keyId})`,
  );
  const retry = section.getByRole('button', { name: 'Retry cleanup of desk' });
  await retry.click();
  await expect(section.getByRole('alert')).toContainText(
    'Key store desk: 1 deleted key still has objects in the token: Key store desk: no token labelled "desk-token" is present',
  );
  await expect(retry).toBeVisible();

  for (const name of files) await rename(join(aside, name), join(hsm.tokenDir, name));
  await retry.click();
  await expect(section.getByRole('status')).toContainText('Key store desk: the token objects of 1 deleted key were destroyed.');
  await expect(retry).toBeHidden();
  await expect(section.getByRole('alert')).toBeHidden();
  expect((await server.services.handlers['keystores:list']({})).keystores[0]!.pending_token_cleanup).toEqual([]);
});
