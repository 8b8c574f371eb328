import { promises as fs } from 'node:fs';
import { CofferError } from '../../../shared/errors.js';
import { appendAuditEvents } from './audit-log.js';
import type { KeyRecord, VaultFile } from './vault-file.js';
import type { SecretStore } from './keychain.js';
import type { VaultPaths } from './vault-paths.js';
import { withVaultLock } from './vault-lock.js';
import { readVaultFile, verifyWithVmk } from './vault-store.js';
import type { VaultSubkeys } from './vault-subkeys.js';
import { unsealProtection, type PassphraseSource } from './vault-unlock.js';

/** A key, or one version of it, that the current vault file holds and an older generation lacks. */
export interface LostKey {
  key_id: string;
  alias: string;
  /** Null: the whole key is missing; else the one version missing. */
  version: number | null;
}

/** A generation the vault can go back to, and what going back would lose. */
export interface RollbackGeneration {
  generation: number;
  /** When that generation was saved (ISO 8601). */
  saved: string;
  lost_keys: LostKey[];
}

export interface RollbackResult {
  restored_generation: number;
  damaged_file_kept_as: string;
  dropped_keys: string[];
}

/** "key ID (alias "A")", "key ID (alias "A") version 3". */
export function lostKeyLabel(key: LostKey): string {
  return `key ${key.key_id} (alias "${key.alias}")${key.version === null ? '' : ` version ${key.version}`}`;
}

/**
 * The generations the vault can roll back to: the previous one (vault.previous.json), checked
 * under the open vault's master key, with the keys it lacks. Empty when there is none.
 */
export async function rollbackGenerations(paths: VaultPaths, vmk: Buffer): Promise<RollbackGeneration[]> {
  const previousPaths = { ...paths, vault: paths.previous };
  const previous = await readVaultFile(previousPaths).catch((error: unknown) => {
    if (error instanceof CofferError && error.code === 'COFFER.1001') return null;
    throw error;
  });
  if (!previous) return [];
  verifyWithVmk(previousPaths, previous, vmk);
  return [
    {
      generation: previous.state.generation,
      saved: new Date(previous.state.updated).toISOString(),
      lost_keys: await keysOnlyInCurrent(paths, previous.state.keys),
    },
  ];
}

/**
 * Puts the previous generation back after the current file was damaged. The damaged file is
 * kept aside (never deleted), and the previous one must verify under the vault's master key.
 */
export async function rollbackVault(
  paths: VaultPaths,
  secrets: SecretStore,
  passphrase: PassphraseSource,
  clock: () => number,
  options: { force?: boolean } = {},
): Promise<RollbackResult> {
  return withVaultLock(paths.dir, paths.lock, async () => {
    const previousPaths = { ...paths, vault: paths.previous };
    const previous = await readVaultFile(previousPaths);
    const vmk = await unsealProtection(previous, secrets, passphrase);
    return restorePrevious(paths, previous, verifyWithVmk(previousPaths, previous, vmk), clock, options.force === true);
  });
}

/**
 * Rollback from the app: the open vault's master key checks the previous generation, which must
 * be `generation` (the one the user was shown), so no passphrase is asked again.
 */
export async function rollbackWithMasterKey(
  paths: VaultPaths,
  vmk: Buffer,
  clock: () => number,
  options: { generation: number; force: boolean },
): Promise<RollbackResult> {
  return withVaultLock(paths.dir, paths.lock, async () => {
    const previousPaths = { ...paths, vault: paths.previous };
    const previous = await readVaultFile(previousPaths);
    if (previous.state.generation !== options.generation) {
      throw new CofferError(
        'COFFER.1020',
        `The vault can roll back to generation ${previous.state.generation}, not ${options.generation}: the vault changed meanwhile. Look at the generations again.`,
      );
    }
    return restorePrevious(paths, previous, verifyWithVmk(previousPaths, previous, vmk), clock, options.force);
  });
}

/** Under the lock: refuses to drop keys unless forced, keeps the current file aside, and puts the previous one back. */
async function restorePrevious(
  paths: VaultPaths,
  previous: VaultFile,
  keys: VaultSubkeys,
  clock: () => number,
  force: boolean,
): Promise<RollbackResult> {
  const dropped = (await keysOnlyInCurrent(paths, previous.state.keys)).map(lostKeyLabel);
  if (dropped.length > 0 && !force) {
    throw new CofferError(
      'COFFER.1019',
      `Generation ${previous.state.generation} lacks ${dropped.join('; ')}: rolling back would lose ${dropped.length === 1 ? 'it' : 'them'}, ` +
        'and every file encrypted under them. Back up or export what you can first, then run rollback again with --force to drop them.',
    );
  }
  const aside = `${paths.vault.slice(0, -'.json'.length)}.damaged-${new Date(clock()).toISOString().replace(/[:.]/g, '-')}.json`;
  await fs.rename(paths.vault, aside).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await fs.copyFile(paths.previous, paths.vault);
  await appendAuditEvents(
    paths.audit,
    keys.audit,
    [
      {
        operation: 'rollback',
        outcome: 'success',
        detail: `restored generation ${previous.state.generation}${dropped.length > 0 ? `; dropped ${dropped.length} key(s) or version(s)` : ''}`,
      },
    ],
    clock(),
  );
  return { restored_generation: previous.state.generation, damaged_file_kept_as: aside, dropped_keys: dropped };
}

/**
 * The keys and key versions the current file holds and the previous generation does not. A
 * current file too damaged to parse names nothing: that is the case rollback exists for.
 */
async function keysOnlyInCurrent(paths: VaultPaths, previousKeys: readonly KeyRecord[]): Promise<LostKey[]> {
  const current = await readVaultFile(paths).catch(() => null);
  if (!current) return [];
  const before = new Map(previousKeys.map((key) => [key.key_id, new Set(key.versions.map((v) => v.version))]));
  const lost: LostKey[] = [];
  for (const key of current.state.keys) {
    const versions = before.get(key.key_id);
    if (!versions) lost.push({ key_id: key.key_id, alias: key.alias, version: null });
    else
      for (const v of key.versions)
        if (!versions.has(v.version)) lost.push({ key_id: key.key_id, alias: key.alias, version: v.version });
  }
  return lost;
}
