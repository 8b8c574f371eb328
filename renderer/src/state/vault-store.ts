import { create } from 'zustand';
import type { VaultStatus } from '../../../shared/ipc-contract.js';
import { call, messageOf } from '../bridge.js';

/** The vault session: none, locked or unlocked; first-run creation and passphrase unlock. */
interface VaultState {
  status: VaultStatus | null;
  error: string | null;
  /** Shown once after creation, until the user confirms they kept it. */
  recoveryCode: string | null;
  load(): Promise<void>;
  create(protection: 'keychain' | 'passphrase' | 'tpm', passphrase?: string): Promise<void>;
  unlock(passphrase: string): Promise<boolean>;
  confirmRecoveryCodeKept(): void;
}

export const useVaultStore = create<VaultState>((set, get) => ({
  status: null,
  error: null,
  recoveryCode: null,
  async load() {
    try {
      set({ status: await call('vault:status', {}), error: null });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
  async create(protection, passphrase) {
    try {
      const created = await call('vault:create', { protection, ...(passphrase !== undefined ? { passphrase } : {}) });
      set({ recoveryCode: created.recovery_code, error: null });
      await get().load();
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
  async unlock(passphrase) {
    try {
      set({ status: await call('vault:unlock', { passphrase }), error: null });
      return true;
    } catch (error) {
      set({ error: messageOf(error) });
      return false;
    }
  },
  confirmRecoveryCodeKept() {
    set({ recoveryCode: null });
  },
}));
