import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CofferError } from '../../../shared/errors.js';
import { deriveSubkey, openBox, sealBox } from './aes-gcm-box.js';
import { KEYCHAIN_SERVICE, type SecretStore } from './keychain.js';
import { assertPassphraseStrongEnough, deriveKeyFromPassphrase, newScryptParams } from './passphrase-kdf.js';
import { parseRecoveryCode } from './recovery-code.js';
import { sealToTpm, unsealFromTpm } from './tpm-sealing.js';
import type { Protection, VaultFile } from './vault-file.js';

/**
 * How a vault's master key (VMK) is sealed and recovered: in the OS keychain, under a
 * passphrase, and (always) under the recovery code shown once at init.
 */

export type ProtectionChoice = { mode: 'keychain' } | { mode: 'passphrase'; passphrase: string } | { mode: 'tpm' };

/** Asked only when the vault is in passphrase mode. */
export type PassphraseSource = () => Promise<string>;

export const VMK_BYTES = 32;

export function newVmk(): Buffer {
  return randomBytes(VMK_BYTES);
}

export function keychainAccount(vaultId: string): string {
  return `vault-${vaultId}`;
}

function vmkAad(vaultId: string, slot: 'passphrase' | 'recovery'): string {
  return `coffer/vmk|${vaultId}|${slot}`;
}

/** Lets Coffer tell "this VMK is not this vault's" from "this vault file was tampered with". */
export function vmkCheck(vmk: Buffer, vaultId: string): string {
  return createHmac('sha256', vmk).update(`coffer/vmk-check|${vaultId}`).digest('hex');
}

export function vmkMatches(vmk: Buffer, vaultId: string, check: string): boolean {
  const expected = Buffer.from(vmkCheck(vmk, vaultId), 'hex');
  const given = Buffer.from(check, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function sealForRecovery(vmk: Buffer, vaultId: string, codeSecret: Buffer): string {
  return sealBox(deriveSubkey(codeSecret, vaultId, 'coffer/recovery'), vmk, vmkAad(vaultId, 'recovery'));
}

export function openWithRecoveryCode(file: VaultFile, code: string): Buffer {
  const secret = parseRecoveryCode(code);
  const vmk = openBox(
    deriveSubkey(secret, file.vault_id, 'coffer/recovery'),
    file.recovery.sealed_vmk,
    vmkAad(file.vault_id, 'recovery'),
  );
  if (!vmk) throw new CofferError('COFFER.1009', 'That recovery code does not belong to this vault: check it letter by letter.');
  return vmk;
}

/**
 * Seals the VMK as the user chose. Keychain mode stores it and reads it back, so a keychain
 * that silently drops secrets is caught now rather than at the next start.
 */
export async function sealProtection(
  vmk: Buffer,
  vaultId: string,
  choice: ProtectionChoice,
  secrets: SecretStore,
): Promise<Protection> {
  if (choice.mode === 'passphrase') {
    assertPassphraseStrongEnough(choice.passphrase);
    const kdf = newScryptParams();
    const kek = await deriveKeyFromPassphrase(choice.passphrase, kdf);
    return { mode: 'passphrase', kdf, sealed_vmk: sealBox(kek, vmk, vmkAad(vaultId, 'passphrase')) };
  }
  if (choice.mode === 'tpm') {
    const sealed = await sealToTpm(vmk);
    // Read back at once, as the keychain is: a TPM that seals but cannot unseal is caught now.
    const readBack = await unsealFromTpm(sealed);
    if (!readBack.equals(vmk)) {
      throw new CofferError(
        'COFFER.9021',
        'The TPM sealed the vault master key but gave back something else: nothing was written.',
      );
    }
    return { mode: 'tpm', sealed_vmk: sealed };
  }
  const account = keychainAccount(vaultId);
  const encoded = vmk.toString('base64');
  await secrets.set(KEYCHAIN_SERVICE, account, encoded);
  const readBack = await secrets.get(KEYCHAIN_SERVICE, account);
  if (readBack !== encoded) {
    throw new CofferError(
      'COFFER.1003',
      'The OS keychain accepted the vault master key but did not give it back. ' +
        'Unlock your keyring and try again, or use `coffer init --passphrase`.',
    );
  }
  return { mode: 'keychain', service: KEYCHAIN_SERVICE, account };
}

/** Gets the VMK back from wherever the vault's protection says it is. */
export async function unsealProtection(file: VaultFile, secrets: SecretStore, passphrase: PassphraseSource): Promise<Buffer> {
  const protection = file.protection;
  if (protection.mode === 'passphrase') {
    const kek = await deriveKeyFromPassphrase(await passphrase(), protection.kdf);
    const vmk = openBox(kek, protection.sealed_vmk, vmkAad(file.vault_id, 'passphrase'));
    if (!vmk) {
      throw new CofferError(
        'COFFER.1005',
        'The passphrase is wrong. If it is lost, `coffer recover --recovery-code CODE --passphrase` sets a new one with the recovery code.',
      );
    }
    return vmk;
  }
  if (protection.mode === 'tpm') {
    const vmk = await unsealFromTpm(protection.sealed_vmk);
    if (vmk.length !== VMK_BYTES) {
      throw new CofferError(
        'COFFER.9021',
        'The TPM unsealed something that is not a Coffer master key: run `coffer recover --recovery-code CODE`.',
      );
    }
    return vmk;
  }
  const stored = await secrets.get(protection.service, protection.account);
  if (stored === null) {
    throw new CofferError(
      'COFFER.1004',
      `The OS keychain gave no master key for this vault (service "${protection.service}", account "${protection.account}"): ` +
        'either the keyring is locked and could not be unlocked (unlock it, for example by logging in to the desktop, and try again), ' +
        'or the entry is gone (another machine, a reset keyring): then run `coffer recover --recovery-code CODE` to seal the vault under this keychain.',
    );
  }
  const vmk = Buffer.from(stored, 'base64');
  if (vmk.length !== VMK_BYTES) {
    throw new CofferError(
      'COFFER.1015',
      `The keychain entry "${protection.account}" does not hold a Coffer master key. Run \`coffer recover --recovery-code CODE\` to restore it.`,
    );
  }
  return vmk;
}
