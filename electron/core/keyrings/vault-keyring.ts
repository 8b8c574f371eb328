import { CofferError } from '../../../shared/errors.js';
import type { EncryptedDataKey } from '../envelope/message-header.js';
import type { Vault } from '../vault/vault.js';
import type { Keyring } from './keyring.js';
import { edkReference, unwrapDataKey, wrapDataKey, wrappedKeyPlaceholder } from './raw-aes-keyring.js';

/**
 * The vault's CMKs as a keyring: each wraps a file's data key as a raw AES keyring does; every
 * use is audited by the vault. The vault may still be opening (a keychain's answer takes tens of milliseconds): a file's body
 * is sealed meanwhile, and only wrapping and unwrapping wait for it.
 */
export function vaultKeyring(opening: Vault | Promise<Vault>, keyRefs: readonly string[], operation: string): Keyring {
  return {
    description: keyRefs.length > 0 ? `vault key ${keyRefs.join(', ')}` : 'the vault',
    placeholders: keyRefs.map(wrappedKeyPlaceholder),
    claims: (edk) => edkReference(edk) !== null,
    async wrap(dek, contextBytes) {
      const vault = await opening;
      const edks: EncryptedDataKey[] = [];
      for (const ref of keyRefs) {
        edks.push(
          await vault.useKeyMaterial(operation, ref, (material, key, version) =>
            wrapDataKey(material, { keyId: key.key_id, version }, dek, contextBytes),
          ),
        );
      }
      return edks;
    },

    async unwrap(edks, contextBytes) {
      const refusals: CofferError[] = [];
      const deleted: string[] = [];
      const unknown: string[] = [];
      const vault = await opening;
      const state = await vault.refresh();
      for (const edk of edks) {
        const reference = edkReference(edk);
        if (!reference) continue;
        const tombstone = state.deleted.find((d) => d.key_id === reference.keyId);
        if (tombstone) {
          deleted.push(
            `${reference.keyId} (alias "${tombstone.alias}", deleted on ${new Date(tombstone.deleted).toISOString().slice(0, 10)})`,
          );
          continue;
        }
        if (!state.keys.some((k) => k.key_id === reference.keyId)) {
          unknown.push(reference.keyId);
          continue;
        }
        try {
          return await vault.useKeyMaterial(
            operation,
            reference.keyId,
            (material) => {
              const dek = unwrapDataKey(material, edk, contextBytes);
              if (!dek) {
                throw new CofferError(
                  'COFFER.2003',
                  `The file's data key does not open with key ${reference.keyId}: the header was altered.`,
                );
              }
              return dek;
            },
            reference.version,
          );
        } catch (error) {
          if (!(error instanceof CofferError)) throw error;
          refusals.push(error);
        }
      }
      // The most useful reason first: a key that could work if enabled, then damage, then loss.
      const usable = refusals.find((e) => e.code === 'KMS.0209' || e.code === 'KMS.0210' || e.code === 'COFFER.3001');
      if (usable) throw usable;
      if (refusals[0]) throw refusals[0];
      if (deleted.length > 0 && unknown.length === 0) {
        throw new CofferError(
          'COFFER.2007',
          `This file was encrypted under key ${deleted.join(' and ')}, which was deleted: its key material was destroyed, ` +
            'so the file cannot be recovered. (If the CMK is deleted, decryption fails: properly keep your CMKs.)',
        );
      }
      const named = [...unknown, ...deleted];
      throw new CofferError(
        'COFFER.2006',
        named.length > 0
          ? `No key in this vault can open this file: it was encrypted under ${named.join(', ')}. Open it with the vault that holds that key, or restore that key from a backup.`
          : 'No key in this vault can open this file: it carries no Coffer key (it was encrypted by another tool or keyring).',
      );
    },
  };
}
