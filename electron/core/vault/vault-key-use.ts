import { CofferError } from '../../../shared/errors.js';
import { assertUsable, resolveKey } from './key-lifecycle.js';
import { sealedMaterial, type KeyRecord } from './vault-file.js';
import type { VaultChange } from './vault-transaction.js';

/** How a key use is audited: with a detail, or not at all (the caller records it, as a file's decryption does). */
export interface KeyUseAudit {
  detail?: string;
  record?: boolean;
}

/**
 * The change that hands the plaintext material of one version of a usable key to `use`, and
 * records the use. `version` defaults to the newest; decryption asks for the version its
 * ciphertext names. The material is wiped when `use` returns. `audit.detail` goes into the audit
 * record (a file job that uses the key once for many files says how many); `audit.record: false`
 * leaves the record to the caller.
 */
export function keyMaterialUse<T>(
  operation: string,
  keyRef: string,
  use: (material: Buffer, key: Readonly<KeyRecord>, version: number) => T,
  version?: number,
  audit: KeyUseAudit = {},
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
        events:
          audit.record === false
            ? []
            : [{ operation, key_id: key.key_id, key_version: chosen.version, outcome: 'success', detail: audit.detail ?? null }],
      };
    } finally {
      material.fill(0);
    }
  };
}
