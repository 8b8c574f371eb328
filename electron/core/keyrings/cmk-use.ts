import { CofferError } from '../../../shared/errors.js';
import type { GcmKey } from '../crypto/gcm-key.js';
import { withTokenSession, type TokenLocation } from '../keystores/token-session.js';
import { assertUsable, resolveKey } from '../vault/key-lifecycle.js';
import { keyStorePinAccount, keyStorePinLabel } from '../vault/key-store-pin.js';
import type { DeletedKey, KeyRecord, KeyStoreRecord, KeyVersion } from '../vault/vault-file.js';
import {
  destroyDeletedObjects,
  pendingTokenCleanups,
  recordTokenCleanup,
  type TokenCleanupOutcome,
} from './deleted-token-keys.js';
import type { Vault } from '../vault/vault.js';
import type { KeyUseAudit } from '../vault/vault-key-use.js';

export { keyStorePinAccount, keyStorePinLabel };

export function tokenLocation(store: KeyStoreRecord): TokenLocation {
  return {
    storeName: store.alias,
    modulePath: store.module_path,
    tokenLabel: store.token_label,
    tokenSerial: store.token_serial || null,
  };
}

export function findKeyStore(stores: readonly KeyStoreRecord[] | undefined, ref: string): KeyStoreRecord {
  const store = (stores ?? []).find((s) => s.key_store_id === ref || s.alias === ref);
  if (!store) {
    throw new CofferError(
      'COFFER.9007',
      `There is no key store "${ref.slice(0, 80)}" in this vault. Run \`coffer list-key-stores\` to see them, or \`coffer create-key-store\` to add one.`,
    );
  }
  return store;
}

/** The PIN of a store's token, from wherever the store keeps it (or from the user, asked once per use). */
export async function keyStorePin(vault: Vault, store: KeyStoreRecord): Promise<string> {
  const pin = store.pin;
  if (pin.mode === 'keychain') {
    const stored = await vault.keychain.get(pin.service, pin.account);
    if (stored === null) {
      throw new CofferError(
        'COFFER.9011',
        `The OS keychain holds no PIN for key store ${store.alias} (account "${pin.account}"): unlock the keyring, ` +
          'or delete and create the key store again with --pin-file.',
      );
    }
    return stored;
  }
  if (pin.mode === 'sealed') {
    const opened = vault.openSecret(keyStorePinLabel(store.key_store_id), pin.box);
    if (!opened) throw new CofferError('COFFER.1007', `The sealed PIN of key store ${store.alias} does not authenticate.`);
    return opened.toString('utf8');
  }
  return vault.tokenPin({ alias: store.alias, tokenLabel: store.token_label });
}

interface Chosen {
  key: KeyRecord;
  version: KeyVersion;
  store: KeyStoreRecord;
  /** The store's deleted keys whose token objects are still to destroy: done in the same session. */
  pending: DeletedKey[];
}

/**
 * Hands a usable CMK version to `use` as the key it is: a vault key's material (as
 * vault.useKeyMaterial does), or a GcmKey whose every operation runs inside the key store's token.
 * Either way the use, or the refusal, is recorded in the audit log, unless `audit.record` is false
 * (a file's decryption records one record for all the keys it tried: vault-keyring.ts).
 */
export async function useCmk<T>(
  vault: Vault,
  operation: string,
  keyRef: string,
  use: (key: Buffer | GcmKey, record: Readonly<KeyRecord>, version: number) => T,
  version?: number,
  /** A vault key's audit detail (a job's "one use for a job of N files"), or no record at all. */
  audit: KeyUseAudit = {},
): Promise<T> {
  const state = await vault.refresh();
  const found = resolveKeyQuietly(state.keys, keyRef);
  if (found?.key_store_id === undefined) return vault.useKeyMaterial(operation, keyRef, use, version, audit);
  const recorded = audit.record !== false;

  // State and version checks as for a vault key, recorded as refusals when they fail.
  const chosen = await vault.mutate<Chosen>(
    operation,
    (draft, context) => {
      const key = resolveKey(draft, keyRef);
      context.subject(key.key_id, version ?? key.versions.at(-1)?.version ?? null);
      assertUsable(key);
      const picked = version === undefined ? key.versions.at(-1) : key.versions.find((v) => v.version === version);
      if (!picked) throw new CofferError('KMS.0207', `Key ${key.key_id} has no version ${String(version)}.`);
      const store = findKeyStore(draft.key_stores, key.key_store_id!);
      const pending = structuredClone(pendingTokenCleanups(draft, store.key_store_id));
      return {
        result: { key: structuredClone(key), version: structuredClone(picked), store: structuredClone(store), pending },
        events: [],
      };
    },
    { recordRefusal: recorded },
  );
  const objectId = Buffer.from(chosen.version.token_object!.cka_id, 'hex');
  let cleaned: TokenCleanupOutcome[] = [];
  try {
    const result = await withTokenSession(
      tokenLocation(chosen.store),
      () => keyStorePin(vault, chosen.store),
      (session) => {
        cleaned = destroyDeletedObjects(session, chosen.pending);
        return use(
          {
            seal: (iv, plaintext, aad) => session.encrypt(objectId, iv, plaintext, aad),
            open: (iv, sealed, aad) => session.decrypt(objectId, iv, sealed, aad),
          },
          chosen.key,
          chosen.version.version,
        );
      },
    );
    const cleanedAny = cleaned.some((c) => c.destroyed.length > 0);
    if (recorded || cleanedAny)
      await vault.mutate(operation, (draft) => ({
        result: null,
        events: [
          ...recordTokenCleanup(draft, cleaned, chosen.store.alias),
          ...(recorded
            ? [{ operation, key_id: chosen.key.key_id, key_version: chosen.version.version, outcome: 'success' as const }]
            : []),
        ],
      }));
    return result;
  } catch (error) {
    if (cleaned.some((c) => c.destroyed.length > 0)) {
      // The use failed after the cleanup: what was destroyed is recorded all the same.
      await vault
        .mutate('destroy-token-key', (draft) => ({
          result: null,
          events: recordTokenCleanup(draft, cleaned, chosen.store.alias),
        }))
        .catch(() => undefined);
    }
    if (error instanceof CofferError && recorded) {
      // Recorded as the vault records any refusal: a failed change naming the key.
      await vault
        .mutate(operation, (_draft, context) => {
          context.subject(chosen.key.key_id, chosen.version.version);
          throw error;
        })
        .catch(() => undefined);
    }
    throw error;
  }
}

/** The key a reference (key id or alias/NAME) names, or undefined: no refusal, no audit record. */
export function resolveKeyQuietly(keys: readonly KeyRecord[], ref: string): KeyRecord | undefined {
  if (ref.startsWith('alias/')) return keys.find((k) => k.alias === ref.slice('alias/'.length));
  return keys.find((k) => k.key_id === ref);
}
