import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CofferError, toErrorValue } from '../../shared/errors.js';
import type { VaultStatus } from '../../shared/ipc-contract.js';
import type { SecretStore } from '../core/vault/keychain.js';
import { cleanUpAfterOpen } from '../core/kms/token-key-cleanup.js';
import { VAULT_FILE } from '../core/vault/vault-paths.js';
import { Vault, type VaultEnvironment } from '../core/vault/vault.js';

/**
 * The app's one open vault: none yet, locked (a passphrase vault waits for vault:unlock, or a
 * keychain vault that failed to open, with the reason), or unlocked. Every handler that needs
 * keys asks `unlocked()`, which refuses with COFFER.4002 until then.
 */
export class VaultSession {
  private vault: Vault | null = null;
  private problem: CofferError | null = null;
  /** PINs of key stores that keep none, given in Settings: in memory, for this session only. */
  private readonly pins = new Map<string, string>();

  constructor(
    readonly dir: string,
    private readonly secrets?: SecretStore,
  ) {}

  /** Holds a key store's PIN for this session (a store that keeps none asks once, in Settings). */
  holdPin(keyStoreAlias: string, pin: string): void {
    this.pins.set(keyStoreAlias, pin);
  }

  forgetPin(keyStoreAlias: string): void {
    this.pins.delete(keyStoreAlias);
  }

  env(passphrase?: string): VaultEnvironment {
    return {
      dir: this.dir,
      tokenPin: async (store) => {
        const pin = this.pins.get(store.alias);
        if (pin === undefined) {
          throw new CofferError(
            'COFFER.9011',
            `Key store ${store.alias} keeps no PIN: enter the PIN of token "${store.tokenLabel}" in Settings → Key stores, then try again.`,
          );
        }
        return pin;
      },
      ...(this.secrets ? { secrets: this.secrets } : {}),
      ...(passphrase !== undefined ? { passphrase: () => Promise.resolve(passphrase) } : {}),
    };
  }

  get isUnlocked(): boolean {
    return this.vault !== null;
  }

  /** Holds a vault just created or unlocked. */
  hold(vault: Vault): void {
    this.vault = vault;
    this.problem = null;
  }

  unlocked(): Vault {
    if (!this.vault) {
      throw new CofferError('COFFER.4002', this.problem?.message ?? 'The vault is locked: unlock it with its passphrase first.');
    }
    return this.vault;
  }

  private async exists(): Promise<boolean> {
    return fs.stat(join(this.dir, VAULT_FILE)).then(
      () => true,
      () => false,
    );
  }

  private async protectionMode(): Promise<'keychain' | 'passphrase' | 'tpm' | null> {
    try {
      const file = JSON.parse(await fs.readFile(join(this.dir, VAULT_FILE), 'utf8')) as {
        protection?: { mode?: unknown };
      };
      const mode = file.protection?.mode;
      return mode === 'keychain' || mode === 'passphrase' || mode === 'tpm' ? mode : null;
    } catch {
      return null;
    }
  }

  /** Opens a keychain vault at once; a passphrase vault waits for its passphrase. */
  async tryOpen(): Promise<void> {
    this.problem = null;
    if (!(await this.exists()) || (await this.protectionMode()) === 'passphrase') return;
    try {
      this.vault = await Vault.open(this.env());
      await cleanUpAfterOpen(this.vault);
    } catch (error) {
      this.problem = error instanceof CofferError ? error : new CofferError('KMS.0101', String(error));
    }
  }

  async status(): Promise<VaultStatus> {
    const exists = await this.exists();
    return {
      state: !exists ? 'none' : this.vault ? 'unlocked' : 'locked',
      protection: exists ? await this.protectionMode() : null,
      vault_dir: this.dir,
      vault_id: this.vault?.vaultId ?? null,
      problem: this.problem ? toErrorValue(this.problem) : null,
    };
  }
}
