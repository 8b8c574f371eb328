import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { BridgeServer } from './bridge-server.js';
import { dropFiles, pngBytes } from './files.js';
import { someonesPublicKeyFile } from './public-key.js';

/**
 * Every screen and dialog of the unlocked app, each with the steps that open it from a fresh
 * load. The accessibility, reflow and screenshot specs loop over this list: a new screen or
 * dialog is one more line here.
 */
/** What seedVault made: a .coffer picture to list on Files. */
export interface Seed {
  picture: string;
}

export interface View {
  name: string;
  /** The nav button whose screen this view is on. */
  screen: string;
  /** Steps after the screen is shown (select a row, open a dialog). */
  then?: (app: Page, seed: Seed) => Promise<void>;
  /** When the view is a dialog: its accessible name. */
  dialog?: string;
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
 * in everyday use.
 */
export async function seedVault(server: BridgeServer): Promise<Seed> {
  const h = server.services.handlers;
  if ((await server.services.status()).state === 'none') await h['vault:create']({ protection: 'keychain' });
  for (const alias of ['photos', 'database-dumps', 'certificates'])
    await h['keys:create']({ key_alias: alias, key_description: `Keys for ${alias}` });
  await h['keys:disable']({ key_id: 'alias/certificates' });
  await h['keys:enable-rotation']({ key_id: 'alias/photos', rotation_interval: 90 });
  await h['contacts:add']({ name: 'Alice', public_key_file: someonesPublicKeyFile() });
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
  return { picture: `${picture}.coffer` };
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
