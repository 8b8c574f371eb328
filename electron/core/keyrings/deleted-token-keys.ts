import type { TokenSession } from '../keystores/token-session.js';
import type { AuditEvent } from '../vault/audit-log.js';
import type { DeletedKey, TokenObject, VaultState } from '../vault/vault-file.js';

/**
 * A token key whose deletion date passed leaves the vault at once, but its objects live in the
 * token, which the vault's maintenance cannot reach: the tombstone lists them (token_cleanup)
 * until a session on that store's token destroys them. Destroying is idempotent: an object
 * already gone counts as destroyed, so a crash between destroying and recording is harmless.
 */

/** What one key's cleanup did in the token. */
export interface TokenCleanupOutcome {
  key_id: string;
  key_store_id: string;
  destroyed: TokenObject[];
  /** Objects still in the token (the session failed before or while destroying them). */
  remaining: TokenObject[];
  problem: string | null;
}

/** Deleted keys whose token objects are not destroyed yet, all of them or one store's. */
export function pendingTokenCleanups(state: Readonly<VaultState>, keyStoreId?: string): DeletedKey[] {
  return state.deleted.filter(
    (d) => d.token_cleanup !== undefined && (keyStoreId === undefined || d.token_cleanup.key_store_id === keyStoreId),
  );
}

/** Destroys the listed keys' objects in an open session of their store's token; a failure stops that key, not the others. */
export function destroyDeletedObjects(session: TokenSession, pending: readonly DeletedKey[]): TokenCleanupOutcome[] {
  return pending.flatMap((tombstone) => {
    const cleanup = tombstone.token_cleanup;
    if (!cleanup) return [];
    const destroyed: TokenObject[] = [];
    let problem: string | null = null;
    for (const object of cleanup.objects) {
      try {
        session.destroyKeys(Buffer.from(object.cka_id, 'hex'));
        destroyed.push(object);
      } catch (error) {
        problem = error instanceof Error ? error.message : String(error);
        break;
      }
    }
    const remaining = cleanup.objects.filter((o) => !destroyed.includes(o));
    return [{ key_id: tombstone.key_id, key_store_id: cleanup.key_store_id, destroyed, remaining, problem }];
  });
}

/** Writes the outcomes into a vault draft (tombstones lose what was destroyed) and says what to audit. */
export function recordTokenCleanup(
  draft: VaultState,
  outcomes: readonly TokenCleanupOutcome[],
  storeAlias: string,
): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (const outcome of outcomes) {
    if (outcome.destroyed.length === 0) continue;
    const tombstone = draft.deleted.find((d) => d.key_id === outcome.key_id);
    if (!tombstone?.token_cleanup) continue; // Recorded meanwhile by another process.
    const gone = new Set(outcome.destroyed.map((o) => o.cka_id));
    const left = tombstone.token_cleanup.objects.filter((o) => !gone.has(o.cka_id));
    if (left.length === 0) delete tombstone.token_cleanup;
    else tombstone.token_cleanup = { ...tombstone.token_cleanup, objects: left };
    events.push({
      operation: 'destroy-token-key',
      key_id: outcome.key_id,
      outcome: 'success',
      detail:
        `key store ${storeAlias}: ${outcome.destroyed.length} token object(s) of the deleted key destroyed ` +
        `(CKA_ID ${outcome.destroyed.map((o) => o.cka_id).join(', ')})${left.length > 0 ? `; ${left.length} left for the next time` : ''}`,
    });
  }
  return events;
}
