import { defineConfig } from '@playwright/test';

/**
 * End-to-end specs. Browsers are never downloaded: the renderer specs run in Debian's Chromium,
 * the Electron spec drives the real app where an Electron binary exists (skipped, saying why,
 * where it does not).
 */
export default defineConfig({
  testDir: 'test/e2e',
  timeout: 120_000,
  reporter: [['list']],
  workers: 1,
  projects: [
    { name: 'electron', testMatch: /electron-.*\.spec\.ts/ },
    {
      name: 'chromium',
      testMatch: /renderer-.*\.spec\.ts/,
      use: {
        browserName: 'chromium',
        viewport: { width: 1180, height: 780 },
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--disable-quic',
          ],
        },
      },
    },
  ],
});
