import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEYCHAIN_SERVICE, osKeychain } from '../../electron/core/vault/keychain.js';
import { removeDir, runCoffer, tempDir, type CliResult } from '../helpers/cli.js';
import { startSoftHsm, type SoftHsm } from '../helpers/softhsm.js';

const PIN = '246810';
let dir: string;
let work: string;
let hsm: SoftHsm;
let serial: string;

beforeEach(async () => {
  dir = await tempDir();
  work = await tempDir('coffer-hsm-work-');
  hsm = await startSoftHsm();
  serial = await hsm.initToken('vault-hsm', PIN);
  await writeFile(join(work, 'pin'), `${PIN}\n`, { mode: 0o600 });
  await writeFile(join(work, 'wrong-pin'), '999999\n', { mode: 0o600 });
});
afterEach(async () => {
  await Promise.all([removeDir(dir), removeDir(work), hsm.remove()]);
});

const coffer = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
  runCoffer(['--vault', dir, ...args], {
    env: { ...hsm.env, ...env },
    removeEnv: env.COFFER_PASSPHRASE ? [] : ['COFFER_PASSPHRASE'],
  });

function ok(result: CliResult): any {
  expect(result.code, result.stderr).toBe(0);
  return result.json;
}

function refused(result: CliResult, code: string, mentions?: RegExp): void {
  expect(result.code, result.stdout + result.stderr).toBe(1);
  expect(result.error?.error_code).toBe(code);
  if (mentions) expect(result.error?.error_msg).toMatch(mentions);
}

async function vaultText(): Promise<string> {
  return readFile(join(dir, 'vault.json'), 'utf8');
}

/** coffer create-key-store: store hsm1 on the test token, through `modulePath`, its PIN kept from `pinFile`. */
const createStore = (modulePath = hsm.module, pinFile = join(work, 'pin')): Promise<CliResult> =>
  coffer([
    'create-key-store',
    '--alias',
    'hsm1',
    '--pkcs11-module',
    modulePath,
    '--token-label',
    'vault-hsm',
    '--pin-file',
    pinFile,
  ]);

/** A vault with store hsm1 (PIN kept) on the test token, through `modulePath`, and key in-token inside it. */
async function storeAndKey(modulePath = hsm.module): Promise<{ keyStoreId: string; keyId: string }> {
  ok(await coffer(['init']));
  const store = ok(await createStore(modulePath));
  const key = ok(await coffer(['create-key', '--alias', 'in-token', '--key-store', 'hsm1']));
  return { keyStoreId: store.key_store_info.keystore_id, keyId: key.key_info.key_id };
}

describe('key stores on a SoftHSM2 token, through the CLI', () => {
  it('creates a store that keeps its PIN in the OS keychain, never in the vault folder', async () => {
    const { keyStoreId } = await storeAndKey();
    const listed = ok(await coffer(['list-key-stores']));
    expect(listed).toMatchObject({
      total: 1,
      keystores: [
        {
          keystore_id: keyStoreId,
          keystore_alias: 'hsm1',
          keystore_type: 'PKCS11',
          token_label: 'vault-hsm',
          token_serial: serial,
          pin_storage: 'keychain',
          key_count: 1,
        },
      ],
    });
    expect(await osKeychain.get(KEYCHAIN_SERVICE, `key-store-${keyStoreId}`)).toBe(PIN);
    for (const name of await readdir(dir)) {
      expect(await readFile(join(dir, name), 'utf8').catch(() => '')).not.toContain(PIN);
    }
    const described = ok(await coffer(['describe-key-store', '--keystore-id', 'hsm1']));
    expect(described.key_store_info).toMatchObject({ token_present: true, token_problem: null });
  });

  it('makes CMKs inside the token: the vault keeps a reference, every KMS operation and file job uses the token', async () => {
    const { keyStoreId, keyId } = await storeAndKey();
    const described = ok(await coffer(['describe-key', '--key-id', 'alias/in-token']));
    expect(described.key_info).toMatchObject({ key_id: keyId, keystore_id: keyStoreId, exportable: false, key_state: '2' });
    const record = JSON.parse(await vaultText()).state.keys.find((k: any) => k.key_id === keyId);
    expect(record.key_store_id).toBe(keyStoreId);
    expect(record.versions[0].material).toBeUndefined();
    expect(record.versions[0].token_object.cka_id).toMatch(/^[0-9a-f]{32}$/);

    const sealed = ok(await coffer(['encrypt-data', '--key-id', 'alias/in-token', '--plain-text', 'in the token']));
    expect(ok(await coffer(['decrypt-data', '--cipher-text', sealed.cipher_text])).plain_text).toBe('in the token');
    const datakey = ok(await coffer(['create-datakey', '--key-id', 'alias/in-token']));
    expect(ok(await coffer(['decrypt-datakey', '--cipher-text', datakey.cipher_text])).data_key).toBe(datakey.plain_text);

    const plain = join(work, 'report.txt');
    await writeFile(plain, 'quarterly numbers\n'.repeat(10_000));
    ok(await coffer(['encrypt-file', '--key-id', 'alias/in-token', '--no-agent', plain]));
    const header = ok(await coffer(['inspect-file', `${plain}.coffer`]));
    expect(header.encrypted_data_keys).toEqual([
      expect.objectContaining({ provider_id: 'coffer', key_id: keyId, key_version: 1 }),
    ]);
    const opened = ok(await coffer(['decrypt-file', '--no-agent', `${plain}.coffer`]));
    const outputs = JSON.stringify(opened);
    const decrypted = /"output":"([^"]+)"/.exec(outputs)?.[1];
    expect(await readFile(decrypted!, 'utf8')).toBe('quarterly numbers\n'.repeat(10_000));

    // Rotation makes a new token object; what the old version sealed still opens.
    const rotated = ok(await coffer(['rotate-key', '--key-id', 'alias/in-token']));
    expect(rotated.key_version).toBe(2);
    const versions = JSON.parse(await vaultText()).state.keys.find((k: any) => k.key_id === keyId).versions;
    expect(versions[1].token_object.cka_id).not.toBe(versions[0].token_object.cka_id);
    expect(ok(await coffer(['decrypt-data', '--cipher-text', sealed.cipher_text])).key_version).toBe(1);
    expect(ok(await coffer(['encrypt-data', '--key-id', 'alias/in-token', '--plain-text', 'x'])).key_version).toBe(2);

    // States, audit and the refusal to export apply as for vault keys.
    ok(await coffer(['disable-key', '--key-id', 'alias/in-token']));
    refused(await coffer(['encrypt-data', '--key-id', 'alias/in-token', '--plain-text', 'x']), 'KMS.0209');
    ok(await coffer(['enable-key', '--key-id', 'alias/in-token']));
    refused(await coffer(['export-key-material', '--key-id', 'alias/in-token']), 'COFFER.3003');
    refused(await coffer(['enable-key-rotation', '--key-id', 'alias/in-token']), 'COFFER.9016');
    const audit = ok(await coffer(['audit-log', '--key-id', keyId]));
    expect(audit.chain_verified).toBe(true);
    expect(audit.records.map((r: any) => r.operation)).toEqual(
      expect.arrayContaining(['create-key', 'encrypt-data', 'decrypt-data', 'encrypt-file', 'rotate-key']),
    );
    refused(await coffer(['delete-key-store', '--keystore-id', 'hsm1']), 'COFFER.9008', /hsm1 still holds 1 key/);
  });

  it('refuses a wrong PIN after one try and writes nothing', async () => {
    ok(await coffer(['init']));
    const before = await vaultText();
    refused(
      await createStore(hsm.module, join(work, 'wrong-pin')),
      'COFFER.9003',
      /Key store hsm1: the token refused the PIN \(CKR_PIN_INCORRECT\)\. Coffer tried it once and will not retry/,
    );
    expect(await vaultText()).toBe(before);
  });

  it('names the store when its token is missing, and writes nothing', async () => {
    await storeAndKey();
    await hsm.deleteToken('vault-hsm');
    const before = await vaultText();
    refused(
      await coffer(['encrypt-data', '--key-id', 'alias/in-token', '--plain-text', 'x']),
      'COFFER.9002',
      /Key store hsm1: no token labelled "vault-hsm" is present.*Plug the token in/,
    );
    const plain = join(work, 'a.txt');
    await writeFile(plain, 'a');
    expect((await coffer(['encrypt-file', '--key-id', 'alias/in-token', '--no-agent', plain])).code).toBe(1);
    expect((await readdir(work)).sort()).toEqual(['a.txt', 'pin', 'wrong-pin']);
    expect(JSON.parse(await vaultText()).state.keys).toEqual(JSON.parse(before).state.keys);
    const described = ok(await coffer(['describe-key-store', '--keystore-id', 'hsm1']));
    expect(described.key_store_info.token_present).toBe(false);
  });

  it('names the store when its module is missing', async () => {
    ok(await coffer(['init']));
    const before = await vaultText();
    refused(
      await createStore('/usr/lib/nowhere/libpkcs11.so'),
      'COFFER.9001',
      /Key store hsm1: the PKCS#11 module \/usr\/lib\/nowhere\/libpkcs11\.so does not exist/,
    );
    expect(await vaultText()).toBe(before);
  });

  it('seals the PIN in a passphrase vault, and asks for it each time when none is kept', async () => {
    const env = { COFFER_PASSPHRASE: 'correct horse battery staple' };
    ok(await coffer(['init', '--protection', 'passphrase'], env));
    const sealedStore = ok(
      await coffer(
        [
          'create-key-store',
          '--alias',
          'kept',
          '--pkcs11-module',
          hsm.module,
          '--token-label',
          'vault-hsm',
          '--pin-file',
          join(work, 'pin'),
        ],
        env,
      ),
    );
    expect(sealedStore.key_store_info.pin_storage).toBe('sealed');
    expect(await vaultText()).not.toContain(PIN);
    ok(await coffer(['create-key', '--alias', 'sealed-pin', '--key-store', 'kept'], env));

    const asked = ok(
      await coffer(['create-key-store', '--alias', 'asked', '--pkcs11-module', hsm.module, '--token-label', 'vault-hsm'], {
        ...env,
        COFFER_TOKEN_PIN: PIN,
      }),
    );
    expect(asked.key_store_info.pin_storage).toBe('ask');
    refused(await coffer(['create-key', '--alias', 'asked-pin', '--key-store', 'asked'], env), 'COFFER.9011', /--pin-file/);
    ok(await coffer(['--pin-file', join(work, 'pin'), 'create-key', '--alias', 'asked-pin', '--key-store', 'asked'], env));
    ok(await coffer(['encrypt-data', '--key-id', 'alias/asked-pin', '--plain-text', 'x'], { ...env, COFFER_TOKEN_PIN: PIN }));
  });
});

describe('coffer set-key-store-module', () => {
  it("points a store whose module path is gone (another machine's) at this machine's module, refusing modules that do not reach its token", async () => {
    // The store is made through a path that then disappears, as a restored store's source path does.
    const sourceMachine = join(work, 'source-machine');
    await mkdir(sourceMachine);
    const oldModule = join(sourceMachine, 'libsofthsm2.so');
    await symlink(hsm.module, oldModule);
    await storeAndKey(oldModule);
    const sealed = ok(
      await coffer(['encrypt-data', '--key-id', 'alias/in-token', '--plain-text', 'kept in the token']),
    ).cipher_text;
    await rm(sourceMachine, { recursive: true });
    refused(await coffer(['decrypt-data', '--cipher-text', sealed]), 'COFFER.9001', /does not exist/);

    const before = await vaultText();
    const unchanged = new RegExp(`still uses ${oldModule}; nothing was changed`);
    refused(await coffer(['set-key-store-module', 'hsm1', '--module', 'libsofthsm2.so']), 'KMS.0308', /absolute path/);
    refused(await coffer(['set-key-store-module', 'nowhere', '--module', hsm.module]), 'COFFER.9007');
    const missing = join(work, 'missing.so');
    refused(
      await coffer(['set-key-store-module', 'hsm1', '--module', missing]),
      'COFFER.9001',
      new RegExp(`${missing} does not exist`),
    );
    const notALibrary = join(work, 'not-a-module.so');
    await writeFile(notALibrary, 'not a shared library');
    const badLoad = await coffer(['set-key-store-module', 'hsm1', '--module', notALibrary]);
    refused(badLoad, 'COFFER.9001', new RegExp(`${notALibrary} could not be loaded as a PKCS#11 module`));
    expect(badLoad.error?.error_msg).toMatch(unchanged);
    // The module loads, but sees another SoftHSM2's tokens: none with this label, then one with another serial.
    const other = await startSoftHsm();
    try {
      const elsewhere = await coffer(['set-key-store-module', 'hsm1', '--module', hsm.module], other.env);
      refused(elsewhere, 'COFFER.9002', /does not see the token labelled "vault-hsm" with serial .*it sees no token/);
      expect(elsewhere.error?.error_msg).toMatch(unchanged);
      await other.initToken('vault-hsm', PIN);
      refused(await coffer(['set-key-store-module', 'hsm1', '--module', hsm.module], other.env), 'COFFER.9012', unchanged);
    } finally {
      await other.remove();
    }
    expect(await vaultText()).toBe(before);

    const changed = ok(await coffer(['set-key-store-module', 'hsm1', '--module', hsm.module]));
    expect(changed.key_store_info).toMatchObject({
      keystore_alias: 'hsm1',
      pkcs11_module: hsm.module,
      token_serial: serial,
      key_count: 1,
    });
    expect(ok(await coffer(['describe-key-store', '--keystore-id', 'hsm1'])).key_store_info).toMatchObject({
      pkcs11_module: hsm.module,
      token_present: true,
    });
    expect(ok(await coffer(['decrypt-data', '--cipher-text', sealed])).plain_text).toBe('kept in the token');
    const audit = ok(await coffer(['audit-log']));
    expect(audit.chain_verified).toBe(true);
    expect(audit.records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          operation: 'set-key-store-module',
          outcome: 'success',
          detail: `key store hsm1: PKCS#11 module ${oldModule} -> ${hsm.module}`,
        }),
      ]),
    );
  });
});
