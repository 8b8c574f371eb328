import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { openView, seedVault, VIEWS } from './support/views.js';

/**
 * WCAG 2.2 AA by axe-core on every screen and dialog (support/views.ts), in both themes, at 100%
 * and 150% zoom; any violation fails. Zoom is emulated as Chromium's own zoom works: the window
 * stays 800x600 device pixels, so the page lays out in 800/z x 600/z CSS pixels at a device pixel
 * ratio of z (media queries, text size and layout all follow, as with Electron's View > Zoom In).
 * The themes are switched with prefers-color-scheme, as the OS would.
 */
const WINDOW = { width: 800, height: 600 };
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SCHEMES = ['light', 'dark'] as const;

async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(TAGS)
    .options({ resultTypes: ['violations'] })
    .analyze();
  return result.violations.flatMap((v) =>
    v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${n.failureSummary?.split('\n')[1]?.trim() ?? ''})`),
  );
}

for (const zoom of [1, 1.5]) {
  test.describe(`at ${zoom * 100}% zoom`, () => {
    test.use({
      viewport: { width: Math.round(WINDOW.width / zoom), height: Math.round(WINDOW.height / zoom) },
      deviceScaleFactor: zoom,
    });
    test('axe finds no WCAG 2.2 AA violation on any screen or dialog, in either theme', async ({ app, server, page }) => {
      test.setTimeout(300_000);
      const figures: Record<string, Record<string, number>> = { light: {}, dark: {} };
      const check = async (name: string): Promise<void> => {
        for (const scheme of SCHEMES) {
          await page.emulateMedia({ colorScheme: scheme });
          const found = await violations(page);
          figures[scheme]![name] = found.length;
          expect.soft(found, `${name}, ${scheme}, ${zoom * 100}%`).toEqual([]);
        }
      };
      await app.getByRole('heading', { name: 'Welcome to Coffer' }).waitFor();
      await check('First run');
      await app.getByRole('button', { name: 'Create my vault' }).click();
      await app.getByLabel('Recovery code').waitFor();
      await check('Recovery code');
      await app.getByRole('checkbox').check();
      await app.getByRole('button', { name: 'Continue' }).click();
      const seed = await seedVault(server);
      for (const view of VIEWS) {
        await app.reload();
        await openView(app, view, seed);
        await check(view.name);
      }
      for (const scheme of SCHEMES) console.log(`axe violations, ${scheme}, ${zoom * 100}%: ${JSON.stringify(figures[scheme])}`);
    });
  });
}
