import { defineConfig } from '@playwright/test';

/**
 * End-to-end specs. Browsers are never downloaded here: the Electron spec drives the real app
 * where an Electron binary exists (and is skipped, saying why, where it does not).
 */
export default defineConfig({
  testDir: 'test/e2e',
  timeout: 60_000,
  reporter: [['list']],
  projects: [{ name: 'electron', testMatch: /electron-.*\.spec\.ts/ }],
});
