import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyStore } from '../../electron/core/kms/key-store-operations.js';
import { createKey } from '../../electron/core/kms/key-operations.js';
import { encryptData } from '../../electron/core/kms/data-operations.js';
import { Vault, type VaultEnvironment } from '../../electron/core/vault/vault.js';
import { removeDir, tempDir } from '../helpers/cli.js';
import { startSoftHsm, type SoftHsm } from '../helpers/softhsm.js';

/**
 * A key store that keeps no PIN asks the vault's face for it (the app's Settings, the CLI's
 * prompt). The face passes its prompt in the vault environment: a vault it has just created or
 * recovered must ask that prompt as a vault it opened does, or the app's first session could not
 * add such a store (the app creates its vault with Vault.init and keeps it open).
 */
const PIN = '246810';
let hsm: SoftHsm;
let dir: string;

beforeEach(async () => {
  hsm = await startSoftHsm();
  hsm.use();
  await hsm.initToken('pin-token', PIN);
  dir = await tempDir();
});
afterEach(async () => {
  await Promise.all([hsm.remove(), removeDir(dir)]);
});

async function askStoreWorks(vault: Vault, asked: string[]): Promise<void> {
  await createKeyStore(vault, { keystore_alias: 'asks', pkcs11_module: hsm.module, token_label: 'pin-token' });
  const key = await createKey(vault, { key_alias: 'in-token', keystore_id: 'asks' });
  await encryptData(vault, { key_id: key.key_info.key_id, plain_text: 'kept in the token' });
  expect(asked.length).toBeGreaterThan(0);
  expect(new Set(asked)).toEqual(new Set(['asks']));
}

describe("a vault's token PIN prompt", () => {
  it('is asked by a vault just created', async () => {
    const asked: string[] = [];
    const env: VaultEnvironment = { dir, tokenPin: async (store) => (asked.push(store.alias), PIN) };
    const { vault } = await Vault.init(env, { mode: 'keychain' });
    await askStoreWorks(vault, asked);
  });

  it('is asked by a vault just recovered', async () => {
    const { recoveryCode } = await Vault.init({ dir }, { mode: 'keychain' });
    const asked: string[] = [];
    const env: VaultEnvironment = { dir, tokenPin: async (store) => (asked.push(store.alias), PIN) };
    const vault = await Vault.recover(env, recoveryCode, { mode: 'keychain' });
    await askStoreWorks(vault, asked);
  });
});
