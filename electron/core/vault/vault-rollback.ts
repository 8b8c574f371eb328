import { promises as fs } from 'node:fs';
import { appendAuditEvents } from './audit-log.js';
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
): Promise<{ restored_generation: number; damaged_file_kept_as: string }> {
  return withVaultLock(paths.dir, paths.lock, async () => {
    const previousPaths = { ...paths, vault: paths.previous };
    const previous = await readVaultFile(previousPaths);
    const vmk = await unsealProtection(previous, secrets, passphrase);
    const keys = verifyWithVmk(previousPaths, previous, vmk);
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
    return { restored_generation: previous.state.generation, damaged_file_kept_as: aside };
  });
}
