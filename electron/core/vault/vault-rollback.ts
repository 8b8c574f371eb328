import { promises as fs } from 'node:fs';
import { CofferError } from '../../../shared/errors.js';
import { appendAuditEvents } from './audit-log.js';
import type { KeyRecord } from './vault-file.js';
import type { SecretStore } from './keychain.js';
import type { VaultPaths } from './vault-paths.js';
import { withVaultLock } from './vault-lock.js';
import { readVaultFile, verifyWithVmk } from './vault-store.js';
import { unsealProtection, type PassphraseSource } from './vault-unlock.js';

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
): Promise<{ restored_generation: number; damaged_file_kept_as: string; dropped_keys: string[] }> {
  return withVaultLock(paths.dir, paths.lock, async () => {
    const previousPaths = { ...paths, vault: paths.previous };
    const previous = await readVaultFile(previousPaths);
    const vmk = await unsealProtection(previous, secrets, passphrase);
    const keys = verifyWithVmk(previousPaths, previous, vmk);
    const dropped = await keysOnlyInCurrent(paths, previous.state.keys);
    if (dropped.length > 0 && !options.force) {
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
      [{ operation: 'rollback', outcome: 'success', detail: `restored generation ${previous.state.generation}` }],
      clock(),
    );
    return { restored_generation: previous.state.generation, damaged_file_kept_as: aside, dropped_keys: dropped };
  });
}

/**
 * The keys and key versions the current file holds and the previous generation does not, named
 * for a person ("key ID (alias "A")", "key ID (alias "A") version 3"). A current file too damaged
 * to parse names nothing: that is the case rollback exists for.
 */
async function keysOnlyInCurrent(paths: VaultPaths, previousKeys: readonly KeyRecord[]): Promise<string[]> {
  const current = await readVaultFile(paths).catch(() => null);
  if (!current) return [];
  const before = new Map(previousKeys.map((key) => [key.key_id, new Set(key.versions.map((v) => v.version))]));
  const dropped: string[] = [];
  for (const key of current.state.keys) {
    const label = `key ${key.key_id} (alias "${key.alias}")`;
    const versions = before.get(key.key_id);
    if (!versions) dropped.push(label);
    else for (const v of key.versions) if (!versions.has(v.version)) dropped.push(`${label} version ${v.version}`);
  }
  return dropped;
}
