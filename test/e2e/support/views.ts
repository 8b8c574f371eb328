import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { Vault } from '../../../electron/core/vault/vault.js';
import { startSoftHsm } from '../../helpers/softhsm.js';
import type { BridgeServer } from './bridge-server.js';
import { dropFiles, pngBytes } from './files.js';
import { someonesPublicKeyFile } from './public-key.js';

/**
 * Every screen and dialog of the unlocked app, each with the steps that open it from a fresh
 * load. The accessibility, reflow and screenshot specs loop over this list: a new screen or
 * dialog is one more line here.
 */
/** What seedVault made: a .coffer picture to list on Files; with key stores, how to choose their module. */
export interface Seed {
  picture: string;
  /** Makes Coffer's open dialog "return" the SoftHSM2 module next (views that add a key store); null without key stores. */
  chooseModule: (() => void) | null;
}

export interface View {
  name: string;
  /** The nav button whose screen this view is on. */
  screen: string;
  /** Steps after the screen is shown (select a row, open a dialog). */
  then?: (app: Page, seed: Seed) => Promise<void>;
  /** When the view is a dialog: its accessible name. */
  dialog?: string;
  /** Shown only on a vault seeded with key stores (`seedVault(server, { keyStores: true })`). */
  needsKeyStores?: boolean;
}

const selectPhotos = async (app: Page): Promise<void> => {
  await app.getByRole('table', { name: 'Keys' }).getByRole('button', { name: 'photos', exact: true }).click();
};

export const VIEWS: View[] = [
  { name: 'Files', screen: 'Files', then: addPicture },
  {
    name: 'Files with recipients and options',
    screen: 'Files',
    then: async (app, seed) => {
      const original = seed.picture.replace(/\.coffer$/, '');
      await dropFiles(app, [
        { name: 'sunset.png', path: original },
        { name: 'sunset.png.coffer', path: seed.picture },
      ]);
      await app.getByTestId('pending-row').nth(1).waitFor();
      await app.getByRole('combobox', { name: 'Also encrypt for (recipients)' }).click();
      await app.getByRole('option', { name: /^Alice/ }).click();
      await app.getByText('More options').click();
      for (const group of ['Encryption context', 'Context to give back'])
        await app.getByRole('group', { name: group }).getByRole('button', { name: 'Add a pair' }).click();
    },
  },
  { name: 'Keys', screen: 'Keys', then: selectPhotos },
  {
    name: 'Keys, an asymmetric key',
    screen: 'Keys',
    then: async (app) => {
      await app.getByRole('table', { name: 'Keys' }).getByRole('button', { name: 'release-signing', exact: true }).click();
      await app.getByLabel('Public key (PEM)').waitFor();
    },
  },
  { name: 'Contacts', screen: 'Contacts', then: async (app) => app.getByTestId('contact-row').first().waitFor() },
  {
    name: 'Contacts, my public key to share',
    screen: 'Contacts',
    then: async (app) => {
      // Made through its button the first time this vault shows the view; a loop's next pass finds it made.
      const create = app.getByRole('button', { name: 'Create my encryption key' });
      const copy = app.getByRole('button', { name: 'Copy my public key' });
      await create.or(copy).first().waitFor();
      if (await create.isVisible()) await create.click();
      await copy.waitFor({ timeout: 30_000 });
    },
  },
  {
    name: 'Remove contact dialog',
    screen: 'Contacts',
    dialog: 'Remove the contact "Alice"?',
    then: async (app) => app.getByRole('button', { name: 'Remove Alice…' }).click(),
  },
  { name: 'Text', screen: 'Text' },
  {
    name: 'Text, a signature checked',
    screen: 'Text',
    then: async (app) => {
      const panel = app.getByRole('region', { name: 'Sign and verify' });
      await panel.getByLabel('Message', { exact: true }).fill('release 1.2.0');
      await panel.getByRole('button', { name: 'Sign', exact: true }).click();
      await panel.getByText('Signed the message: the signature is below.').waitFor();
      await panel.getByLabel('Message', { exact: true }).fill('release 1.2.1');
      await panel.getByRole('button', { name: 'Verify signature' }).click();
      await panel.getByText(/^Not valid:/).waitFor();
    },
  },
  { name: 'Data keys', screen: 'Data keys' },
  { name: 'Activity', screen: 'Activity' },
  { name: 'Settings', screen: 'Settings' },
  {
    name: 'Settings, key stores',
    screen: 'Settings',
    needsKeyStores: true,
    then: async (app, seed) => {
      // Two stores (one keeps its PIN and has a deleted key's objects to clean up, one asks for its PIN each
      // session), and a third token found by the add form.
      const section = app.getByRole('region', { name: 'Key stores' });
      await section.getByRole('list', { name: 'Key stores' }).getByText('PIN asked for each session').waitFor();
      await section.getByRole('button', { name: 'Retry cleanup of desk' }).waitFor();
      seed.chooseModule!();
      await section.getByRole('button', { name: 'Choose module…' }).click();
      await section.getByRole('button', { name: 'Find tokens' }).click();
      await section.getByRole('group', { name: 'Tokens found' }).waitFor();
    },
  },
  {
    name: 'Create key dialog',
    screen: 'Keys',
    dialog: 'Create a key',
    then: async (app) => app.getByRole('button', { name: 'Create key' }).first().click(),
  },
  {
    name: 'Delete key dialog',
    screen: 'Keys',
    dialog: 'Delete the key "photos"?',
    then: async (app) => {
      await selectPhotos(app);
      await app.getByRole('button', { name: 'Delete key…' }).click();
    },
  },
  {
    name: 'Rollback dialog',
    screen: 'Settings',
    dialog: 'Drop a key to roll back?',
    then: async (app) =>
      app
        .getByRole('region', { name: 'Vault generations' })
        .getByRole('button', { name: /^Roll back to generation \d+$/ })
        .click(),
  },
  {
    name: 'Preview dialog',
    screen: 'Files',
    dialog: 'Preview of sunset.png',
    then: async (app, seed) => {
      await addPicture(app, seed);
      await app.getByTestId('pending-row').getByRole('button', { name: 'Preview' }).first().click();
      await app.getByRole('dialog', { name: 'Preview of sunset.png' }).getByRole('img').waitFor();
    },
  },
];

async function addPicture(app: Page, seed: Seed): Promise<void> {
  const rows = app.getByTestId('pending-row');
  if ((await rows.count()) > 0) return;
  await dropFiles(app, [{ name: 'sunset.png.coffer', path: seed.picture }]);
  await rows.first().waitFor();
}

/**
 * A vault with four keys (one disabled, one rotating, one an EC_P384 signing key), a contact, a
 * finished encryption job in Activity and a .coffer picture for the preview: what the screens show
 * in everyday use. With `keyStores`, also two key stores on real SoftHSM2 tokens (one keeping its
 * PIN in the OS keychain, with a key in it; one asking for its PIN each session) and a third,
 * free token for Settings' add form to find.
 */
export async function seedVault(server: BridgeServer, options: { keyStores?: boolean } = {}): Promise<Seed> {
  const h = server.services.handlers;
  if ((await server.services.status()).state === 'none') await h['vault:create']({ protection: 'keychain' });
  for (const alias of ['photos', 'database-dumps', 'certificates'])
    await h['keys:create']({ key_alias: alias, key_description: `Keys for ${alias}` });
  await h['keys:disable']({ key_id: 'alias/certificates' });
  await h['keys:enable-rotation']({ key_id: 'alias/photos', rotation_interval: 90 });
  await h['contacts:add']({ name: 'Alice', public_key_file: someonesPublicKeyFile() });
  const chooseModule = options.keyStores ? await seedKeyStores(server) : null;
  // Last, so the previous generation lacks it: Settings' rollback then asks about it (the Rollback dialog view).
  await h['keys:create']({ key_alias: 'release-signing', key_spec: 'EC_P384', key_usage: 'SIGN_VERIFY' });
  const folder = join(server.workDir, `views-${Date.now()}`);
  await mkdir(folder);
  const picture = join(folder, 'sunset.png');
  await writeFile(picture, pngBytes());
  const { job_id } = await h['jobs:start']({ action: 'encrypt', inputs: server.grant(picture), key_ids: ['alias/photos'] });
  for (let i = 0; i < 200; i += 1) {
    if (server.services.jobs.list().find((j) => j.job_id === job_id)?.state === 'done') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { picture: `${picture}.coffer`, chooseModule };
}

/** The key stores of seedVault's `keyStores`; SoftHSM2's files live in the server's work folder, removed with it. */
async function seedKeyStores(server: BridgeServer): Promise<() => void> {
  const h = server.services.handlers;
  const hsm = await startSoftHsm(undefined, server.workDir);
  hsm.use();
  for (const label of ['desk-token', 'travel-token', 'spare-token']) await hsm.initToken(label, '4321');
  const [module] = server.grant(hsm.module);
  const store = async (alias: string, token: string, keep: boolean): Promise<void> => {
    await h['keystores:create']({ keystore_alias: alias, module_file: module!, token_label: token, pin: '4321', keep_pin: keep });
  };
  await store('desk', 'desk-token', true);
  await store('travel', 'travel-token', false);
  await h['keys:create']({ key_alias: 'payroll', keystore_id: 'desk', key_description: 'Keys for payroll, in the token' });
  await deleteTokenKeyLeavingObjects(server, 'old-payroll', 'desk');
  return () => server.chooseAnswers.push([hsm.module]);
}

/**
 * A key in `store` deleted (its 7 days waited) without its token objects destroyed: the store's
 * pending_token_cleanup. The days pass for a second opening of the vault, as the CLI would open it
 * a week later; that opening does not reach the token, so the objects stay until a retry or the
 * token's next use. The app's own session sees the change when it next reads the vault.
 */
export async function deleteTokenKeyLeavingObjects(server: BridgeServer, alias: string, store: string): Promise<string> {
  const h = server.services.handlers;
  const { key_info } = await h['keys:create']({ key_alias: alias, keystore_id: store });
  await h['keys:schedule-deletion']({ key_id: key_info.key_id, pending_days: 7 });
  const weekLater = Date.now() + 8 * 86_400_000;
  await Vault.open({ dir: server.vaultDir, clock: () => weekLater });
  return key_info.key_id;
}

/** Chooses a screen in the sidebar, or through the Menu button when the window is narrow. */
export async function goTo(app: Page, screen: string): Promise<void> {
  const nav = app.getByRole('navigation', { name: 'Screens' });
  const toggle = nav.getByRole('button', { name: 'Menu' });
  // The first button is Menu when narrow, else Files: wait for the app to be drawn before asking.
  await nav.getByRole('button').first().waitFor();
  if ((await toggle.isVisible()) && (await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await nav.getByRole('button', { name: screen, exact: true }).click();
}

/** The views a seed can show (those needing key stores only when it has them). */
export function viewsFor(seed: Seed): View[] {
  return VIEWS.filter((v) => !v.needsKeyStores || seed.chooseModule);
}

/** Shows `view` on a freshly loaded app. */
export async function openView(app: Page, view: View, seed: Seed): Promise<void> {
  await goTo(app, view.screen);
  await app.getByRole('main', { name: view.screen }).waitFor();
  await view.then?.(app, seed);
  if (view.dialog)
    await app
      .getByRole(/^(Delete|Remove|Drop)\b/.test(view.dialog) ? 'alertdialog' : 'dialog', {
        name: view.dialog,
      })
      .waitFor();
}
