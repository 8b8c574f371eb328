import { CofferError } from '../../shared/errors.js';
import * as stores from '../core/kms/key-store-operations.js';
import { listTokens } from '../core/keystores/token-session.js';
import { tpmAvailable } from '../core/vault/tpm-sealing.js';
import type { GrantedFiles } from './granted-files.js';
import type { DomainHandlers } from './handler-types.js';
import type { VaultSession } from './vault-session.js';

/**
 * Settings → Key stores: PKCS#11 tokens whose keys are CMKs; and whether this machine has a TPM.
 * The module, a library main loads, is named by the handle of a file the user chose in Coffer's
 * dialog (granted-files.ts), never by a path from the window.
 */
export function keyStoreHandlers(session: VaultSession, files: GrantedFiles): DomainHandlers<'keystores' | 'tpm'> {
  const vault = () => session.unlocked();
  return {
    'keystores:list': () => stores.listKeyStores(vault()),
    'keystores:create': async (r) => {
      // A PIN not kept is held by this session only (the disk never sees it); the store's one login checks it.
      if (!r.keep_pin) session.holdPin(r.keystore_alias, r.pin);
      try {
        return await stores.createKeyStore(vault(), {
          keystore_alias: r.keystore_alias,
          pkcs11_module: files.path(r.module_file),
          token_label: r.token_label,
          ...(r.keep_pin ? { pin: r.pin } : {}),
        });
      } catch (error) {
        if (!r.keep_pin) session.forgetPin(r.keystore_alias);
        throw error;
      }
    },
    'keystores:delete': (r) => stores.deleteKeyStore(vault(), r),
    'keystores:tokens': async (r) => ({ tokens: await listTokens('(new)', files.path(r.module_file)) }),
    'keystores:set-module': (r) =>
      stores.setKeyStoreModule(vault(), { keystore_id: r.keystore_id, pkcs11_module: files.path(r.module_file) }),
    'keystores:pin': async (r) => {
      const { keystores } = await stores.listKeyStores(vault());
      const store = keystores.find((s) => s.keystore_id === r.keystore_id || s.keystore_alias === r.keystore_id);
      if (!store) throw new CofferError('COFFER.9007', `There is no key store "${r.keystore_id}" in this vault.`);
      session.holdPin(store.keystore_alias, r.pin);
      return { keystore_id: store.keystore_id, held: true };
    },
    'keystores:retry-cleanup': (r) => stores.retryTokenCleanup(vault(), r),
    'tpm:status': async () => ({ available: await tpmAvailable() }),
  };
}
