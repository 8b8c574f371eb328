import { promises as fs } from 'node:fs';
import { CofferError } from '../../../shared/errors.js';
import { appendAuditEventsAfter, readAuditLog, type AuditEvent, type AuditTail, type AuditVerification } from './audit-log.js';
import { osKeychain, type SecretStore } from './keychain.js';
import { hasDueMaintenance } from './key-lifecycle.js';
import { isCacheable, unlocks, type MasterKeyCache } from './master-key-cache.js';
import { vaultPaths, type VaultPaths } from './vault-paths.js';
import type { KeyRecord, Protection, VaultFile, VaultState } from './vault-file.js';
import { VaultLockLease, withVaultLock } from './vault-lock.js';
import {
  backupVault,
  backupVaultTo,
  restoreVault,
  restoreVaultFrom,
  type BackupFileSummary,
  type BackupHost,
  type BackupSummary,
  type RestoreResult,
} from './vault-backup.js';
import { keyMaterialUse, type KeyUseAudit } from './vault-key-use.js';
import { createVaultFile, noPassphrase, resealVaultFile } from './vault-protection.js';
import {
  rollbackGenerations,
  rollbackVault,
  rollbackWithMasterKey,
  type RollbackGeneration,
  type RollbackResult,
} from './vault-rollback.js';
import { readVaultFile, rereadVaultFile, verifyWithVmk } from './vault-store.js';
import type { VaultSubkeys } from './vault-subkeys.js';
import { runTransaction, type TransactionOptions, type VaultChange } from './vault-transaction.js';
import { openWithRecoveryCode, unsealProtection, type PassphraseSource, type ProtectionChoice } from './vault-unlock.js';

export type { Mutation, MutationContext } from './vault-transaction.js';

/**
 * The vault's master key: from the opt-in cache when it holds the key that unlocks this file as it
 * is now, else unsealed as the protection says; a passphrase vault's key is then offered to the cache.
 */
async function unlockMasterKey(file: VaultFile, env: VaultEnvironment, secrets: SecretStore): Promise<Buffer> {
  const cache = isCacheable(file) ? env.masterKeyCache : undefined;
  const cached = await cache?.get(env.dir).catch(() => null);
  if (cached && unlocks(file, cached)) return cached;
  cached?.fill(0);
  const vmk = await unsealProtection(file, secrets, env.passphrase ?? noPassphrase);
  if (cache && unlocks(file, vmk)) await cache.put(env.dir, vmk).catch(() => undefined);
  return vmk;
}

export interface VaultEnvironment {
  /** The vault folder. */
  dir: string;
  /** The OS keychain by default; tests and other hosts may pass their own. */
  secrets?: SecretStore;
  /** Milliseconds since the epoch; injectable so tests can let rotation and deletion fall due. */
  clock?: () => number;
  /** Asked for the passphrase only when the vault is in passphrase mode. */
  passphrase?: PassphraseSource;
  /** Asked for a token's PIN when a key store keeps none ("asked for each time"). */
  tokenPin?: TokenPinPrompt;
  /** The agent's opt-in cache of a passphrase vault's master key, asked before the passphrase. */
  masterKeyCache?: MasterKeyCache;
}

/** Who asks the user for a key store token's PIN: the CLI's prompt, the app's PIN dialog. */
export type TokenPinPrompt = (store: { alias: string; tokenLabel: string }) => Promise<string>;

const noTokenPin: TokenPinPrompt = (store) =>
  Promise.reject(
    new CofferError(
      'COFFER.9011',
      `Key store ${store.alias} keeps no PIN: give the PIN of token "${store.tokenLabel}" with --pin-file FILE or $COFFER_TOKEN_PIN, or run in a terminal to be asked.`,
    ),
  );

/**
 * An open vault: the master key is held in memory (as subkeys), the file is re-read and
 * re-verified under the lock before every change, so the app and the CLI can share it.
 * A facade over the parts: the file (vault-store), protection (vault-protection), the
 * transaction and audit (vault-transaction), key use (vault-key-use), backup (vault-backup)
 * and rollback (vault-rollback).
 */
export class Vault {
  readonly paths: VaultPaths;
  private file: VaultFile;
  /** record()'s hold on the vault lock, kept across a folder's appends (vault-lock.ts). */
  private readonly recordLease: VaultLockLease;
  /** Where the audit log ended after record()'s last append under the current hold. */
  private auditTail: AuditTail | undefined;
  private readonly keys: VaultSubkeys;
  private readonly clock: () => number;
  /** Kept to re-seal the vault (a new passphrase, keychain <-> passphrase) without the recovery code. */
  private readonly vmk: Buffer;
  private readonly secrets: SecretStore;
  /** Asks for the PIN of a key store that keeps none. */
  tokenPin: TokenPinPrompt = noTokenPin;

  private constructor(
    paths: VaultPaths,
    file: VaultFile,
    keys: VaultSubkeys,
    clock: () => number,
    vmk: Buffer,
    secrets: SecretStore,
  ) {
    this.paths = paths;
    this.recordLease = new VaultLockLease(paths.dir, paths.lock);
    this.file = file;
    this.keys = keys;
    this.clock = clock;
    this.vmk = vmk;
    this.secrets = secrets;
  }

  get vaultId(): string {
    return this.file.vault_id;
  }

  get protectionMode(): Protection['mode'] {
    return this.file.protection.mode;
  }

  /** The keychain this vault uses (a key store keeps its token's PIN there in keychain mode). */
  get keychain(): SecretStore {
    return this.secrets;
  }

  /** Opens a secret this vault sealed with `sealSecret` (a key store's PIN); null when it does not authenticate. */
  openSecret(label: string, box: string): Buffer | null {
    return this.keys.openSecret(label, box);
  }

  /** Creates a new vault: a random VMK sealed as chosen and under a new recovery code (returned once). */
  static async init(env: VaultEnvironment, choice: ProtectionChoice): Promise<{ vault: Vault; recoveryCode: string }> {
    const paths = vaultPaths(env.dir);
    const secrets = env.secrets ?? osKeychain;
    const clock = env.clock ?? Date.now;
    const createdDir = await fs.mkdir(paths.dir, { recursive: true, mode: 0o700 });
    try {
      const created = await withVaultLock(paths.dir, paths.lock, () => createVaultFile(paths, secrets, clock(), choice));
      const vault = new Vault(paths, created.file, created.keys, clock, created.vmk, secrets);
      // As open() does: a vault made in this session asks its face (the app's Settings) for a PIN a store keeps not.
      if (env.tokenPin) vault.tokenPin = env.tokenPin;
      return { vault, recoveryCode: created.recoveryCode };
    } catch (error) {
      // A failed init leaves the disk as it found it: no empty vault folder either.
      if (createdDir !== undefined) await fs.rm(createdDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Opens an existing vault and lets due rotations and deletions happen. */
  static async open(env: VaultEnvironment): Promise<Vault> {
    const paths = vaultPaths(env.dir);
    const secrets = env.secrets ?? osKeychain;
    const file = await readVaultFile(paths);
    const vmk = await unlockMasterKey(file, env, secrets);
    const vault = new Vault(paths, file, verifyWithVmk(paths, file, vmk), env.clock ?? Date.now, vmk, secrets);
    if (env.tokenPin) vault.tokenPin = env.tokenPin;
    if (hasDueMaintenance(file.state, vault.clock())) await vault.mutate('open', () => ({ result: null, events: [] }));
    return vault;
  }

  /**
   * Seals an existing vault again under this machine's keychain or a new passphrase, given
   * the recovery code. The keys and the recovery code stay the same.
   */
  static async recover(env: VaultEnvironment, recoveryCode: string, choice: ProtectionChoice): Promise<Vault> {
    const paths = vaultPaths(env.dir);
    const secrets = env.secrets ?? osKeychain;
    const clock = env.clock ?? Date.now;
    return withVaultLock(paths.dir, paths.lock, async () => {
      const file = await readVaultFile(paths);
      const vmk = openWithRecoveryCode(file, recoveryCode);
      const keys = verifyWithVmk(paths, file, vmk);
      const next = await resealVaultFile(paths, file, keys, vmk, choice, secrets, clock(), 'recover');
      const vault = new Vault(paths, next, keys, clock, vmk, secrets);
      if (env.tokenPin) vault.tokenPin = env.tokenPin;
      return vault;
    });
  }

  /** Changes how the open vault's master key is protected: a new passphrase, or keychain <-> passphrase. */
  async changeProtection(choice: ProtectionChoice): Promise<void> {
    await this.recordLease.releaseQueued();
    await withVaultLock(this.paths.dir, this.paths.lock, async () => {
      const file = await rereadVaultFile(this.paths, this.keys);
      this.file = await resealVaultFile(
        this.paths,
        file,
        this.keys,
        this.vmk,
        choice,
        this.secrets,
        this.clock(),
        'change-protection',
      );
    });
  }

  /**
   * Puts the previous generation back after the current file was damaged. The damaged file is
   * kept aside (never deleted), and the previous one must verify under the vault's master key.
   */
  static async rollback(env: VaultEnvironment, options: { force?: boolean } = {}): Promise<RollbackResult> {
    return rollbackVault(
      vaultPaths(env.dir),
      env.secrets ?? osKeychain,
      env.passphrase ?? noPassphrase,
      env.clock ?? Date.now,
      options,
    );
  }

  /** The generations this open vault can go back to, and the keys each lacks (the app's rollback). */
  rollbackGenerations(): Promise<RollbackGeneration[]> {
    return rollbackGenerations(this.paths, this.vmk);
  }

  /**
   * Goes back to `generation` (one rollbackGenerations named), checked with this vault's master
   * key; dropping keys it lacks needs `force`. This Vault is stale afterwards: open the vault again.
   */
  async rollbackTo(generation: number, force: boolean): Promise<RollbackResult> {
    await this.recordLease.releaseQueued();
    return rollbackWithMasterKey(this.paths, this.vmk, this.clock, { generation, force });
  }

  /** The state as last read; `refresh` re-reads it from disk. */
  get state(): Readonly<VaultState> {
    return this.file.state;
  }

  async refresh(): Promise<Readonly<VaultState>> {
    this.file = await rereadVaultFile(this.paths, this.keys);
    if (hasDueMaintenance(this.file.state, this.clock())) await this.mutate('open', () => ({ result: null, events: [] }));
    return this.file.state;
  }

  /**
   * Runs one change under the vault lock: re-read and verify the file, let due maintenance
   * happen, apply `change` to a draft, record the audit events, then save atomically.
   * A refused change (CofferError) is recorded as a failure and nothing else changes.
   */
  async mutate<T>(operation: string, change: VaultChange<T>, options?: TransactionOptions): Promise<T> {
    await this.recordLease.releaseQueued();
    return runTransaction(
      {
        paths: this.paths,
        keys: this.keys,
        clock: this.clock,
        saved: (file) => {
          this.file = file;
        },
      },
      operation,
      change,
      options,
    );
  }

  /**
   * Appends records that change nothing else (a file job's per-file records), under the lock. No
   * state changes, so none of a transaction's copying, maintenance or comparing: a folder's files
   * call this many times. The file is still reread, to check that this vault's keys still hold.
   */
  async record(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.recordLease.run(async (fresh) => {
      // While the lease is held nobody else can change the vault or its log: only a fresh hold rereads them.
      if (fresh) {
        this.file = await rereadVaultFile(this.paths, this.keys);
        this.auditTail = undefined;
      }
      this.auditTail = await appendAuditEventsAfter(this.paths.audit, this.keys.audit, events, this.clock(), this.auditTail);
    });
  }

  /**
   * Hands the plaintext material of one version of a usable key to `use`, and records the use.
   * `version` defaults to the newest; decryption asks for the version its ciphertext names.
   * `audit.detail` is added to the audit record (a job's "for 1000 files"); with `audit.record:
   * false` neither the use nor a refusal is recorded: the caller records it.
   */
  async useKeyMaterial<T>(
    operation: string,
    keyRef: string,
    use: (material: Buffer, key: Readonly<KeyRecord>, version: number) => T,
    version?: number,
    audit: KeyUseAudit = {},
  ): Promise<T> {
    return this.mutate(operation, keyMaterialUse(operation, keyRef, use, version, audit), {
      recordRefusal: audit.record !== false,
    });
  }

  private backupHost(): BackupHost {
    return {
      vaultId: this.vaultId,
      protectionMode: this.protectionMode,
      keychain: this.secrets,
      now: this.clock,
      refresh: this.refresh.bind(this),
      mutate: this.mutate.bind(this),
    };
  }

  /** Every key (token keys as references), contact and key store, sealed under a backup passphrase. */
  async backup(passphrase: string): Promise<BackupSummary> {
    return backupVault(this.backupHost(), passphrase);
  }

  /**
   * Imports a backup's keys, contacts and key stores in one atomic save. Keys that already exist
   * are refused (nothing is imported) unless `force`, which replaces them; an alias held by a
   * different key is always refused (docs/VAULT.md, "Backups", has the merge rules).
   */
  async restore(backupText: string, passphrase: string, force: boolean): Promise<RestoreResult> {
    return restoreVault(this.backupHost(), backupText, passphrase, force);
  }

  /** Writes a backup file; an existing file is never replaced. */
  async backupTo(path: string, passphrase: string): Promise<BackupFileSummary> {
    return backupVaultTo(this.backupHost(), path, passphrase);
  }

  async restoreFrom(path: string, passphrase: string, force: boolean): Promise<RestoreResult> {
    return restoreVaultFrom(this.backupHost(), path, passphrase, force);
  }

  async auditLog(): Promise<AuditVerification> {
    const file = await rereadVaultFile(this.paths, this.keys);
    return readAuditLog(this.paths.audit, this.keys.audit, file.state.audit_anchor);
  }
}
