import { readFileSync } from 'node:fs';
import { test as base, type Page } from '@playwright/test';
import { startBridgeServer, type BridgeServer } from './bridge-server.js';

const bridgeScript = readFileSync(new URL('./test-bridge.js', import.meta.url), 'utf8');

/** A fresh vault and app per spec, and the page opened on it with the test bridge installed. */
export const test = base.extend<{ server: BridgeServer; app: Page }>({
  server: async ({}, use) => {
    const server = await startBridgeServer();
    await use(server);
    await server.close();
  },
  app: async ({ page, server }, use) => {
    await page.addInitScript({ content: bridgeScript });
    await page.goto(server.url);
    await use(page);
  },
});

export { expect } from '@playwright/test';
