import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appProtocolHandler, CONTENT_SECURITY_POLICY } from '../../electron/app/app-protocol.js';
import { isAppUrl } from '../../electron/app/ipc.js';
import { DEFAULT_WINDOW_STATE, loadWindowState, MIN_WIDTH, saveWindowState } from '../../electron/app/window-state.js';
import { removeDir, tempDir } from '../helpers/cli.js';

let root: string;
let outside: string;
let serve: (request: Request) => Promise<Response>;

beforeAll(async () => {
  outside = await tempDir();
  root = join(outside, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Coffer</title>');
  await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(outside, 'secret.txt'), 'not for the page');
  serve = appProtocolHandler(root);
});
afterAll(async () => {
  await removeDir(outside);
});

describe('app://coffer/', () => {
  it('serves the renderer with a strict CSP and the right types', async () => {
    const index = await serve(new Request('app://coffer/'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*unsafe/);
    expect(await index.text()).toContain('<title>Coffer</title>');
    const script = await serve(new Request('app://coffer/assets/app.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('serves nothing outside its folder, nor for other hosts or methods', async () => {
    for (const url of [
      'app://coffer/../secret.txt',
      'app://coffer/%2e%2e/secret.txt',
      'app://coffer/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://other/index.html',
      'app://coffer/missing.js',
      'app://coffer/a%00b',
    ]) {
      expect((await serve(new Request(url))).status, url).toBe(404);
    }
    expect((await serve(new Request('app://coffer/index.html', { method: 'POST', body: 'x' }))).status).toBe(404);
  });

  it('is the only origin the IPC bridge trusts', () => {
    expect(isAppUrl('app://coffer/index.html')).toBe(true);
    for (const url of [
      'app://coffer.evil/index.html',
      'https://coffer/',
      'file:///app/index.html',
      'app://other/',
      'not a url',
      '',
    ])
      expect(isAppUrl(url), url).toBe(false);
  });
});

describe('the window state', () => {
  it('round-trips bounds and falls back to defaults for a damaged or too small state', async () => {
    const path = join(outside, 'window-state.json');
    expect(await loadWindowState(path)).toEqual(DEFAULT_WINDOW_STATE);
    await saveWindowState(path, { x: 10, y: 20, width: 1200, height: 800, maximized: true });
    expect(await loadWindowState(path)).toEqual({ x: 10, y: 20, width: 1200, height: 800, maximized: true });
    await writeFile(path, JSON.stringify({ width: MIN_WIDTH - 1, height: 600, maximized: false }));
    expect(await loadWindowState(path)).toEqual(DEFAULT_WINDOW_STATE);
    await writeFile(path, '{not json');
    expect(await loadWindowState(path)).toEqual(DEFAULT_WINDOW_STATE);
  });
});
