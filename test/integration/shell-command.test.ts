import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runShellIntegration } from '../../electron/core/shell/shell-integration.js';
import { removeDir, runCoffer, tempDir } from '../helpers/cli.js';

let home: string;
let env: NodeJS.ProcessEnv;
beforeEach(async () => {
  home = await tempDir('coffer-shell-');
  env = { XDG_DATA_HOME: join(home, 'share'), XDG_CONFIG_HOME: join(home, 'config') };
});
afterEach(async () => {
  await removeDir(home);
});

describe('coffer shell', () => {
  it('install | status | uninstall, for this user, reporting exactly what it wrote and removed', async () => {
    const app = '/opt/My Apps/Coffer/coffer';
    const installed = await runCoffer(['shell', 'install', '--app-executable', app], { env });
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.json).toMatchObject({ platform: 'linux', installed: true });
    expect(installed.json.written).toContain(join(home, 'share', 'applications', 'coffer.desktop'));
    const entry = await readFile(join(home, 'share', 'applications', 'coffer.desktop'), 'utf8');
    expect(entry).toContain('Exec="/opt/My Apps/Coffer/coffer" --encrypt %F');
    expect((await runCoffer(['shell', 'status', '--app-executable', app], { env })).json.installed).toBe(true);
    const again = await runCoffer(['shell', 'install', '--app-executable', app], { env });
    expect(again.json.written).toEqual(installed.json.written);
    const removed = await runCoffer(['shell', 'uninstall', '--app-executable', app], { env });
    expect(removed.json).toMatchObject({ installed: false });
    expect([...removed.json.removed].sort()).toEqual(
      expect.arrayContaining(installed.json.written.filter((p: string) => !p.endsWith('mimeapps.list'))),
    );
    expect((await runCoffer(['shell', 'status', '--app-executable', app], { env })).json.installed).toBe(false);
    expect(await readdir(join(home, 'share')).catch(() => [])).toEqual([]);
  });

  it('uninstall removes what install wrote without being told where the app is', async () => {
    const installed = await runCoffer(['shell', 'install', '--app-executable', '/opt/Coffer/coffer'], { env });
    expect(installed.code, installed.stderr).toBe(0);
    // No --app-executable and no $COFFER_APP: the app may have moved or be gone already.
    const status = await runCoffer(['shell', 'status'], { env, removeEnv: ['COFFER_APP'] });
    expect(status.code, status.stderr).toBe(0);
    expect(status.json.installed).toBe(true);
    const removed = await runCoffer(['shell', 'uninstall'], { env, removeEnv: ['COFFER_APP'] });
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.json).toMatchObject({ platform: 'linux', installed: false });
    expect(removed.json.removed).toEqual(
      expect.arrayContaining(installed.json.written.filter((p: string) => !p.endsWith('mimeapps.list'))),
    );
    expect(await readdir(join(home, 'share')).catch(() => [])).toEqual([]);
  });

  it('says how to name the app when it cannot find it, and refuses other systems', async () => {
    const result = await runCoffer(['shell', 'install'], { env: { ...env, COFFER_APP: '' } });
    if (result.code === 1) expect(result.error?.error_code).toBe('COFFER.5002');
    await expect(
      runShellIntegration('install', { platform: 'aix', command: { executable: '/x', args: [] } }),
    ).rejects.toMatchObject({ code: 'COFFER.5001' });
  });
});
