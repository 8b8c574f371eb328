import { findKeyStore, keyStorePin, tokenLocation } from '../keyrings/cmk-use.js';
import {
  destroyDeletedObjects,
  pendingTokenCleanups,
  recordTokenCleanup,
  type TokenCleanupOutcome,
} from '../keyrings/deleted-token-keys.js';
import { withTokenSession } from '../keystores/token-session.js';
import type { DeletedKey, KeyStoreRecord } from '../vault/vault-file.js';
import type { Vault } from '../vault/vault.js';

export interface TokenCleanupReport {
  /** Deleted keys whose every token object is now destroyed. */
  destroyed: string[];
  /** Deleted keys whose objects are still in a token, and why (token absent, PIN not at hand...). */
  pending: { key_id: string; keystore_alias: string; problem: string }[];
}

/**
 * Destroys, in their tokens, the objects of deleted token keys. Each store with such keys gets
 * one session. A store that keeps no PIN is left alone unless `askPin` (the vault opening for
 * an unrelated command asks nobody for a PIN); a token that is absent leaves its keys pending,
 * to be retried the next time the store's token is reached (any use of its keys, create-key,
 * rotate-key, delete-key-store, or the next time the vault opens).
 */
export async function cleanUpDeletedTokenKeys(
  vault: Vault,
  options: { askPin: boolean; keyStoreId?: string },
): Promise<TokenCleanupReport> {
  const state = vault.state;
  const pending = pendingTokenCleanups(state, options.keyStoreId);
  const report: TokenCleanupReport = { destroyed: [], pending: [] };
  if (pending.length === 0) return report;
  const byStore = new Map<string, DeletedKey[]>();
  for (const tombstone of pending) {
    const id = tombstone.token_cleanup!.key_store_id;
    byStore.set(id, [...(byStore.get(id) ?? []), tombstone]);
  }
  for (const [storeId, tombstones] of byStore) {
    const store = (state.key_stores ?? []).find((s) => s.key_store_id === storeId);
    const stillPending = (problem: string) =>
      report.pending.push(
        ...tombstones.map((t) => ({ key_id: t.key_id, keystore_alias: store?.alias ?? storeId, problem: problem })),
      );
    if (!store) {
      stillPending('the key store is no longer in this vault');
      continue;
    }
    if (store.pin.mode === 'ask' && !options.askPin) {
      stillPending(
        `key store ${store.alias} keeps no PIN: the objects are destroyed the next time its token is used with its PIN`,
      );
      continue;
    }
    let outcomes: TokenCleanupOutcome[];
    try {
      outcomes = await withTokenSession(
        tokenLocation(store),
        () => keyStorePin(vault, store),
        (session) => destroyDeletedObjects(session, tombstones),
      );
    } catch (error) {
      stillPending(error instanceof Error ? error.message : String(error));
      continue;
    }
    await recordOutcomes(vault, store, outcomes);
    for (const outcome of outcomes) {
      if (outcome.remaining.length === 0) report.destroyed.push(outcome.key_id);
      else
        report.pending.push({
          key_id: outcome.key_id,
          keystore_alias: store.alias,
          problem: outcome.problem ?? 'not all objects could be destroyed',
        });
    }
  }
  return report;
}

async function recordOutcomes(vault: Vault, store: KeyStoreRecord, outcomes: TokenCleanupOutcome[]): Promise<void> {
  if (!outcomes.some((o) => o.destroyed.length > 0)) return;
  await vault.mutate('destroy-token-key', (draft) => {
    findKeyStore(draft.key_stores, store.key_store_id);
    return { result: null, events: recordTokenCleanup(draft, outcomes, store.alias) };
  });
}

/**
 * What a face runs right after opening the vault: deletions that fell due at the opening are
 * carried into the tokens whose PIN the vault keeps. Never fails the command it precedes: a key
 * left pending is retried later and shown by describe-key-store.
 */
export async function cleanUpAfterOpen(vault: Vault): Promise<void> {
  if (pendingTokenCleanups(vault.state).length === 0) return;
  await cleanUpDeletedTokenKeys(vault, { askPin: false }).catch(() => undefined);
}
