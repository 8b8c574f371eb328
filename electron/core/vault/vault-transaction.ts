import { isDeepStrictEqual } from 'node:util';
import { CofferError } from '../../../shared/errors.js';
import { appendAuditEvents, lastAuditAnchor, type AuditEvent } from './audit-log.js';
import { removeStaleTemporaries } from './durable-write.js';
import { runDueMaintenance, type MaintenanceResult, type MaterialFactory } from './key-lifecycle.js';
import { PREVIOUS_VAULT_FILE, VAULT_FILE, type VaultPaths } from './vault-paths.js';
import { signVaultFile, type VaultFile, type VaultState } from './vault-file.js';
import { withVaultLock } from './vault-lock.js';
import { rereadVaultFile, saveVaultFile } from './vault-store.js';
import type { VaultSubkeys } from './vault-subkeys.js';

/** What an operation inside `mutate` hands back: its result, and what to record in the audit log. */
export interface Mutation<T> {
  result: T;
  events: AuditEvent[];
}

export interface MutationContext {
  now: number;
  material: MaterialFactory;
  /** The plaintext of one key version (for backup); never leaves the vault modules' callers unasked. */
  openMaterial(keyId: string, version: number, box: string): Buffer;
  /** Seals given material as (key id, version) of this vault. */
  sealMaterial(keyId: string, version: number, material: Buffer): string;
  /** Seals or opens a secret of this vault other than key material (an import wrapping key). */
  sealSecret(label: string, secret: Buffer): string;
  openSecret(label: string, box: string): Buffer | null;
  /** A MAC only this vault can make (import tokens). */
  tokenMac(data: Buffer): Buffer;
  /** Names the key an operation is about, so a refusal's audit record names it too. */
  subject(keyId: string, version?: number | null): void;
}

export type VaultChange<T> = (draft: VaultState, context: MutationContext) => Mutation<T>;

export interface TransactionOptions {
  /**
   * Whether a refused change is recorded (default true). A file decryption's key uses are not:
   * the keyring records one record per file with every key it tried (vault-keyring.ts).
   */
  recordRefusal?: boolean;
}

/** The open vault a transaction works on; `saved` learns of each file read or written. */
export interface TransactionTarget {
  paths: VaultPaths;
  keys: VaultSubkeys;
  clock: () => number;
  saved(file: VaultFile): void;
}

function maintenanceEvents(result: MaintenanceResult): AuditEvent[] {
  return [
    ...result.destroyed.map((d) => ({
      operation: 'destroy-key',
      key_id: d.key_id,
      outcome: 'success' as const,
      detail: d.token_cleanup
        ? `scheduled deletion date passed: key removed from the vault; its ${d.token_cleanup.objects.length} token object(s) are destroyed when the key store's token is next reached`
        : 'scheduled deletion date passed: key material destroyed',
    })),
    ...result.expired.map((e) => ({
      operation: 'expire-key-material',
      key_id: e.key_id,
      outcome: 'success' as const,
      detail: 'imported key material reached its expiration time: deleted, key is Pending import',
    })),
    ...result.rotated.map((r) => ({
      operation: 'rotate-key',
      key_id: r.key_id,
      key_version: r.version,
      outcome: 'success' as const,
      detail: 'scheduled rotation',
    })),
  ];
}

function contextFor(keys: VaultSubkeys, now: number, subject: { key_id: string | null; key_version: number | null }) {
  const context: MutationContext = {
    now,
    material: keys.newMaterial,
    openMaterial: (keyId, version, box) => keys.openMaterial(keyId, version, box),
    sealMaterial: (keyId, version, material) => keys.sealMaterial(keyId, version, material),
    sealSecret: (label, secret) => keys.sealSecret(label, secret),
    openSecret: (label, box) => keys.openSecret(label, box),
    tokenMac: (data) => keys.tokenMac(data),
    subject: (keyId, version = null) => {
      subject.key_id = keyId;
      subject.key_version = version;
    },
  };
  return context;
}

/**
 * Runs one change under the vault lock: re-read and verify the file, let due maintenance
 * happen, apply `change` to a draft, record the audit events, then save atomically.
 * A refused change (CofferError) is recorded as a failure and nothing else changes.
 */
export async function runTransaction<T>(
  target: TransactionTarget,
  operation: string,
  change: VaultChange<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const { paths, keys } = target;
  return withVaultLock(paths.dir, paths.lock, async () => {
    await removeStaleTemporaries(paths.dir, [VAULT_FILE, PREVIOUS_VAULT_FILE]);
    const file = await rereadVaultFile(paths, keys);
    const now = target.clock();
    const subject: { key_id: string | null; key_version: number | null } = { key_id: null, key_version: null };
    const context = contextFor(keys, now, subject);
    let draft = structuredClone(file.state);
    const events = maintenanceEvents(runDueMaintenance(draft, now, context.material));
    const beforeChange = structuredClone(draft);
    let outcome: { ok: true; value: T } | { ok: false; error: CofferError };
    try {
      const mutation = change(draft, context);
      events.push(...mutation.events);
      events.push(...maintenanceEvents(runDueMaintenance(draft, now, context.material)));
      outcome = { ok: true, value: mutation.result };
    } catch (error) {
      if (!(error instanceof CofferError)) throw error;
      draft = beforeChange;
      if (options.recordRefusal !== false) {
        events.push({ operation, ...subject, outcome: 'failure', error_code: error.code, detail: error.message.slice(0, 300) });
      }
      outcome = { ok: false, error };
    }
    const anchor = await appendAuditEvents(paths.audit, keys.audit, events, now);
    if (!isDeepStrictEqual(draft, file.state)) {
      draft.generation = file.state.generation + 1;
      draft.updated = now;
      draft.audit_anchor = anchor ?? (await lastAuditAnchor(paths.audit)) ?? draft.audit_anchor;
      const { mac: _mac, ...unsigned } = file;
      const next = signVaultFile(keys.mac, { ...unsigned, state: draft });
      try {
        await saveVaultFile(paths, next);
      } catch (error) {
        await appendAuditEvents(
          paths.audit,
          keys.audit,
          [{ operation, outcome: 'failure', error_code: 'COFFER.1014', detail: 'the vault file could not be written' }],
          now,
        ).catch(() => null);
        throw new CofferError(
          'COFFER.1014',
          `The vault could not be saved (${(error as Error).message}); the previous state is unchanged. Free some disk space or check permissions, then try again.`,
        );
      }
      target.saved(next);
    } else {
      target.saved(file);
    }
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  });
}
