import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';

/** The Electron binary, when one was downloaded (never on CI, whose network reaches only package registries). */
function electronBinary(): string | null {
  try {
    const pkg = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(pkg, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();
const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');

test.skip(
  binary === null,
  'No Electron binary here: it is downloaded from outside the package registries, which this machine cannot reach. Runs wherever `npm start` works.',
);

test('the app started with a file argument encrypts it and shows the job finish', async () => {
  const home = mkdtempSync(join(tmpdir(), 'coffer-e2e-'));
  try {
    const coffer = (...args: string[]): string =>
      execFileSync(process.execPath, [join(root, 'bin', 'coffer.cjs'), '--vault', home, ...args], { encoding: 'utf8' });
    coffer('init');
    coffer('create-key', '--alias', 'default');
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ default_key_id: 'alias/default' }));
    const file = join(home, 'holiday.jpg');
    writeFileSync(file, 'not really a picture');

    const app = await electron.launch({
      executablePath: binary!,
      args: [root, '--encrypt', file],
      env: { ...process.env, COFFER_HOME: home },
    });
    const window = await app.firstWindow();
    await expect(window.getByRole('navigation', { name: 'Screens' })).toBeVisible();
    await expect(window.getByTestId('job-card').first()).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
    expect(existsSync(`${file}.coffer`)).toBe(true);
    await app.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
