import { copyFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { dropFiles } from './support/files.js';
import { openView, seedVault, viewsFor } from './support/views.js';

/**
 * Every screen and dialog from the smallest window (760x520) at 100% up to 200% zoom. Zoom is
 * emulated as Chromium zooms: the window keeps its device pixels, the page gets width/z x
 * height/z CSS pixels at a device pixel ratio of z.
 */
const SIZES = [
  { window: { width: 760, height: 520 }, zoom: 1 },
  { window: { width: 800, height: 600 }, zoom: 1.5 },
  { window: { width: 760, height: 520 }, zoom: 2 },
];

/** What is wrong with the page's layout, in words; [] when nothing. */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const root = document.documentElement;
    // The window itself never scrolls: regions do, so navigation stays in view.
    if (root.scrollWidth > root.clientWidth + 1)
      problems.push(`the page scrolls sideways (${root.scrollWidth} > ${root.clientWidth})`);
    if (root.scrollHeight > root.clientHeight + 1)
      problems.push(`the whole window scrolls (${root.scrollHeight} > ${root.clientHeight})`);
    const nav = document.querySelector('nav[aria-label="Screens"]');
    const navControl = [...(nav?.querySelectorAll<HTMLElement>('button') ?? [])].filter((b) => b.checkVisibility());
    for (const b of navControl) {
      const r = b.getBoundingClientRect();
      if (r.bottom > innerHeight || r.right > innerWidth) problems.push(`navigation "${b.textContent}" is out of view`);
    }
    if (navControl.length === 0) problems.push('no navigation is visible');
    // Every control can be scrolled to and is then whole and on top: nothing clips it.
    const scope = document.querySelector('[role="dialog"], [role="alertdialog"]') ?? document.querySelector('main');
    const controls = [...(scope?.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href]') ?? [])].filter(
      (el) => el.checkVisibility() && !el.closest('[hidden], .vlist'),
    );
    for (const el of controls) {
      el.scrollIntoView({ block: 'center', inline: 'center' });
      const r = el.getBoundingClientRect();
      const name = el.getAttribute('aria-label') ?? el.textContent?.trim() ?? el.tagName;
      if (r.width < 1 || r.height < 1) {
        problems.push(`"${name}" has no size`);
        continue;
      }
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (
        !hit ||
        !(
          el === hit ||
          el.contains(hit) ||
          hit.contains(el) ||
          [...((el as HTMLInputElement).labels ?? [])].some((l) => l.contains(hit))
        )
      )
        problems.push(`"${name}" is hidden or clipped (${hit?.tagName ?? 'nothing'} is on top)`);
      // A control is not wider than its region's viewport (or it would need sideways scrolling).
      if (r.width > innerWidth) problems.push(`"${name}" is wider than the window`);
    }
    // Every column of a table can be scrolled to and read whole (the Keys table's Created column was cut off).
    for (const cell of scope?.querySelectorAll<HTMLElement>('table th, table td') ?? []) {
      if (!cell.checkVisibility() || cell.closest('.vlist') || !cell.textContent?.trim()) continue;
      cell.scrollIntoView({ block: 'center', inline: 'center' });
      const r = cell.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (r.width < 1 || !hit || !(cell === hit || cell.contains(hit)))
        problems.push(`table cell "${cell.textContent.trim().slice(0, 40)}" is hidden or clipped`);
    }
    // Aliases, ids and dates are never broken inside a word.
    for (const el of document.querySelectorAll<HTMLElement>('.keys-row-button, .keys-table td.nowrap, .keys-facts code')) {
      if (!el.checkVisibility()) continue;
      const range = document.createRange();
      range.selectNodeContents(el);
      const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
      if (el.matches('.keys-facts code')) {
        // A key id may wrap only at its hyphens.
        const text = el.textContent ?? '';
        const parts = text.split('-');
        if (lines.size > parts.length) problems.push(`key id "${text}" breaks inside a group`);
      } else if (lines.size > 1) problems.push(`"${el.textContent}" breaks across lines`);
    }
    return problems;
  });
}

for (const { window, zoom } of SIZES) {
  test.describe(`${window.width}x${window.height} at ${zoom * 100}%`, () => {
    test.use({
      viewport: { width: Math.round(window.width / zoom), height: Math.round(window.height / zoom) },
      deviceScaleFactor: zoom,
    });

    test('every screen and dialog reflows: nothing clipped, no window scrolling, navigation in view', async ({ app, server }) => {
      test.setTimeout(240_000);
      const seed = await seedVault(server, { keyStores: true });
      // Where the window is narrow in CSS pixels (zoomed in), the sidebar collapses to a Menu button and the
      // screen gets the window's width; otherwise the sidebar stays.
      await app.reload();
      await app.getByRole('main', { name: 'Files' }).waitFor();
      const cssWidth = Math.round(window.width / zoom);
      const toggle = app.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Menu' });
      if (cssWidth <= 640) {
        await expect(toggle).toBeVisible();
        expect((await app.getByRole('main').boundingBox())!.width).toBeGreaterThanOrEqual(cssWidth * 0.9);
      } else {
        await expect(toggle).toBeHidden();
        await expect(app.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Settings' })).toBeVisible();
      }
      for (const view of viewsFor(seed)) {
        await app.reload();
        await openView(app, view, seed);
        expect.soft(await layoutProblems(app), view.name).toEqual([]);
      }
    });

    test('a long file name keeps its extension and Remove stays whole', async ({ app, server }) => {
      const seed = await seedVault(server);
      await app.reload();
      const name = 'holiday-pictures-from-the-summer-of-2026-beach-sunset.png.coffer';
      const long = join(dirname(seed.picture), name);
      await copyFile(seed.picture, long);
      await dropFiles(app, [{ name, path: long }]);
      await dropFiles(app, [{ name: 'sunset.png.coffer', path: seed.picture }]);
      const row = app.getByTestId('pending-row').first();
      await expect(row).toBeVisible();
      const tail = row.locator('.file-name-tail');
      await expect(tail).toHaveText(/\.png\.coffer$/);
      const box = await row.boundingBox();
      const tailBox = await tail.boundingBox();
      const nameBox = await row.locator('.file-name').boundingBox();
      expect(tailBox!.width).toBeGreaterThan(0);
      expect(nameBox!.width).toBeGreaterThan(40);
      expect(tailBox!.x + tailBox!.width).toBeLessThanOrEqual(box!.x + box!.width);
      const remove = row.getByRole('button', { name: /^Remove/ });
      const removeBox = await remove.boundingBox();
      expect(removeBox!.x + removeBox!.width).toBeLessThanOrEqual(box!.x + box!.width + 0.5);
    });
  });
}
