import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { VaultFile } from './vault-file.js';
import { vmkMatches } from './vault-unlock.js';

/**
 * An opt-in holder of a passphrase vault's master key (VMK) for a while, so commands in that time
 * skip the passphrase and its key derivation (`coffer agent start --cache-passphrase SECONDS`).
 * The vault asks it before deriving the key and offers it the key after; a key that does not
 * unlock the vault as it is on disk now is never used.
 */
export interface MasterKeyCache {
  /** The VMK held for the vault in `dir`, or null. The caller owns (and wipes) the buffer. */
  get(dir: string): Promise<Buffer | null>;
  /** Offers the VMK just derived for the vault in `dir`; the holder decides whether to keep it. */
  put(dir: string, vmk: Buffer): Promise<void>;
  /** Drops what is held for `dir` (its protection changed). */
  forget(dir: string): Promise<void>;
}

/**
 * What a held key is valid for: this vault, sealed exactly this way. A new passphrase (new salt
 * and sealed key), another protection mode or another vault in the folder all change it.
 */
export function protectionFingerprint(file: VaultFile): string {
  return createHash('sha256')
    .update(canonicalJson({ vault_id: file.vault_id, vmk_check: file.vmk_check, protection: file.protection }))
    .digest('hex');
}

/** Only passphrase vaults are cached: the others unlock without a derivation to save. */
export function isCacheable(file: VaultFile): boolean {
  return file.protection.mode === 'passphrase';
}

/** Whether `vmk` is the master key of the vault as this file describes it. */
export function unlocks(file: VaultFile, vmk: Buffer): boolean {
  return vmkMatches(vmk, file.vault_id, file.vmk_check);
}
