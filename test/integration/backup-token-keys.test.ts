import { readFile, readdir, rename, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CofferError } from '../../shared/errors.js';
import {
  createKeyStore,
  deleteKeyStore,
  describeKeyStore,
  retryTokenCleanup,
} from '../../electron/core/kms/key-store-operations.js';
import { createKey, rotateKey, scheduleKeyDeletion } from '../../electron/core/kms/key-operations.js';
import { decryptData, encryptData } from '../../electron/core/kms/data-operations.js';
import { cleanUpAfterOpen } from '../../electron/core/kms/token-key-cleanup.js';
import { loadModule, pkcs11js } from '../../electron/core/keystores/pkcs11-module.js';
import { openBackup } from '../../electron/core/vault/backup-file.js';
import { KEYCHAIN_SERVICE, osKeychain } from '../../electron/core/vault/keychain.js';
import { Vault, type VaultEnvironment } from '../../electron/core/vault/vault.js';
import { removeDir, tempDir } from '../helpers/cli.js';
import { startSoftHsm, type SoftHsm } from '../helpers/softhsm.js';
import { keychainVault, TestClock, type VaultFixture } from '../helpers/vault-fixture.js';

const PIN = '135790';
const BACKUP_PASS = 'a backup passphrase, long enough';
const SECRET = 'kept under a key inside the token';

let hsm: SoftHsm;
let fx: VaultFixture;
let others: string[];

beforeEach(async () => {
  hsm = await startSoftHsm();
  hsm.use();
  await hsm.initToken('backup-hsm', PIN);
  fx = await keychainVault();
  others = [];
});
afterEach(async () => {
  await Promise.all([fx.dispose(), hsm.remove(), ...others.map(removeDir)]);
});

async function expectRefusal(work: Promise<unknown>, code: string, mentions?: RegExp): Promise<void> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CofferError);
  expect((error as CofferError).code).toBe(code);
  if (mentions) expect((error as CofferError).message).toMatch(mentions);
}

/** A store on the test token (PIN kept as the vault keeps PINs, or asked) and a key inside it. */
async function storeAndKey(vault: Vault, pin: 'kept' | 'ask' = 'kept'): Promise<{ keyStoreId: string; keyId: string }> {
  if (pin === 'ask') vault.tokenPin = async () => PIN;
  const store = await createKeyStore(vault, {
    keystore_alias: 'hsm1',
    pkcs11_module: hsm.module,
    token_label: 'backup-hsm',
    ...(pin === 'kept' ? { pin: PIN } : {}),
  });
  const key = await createKey(vault, { key_alias: 'in-token', keystore_id: 'hsm1' });
  return { keyStoreId: store.key_store_info.keystore_id, keyId: key.key_info.key_id };
}

/** Another vault on "another machine": a new folder, its own clock. */
async function otherVault(
  protection: 'keychain' | 'passphrase',
): Promise<{ vault: Vault; env: VaultEnvironment; clock: TestClock }> {
  const dir = await tempDir();
  others.push(dir);
  const clock = new TestClock();
  const env: VaultEnvironment = { dir, clock: clock.read, passphrase: async () => 'the other vault passphrase' };
  const { vault } = await Vault.init(
    env,
    protection === 'keychain' ? { mode: 'keychain' } : { mode: 'passphrase', passphrase: 'the other vault passphrase' },
  );
  return { vault, env, clock };
}

/** The CKA_IDs of the secret keys the test token holds, read with the raw library. */
async function tokenKeyIds(): Promise<string[]> {
  const p = pkcs11js();
  const module = loadModule(hsm.module);
  module.C_Initialize();
  try {
    const slot = module.C_GetSlotList(true).find((s) => module.C_GetTokenInfo(s).label.trim() === 'backup-hsm')!;
    const session = module.C_OpenSession(slot, p.CKF_SERIAL_SESSION);
    module.C_Login(session, p.CKU_USER, PIN);
    module.C_FindObjectsInit(session, [{ type: p.CKA_CLASS, value: p.CKO_SECRET_KEY }]);
    const found = module.C_FindObjects(session, 100);
    module.C_FindObjectsFinal(session);
    const ids = found.map((handle) =>
      (module.C_GetAttributeValue(session, handle, [{ type: p.CKA_ID }])[0]!.value as Buffer).toString('hex'),
    );
    module.C_Logout(session);
    module.C_CloseSession(session);
    return ids.sort();
  } finally {
    module.C_Finalize();
  }
}

/** "Unplugs" the token: its folder leaves the folder SoftHSM2 reads; `plugBack` returns it. */
async function unplugToken(): Promise<{ plugBack: () => Promise<void> }> {
  const aside = join(hsm.dir, 'unplugged');
  await mkdir(aside);
  const names = await readdir(hsm.tokenDir);
  for (const name of names) await rename(join(hsm.tokenDir, name), join(aside, name));
  return {
    plugBack: async () => {
      for (const name of names) await rename(join(aside, name), join(hsm.tokenDir, name));
    },
  };
}

describe('backups carry key stores and token keys', () => {
  it('restores a token key into new vaults: on the same token decrypt-data works; without it the error names the store', async () => {
    const { keyStoreId, keyId } = await storeAndKey(fx.vault);
    const sealed = await encryptData(fx.vault, { key_id: keyId, plain_text: SECRET });
    const { text } = await fx.vault.backup(BACKUP_PASS);
    expect(text).not.toContain(PIN);
    expect(text).not.toContain('backup-hsm');
    const contents = await openBackup(text, BACKUP_PASS);
    const tokenKey = contents.keys.find((k) => k.key_id === keyId)!;
    expect(tokenKey.key_store_id).toBe(keyStoreId);
    expect(tokenKey.versions).toEqual([{ version: 1, created: expect.any(Number), token_object: expect.any(Object) }]);
    expect(contents.keyStores).toEqual([
      expect.objectContaining({ key_store_id: keyStoreId, alias: 'hsm1', module_path: hsm.module, pin: PIN }),
    ]);

    // Into a keychain vault: the PIN goes to that vault's own keychain entry.
    const other = await otherVault('keychain');
    const restored = await other.vault.restore(text, BACKUP_PASS, false);
    expect(restored).toMatchObject({ restored: [keyId], key_stores_added: ['hsm1'], key_stores_asking_pin: [] });
    const account = `key-store-${keyStoreId}-vault-${other.vault.vaultId}`;
    expect(other.vault.state.key_stores?.[0]?.pin).toEqual({ mode: 'keychain', service: KEYCHAIN_SERVICE, account });
    expect(await osKeychain.get(KEYCHAIN_SERVICE, account)).toBe(PIN);
    expect(await decryptData(other.vault, { cipher_text: sealed.cipher_text })).toMatchObject({
      key_id: keyId,
      plain_text: SECRET,
    });

    // Into a passphrase vault: the PIN is sealed under that vault.
    const third = await otherVault('passphrase');
    await third.vault.restore(text, BACKUP_PASS, false);
    expect(third.vault.state.key_stores?.[0]?.pin.mode).toBe('sealed');
    expect(await readFile(join(third.env.dir, 'vault.json'), 'utf8')).not.toContain(PIN);
    const reopened = await Vault.open(third.env);
    expect((await decryptData(reopened, { cipher_text: sealed.cipher_text })).plain_text).toBe(SECRET);

    // The token gone: restore still succeeds; the key's use says the token is missing and names the store.
    await hsm.deleteToken('backup-hsm');
    const fourth = await otherVault('keychain');
    expect((await fourth.vault.restore(text, BACKUP_PASS, false)).restored).toEqual([keyId]);
    await expectRefusal(
      decryptData(fourth.vault, { cipher_text: sealed.cipher_text }),
      'COFFER.9002',
      /Key store hsm1.*backup-hsm/,
    );
  });

  it('carries no PIN for a store that asks for it, and the restored store asks too', async () => {
    const { keyId } = await storeAndKey(fx.vault, 'ask');
    const summary = await fx.vault.backup(BACKUP_PASS);
    expect(summary.keyStoresWithoutPin).toEqual(['hsm1']);
    const other = await otherVault('keychain');
    expect((await other.vault.restore(summary.text, BACKUP_PASS, false)).key_stores_asking_pin).toEqual(['hsm1']);
    await expectRefusal(encryptData(other.vault, { key_id: keyId, plain_text: 'x' }), 'COFFER.9011', /hsm1/);
    other.vault.tokenPin = async () => PIN;
    expect((await encryptData(other.vault, { key_id: keyId, plain_text: 'x' })).key_id).toBe(keyId);
  });

  it("keeps this vault's own settings for a store it already has, and refuses a store whose alias names another", async () => {
    const { keyStoreId } = await storeAndKey(fx.vault);
    const { text } = await fx.vault.backup(BACKUP_PASS);
    // Onto itself (with --force for the key): the store is the same one and stays as it is.
    const again = await fx.vault.restore(text, BACKUP_PASS, true);
    expect(again).toMatchObject({ key_stores_added: [], key_stores_kept: ['hsm1'] });
    expect(fx.vault.state.key_stores).toHaveLength(1);

    const other = await otherVault('keychain');
    await hsm.initToken('second-hsm', PIN);
    await createKeyStore(other.vault, { keystore_alias: 'hsm1', pkcs11_module: hsm.module, token_label: 'second-hsm', pin: PIN });
    const before = await readFile(join(other.env.dir, 'vault.json'), 'utf8');
    await expectRefusal(other.vault.restore(text, BACKUP_PASS, false), 'COFFER.1025', /hsm1.*second-hsm/);
    expect(await readFile(join(other.env.dir, 'vault.json'), 'utf8')).toBe(before);
    // The PIN written for the refused store does not stay behind; the source vault's own entry does.
    expect(await osKeychain.get(KEYCHAIN_SERVICE, `key-store-${keyStoreId}-vault-${other.vault.vaultId}`)).toBeNull();
    expect(await osKeychain.get(KEYCHAIN_SERVICE, `key-store-${keyStoreId}`)).toBe(PIN);
  });
});

describe('a token key whose deletion falls due', () => {
  it("has every version's token object destroyed when the vault notices the date has passed", async () => {
    const { keyId } = await storeAndKey(fx.vault);
    const keep = await createKey(fx.vault, { key_alias: 'kept-in-token', keystore_id: 'hsm1' });
    await rotateKey(fx.vault, { key_id: keyId });
    const deletedIds = fx.vault.state.keys.find((k) => k.key_id === keyId)!.versions.map((v) => v.token_object!.cka_id);
    const keptIds = fx.vault.state.keys
      .find((k) => k.key_id === keep.key_info.key_id)!
      .versions.map((v) => v.token_object!.cka_id);
    expect(await tokenKeyIds()).toEqual([...deletedIds, ...keptIds].sort());

    await scheduleKeyDeletion(fx.vault, { key_id: keyId, pending_days: 7 });
    fx.clock.advanceDays(6);
    await cleanUpAfterOpen(await Vault.open(fx.env));
    expect(await tokenKeyIds()).toHaveLength(3);

    fx.clock.advanceDays(2);
    const vault = await Vault.open(fx.env);
    await cleanUpAfterOpen(vault);
    expect(await tokenKeyIds()).toEqual(keptIds);
    expect(vault.state.deleted).toEqual([{ key_id: keyId, alias: 'in-token', deleted: fx.clock.now }]);
    const audit = await vault.auditLog();
    expect(audit.records.filter((r) => r.key_id === keyId).map((r) => r.operation)).toEqual(
      expect.arrayContaining(['destroy-key', 'destroy-token-key']),
    );
    expect(audit.records.find((r) => r.operation === 'destroy-token-key')?.detail).toMatch(/key store hsm1: 2 token object/);
  });

  it('stays marked for cleanup while the token is absent, and is cleaned up when the token is back', async () => {
    const { keyId } = await storeAndKey(fx.vault);
    const objectId = fx.vault.state.keys[0]!.versions[0]!.token_object!.cka_id;
    const sealed = await encryptData(fx.vault, { key_id: keyId, plain_text: SECRET });
    await scheduleKeyDeletion(fx.vault, { key_id: keyId, pending_days: 7 });
    const token = await unplugToken();
    fx.clock.advanceDays(8);
    const vault = await Vault.open(fx.env);
    await cleanUpAfterOpen(vault);
    expect(vault.state.keys).toEqual([]);
    expect(vault.state.deleted[0]?.token_cleanup).toEqual({
      key_store_id: vault.state.key_stores![0]!.key_store_id,
      objects: [{ cka_id: objectId, label: `coffer ${keyId} v1` }],
    });
    expect((await describeKeyStore(vault, { keystore_id: 'hsm1' })).key_store_info).toMatchObject({
      key_count: 0,
      pending_token_cleanup: [keyId],
      token_present: false,
    });
    await expectRefusal(
      deleteKeyStore(vault, { keystore_id: 'hsm1' }),
      'COFFER.9030',
      new RegExp(`hsm1.*${keyId}.*no token labelled "backup-hsm" is present`),
    );
    await expectRefusal(decryptData(vault, { cipher_text: sealed.cipher_text }), 'KMS.0207', /deleted on/);

    await token.plugBack();
    expect(await tokenKeyIds()).toEqual([objectId]);
    const later = await Vault.open(fx.env);
    await cleanUpAfterOpen(later);
    expect(await tokenKeyIds()).toEqual([]);
    expect(later.state.deleted[0]?.token_cleanup).toBeUndefined();
    expect(await deleteKeyStore(later, { keystore_id: 'hsm1' })).toMatchObject({ keystore_alias: 'hsm1' });
  });

  it('is destroyed by a retry (Settings → Key stores) once the token is back; while it is away the retry says why', async () => {
    const { keyStoreId, keyId } = await storeAndKey(fx.vault);
    const objectId = fx.vault.state.keys[0]!.versions[0]!.token_object!.cka_id;
    await scheduleKeyDeletion(fx.vault, { key_id: keyId, pending_days: 7 });
    const token = await unplugToken();
    fx.clock.advanceDays(8);
    const vault = await Vault.open(fx.env);
    await cleanUpAfterOpen(vault);

    expect(await retryTokenCleanup(vault, { keystore_id: 'hsm1' })).toEqual({
      keystore_id: keyStoreId,
      keystore_alias: 'hsm1',
      destroyed: [],
      pending: [{ key_id: keyId, problem: expect.stringMatching(/no token labelled "backup-hsm" is present/) }],
    });
    expect((await describeKeyStore(vault, { keystore_id: 'hsm1' })).key_store_info.pending_token_cleanup).toEqual([keyId]);

    await token.plugBack();
    expect(await tokenKeyIds()).toEqual([objectId]);
    expect(await retryTokenCleanup(vault, { keystore_id: keyStoreId })).toEqual({
      keystore_id: keyStoreId,
      keystore_alias: 'hsm1',
      destroyed: [keyId],
      pending: [],
    });
    expect(await tokenKeyIds()).toEqual([]);
    expect((await describeKeyStore(vault, { keystore_id: 'hsm1' })).key_store_info.pending_token_cleanup).toEqual([]);
    await expectRefusal(retryTokenCleanup(vault, { keystore_id: 'nowhere' }), 'COFFER.9007', /no key store "nowhere"/);
  });

  it('with a store that asks for its PIN, waits for the next use of the store, then destroys the objects in that session', async () => {
    const { keyId } = await storeAndKey(fx.vault, 'ask');
    const other = await createKey(fx.vault, { key_alias: 'second', keystore_id: 'hsm1' });
    const deletedObject = fx.vault.state.keys.find((k) => k.key_id === keyId)!.versions[0]!.token_object!.cka_id;
    await scheduleKeyDeletion(fx.vault, { key_id: keyId, pending_days: 7 });
    fx.clock.advanceDays(8);
    let asked = 0;
    const vault = await Vault.open({ ...fx.env, tokenPin: async () => (asked++, PIN) });
    await cleanUpAfterOpen(vault);
    expect(asked).toBe(0);
    expect(await tokenKeyIds()).toContain(deletedObject);
    await encryptData(vault, { key_id: other.key_info.key_id, plain_text: 'one PIN, one session' });
    expect(asked).toBe(1);
    expect(await tokenKeyIds()).not.toContain(deletedObject);
    expect(vault.state.deleted[0]?.token_cleanup).toBeUndefined();
  });
});
