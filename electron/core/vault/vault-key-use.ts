import { CofferError } from '../../../shared/errors.js';
import { assertUsable, resolveKey } from './key-lifecycle.js';
import { sealedMaterial, type KeyRecord } from './vault-file.js';
import type { VaultChange } from './vault-transaction.js';

/**
 * The change that hands the plaintext material of one version of a usable key to `use`, and
 * records the use. `version` defaults to the newest; decryption asks for the version its
 * ciphertext names. The material is wiped when `use` returns. `detail` goes into the audit
 * record (a file job that uses the key once for many files says how many).
 */
export function keyMaterialUse<T>(
  operation: string,
  keyRef: string,
  use: (material: Buffer, key: Readonly<KeyRecord>, version: number) => T,
  version?: number,
  detail?: string,
): VaultChange<T> {
  return (draft, context) => {
    const key = resolveKey(draft, keyRef);
    context.subject(key.key_id, version ?? key.versions.at(-1)?.version ?? null);
    assertUsable(key);
    const chosen = version === undefined ? key.versions.at(-1) : key.versions.find((v) => v.version === version);
    if (!chosen) throw new CofferError('KMS.0207', `Key ${key.key_id} has no version ${String(version)}.`);
    const material = context.openMaterial(key.key_id, chosen.version, sealedMaterial(key, chosen));
    try {
      const result = use(material, key, chosen.version);
      return {
        result,
        events: [{ operation, key_id: key.key_id, key_version: chosen.version, outcome: 'success', detail: detail ?? null }],
      };
    } finally {
      material.fill(0);
    }
  };
}
