import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './support/fixtures.js';
import { dropFiles } from './support/files.js';
import { goTo, openView, seedVault, VIEWS, viewsFor } from './support/views.js';

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

  test('the focus ring is at least 3:1 against what surrounds it, on every screen and dialog, in both themes', async ({
    app,
    server,
    page,
  }) => {
    test.setTimeout(240_000);
    const seed = await seedVault(server);
    const lowest: Record<string, { ratio: number; at: string }> = {};
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const view of viewsFor(seed)) {
        await app.reload();
        await openView(app, view, seed);
        // Keyboard focus (so :focus-visible applies) on the first dozen controls: nav items, content, fields on cards,
        // a dialog's buttons (the dialog keeps focus inside).
        for (let i = 0; i < 12; i += 1) {
          await app.keyboard.press('Tab');
          const sample = await app.evaluate(() => {
            const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
            const luminance = ([r = 0, g = 0, b = 0]: number[]): number => {
              const f = (v: number): number => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
              return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
            };
            const el = document.activeElement as HTMLElement;
            if (!el || el === document.body) return null;
            const ring = parse(getComputedStyle(el).outlineColor);
            // The ring is drawn outside the element, over its parent's background.
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
              name: el.getAttribute('aria-label') || el.textContent?.trim().slice(0, 30) || el.tagName,
              style: getComputedStyle(el).outlineStyle,
              ratio: (a + 0.05) / (b + 0.05),
            };
          });
          if (!sample) continue;
          const where = `${view.name}, ${scheme}: "${sample.name}"`;
          expect.soft(sample.style, where).toBe('solid');
          expect.soft(sample.ratio, where).toBeGreaterThanOrEqual(3);
          const key = `${view.name}, ${scheme}`;
          if (!lowest[key] || sample.ratio < lowest[key].ratio)
            lowest[key] = { ratio: Math.round(sample.ratio * 100) / 100, at: sample.name };
        }
      }
    }
    // Every view was sampled in both themes.
    expect(Object.keys(lowest)).toHaveLength(viewsFor(seed).length * 2);
    console.log(`lowest focus ring contrast per view: ${JSON.stringify(lowest)}`);
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

  test('Start says plainly why it waits, in each state, and what it will do once it can', async ({ app, server }) => {
    await seedVault(server);
    await app.reload();
    const start = app.getByRole('button', { name: 'Start' });
    const says = async (reason: string, enabled = false): Promise<void> => {
      await expect(start).toHaveAccessibleDescription(reason);
      // The same words are on screen, next to the button, not only for screen readers.
      await expect(app.getByTestId('start-reason')).toHaveText(reason);
      if (enabled) await expect(start).toBeEnabled();
      else await expect(start).toBeDisabled();
    };
    await says('Add files or folders to start.');

    const file = await sampleFile(server.workDir, 'plan.txt');
    await dropFiles(app, [{ name: 'plan.txt', path: file }]);
    await says('Choose a key to encrypt with: 1 item is to be encrypted.');
    await app.getByRole('combobox', { name: 'Key for encryption' }).fill('photos');
    await app.keyboard.press('Enter');
    await says('Will encrypt 1.', true);

    await app.getByText('More options').click();
    const context = app.getByRole('group', { name: 'Encryption context' });
    await context.getByRole('button', { name: 'Add a pair' }).click();
    await context.getByLabel('Encryption context: value 1').fill('payroll');
    await says('Encryption context: Context pair 1 has a value but no name.');
    await context.getByRole('button', { name: 'Remove pair 1 of encryption context' }).click();
    await says('Will encrypt 1.', true);

    // Files for contacts only need no key of mine.
    await app.getByRole('combobox', { name: 'Also encrypt for (recipients)' }).click();
    await app.getByRole('option', { name: /^Alice/ }).click();
    await app.getByLabel('Only the recipients can open them (no key of mine)').check();
    await expect(start).toBeEnabled();

    // With every AES key disabled, nothing can be encrypted under a key of mine, and Start says so.
    for (const alias of ['photos', 'database-dumps'])
      await server.services.handlers['keys:disable']({ key_id: `alias/${alias}` });
    await app.reload();
    await dropFiles(app, [{ name: 'plan.txt', path: file }]);
    await says('No key is enabled, so the files to encrypt cannot start.');
    // ...and the way to change that is one button away.
    await app.getByRole('button', { name: 'Open Keys' }).click();
    await expect(app.getByRole('heading', { name: 'Keys', level: 1 })).toBeFocused();
  });

  test('every key is chosen with the searchable picker, never a plain dropdown', async ({ app, server }) => {
    const seed = await seedVault(server);
    const aliases = ['photos', 'database-dumps', 'certificates', 'release-signing'];
    // Each screen that chooses a key, the picker's name there, and a key it finds by typing part of its alias.
    const pickers = [
      { view: 'Files', name: 'Key for encryption', type: 'dumps', finds: 'database-dumps' },
      { view: 'Text', name: 'Key', type: 'dumps', finds: 'database-dumps' },
      { view: 'Text', name: 'Signing key', type: 'release', finds: 'release-signing' },
      { view: 'Data keys', name: 'Key', type: 'dumps', finds: 'database-dumps' },
      { view: 'Activity', name: 'Key', type: 'dumps', finds: 'database-dumps' },
      { view: 'Settings', name: 'Default key', type: 'dumps', finds: 'database-dumps' },
    ];
    for (const picker of pickers) {
      await app.reload();
      await openView(
        app,
        VIEWS.find((v) => v.name === picker.view)!,
        seed,
      );
      const box = app.getByRole('combobox', { name: picker.name, exact: true });
      await box.click();
      await box.fill(picker.type);
      const options = app.getByRole('listbox', { name: 'Choices' }).getByRole('option');
      await expect(options, `${picker.view}: ${picker.name}`).toHaveCount(1);
      await expect(options.first()).toContainText(picker.finds);
      await app.keyboard.press('Enter');
      await expect(box).toHaveValue(picker.finds);
    }
    // No screen or dialog lists keys in a <select>.
    for (const view of viewsFor(seed)) {
      await app.reload();
      await openView(app, view, seed);
      const selectTexts = await app.locator('select option').allTextContents();
      expect(
        selectTexts.filter((t) => aliases.some((a) => t.includes(a))),
        view.name,
      ).toEqual([]);
    }
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

    // Undo is offered for a few seconds (8), then the removal stands.
    await rows
      .first()
      .getByRole('button', { name: /^Remove/ })
      .click();
    const undo = app.getByRole('button', { name: 'Undo' });
    await app.waitForTimeout(3000);
    await expect(undo).toBeVisible();
    await expect(undo).toBeHidden({ timeout: 10_000 });
    await expect(rows).toHaveCount(1);
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
