import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.js';
import { dropFiles, pngBytes, randomFile, sha256 } from './support/files.js';

test.beforeEach(async ({ app, server }) => {
  await server.services.handlers['vault:create']({ protection: 'keychain' });
  await app.reload();
});

test('create a key, drop a real 50 MB file, watch it encrypt, find the .coffer on disk, decrypt it back to the same bytes', async ({
  app,
  server,
}) => {
  await app.getByRole('button', { name: 'Keys', exact: true }).click();
  await app.getByRole('button', { name: 'Create key' }).click();
  const dialog = app.getByRole('dialog', { name: 'Create a key' });
  await dialog.getByLabel('Alias', { exact: true }).fill('holiday-videos');
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(app.getByRole('table', { name: 'Keys' }).getByRole('button', { name: 'holiday-videos' })).toBeVisible();

  await app.getByRole('button', { name: 'Files', exact: true }).click();
  const folder = join(server.workDir, `e2e-files-${Date.now()}`);
  await mkdir(folder);
  const movie = join(folder, 'movie.mp4');
  await randomFile(movie, 50 * 1024 * 1024);
  const original = await sha256(movie);

  await dropFiles(app, [{ name: 'movie.mp4', path: movie }]);
  await expect(app.getByTestId('pending-row')).toHaveAttribute('data-action', 'encrypt');
  await expect(app.getByLabel('Key for encryption')).toHaveValue(/.+/);
  // Record every percentage the job card shows while it runs.
  await app.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __percents: string[] }).__percents = seen;
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="job-percent"]')?.textContent;
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await app.getByRole('button', { name: 'Start' }).click();
  const card = app.getByTestId('job-card').first();
  await expect(card).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  const percents = (await app.evaluate(() => (window as unknown as { __percents: string[] }).__percents)).map((p) =>
    Number.parseInt(p, 10),
  );
  expect(percents.length).toBeGreaterThan(0);
  expect([...percents].sort((a, b) => a - b)).toEqual(percents);
  await expect(card.getByTestId('job-summary')).toContainText('1 done');
  await expect(card.getByTestId('result-row')).toHaveAttribute('data-status', 'ok');
  expect(existsSync(`${movie}.coffer`)).toBe(true);

  await card.getByRole('button', { name: 'Show in folder' }).click();
  await expect.poll(() => server.revealed.at(-1)).toBe(`${movie}.coffer`);

  await rename(movie, join(folder, 'movie-original.mp4'));
  await dropFiles(app, [{ name: 'movie.mp4.coffer', path: `${movie}.coffer` }]);
  await expect(app.getByTestId('pending-row')).toHaveAttribute('data-action', 'decrypt');
  await app.getByRole('button', { name: 'Start' }).click();
  // The decrypt job's card is the newest (first) once there are two.
  await expect(app.getByTestId('job-card')).toHaveCount(2);
  await expect(app.getByTestId('job-card').first()).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect.poll(() => existsSync(movie)).toBe(true);
  expect(await sha256(movie)).toBe(original);
});

test('a key disabled elsewhere refuses encryption with a clear message', async ({ app, server }) => {
  const { key_info } = await server.services.handlers['keys:create']({ key_alias: 'documents' });
  await app.reload();
  const file = join(server.workDir, `e2e-doc-${Date.now()}.txt`);
  await writeFile(file, 'quarterly figures');
  await dropFiles(app, [{ name: 'report.txt', path: file }]);
  await expect(app.getByLabel('Key for encryption')).toHaveValue(/.+/);
  // Disabled from the CLI or another window while this one still offers it.
  await server.services.handlers['keys:disable']({ key_id: key_info.key_id });
  await app.getByRole('button', { name: 'Start' }).click();
  const row = app.getByTestId('result-row').first();
  await expect(row).toHaveAttribute('data-status', 'error', { timeout: 30_000 });
  await expect(row).toContainText('is disabled');
  await expect(row).toContainText('enable-key');
  expect(existsSync(`${file}.coffer`)).toBe(false);
});

test('a .coffer picture opens in the preview, decrypted on the fly', async ({ app, server }) => {
  await server.services.handlers['keys:create']({ key_alias: 'pictures' });
  const folder = join(server.workDir, `e2e-png-${Date.now()}`);
  await mkdir(folder);
  const picture = join(folder, 'sunset.png');
  await writeFile(picture, pngBytes());
  const { job_id } = await server.services.handlers['jobs:start']({
    action: 'encrypt',
    inputs: server.grant(picture),
    key_ids: ['alias/pictures'],
  });
  await expect.poll(() => server.services.jobs.list().find((j) => j.job_id === job_id)?.state).toBe('done');
  await app.reload();
  await dropFiles(app, [{ name: 'sunset.png.coffer', path: `${picture}.coffer` }]);
  await app.getByTestId('pending-row').getByRole('button', { name: 'Preview' }).click();
  const dialog = app.getByRole('dialog', { name: 'Preview of sunset.png' });
  const image = dialog.getByRole('img', { name: 'sunset.png' });
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(48);
  await app.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});
