import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { CofferError } from '../../../shared/errors.js';
import { appendAuditEvents } from './audit-log.js';
import type { SecretStore } from './keychain.js';
import { newRecoveryCode } from './recovery-code.js';
import type { VaultPaths } from './vault-paths.js';
import { VAULT_FORMAT, VAULT_FORMAT_VERSION, signVaultFile, type VaultFile } from './vault-file.js';
import { damagedMessage, saveVaultFile, vaultFileExists } from './vault-store.js';
import { VaultSubkeys } from './vault-subkeys.js';
import {
  newVmk,
  sealForRecovery,
  sealProtection,
  vmkCheck,
  type PassphraseSource,
  type ProtectionChoice,
} from './vault-unlock.js';

/**
 * How a vault comes to be and how its master key (VMK) is sealed: creating a vault, and sealing
 * the same VMK anew (a new passphrase, keychain <-> passphrase, recovery on a new machine).
 * The caller holds the vault lock.
 */

export const noPassphrase: PassphraseSource = () =>
  Promise.reject(
    new CofferError(
      'COFFER.1012',
      'This vault is protected by a passphrase: set COFFER_PASSPHRASE, pass --passphrase-file FILE, or run in a terminal to be asked.',
    ),
  );

export interface CreatedVault {
  file: VaultFile;
  keys: VaultSubkeys;
  vmk: Buffer;
  recoveryCode: string;
}

/** Writes a new vault: a random VMK sealed as chosen and under a new recovery code (returned once). */
export async function createVaultFile(
  paths: VaultPaths,
  secrets: SecretStore,
  now: number,
  choice: ProtectionChoice,
): Promise<CreatedVault> {
  if (await vaultFileExists(paths)) {
    throw new CofferError('COFFER.1002', `${paths.dir} already holds a vault: open it, or choose another folder with --vault.`);
  }
  const vaultId = randomUUID();
  const vmk = newVmk();
  const recovery = newRecoveryCode();
  const protection = await sealProtection(vmk, vaultId, choice, secrets);
  const keys = new VaultSubkeys(vmk, vaultId, (what) => damagedMessage(paths, what));
  try {
    const anchor = await appendAuditEvents(
      paths.audit,
      keys.audit,
      [{ operation: 'init', outcome: 'success', detail: `protection: ${protection.mode}` }],
      now,
    );
    const file = signVaultFile(keys.mac, {
      format: VAULT_FORMAT,
      format_version: VAULT_FORMAT_VERSION,
      vault_id: vaultId,
      created: now,
      protection,
      vmk_check: vmkCheck(vmk, vaultId),
      recovery: { sealed_vmk: sealForRecovery(vmk, vaultId, recovery.secret) },
      state: { generation: 1, updated: now, keys: [], deleted: [], audit_anchor: anchor },
    });
    await saveVaultFile(paths, file);
    return { file, keys, vmk, recoveryCode: recovery.code };
  } catch (error) {
    // Leave nothing half-made behind: no keychain entry or log for a vault that does not exist.
    if (protection.mode === 'keychain') await secrets.delete(protection.service, protection.account).catch(() => false);
    await fs.rm(paths.audit, { force: true });
    throw error instanceof CofferError
      ? error
      : new CofferError('COFFER.1014', `The vault could not be written to ${paths.dir}: ${(error as Error).message}.`);
  }
}

/**
 * Seals the same VMK anew (keychain or a new passphrase), records it, and saves. A passphrase
 * vault must not leave a copy of its master key in the keychain, so that entry is removed.
 */
export async function resealVaultFile(
  paths: VaultPaths,
  file: VaultFile,
  keys: VaultSubkeys,
  vmk: Buffer,
  choice: ProtectionChoice,
  secrets: SecretStore,
  now: number,
  operation: string,
): Promise<VaultFile> {
  const previousProtection = file.protection;
  const protection = await sealProtection(vmk, file.vault_id, choice, secrets);
  const anchor = await appendAuditEvents(
    paths.audit,
    keys.audit,
    [{ operation, outcome: 'success', detail: `protection: ${protection.mode}` }],
    now,
  );
  const { mac: _mac, ...unsigned } = file;
  const next = signVaultFile(keys.mac, {
    ...unsigned,
    protection,
    state: {
      ...file.state,
      generation: file.state.generation + 1,
      updated: now,
      audit_anchor: anchor ?? file.state.audit_anchor,
    },
  });
  await saveVaultFile(paths, next);
  if (protection.mode !== 'keychain' && previousProtection.mode === 'keychain') {
    await secrets.delete(previousProtection.service, previousProtection.account).catch(() => false);
  }
  return next;
}
