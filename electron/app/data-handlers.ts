import * as data from '../core/kms/data-operations.js';
import type { DomainHandlers } from './handler-types.js';
import type { VaultSession } from './vault-session.js';

/** Small data and data keys under a CMK, and random bytes. */
export function dataHandlers(session: VaultSession): DomainHandlers<'data' | 'datakey' | 'random'> {
  const vault = () => session.unlocked();
  return {
    'data:encrypt': (r) => data.encryptData(vault(), r),
    'data:decrypt': (r) => data.decryptData(vault(), r),
    'data:re-encrypt': (r) => data.reEncryptData(vault(), r),
    'datakey:create': (r) => data.createDatakey(vault(), r, true),
    'datakey:create-without-plaintext': async (r) => {
      const { key_id, key_version, cipher_text } = await data.createDatakey(vault(), r, false);
      return { key_id, key_version, cipher_text };
    },
    'datakey:encrypt': (r) => data.encryptDatakey(vault(), r),
    'datakey:decrypt': (r) => data.decryptDatakey(vault(), r),
    'random:generate': async (r) => data.genRandom(r),
  };
}
