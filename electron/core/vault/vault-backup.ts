import { promises as fs } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { CofferError } from '../../../shared/errors.js';
import { readBackup, writeBackup, type BackupKey } from './backup-file.js';
import { sealedMaterial } from './vault-file.js';
import type { VaultChange } from './vault-transaction.js';

/** What backup and restore need of an open vault: its transactions, its id and its clock. */
export interface BackupHost {
  readonly vaultId: string;
  now(): number;
  mutate<T>(operation: string, change: VaultChange<T>): Promise<T>;
}

/** Every key with every version's material, sealed under a backup passphrase. */
export async function backupVault(
  vault: BackupHost,
  passphrase: string,
): Promise<{ text: string; keyCount: number; versionCount: number }> {
  const keys = await vault.mutate('backup', (draft, context) => {
    // A token key's material stays in its token: backups hold the vault's own keys.
    const exported: BackupKey[] = draft.keys
      .filter((key) => key.key_store_id === undefined)
      .map((key) => ({
        ...structuredClone(key),
        // Pending import parameters are sealed under this vault only; a restored key asks anew.
        ...(key.import ? { import: { ...key.import, pending: null } } : {}),
        versions: key.versions.map((v) => ({
          ...v,
          material: context.openMaterial(key.key_id, v.version, sealedMaterial(key, v)).toString('base64'),
        })),
      }));
    return {
      result: exported,
      events: exported.map((key) => ({
        operation: 'backup',
        key_id: key.key_id,
        key_version: key.versions.at(-1)?.version ?? null,
        outcome: 'success' as const,
      })),
    };
  });
  const text = await writeBackup(keys, passphrase, vault.vaultId, vault.now());
  return { text, keyCount: keys.length, versionCount: keys.reduce((n, k) => n + k.versions.length, 0) };
}

/**
 * Imports every key of a backup in one atomic save. Keys that already exist are refused
 * (nothing is imported) unless `force`, which replaces them; an alias held by a different
 * key is always refused.
 */
export async function restoreVault(
  vault: BackupHost,
  backupText: string,
  passphrase: string,
  force: boolean,
): Promise<{ restored: string[]; replaced: string[] }> {
  const keys = await readBackup(backupText, passphrase);
  return vault.mutate('restore', (draft, context) => {
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
    const restoredIds = new Set(keys.map((k) => k.key_id));
    draft.keys = draft.keys.filter((d) => !restoredIds.has(d.key_id));
    draft.deleted = draft.deleted.filter((d) => !restoredIds.has(d.key_id));
    for (const key of keys) {
      draft.keys.push({
        ...key,
        versions: key.versions.map((v) => ({
          ...v,
          material: context.sealMaterial(key.key_id, v.version, Buffer.from(sealedMaterial(key, v), 'base64')),
        })),
      });
    }
    return {
      result: { restored: keys.map((k) => k.key_id), replaced: existing.map((k) => k.key_id) },
      events: keys.map((k) => ({
        operation: 'restore',
        key_id: k.key_id,
        key_version: k.versions.at(-1)?.version ?? null,
        outcome: 'success' as const,
      })),
    };
  });
}

/** Writes a backup file; an existing file is never replaced. */
export async function backupVaultTo(
  vault: BackupHost,
  path: string,
  passphrase: string,
): Promise<{ backup: string; keys: number; key_versions: number }> {
  if (
    await fs.access(path).then(
      () => true,
      () => false,
    )
  ) {
    throw new CofferError('COFFER.1017', `${path} already exists: choose a new file name for the backup.`);
  }
  const { text, keyCount, versionCount } = await backupVault(vault, passphrase);
  await writeFileAtomic(path, text, { mode: 0o600, fsync: true });
  return { backup: path, keys: keyCount, key_versions: versionCount };
}

export async function restoreVaultFrom(
  vault: BackupHost,
  path: string,
  passphrase: string,
  force: boolean,
): Promise<{ restored: string[]; replaced: string[] }> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    throw new CofferError('COFFER.1018', `The backup file ${path} cannot be read: ${(error as Error).message}.`);
  }
  return restoreVault(vault, text, passphrase, force);
}
