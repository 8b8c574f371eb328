import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from './support/fixtures.js';
import { someonesPublicKeyFile } from './support/public-key.js';
import { openView, seedVault, VIEWS } from './support/views.js';

/**
 * Every screen, light and dark. Each e2e run takes them (test-results/screenshots);
 * `npm run screenshots` writes them to docs/screenshots, which README shows.
 */
const out = process.env.COFFER_SCREENSHOTS_DIR ?? fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
const screens = ['Files', 'Keys', 'Contacts', 'Text', 'Data keys', 'Activity', 'Settings'];

for (const scheme of ['light', 'dark'] as const) {
  test(`every screen in ${scheme}`, async ({ app, server, page }) => {
    await mkdir(out, { recursive: true });
    await page.emulateMedia({ colorScheme: scheme });
    await app.reload();
    await page.screenshot({ path: join(out, `first-run-${scheme}.png`) });
    await server.services.handlers['vault:create']({ protection: 'keychain' });
    for (const alias of ['photos', 'database-dumps', 'certificates'])
      await server.services.handlers['keys:create']({ key_alias: alias, key_description: `Keys for ${alias}` });
    await server.services.handlers['keys:disable']({ key_id: 'alias/certificates' });
    await server.services.handlers['keys:enable-rotation']({ key_id: 'alias/photos', rotation_interval: 90 });
    await server.services.handlers['contacts:add']({ name: 'Alice', public_key_file: someonesPublicKeyFile() });
    const sample = join(server.workDir, `shot-${scheme}-${Date.now()}.txt`);
    await writeFile(sample, 'sample');
    await server.services.handlers['jobs:start']({ action: 'encrypt', inputs: server.grant(sample), key_ids: ['alias/photos'] });
    await app.reload();
    for (const name of screens) {
      await app.getByRole('button', { name, exact: true }).click();
      await expect(app.getByRole('main', { name })).toBeVisible();
      if (name === 'Keys') await app.getByRole('table', { name: 'Keys' }).getByRole('button', { name: 'photos' }).click();
      if (name === 'Contacts') await app.getByTestId('contact-row').first().waitFor();
      await page.waitForTimeout(150);
      await page.screenshot({ path: join(out, `${name.toLowerCase().replace(' ', '-')}-${scheme}.png`), fullPage: true });
    }
  });
}

/** At 150% zoom in an 800x600 window (533x400 CSS pixels at a device pixel ratio of 1.5): the narrow layout. */
test.describe('at 150% zoom', () => {
  test.use({ viewport: { width: 533, height: 400 }, deviceScaleFactor: 1.5 });
  test('Files and Keys at 150% zoom', async ({ app, server, page }) => {
    await mkdir(out, { recursive: true });
    const seed = await seedVault(server);
    for (const [name, scheme] of [
      ['Files', 'light'],
      ['Keys', 'dark'],
    ] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await app.reload();
      await openView(
        app,
        VIEWS.find((v) => v.name === name)!,
        seed,
      );
      await page.evaluate(() => document.querySelector('main')?.scrollTo(0, 0));
      await page.waitForTimeout(150);
      await page.screenshot({ path: join(out, `${name.toLowerCase()}-150-${scheme}.png`) });
    }
  });
});
