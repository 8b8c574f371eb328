import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { openView, seedVault, viewsFor } from './support/views.js';

/**
 * WCAG 2.2 AA by axe-core on every screen and dialog (support/views.ts), in both themes, at 100%
 * and 150% zoom; any violation fails. Zoom is emulated as Chromium's own zoom works: the window
 * stays 800x600 device pixels, so the page lays out in 800/z x 600/z CSS pixels at a device pixel
 * ratio of z (media queries, text size and layout all follow, as with Electron's View > Zoom In).
 * The themes are switched with prefers-color-scheme, as the OS would. Each run writes its figures
 * (view, theme, zoom, rules passed, violations) to test-results/axe/ as JSON and a markdown table,
 * and prints the table.
 */
const WINDOW = { width: 800, height: 600 };
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const SCHEMES = ['light', 'dark'] as const;
const FIGURES_DIR = fileURLToPath(new URL('../../test-results/axe/', import.meta.url));

/** One axe run: the rules that passed, those not applicable, and each violating node in words. */
interface AxeFigures {
  view: string;
  theme: (typeof SCHEMES)[number];
  zoom: string;
  passedRules: number;
  inapplicableRules: number;
  /** Rules axe could not decide on some node (left for a person to check), by id. */
  incompleteRules: string[];
  /** Those nodes and why axe could not decide, in its words (for the person checking). */
  undecided: string[];
  violatedRules: string[];
  violations: string[];
}

async function audit(
  page: Page,
): Promise<
  Pick<AxeFigures, 'passedRules' | 'inapplicableRules' | 'incompleteRules' | 'undecided' | 'violatedRules' | 'violations'>
> {
  const result = await new AxeBuilder({ page })
    .withTags(TAGS)
    .options({ resultTypes: ['violations'] })
    .analyze();
  return {
    passedRules: result.passes.length,
    inapplicableRules: result.inapplicable.length,
    incompleteRules: result.incomplete.map((r) => r.id),
    undecided: result.incomplete.flatMap((r) =>
      r.nodes.map((n) => `${r.id}: ${n.target.join(' ')} (${n.any[0]?.message ?? n.failureSummary ?? ''})`),
    ),
    violatedRules: result.violations.map((v) => v.id),
    violations: result.violations.flatMap((v) =>
      v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} (${n.failureSummary?.split('\n')[1]?.trim() ?? ''})`),
    ),
  };
}

async function writeFigures(zoom: string, figures: AxeFigures[]): Promise<void> {
  await mkdir(FIGURES_DIR, { recursive: true });
  await writeFile(join(FIGURES_DIR, `axe-${zoom}.json`), `${JSON.stringify(figures, null, 2)}\n`);
  const rows = figures.map(
    (f) =>
      `| ${f.view} | ${f.theme} | ${f.zoom} | ${f.violations.length} | ${f.passedRules} | ${f.inapplicableRules} | ${f.incompleteRules.join(', ') || '–'} |`,
  );
  const table = [
    '| View | Theme | Zoom | Violations (nodes) | Rules passed | Rules not applicable | Needs review (axe undecided) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ];
  await writeFile(join(FIGURES_DIR, `axe-${zoom}.md`), `${table.join('\n')}\n`);
  // Also in the run's output: Playwright empties test-results/ when the next run starts.
  console.log(`axe figures at ${zoom}%:\n${table.join('\n')}`);
}

for (const zoom of [1, 1.5]) {
  const percent = `${zoom * 100}%`;
  test.describe(`at ${percent} zoom`, () => {
    test.use({
      viewport: { width: Math.round(WINDOW.width / zoom), height: Math.round(WINDOW.height / zoom) },
      deviceScaleFactor: zoom,
    });
    test('axe finds no WCAG 2.2 AA violation on any screen or dialog, in either theme', async ({ app, server, page }) => {
      test.setTimeout(360_000);
      const figures: AxeFigures[] = [];
      const check = async (view: string): Promise<void> => {
        for (const theme of SCHEMES) {
          await page.emulateMedia({ colorScheme: theme });
          const found = await audit(page);
          figures.push({ view, theme, zoom: percent, ...found });
          expect.soft(found.violations, `${view}, ${theme}, ${percent}`).toEqual([]);
        }
      };
      await app.getByRole('heading', { name: 'Welcome to Coffer' }).waitFor();
      await check('First run');
      await app.getByRole('button', { name: 'Create my vault' }).click();
      await app.getByLabel('Recovery code').waitFor();
      await check('Recovery code');
      await app.getByRole('checkbox').check();
      await app.getByRole('button', { name: 'Continue' }).click();
      const seed = await seedVault(server, { keyStores: true });
      for (const view of viewsFor(seed)) {
        await app.reload();
        await openView(app, view, seed);
        await check(view.name);
      }
      await writeFigures(percent.replace('%', ''), figures);
      // Every view was audited in both themes, and axe had rules to apply to each.
      expect(figures).toHaveLength((viewsFor(seed).length + 2) * SCHEMES.length);
      for (const f of figures) expect(f.passedRules, `${f.view}, ${f.theme}`).toBeGreaterThan(0);
    });
  });
}
