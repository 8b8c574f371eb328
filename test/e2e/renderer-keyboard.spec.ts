import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { dropFiles } from './support/files.js';
import { goTo, seedVault } from './support/views.js';

/** The focused element's accessible role and name, as a screen reader would announce it. */
async function focused(page: Page): Promise<{ tag: string; text: string; testId: string | null }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return { tag: el?.tagName ?? '', text: el?.textContent?.trim() ?? '', testId: el?.getAttribute('data-testid') ?? null };
  });
}

async function sampleFile(dir: string, name: string): Promise<string> {
  const path = join(dir, `${Date.now()}-${name}`);
  await writeFile(path, `contents of ${name}`);
  return path;
}

test.describe('keyboard flow', () => {
  test('the skip link, then focus on each new screen heading', async ({ app, server }) => {
    await seedVault(server);
    await app.reload();
    await app.getByRole('heading', { name: 'Files' }).waitFor();
    await app.keyboard.press('Tab');
    expect(await focused(app)).toMatchObject({ tag: 'A', text: 'Skip to content' });
    await app.keyboard.press('Enter');
    expect(await focused(app)).toMatchObject({ tag: 'H1', text: 'Files' });
    // One Tab from the heading reaches the content (the drop zone), not the sidebar.
    await app.keyboard.press('Tab');
    expect((await focused(app)).testId).toBe('drop-zone');

    await goTo(app, 'Keys');
    expect(await focused(app)).toMatchObject({ tag: 'H1', text: 'Keys' });
    await goTo(app, 'Settings');
    expect(await focused(app)).toMatchObject({ tag: 'H1', text: 'Settings' });
  });

  test('after Start, focus is on the new job card', async ({ app, server }) => {
    await seedVault(server);
    await server.services.handlers['settings:set']({ default_key_id: 'alias/photos' });
    await app.reload();
    const file = await sampleFile(server.workDir, 'notes.txt');
    await dropFiles(app, [{ name: 'notes.txt', path: file }]);
    // The drop is registered, then classified: Start is enabled only once the row is listed.
    await expect(app.getByTestId('pending-row')).toHaveCount(1);
    await expect(app.getByRole('button', { name: 'Start' })).toBeEnabled();
    await app.getByRole('button', { name: 'Start' }).focus();
    await app.keyboard.press('Enter');
    await expect.poll(async () => (await focused(app)).testId).toBe('job-card');
    await expect(app.getByTestId('job-card').first()).toHaveAttribute('data-state', 'done');
  });

  test('the focus ring is at least 3:1 against what surrounds it, in both themes', async ({ app, server, page }) => {
    await seedVault(server);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await app.reload();
      await app.getByRole('heading', { name: 'Files' }).waitFor();
      // Keyboard focus (so :focus-visible applies) on a nav item, a content button, a field on a card.
      const ratios: Record<string, number> = {};
      for (let i = 0; i < 9; i += 1) {
        await app.keyboard.press('Tab');
        const sample = await app.evaluate(() => {
          const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
          const luminance = ([r = 0, g = 0, b = 0]: number[]): number => {
            const f = (v: number): number => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          const el = document.activeElement as HTMLElement;
          const ring = parse(getComputedStyle(el).outlineColor);
          // The ring is drawn 2px outside the element, over its parent's background.
          let bg: number[] = [];
          for (let p = el.parentElement; p; p = p.parentElement) {
            const c = getComputedStyle(p).backgroundColor;
            const v = parse(c);
            if (c !== 'transparent' && (v[3] === undefined || v[3] > 0)) {
              bg = v;
              break;
            }
          }
          const [a, b] = [luminance(ring), luminance(bg)].sort((x, y) => y - x) as [number, number];
          return {
            name: el.textContent?.trim().slice(0, 30) || el.tagName,
            style: getComputedStyle(el).outlineStyle,
            ratio: (a + 0.05) / (b + 0.05),
          };
        });
        expect(sample.style, sample.name).toBe('solid');
        ratios[sample.name] = Math.round(sample.ratio * 100) / 100;
        expect(sample.ratio, `${sample.name} in ${scheme}`).toBeGreaterThanOrEqual(3);
      }
      console.log(`focus ring contrast, ${scheme}: ${JSON.stringify(ratios)}`);
    }
  });
});

test.describe('the application menu', () => {
  test('its commands reach the window: choose files and a folder, create a key, filter, go to a screen', async ({
    app,
    server,
  }) => {
    await seedVault(server);
    await app.reload();
    await app.getByRole('heading', { name: 'Files' }).waitFor();
    await app.waitForFunction(() => (window as unknown as { __cofferEventsOpen?: boolean }).__cofferEventsOpen === true);
    const file = await sampleFile(server.workDir, 'menu.txt');
    server.chooseAnswers.push([file]);
    await goTo(app, 'Settings');
    server.emit('menu:command', { command: 'choose-files' });
    await expect(app.getByRole('main', { name: 'Files' })).toBeVisible();
    await expect(app.getByTestId('pending-row')).toHaveCount(1);
    server.emit('menu:command', { command: 'choose-folder' });
    await expect.poll(() => server.chooseAsked).toEqual(['files', 'folder']);

    server.emit('menu:command', { command: 'create-key' });
    const dialog = app.getByRole('dialog', { name: 'Create a key' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel('Alias', { exact: true })).toBeFocused();
    await app.keyboard.press('Escape');

    await goTo(app, 'Text');
    server.emit('menu:command', { command: 'filter' });
    const filter = app.getByLabel('Filter keys');
    await expect(filter).toBeFocused();
    await app.keyboard.type('dumps');
    await expect(app.getByRole('table', { name: 'Keys' }).getByRole('row')).toHaveCount(2);
    await expect(app.getByText('1 of 4 keys shown')).toBeVisible();

    server.emit('menu:command', { command: 'go-activity' });
    await expect(app.getByRole('main', { name: 'Activity' })).toBeVisible();
  });
});

test.describe('finding keys', () => {
  test('Keys filters as you type and sorts by any column', async ({ app, server }) => {
    await seedVault(server);
    await app.reload();
    await goTo(app, 'Keys');
    const table = app.getByRole('table', { name: 'Keys' });
    const aliases = (): Promise<string[]> => table.locator('.keys-row-button').allTextContents();
    await table.getByRole('button', { name: /^Alias/ }).click();
    await expect(table.getByRole('columnheader', { name: /^Alias/ })).toHaveAttribute('aria-sort', 'ascending');
    expect(await aliases()).toEqual(['certificates', 'database-dumps', 'photos', 'release-signing']);
    await table.getByRole('button', { name: /^Alias/ }).click();
    expect(await aliases()).toEqual(['release-signing', 'photos', 'database-dumps', 'certificates']);
    await table.getByRole('button', { name: /^State/ }).click();
    expect((await aliases())[0]).toBe('certificates');
    await app.getByLabel('Filter keys').fill('enabled');
    expect((await aliases()).sort()).toEqual(['database-dumps', 'photos', 'release-signing']);
    await app.getByLabel('Filter keys').fill('sign_verify');
    expect(await aliases()).toEqual(['release-signing']);
    await app.getByLabel('Filter keys').press('Escape');
    expect(await aliases()).toHaveLength(4);
  });

  test('Start says why it waits, and the key picker finds a key by typing', async ({ app, server }) => {
    await seedVault(server);
    await app.reload();
    const file = await sampleFile(server.workDir, 'report.txt');
    await dropFiles(app, [{ name: 'report.txt', path: file }]);
    const start = app.getByRole('button', { name: 'Start' });
    await expect(start).toBeDisabled();
    await expect(start).toHaveAccessibleDescription('Choose a key to encrypt with: 1 item is to be encrypted.');
    const picker = app.getByRole('combobox', { name: 'Key for encryption' });
    await picker.click();
    await app.keyboard.type('dumps');
    await expect(app.getByRole('listbox', { name: 'Choices' }).getByRole('option')).toHaveCount(1);
    await app.keyboard.press('Enter');
    await expect(picker).toHaveValue('database-dumps');
    await expect(start).toBeEnabled();
    await expect(start).toHaveAccessibleDescription('Will encrypt 1.');
  });

  test('Remove and Clear list can be undone', async ({ app, server }) => {
    await seedVault(server);
    await app.reload();
    const a = await sampleFile(server.workDir, 'a.txt');
    const b = await sampleFile(server.workDir, 'b.txt');
    await dropFiles(app, [
      { name: 'a.txt', path: a },
      { name: 'b.txt', path: b },
    ]);
    const rows = app.getByTestId('pending-row');
    await expect(rows).toHaveCount(2);
    await rows
      .first()
      .getByRole('button', { name: /^Remove/ })
      .click();
    await expect(rows).toHaveCount(1);
    await app.getByRole('button', { name: 'Undo' }).click();
    await expect(rows).toHaveCount(2);
    await app.getByRole('button', { name: 'Clear list' }).click();
    await expect(rows).toHaveCount(0);
    await expect(app.getByText('Cleared 2 items from the list.')).toBeVisible();
    await app.getByRole('button', { name: 'Undo' }).click();
    await expect(rows).toHaveCount(2);
    await expect(rows.first()).toContainText('a.txt');
  });

  test('Files with no key offers to create one in place', async ({ app, server }) => {
    await server.services.handlers['vault:create']({ protection: 'keychain' });
    await app.reload();
    await app.getByRole('button', { name: 'Create a key' }).click();
    const dialog = app.getByRole('dialog', { name: 'Create a key' });
    await dialog.getByLabel('Alias', { exact: true }).fill('first-key');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await expect(app.getByTestId('drop-zone')).toBeFocused();
    await expect(app.getByRole('combobox', { name: 'Key for encryption' })).toHaveValue('first-key');
  });
});
