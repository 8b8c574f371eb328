import { promises as fs } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { CofferError } from '../../../shared/errors.js';
import type { BackupFileSummary, RestoreResult } from '../../../shared/kms-responses.js';
import type { AuditEvent } from './audit-log.js';
import { openBackup, writeBackup, type BackupContents, type BackupKey, type BackupKeyStore } from './backup-file.js';
import { keyStorePinLabel, restoredKeyStorePinAccount } from './key-store-pin.js';
import { KEYCHAIN_SERVICE, type SecretStore } from './keychain.js';
import {
  sealedMaterial,
  type Contact,
  type KeyRecord,
  type KeyStorePin,
  type KeyStoreRecord,
  type Protection,
  type VaultState,
} from './vault-file.js';
import type { MutationContext, VaultChange } from './vault-transaction.js';

/** What backup and restore need of an open vault: its transactions, its id, its clock, and where PINs are kept. */
export interface BackupHost {
  readonly vaultId: string;
  readonly protectionMode: Protection['mode'];
  /** The keychain a keychain vault keeps its key stores' PINs in. */
  readonly keychain: SecretStore;
  now(): number;
  refresh(): Promise<Readonly<VaultState>>;
  mutate<T>(operation: string, change: VaultChange<T>): Promise<T>;
}

export interface BackupSummary {
  text: string;
  keyCount: number;
  versionCount: number;
  contactCount: number;
  keyStoreCount: number;
  /** Key stores whose PIN the backup does not carry (asked each time, or missing from the keychain): asked for after a restore. */
  keyStoresWithoutPin: string[];
}

/** A key for the backup: a vault key's versions with their material opened, a token key's references as they are. */
function exportKey(key: KeyRecord, context: MutationContext): BackupKey {
  return {
    ...structuredClone(key),
    // Pending import parameters are sealed under this vault only; a restored key asks anew.
    ...(key.import ? { import: { ...key.import, pending: null } } : {}),
    versions: key.versions.map((v) =>
      v.token_object
        ? { ...v }
        : { ...v, material: context.openMaterial(key.key_id, v.version, sealedMaterial(key, v)).toString('base64') },
    ),
  };
}

/** A key store for the backup, its PIN in the clear for the sealed payload (or null: asked each time). */
function exportKeyStore(
  store: KeyStoreRecord,
  context: MutationContext,
  keychainPins: Map<string, string | null>,
): BackupKeyStore {
  const { pin: kept, ...location } = store;
  let pin: string | null = null;
  if (kept.mode === 'keychain') pin = keychainPins.get(store.key_store_id) ?? null;
  if (kept.mode === 'sealed') {
    const opened = context.openSecret(keyStorePinLabel(store.key_store_id), kept.box);
    if (!opened) throw new CofferError('COFFER.1007', `The sealed PIN of key store ${store.alias} does not authenticate.`);
    pin = opened.toString('utf8');
  }
  return { ...structuredClone(location), pin };
}

/**
 * Every key (a vault key with every version's material; a token key as its references, its
 * material staying in the token), every contact and every key store with its PIN, sealed under a
 * backup passphrase.
 */
export async function backupVault(vault: BackupHost, passphrase: string): Promise<BackupSummary> {
  // The keychain is asked outside the vault's lock (a transaction's change is synchronous).
  const keychainPins = new Map<string, string | null>();
  for (const store of (await vault.refresh()).key_stores ?? []) {
    if (store.pin.mode === 'keychain') {
      keychainPins.set(store.key_store_id, await vault.keychain.get(store.pin.service, store.pin.account));
    }
  }
  const contents = await vault.mutate('backup', (draft, context) => {
    const exported: BackupContents = {
      keys: draft.keys.map((key) => exportKey(key, context)),
      contacts: structuredClone(draft.contacts ?? []),
      keyStores: (draft.key_stores ?? []).map((store) => exportKeyStore(store, context, keychainPins)),
    };
    const events: AuditEvent[] = exported.keys.map((key) => ({
      operation: 'backup',
      key_id: key.key_id,
      key_version: key.versions.at(-1)?.version ?? null,
      outcome: 'success' as const,
      ...(key.key_store_id !== undefined ? { detail: 'token key: references only, its material stays in the token' } : {}),
    }));
    if (exported.contacts.length > 0 || exported.keyStores.length > 0) {
      events.push({
        operation: 'backup',
        outcome: 'success',
        detail: `${exported.contacts.length} contact(s), ${exported.keyStores.length} key store(s): ${exported.keyStores
          .map((s) => `${s.alias} (PIN ${s.pin === null ? 'not carried' : 'carried, sealed'})`)
          .join(', ')}`,
      });
    }
    return { result: exported, events };
  });
  const text = await writeBackup(contents, passphrase, vault.vaultId, vault.now());
  return {
    text,
    keyCount: contents.keys.length,
    versionCount: contents.keys.reduce((n, k) => n + k.versions.length, 0),
    contactCount: contents.contacts.length,
    keyStoreCount: contents.keyStores.length,
    keyStoresWithoutPin: contents.keyStores.filter((s) => s.pin === null).map((s) => s.alias),
  };
}

export type { RestoreResult };

function sameContact(a: Contact, b: Contact): boolean {
  return a.public_key === b.public_key && a.key_namespace === b.key_namespace && a.key_name === b.key_name;
}

/**
 * Contacts merge by name: one that is not here is added, one that is here with the same public
 * key stays as it is, one whose name holds a different key here is refused unless `force`, which
 * replaces it. Contacts only in this vault are kept.
 */
function mergeContacts(draft: VaultState, contacts: readonly Contact[], force: boolean): { added: string[]; replaced: string[] } {
  const here = draft.contacts ?? [];
  const differing = contacts.filter((c) => here.some((h) => h.name === c.name && !sameContact(h, c)));
  if (differing.length > 0 && !force) {
    throw new CofferError(
      'COFFER.1026',
      `The backup's contact(s) ${differing
        .slice(0, 5)
        .map((c) => `"${c.name}"`)
        .join(', ')} have a different public key than the contact of that name here. Nothing was restored; ` +
        "add --force to replace them with the backup's, or remove or rename them here first.",
    );
  }
  const added = contacts.filter((c) => !here.some((h) => h.name === c.name));
  draft.contacts = [...here.filter((h) => !differing.some((c) => c.name === h.name)), ...differing, ...added].map((c) =>
    structuredClone(c),
  );
  if (draft.contacts.length === 0 && here.length === 0) delete draft.contacts;
  return { added: added.map((c) => c.name), replaced: differing.map((c) => c.name) };
}

/**
 * Key stores merge by id: a store this vault already has keeps this vault's settings (module
 * path, PIN); a new one is added, its PIN protected as this vault protects PINs (the keychain
 * entry written before, in `keychainWritten`; sealed under the vault; or asked each time); a new
 * store whose alias names another store here is refused.
 */
function mergeKeyStores(
  draft: VaultState,
  stores: readonly BackupKeyStore[],
  context: MutationContext,
  keychainWritten: ReadonlySet<string>,
  { protectionMode, vaultId }: { protectionMode: Protection['mode']; vaultId: string },
): { added: string[]; kept: string[]; asking: string[] } {
  const result = { added: [] as string[], kept: [] as string[], asking: [] as string[] };
  const here = draft.key_stores ?? [];
  for (const store of stores) {
    if (here.some((h) => h.key_store_id === store.key_store_id)) {
      result.kept.push(store.alias);
      continue;
    }
    const owner = here.find((h) => h.alias === store.alias);
    if (owner) {
      throw new CofferError(
        'COFFER.1025',
        `The backup's key store "${store.alias}" (token "${store.token_label}", serial ${store.token_serial}) has the alias of ` +
          `another key store here (token "${owner.token_label}", serial ${owner.token_serial}). Nothing was restored; ` +
          'delete or rename that key store first.',
      );
    }
    const { pin: given, ...location } = store;
    let pin: KeyStorePin = { mode: 'ask' };
    if (given !== null && protectionMode === 'keychain' && keychainWritten.has(store.key_store_id)) {
      pin = { mode: 'keychain', service: KEYCHAIN_SERVICE, account: restoredKeyStorePinAccount(store.key_store_id, vaultId) };
    } else if (given !== null && protectionMode !== 'keychain') {
      pin = { mode: 'sealed', box: context.sealSecret(keyStorePinLabel(store.key_store_id), Buffer.from(given, 'utf8')) };
    }
    here.push({ ...structuredClone(location), pin });
    result.added.push(store.alias);
    if (pin.mode === 'ask') result.asking.push(store.alias);
  }
  if (here.length > 0) draft.key_stores = here;
  return result;
}

/**
 * Imports a backup in one atomic save: its keys, contacts and key stores. Keys that already exist
 * are refused (nothing is imported) unless `force`, which replaces them; an alias held by a
 * different key is always refused. Contacts and key stores merge as mergeContacts and
 * mergeKeyStores say.
 */
export async function restoreVault(
  vault: BackupHost,
  backupText: string,
  passphrase: string,
  force: boolean,
): Promise<RestoreResult> {
  const { keys, contacts, keyStores } = await openBackup(backupText, passphrase);
  // A keychain vault's PINs go to the keychain first (outside the lock); undone if the restore is refused.
  const keychainWritten = new Set<string>();
  if (vault.protectionMode === 'keychain') {
    const known = new Set(((await vault.refresh()).key_stores ?? []).map((s) => s.key_store_id));
    for (const store of keyStores) {
      if (store.pin === null || known.has(store.key_store_id)) continue;
      await vault.keychain.set(KEYCHAIN_SERVICE, restoredKeyStorePinAccount(store.key_store_id, vault.vaultId), store.pin);
      keychainWritten.add(store.key_store_id);
    }
  }
  const settledStoreIds = new Set<string>();
  try {
    return await vault.mutate('restore', (draft, context) => {
      const existing = keys.filter((k) => draft.keys.some((d) => d.key_id === k.key_id));
      if (existing.length > 0 && !force) {
        throw new CofferError(
          'COFFER.1011',
          `The backup holds ${existing.length} key(s) that already exist in this vault (${existing
            .slice(0, 5)
            .map((k) => k.key_id)
            .join(', ')}${existing.length > 5 ? ', ...' : ''}). Nothing was restored; add --force to replace them.`,
        );
      }
      for (const key of keys) {
        const owner = draft.keys.find((d) => d.alias === key.alias && d.key_id !== key.key_id);
        if (owner && !keys.some((k) => k.key_id === owner.key_id)) {
          throw new CofferError(
            'KMS.1104',
            `The backup's key ${key.key_id} has the alias "${key.alias}", which names key ${owner.key_id} here. Nothing was restored; rename that key first.`,
          );
        }
      }
      const stores = mergeKeyStores(draft, keyStores, context, keychainWritten, vault);
      for (const store of keyStores) settledStoreIds.add(store.key_store_id);
      const people = mergeContacts(draft, contacts, force);
      const restoredIds = new Set(keys.map((k) => k.key_id));
      draft.keys = draft.keys.filter((d) => !restoredIds.has(d.key_id));
      draft.deleted = draft.deleted.filter((d) => !restoredIds.has(d.key_id));
      for (const key of keys) {
        draft.keys.push({
          ...key,
          versions: key.versions.map((v) =>
            v.token_object
              ? { ...v }
              : {
                  ...v,
                  material: context.sealMaterial(key.key_id, v.version, Buffer.from(sealedMaterial(key, v), 'base64')),
                },
          ),
        });
      }
      const events: AuditEvent[] = keys.map((k) => ({
        operation: 'restore',
        key_id: k.key_id,
        key_version: k.versions.at(-1)?.version ?? null,
        outcome: 'success' as const,
        ...(k.key_store_id !== undefined ? { detail: 'token key: references restored, its material is in the token' } : {}),
      }));
      for (const alias of stores.added) {
        const store = keyStores.find((s) => s.alias === alias)!;
        events.push({
          operation: 'restore-key-store',
          outcome: 'success',
          detail: `key store ${alias}: token "${store.token_label}" serial ${store.token_serial}, PIN ${stores.asking.includes(alias) ? 'ask' : vault.protectionMode === 'keychain' ? 'keychain' : 'sealed'}`,
        });
      }
      for (const name of [...people.added, ...people.replaced]) {
        const contact = contacts.find((c) => c.name === name)!;
        events.push({
          operation: 'restore-contact',
          outcome: 'success',
          detail: `${name} ${contact.fingerprint}${people.replaced.includes(name) ? ' (replaced)' : ''}`,
        });
      }
      return {
        result: {
          restored: keys.map((k) => k.key_id),
          replaced: existing.map((k) => k.key_id),
          contacts_added: people.added,
          contacts_replaced: people.replaced,
          key_stores_added: stores.added,
          key_stores_kept: stores.kept,
          key_stores_asking_pin: stores.asking,
        },
        events,
      };
    });
  } finally {
    // PINs written for stores the restore did not add (it was refused) go again; a store found
    // here meanwhile (another process restored it) keeps the entry.
    for (const id of keychainWritten) {
      if (!settledStoreIds.has(id))
        await vault.keychain.delete(KEYCHAIN_SERVICE, restoredKeyStorePinAccount(id, vault.vaultId)).catch(() => false);
    }
  }
}

export type { BackupFileSummary };

/** Writes a backup file; an existing file is never replaced. */
export async function backupVaultTo(vault: BackupHost, path: string, passphrase: string): Promise<BackupFileSummary> {
  if (
    await fs.access(path).then(
      () => true,
      () => false,
    )
  ) {
    throw new CofferError('COFFER.1017', `${path} already exists: choose a new file name for the backup.`);
  }
  const made = await backupVault(vault, passphrase);
  await writeFileAtomic(path, made.text, { mode: 0o600, fsync: true });
  return {
    backup: path,
    keys: made.keyCount,
    key_versions: made.versionCount,
    contacts: made.contactCount,
    key_stores: made.keyStoreCount,
    key_stores_without_pin: made.keyStoresWithoutPin,
  };
}

export async function restoreVaultFrom(
  vault: BackupHost,
  path: string,
  passphrase: string,
  force: boolean,
): Promise<RestoreResult> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    throw new CofferError('COFFER.1018', `The backup file ${path} cannot be read: ${(error as Error).message}.`);
  }
  return restoreVault(vault, text, passphrase, force);
}
