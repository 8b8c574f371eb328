import { CofferError } from '../../../shared/errors.js';
import { isRsaSpec } from '../../../shared/key-specs.js';
import type { EncryptedDataKey } from '../envelope/message-header.js';
import { keySpecOf, keyUsageOf } from '../vault/key-lifecycle.js';
import type { KeyRecord, VaultState } from '../vault/vault-file.js';
import type { Vault } from '../vault/vault.js';
import type { AuditEvent } from '../vault/audit-log.js';
import type { KeyUseAudit } from '../vault/vault-key-use.js';
import { keyNaming } from './key-naming.js';
import type { GcmKey } from '../crypto/gcm-key.js';
import { resolveKeyQuietly, useCmk } from './cmk-use.js';
import type { Keyring, LentWrapKey } from './keyring.js';
import {
  edkReference,
  namedKeyPlaceholder,
  rawAesKeyName,
  unwrapDataKey,
  wrapDataKeyAs,
  wrappedKeyPlaceholder,
} from './raw-aes-keyring.js';
import { namesRsaKey, unwrapRsaDataKey } from './raw-rsa-keyring.js';

/** An EDK this vault may hold the key of: which key, which version, and how it wraps. */
interface Match {
  key: KeyRecord;
  version: number;
  kind: 'aes' | 'rsa';
}

type CmkUse = <T>(
  ref: string,
  use: (material: Buffer | GcmKey, key: Readonly<KeyRecord>, version: number) => T,
  version?: number,
  audit?: KeyUseAudit,
) => Promise<T>;

export interface VaultKeyring extends Keyring {
  /** Wipes the key material held for a job (a no-op when each use asked the vault). */
  release(): void;
}

/**
 * A job's uses of the vault's keys: each key version is asked for once, under the vault's lock
 * (wrapping audits that once, with the number of files; unwrapping leaves the record to each
 * file, see `unwrap`); the job then wraps and unwraps in memory, and release() wipes the material. One vault transaction per key instead of one per file is most
 * of what a folder of small files cost (about 2 ms a file here). A key inside a token never
 * leaves it: its uses go to the token each time (cmk-use.ts).
 */
function jobMaterial(
  opening: Promise<Vault>,
  operation: string,
  files: number,
): {
  use: CmkUse;
  state: () => Promise<Readonly<VaultState>>;
  release: () => void;
  /** The held uses that came back with material (a token's key has none), by key id and version. */
  settled: () => { material: Buffer; key: Readonly<KeyRecord>; version: number }[];
  /** The held use of `ref` at `version` (newest when omitted), once it came back with material. */
  settledUse: (ref: string, version?: number) => { material: Buffer; key: Readonly<KeyRecord>; version: number } | undefined;
  /** Asks for the newest version of `ref` as `use` first would (one record), without using it. */
  hold: (ref: string) => Promise<void>;
} {
  const held = new Map<string, Promise<{ material: Buffer | null; key: Readonly<KeyRecord>; version: number }>>();
  const settled = new Map<string, { material: Buffer; key: Readonly<KeyRecord>; version: number }>();
  let state: Promise<Readonly<VaultState>> | undefined;
  const detail = `one use for a job of ${files} file${files === 1 ? '' : 's'}`;
  const entryFor = (ref: string, version: number | undefined, audit: Parameters<CmkUse>[3] = {}) => {
    const id = `${ref}|${version ?? 'newest'}`;
    let entry = held.get(id);
    if (!entry) {
      entry = opening.then((vault) =>
        useCmk(
          vault,
          operation,
          ref,
          (material, key, chosen) => ({
            material: Buffer.isBuffer(material) ? Buffer.from(material) : null,
            key: structuredClone(key),
            version: chosen,
          }),
          version,
          { detail, ...audit },
        ),
      );
      entry.then(
        (got) => {
          if (got.material) settled.set(id, { material: got.material, key: got.key, version: got.version });
        },
        () => undefined, // each file awaits it; a refusal is every file's
      );
      held.set(id, entry);
    }
    return entry;
  };
  return {
    use: async (ref, use, version, audit = {}) => {
      const { material, key, version: chosen } = await entryFor(ref, version, audit);
      if (material === null) return useCmk(await opening, operation, ref, use, version, audit);
      return use(material, key, chosen);
    },
    hold: async (ref) => {
      await entryFor(ref, undefined);
    },
    state: () => (state ??= opening.then((vault) => vault.refresh())),
    release: () => {
      for (const entry of held.values())
        entry.then(
          ({ material }) => material?.fill(0),
          () => undefined,
        );
      held.clear();
      settled.clear();
    },
    settled: () => [...settled.values()],
    settledUse: (ref, version) => settled.get(`${ref}|${version ?? 'newest'}`),
  };
}

/**
 * Appends records in batches (group commit): a record is written with those that arrive in the
 * same turn of the event loop or while the append before it runs, so a folder's files cost a few
 * appends (each takes the vault's lock, rereads the vault and fsyncs the log), not one each; each
 * file still waits for its own record (a use that cannot be audited fails).
 */
function auditWriter(opening: Promise<Vault>): (event: AuditEvent) => Promise<void> {
  let queued: AuditEvent[] = [];
  let next: Promise<void> | null = null;
  let tail: Promise<unknown> = Promise.resolve();
  return (event) => {
    queued.push(event);
    if (!next) {
      next = tail.then(async () => {
        // The rest of this turn's files (a group's unwraps settle together) join this append.
        await new Promise((resolve) => setImmediate(resolve));
        const batch = queued;
        queued = [];
        next = null;
        await (await opening).record(batch);
      });
      tail = next.catch(() => undefined);
    }
    return next;
  };
}

/** What one file's decryption did with the vault's keys, for its one audit record. */
interface Tries {
  count: number;
  slots: string[];
  opened: Match | null;
}

/** Where an audit detail stops: a hostile header's list of keys must not bloat the log. */
const DETAIL_LIMIT = 300;

function fileRecord(operation: string, tries: Tries, error: CofferError | null, files: number | undefined): AuditEvent {
  const only = tries.slots.length === 1 ? tries.slots[0]!.split(':') : null;
  const job = files === undefined || files === 1 ? '' : ` (in a job of ${files} files)`;
  const detail = `${tries.count === 0 ? 'no key of this vault was tried' : `tried ${tries.slots.join(', ')}`}${job}`;
  return {
    operation,
    key_id: tries.opened?.key.key_id ?? only?.[0] ?? null,
    key_version: tries.opened?.version ?? (only ? Number(only[1]) : null),
    outcome: error ? 'failure' : 'success',
    error_code: error?.code ?? null,
    detail: detail.length > DETAIL_LIMIT ? `${detail.slice(0, DETAIL_LIMIT - 1)}…` : detail,
    edks_tried: tries.count,
  };
}

/**
 * Which of the vault's keys an EDK names: Coffer's own raw AES EDKs (namespace "coffer", the key
 * id and version in the name), another tool's raw AES EDKs (a key created with that namespace and
 * key name), and raw RSA EDKs for the vault's RSA ENCRYPT_DECRYPT keys (its own or another tool's
 * name). Null when none does.
 */
function matchEdk(state: Readonly<VaultState>, edk: EncryptedDataKey): Match | null {
  const aesName = rawAesKeyName(edk);
  for (const key of state.keys) {
    const spec = keySpecOf(key);
    if (spec === 'AES_256' && aesName !== null) {
      const reference = edkReference(edk);
      if (reference && key.key_namespace === undefined && reference.keyId === key.key_id) {
        return { key, version: reference.version, kind: 'aes' };
      }
      if (key.key_namespace === edk.providerId && key.key_name === aesName) return { key, version: 1, kind: 'aes' };
    }
    if (isRsaSpec(spec) && keyUsageOf(key) === 'ENCRYPT_DECRYPT' && key.versions.length > 0) {
      const { namespace, name } = keyNaming(key, 1);
      if (namesRsaKey(edk, namespace, name)) return { key, version: 1, kind: 'rsa' };
    }
  }
  return null;
}

/**
 * The EDK each key reference will wrap into, by size: a key with another tool's names makes EDKs
 * as long as those names. A reference that names no AES key gets Coffer's size (wrap refuses it).
 */
function placeholdersFor(state: Readonly<VaultState>, keyRefs: readonly string[]): EncryptedDataKey[] {
  return keyRefs.map((ref) => {
    const key = resolveKeyQuietly(state.keys, ref);
    if (!key || keySpecOf(key) !== 'AES_256') return wrappedKeyPlaceholder();
    return namedKeyPlaceholder(keyNaming(key, key.versions.at(-1)?.version ?? 1));
  });
}

/** How an unmatched EDK reads in an error: a Coffer key id, or another tool's namespace and key name. */
function edkLabel(edk: EncryptedDataKey): string {
  const reference = edkReference(edk);
  if (reference) return reference.keyId;
  const name = rawAesKeyName(edk) ?? edk.providerInfo.toString('utf8');
  return `namespace "${edk.providerId}" key name "${name.slice(0, 80)}"`;
}

/**
 * The data key from the first of `edks` that one of the vault's keys opens, each key version
 * tried once (a header that names one key many times costs one key use), a version the key does
 * not have never asked for; `tries` learns what was tried. Throws the most useful refusal.
 */
async function openFirst(
  state: Readonly<VaultState>,
  edks: readonly EncryptedDataKey[],
  contextBytes: Buffer,
  tries: Tries,
  useMaterial: CmkUse,
): Promise<Buffer> {
  const refusals: CofferError[] = [];
  const deleted: string[] = [];
  const unknown: string[] = [];
  const tried = new Set<string>();
  let missingVersion: CofferError | undefined;
  for (const edk of edks) {
    const match = matchEdk(state, edk);
    if (!match) {
      const reference = edkReference(edk);
      const tombstone = reference && state.deleted.find((d) => d.key_id === reference.keyId);
      if (tombstone) {
        deleted.push(
          `${tombstone.key_id} (alias "${tombstone.alias}", deleted on ${new Date(tombstone.deleted).toISOString().slice(0, 10)})`,
        );
      } else {
        unknown.push(edkLabel(edk));
      }
      continue;
    }
    const slot = `${match.key.key_id}:${match.version}`;
    if (tried.has(slot)) continue;
    tried.add(slot);
    // A version the key lacks is refused without asking the vault (a key awaiting its material is asked, and says so).
    if (match.key.versions.length > 0 && !match.key.versions.some((v) => v.version === match.version)) {
      missingVersion ??= new CofferError('KMS.0207', `Key ${match.key.key_id} has no version ${match.version}.`);
      continue;
    }
    tries.count += 1;
    tries.slots.push(slot);
    try {
      const dek = await useMaterial(
        match.key.key_id,
        (material) => {
          const opened =
            match.kind === 'aes'
              ? unwrapDataKey(material, edk, contextBytes)
              : Buffer.isBuffer(material)
                ? unwrapRsaDataKey(material, edk)
                : null;
          if (!opened) {
            throw new CofferError(
              'COFFER.2003',
              `The file's data key does not open with key ${match.key.key_id}: the header was altered, or it was wrapped under another key of that name.`,
            );
          }
          return opened;
        },
        match.version,
        { record: false },
      );
      tries.opened = match;
      return dek;
    } catch (error) {
      if (!(error instanceof CofferError)) throw error;
      refusals.push(error);
    }
  }
  // The most useful reason first: a key that could work if enabled, then damage, then loss.
  const usable = refusals.find((e) => e.code === 'KMS.0209' || e.code === 'KMS.0210' || e.code === 'COFFER.3001');
  if (usable) throw usable;
  if (refusals[0]) throw refusals[0];
  if (missingVersion) throw missingVersion;
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
      ? `No key in this vault can open this file: it was encrypted under ${named.join(', ')}. Open it with the vault that holds that key, restore that key from a backup, ` +
          "or import another tool's key with create-key --origin external --key-namespace NS --key-name NAME."
      : 'No key in this vault can open this file: it carries no key this vault could hold.',
  );
}

/**
 * The vault's CMKs as a keyring: each AES_256 key wraps a file's data key as a raw AES keyring
 * does, under Coffer's names or the other tool's names the key was created with; on decryption, RSA keys open raw RSA EDKs as the raw RSA keyring does. Every use is
 * audited by the vault. A CMK inside a key store's token wraps in the token (cmk-use.ts): its EDK
 * has the same layout and key name, so a header's size and shape do not depend on where the key
 * lives, and only the vault's record says which. The vault may still be opening (a keychain's answer takes tens of
 * milliseconds): a file's body is sealed meanwhile, and only wrapping and unwrapping wait for it.
 */
export function vaultKeyring(
  opening: Vault | Promise<Vault>,
  keyRefs: readonly string[],
  operation: string,
  job?: { files: number },
): VaultKeyring {
  const vaultReady = Promise.resolve(opening);
  vaultReady.catch(() => undefined); // awaited by every use
  const perJob = job ? jobMaterial(vaultReady, operation, job.files) : undefined;
  const useMaterial: CmkUse =
    perJob?.use ?? (async (ref, use, version, audit) => useCmk(await vaultReady, operation, ref, use, version, audit));
  const currentState = perJob?.state ?? (async () => (await vaultReady).refresh());
  // Known at once when the vault is open; else a file's body waits for its records (EDK sizes follow key names).
  let placeholders: EncryptedDataKey[] | Promise<EncryptedDataKey[]>;
  if (keyRefs.length === 0) placeholders = [];
  else if (opening instanceof Promise) {
    placeholders = vaultReady.then((vault) => placeholdersFor(vault.state, keyRefs));
    placeholders.catch(() => undefined); // the vault's refusal is the job's, reported by wrap
  } else placeholders = placeholdersFor(opening.state, keyRefs);
  const record = auditWriter(vaultReady);
  // Wrapping's one record was written when the job first asked for each key: a worker may wrap.
  const lendWrapKeys = (): LentWrapKey[] | null => {
    if (!perJob || keyRefs.length === 0) return null;
    const uses = keyRefs.map((ref) => perJob.settledUse(ref));
    if (uses.some((use) => use === undefined || keySpecOf(use.key) !== 'AES_256')) return null;
    return uses.map((use) => ({ material: Buffer.from(use!.material), naming: keyNaming(use!.key, use!.version) }));
  };
  return {
    description: keyRefs.length > 0 ? `vault key ${keyRefs.join(', ')}` : 'the vault',
    placeholders,
    // Any raw keyring's EDK may be one of this vault's keys (its own or another tool's names); AWS KMS's never is.
    claims: (edk) => edk.providerId !== 'aws-kms',
    release: () => perJob?.release(),
    async wrap(dek, contextBytes) {
      const edks: EncryptedDataKey[] = [];
      for (const ref of keyRefs) {
        edks.push(
          await useMaterial(ref, (material, key, version) => {
            if (keySpecOf(key) !== 'AES_256') {
              throw new CofferError(
                'COFFER.8003',
                `Key ${key.key_id} is an asymmetric ${keySpecOf(key)} key: files are encrypted under AES_256 keys. ` +
                  'To encrypt for the holder of an RSA key, add them as a contact and use --recipient.',
              );
            }
            // Coffer's own keys by the fixed-width "<key id>:v<version>"; another tool's by its namespace and name.
            return wrapDataKeyAs(material, keyNaming(key, version), dek, contextBytes);
          }),
        );
      }
      return edks;
    },

    /**
     * One audit record per file, whatever its header holds: which keys were tried on how many of
     * its EDKs (`edks_tried`), and the outcome. The key uses themselves are not recorded one by one.
     */
    // A worker may open a file itself with a key already held for the job: one of Coffer's own
    // AES keys (named by key id and version in its EDKs); its one record is written here.
    lendKeys: () =>
      (perJob?.settled() ?? [])
        .filter(({ key }) => keySpecOf(key) === 'AES_256' && key.key_namespace === undefined)
        .map(({ material, key, version }) => ({ keyId: key.key_id, version, material: Buffer.from(material) })),
    lendWrapKeys,
    async holdWrapKeys() {
      if (!perJob || keyRefs.length === 0) return null;
      await Promise.all(keyRefs.map((ref) => perJob.hold(ref)));
      return lendWrapKeys();
    },
    async recordLentUses(uses) {
      const held = perJob?.settled() ?? [];
      await Promise.all(
        uses.map(({ keyId, version }) => {
          const opened = held.find((h) => h.key.key_id === keyId && h.version === version);
          if (!opened) throw new CofferError('KMS.0101', `Key ${keyId} version ${version} was not lent for this job.`);
          const tries: Tries = { count: 1, slots: [`${keyId}:${version}`], opened: { key: opened.key, version, kind: 'aes' } };
          return record(fileRecord(operation, tries, null, job?.files));
        }),
      );
    },

    async unwrap(edks, contextBytes) {
      const state = await currentState();
      const tries: Tries = { count: 0, slots: [], opened: null };
      try {
        const dek = await openFirst(state, edks, contextBytes, tries, useMaterial);
        await record(fileRecord(operation, tries, null, job?.files));
        return dek;
      } catch (error) {
        if (!(error instanceof CofferError)) throw error;
        await record(fileRecord(operation, tries, error, job?.files));
        throw error;
      }
    },
  };
}
