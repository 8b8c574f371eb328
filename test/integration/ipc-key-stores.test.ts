import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppServicesHarness } from '../helpers/app-services-harness.js';
import { removeDir, tempDir } from '../helpers/cli.js';
import { startSoftHsm, type SoftHsm } from '../helpers/softhsm.js';

/**
 * Settings → Key stores through the real handlers, vault and a real SoftHSM2 token in this
 * process: a store whose module path is gone (restored from another machine) is pointed at this
 * machine's module, a file the user chose in Coffer's dialog, never a path from the window.
 */
const PIN = '112358';
let work: string;
let hsm: SoftHsm;
let app: AppServicesHarness;

beforeEach(async () => {
  work = await tempDir();
  hsm = await startSoftHsm();
  hsm.use();
  await hsm.initToken('desk-token', PIN);
  app = await AppServicesHarness.start(join(work, 'vault'), { poolSize: 1 });
  await app.ok('vault:create', { protection: 'keychain' });
});
afterEach(async () => {
  await app.close();
  await Promise.all([removeDir(work), hsm.remove()]);
});

const moduleHandle = async (path: string): Promise<string> => (await app.choose('file', path))[0]!.handle;

describe('keystores:set-module', () => {
  it("moves a store whose module is gone to the module chosen in the dialog, refusing one that does not load, and the token's key works again", async () => {
    const sourceMachine = join(work, 'source-machine');
    await mkdir(sourceMachine);
    const oldModule = join(sourceMachine, 'libsofthsm2.so');
    await symlink(hsm.module, oldModule);
    await app.ok('keystores:create', {
      keystore_alias: 'desk',
      module_file: await moduleHandle(oldModule),
      token_label: 'desk-token',
      pin: PIN,
      keep_pin: true,
    });
    await app.ok('keys:create', { key_alias: 'in-token', keystore_id: 'desk' });
    const { cipher_text } = await app.ok('data:encrypt', { key_id: 'alias/in-token', plain_text: 'desk secret' });
    await rm(sourceMachine, { recursive: true });
    expect(await app.invoke('data:decrypt', { cipher_text })).toMatchObject({ ok: false, error: { code: 'COFFER.9001' } });

    const vaultFile = join(work, 'vault', 'vault.json');
    const before = await readFile(vaultFile, 'utf8');
    // A path the page names is not a file Coffer was given: refused before anything is loaded.
    expect(await app.invoke('keystores:set-module', { keystore_id: 'desk', module_file: hsm.module })).toMatchObject({
      ok: false,
      error: { code: 'COFFER.2040' },
    });
    const notALibrary = join(work, 'not-a-module.so');
    await writeFile(notALibrary, 'not a shared library');
    const refused = await app.invoke('keystores:set-module', {
      keystore_id: 'desk',
      module_file: await moduleHandle(notALibrary),
    });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'COFFER.9001',
        message: expect.stringMatching(
          `${notALibrary} could not be loaded as a PKCS#11 module.*still uses ${oldModule}; nothing was changed`,
        ),
      },
    });
    expect(
      await app.invoke('keystores:set-module', { keystore_id: 'elsewhere', module_file: await moduleHandle(hsm.module) }),
    ).toMatchObject({
      ok: false,
      error: { code: 'COFFER.9007' },
    });
    expect(await readFile(vaultFile, 'utf8')).toBe(before);

    const changed = await app.ok('keystores:set-module', { keystore_id: 'desk', module_file: await moduleHandle(hsm.module) });
    expect(changed.key_store_info).toMatchObject({ keystore_alias: 'desk', pkcs11_module: hsm.module, key_count: 1 });
    expect((await app.ok('keystores:list')).keystores).toEqual([expect.objectContaining({ pkcs11_module: hsm.module })]);
    expect((await app.ok('data:decrypt', { cipher_text })).plain_text).toBe('desk secret');
    const { records } = await app.ok('audit:list', {});
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          operation: 'set-key-store-module',
          outcome: 'success',
          detail: `key store desk: PKCS#11 module ${oldModule} -> ${hsm.module}`,
        }),
      ]),
    );
  });
});
