import { COFFER_KEY_NAMESPACE } from '../../../shared/key-specs.js';
import type { KeyRecord } from '../vault/vault-file.js';
import { cofferKeyName } from './raw-aes-keyring.js';

/**
 * The keyring namespace (ESDK provider id) and key name a file's EDK carries for a key version:
 * another tool's names when the key was created with them, else "coffer" and the fixed-width
 * "<key id>:v<8-digit version>".
 */
export function keyNaming(key: Readonly<KeyRecord>, version: number): { namespace: string; name: string } {
  if (key.key_namespace !== undefined && key.key_name !== undefined) {
    return { namespace: key.key_namespace, name: key.key_name };
  }
  return { namespace: COFFER_KEY_NAMESPACE, name: cofferKeyName({ keyId: key.key_id, version }) };
}
