import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import writeFileAtomic from 'write-file-atomic';
import { CofferError } from '../../../shared/errors.js';
import { deriveSubkey, openBox, sealBox } from './aes-gcm-box.js';
import { appendAuditEvents, lastAuditAnchor, readAuditLog, type AuditEvent, type AuditVerification } from './audit-log.js';
import { readBackup, writeBackup, type BackupKey } from './backup-file.js';
import { removeStaleTemporaries, replaceKeepingPrevious } from './durable-write.js';
import { osKeychain, type SecretStore } from './keychain.js';
import {
  assertUsable,
  hasDueMaintenance,
  resolveKey,
  runDueMaintenance,
  type MaintenanceResult,
  type MaterialFactory,
} from './key-lifecycle.js';
import { newRecoveryCode } from './recovery-code.js';
import { PREVIOUS_VAULT_FILE, VAULT_FILE, vaultPaths, type VaultPaths } from './vault-paths.js';
import {
  VAULT_FORMAT,
  VAULT_FORMAT_VERSION,
  VaultFileSchema,
  serializeVaultFile,
  signVaultFile,
  vaultMacMatches,
  type KeyRecord,
  type VaultFile,
  type VaultState,
} from './vault-file.js';
import { withVaultLock } from './vault-lock.js';
import {
  newVmk,
  openWithRecoveryCode,
  sealForRecovery,
  sealProtection,
  unsealProtection,
  vmkCheck,
  vmkMatches,
  type PassphraseSource,
  type ProtectionChoice,
} from './vault-unlock.js';

export interface VaultEnvironment {
  /** The vault folder. */
  dir: string;
  /** The OS keychain by default; tests and other hosts may pass their own. */
  secrets?: SecretStore;
  /** Milliseconds since the epoch; injectable so tests can let rotation and deletion fall due. */
  clock?: () => number;
  /** Asked for the passphrase only when the vault is in passphrase mode. */
  passphrase?: PassphraseSource;
}

interface VaultKeys {
  material: Buffer;
  mac: Buffer;
  audit: Buffer;
  secrets: Buffer;
  tokens: Buffer;
}

/** What an operation inside `mutate` hands back: its result, and what to record in the audit log. */
export interface Mutation<T> {
  result: T;
  events: AuditEvent[];
}

export interface MutationContext {
  now: number;
  material: MaterialFactory;
  /** The plaintext of one key version (for backup); never leaves the vault modules' callers unasked. */
  openMaterial(keyId: string, version: number, box: string): Buffer;
  /** Seals given material as (key id, version) of this vault. */
  sealMaterial(keyId: string, version: number, material: Buffer): string;
  /** Seals or opens a secret of this vault other than key material (an import wrapping key). */
  sealSecret(label: string, secret: Buffer): string;
  openSecret(label: string, box: string): Buffer | null;
  /** A MAC only this vault can make (import tokens). */
  tokenMac(data: Buffer): Buffer;
  /** Names the key an operation is about, so a refusal's audit record names it too. */
  subject(keyId: string, version?: number | null): void;
}

const noPassphrase: PassphraseSource = () =>
  Promise.reject(
    new CofferError(
      'COFFER.1012',
      'This vault is protected by a passphrase: set COFFER_PASSPHRASE, pass --passphrase-file FILE, or run in a terminal to be asked.',
    ),
  );

function deriveVaultKeys(vmk: Buffer, vaultId: string): VaultKeys {
  return {
    material: deriveSubkey(vmk, vaultId, 'coffer/cmk-material'),
    mac: deriveSubkey(vmk, vaultId, 'coffer/vault-mac'),
    audit: deriveSubkey(vmk, vaultId, 'coffer/audit-log'),
    secrets: deriveSubkey(vmk, vaultId, 'coffer/vault-secrets'),
    tokens: deriveSubkey(vmk, vaultId, 'coffer/import-token'),
  };
}

function materialAad(vaultId: string, keyId: string, version: number): string {
  return `coffer/cmk-material|${vaultId}|${keyId}|${version}`;
}

function maintenanceEvents(result: MaintenanceResult): AuditEvent[] {
  return [
    ...result.destroyed.map((d) => ({
      operation: 'destroy-key',
      key_id: d.key_id,
      outcome: 'success' as const,
      detail: 'scheduled deletion date passed: key material destroyed',
    })),
    ...result.expired.map((e) => ({
      operation: 'expire-key-material',
      key_id: e.key_id,
      outcome: 'success' as const,
      detail: 'imported key material reached its expiration time: deleted, key is Pending import',
    })),
    ...result.rotated.map((r) => ({
      operation: 'rotate-key',
      key_id: r.key_id,
      key_version: r.version,
      outcome: 'success' as const,
      detail: 'scheduled rotation',
    })),
  ];
}

function damagedMessage(paths: VaultPaths, what: string): string {
  return (
    `${paths.vault} ${what}. Coffer has not changed it. If this follows a crash or a disk fault, ` +
    `\`coffer rollback\` puts back the previous generation (${PREVIOUS_VAULT_FILE}) and keeps the damaged file aside.`
  );
}

async function readVaultFile(paths: VaultPaths): Promise<VaultFile> {
  let text: string;
  try {
    text = await fs.readFile(paths.vault, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CofferError('COFFER.1001', `There is no vault in ${paths.dir} yet: run \`coffer init\` to create one.`);
    }
    throw new CofferError('COFFER.1006', `${paths.vault} cannot be read: ${(error as Error).message}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CofferError('COFFER.1006', damagedMessage(paths, 'is not valid JSON (it is damaged)'));
  }
  const format = (json as { format?: unknown; format_version?: unknown } | null) ?? {};
  if (
    format.format === VAULT_FORMAT &&
    typeof format.format_version === 'number' &&
    format.format_version > VAULT_FORMAT_VERSION
  ) {
    throw new CofferError(
      'COFFER.1006',
      `${paths.vault} was written by a newer Coffer (format ${format.format_version}): update Coffer to open it.`,
    );
  }
  const parsed = VaultFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CofferError(
      'COFFER.1006',
      damagedMessage(
        paths,
        `is not a valid Coffer vault (${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'invalid'})`,
      ),
    );
  }
  return parsed.data;
}

function verifyWithVmk(paths: VaultPaths, file: VaultFile, vmk: Buffer): VaultKeys {
  if (!vmkMatches(vmk, file.vault_id, file.vmk_check)) {
    throw new CofferError(
      'COFFER.1015',
      `The master key Coffer was given does not unlock ${paths.vault} (it belongs to another vault, or the file was altered). ` +
        'Run `coffer recover --recovery-code CODE` to seal this vault again.',
    );
  }
  const keys = deriveVaultKeys(vmk, file.vault_id);
  if (!vaultMacMatches(keys.mac, file)) {
    throw new CofferError(
      'COFFER.1007',
      damagedMessage(paths, 'failed its integrity check: it was changed outside Coffer or damaged'),
    );
  }
  return keys;
}

/**
 * An open vault: the master key is held in memory (as subkeys), the file is re-read and
 * re-verified under the lock before every change, so the app and the CLI can share it.
 */
export class Vault {
  readonly paths: VaultPaths;
  private file: VaultFile;
  private readonly keys: VaultKeys;
  private readonly clock: () => number;
  /** Kept to re-seal the vault (a new passphrase, keychain <-> passphrase) without the recovery code. */
  private readonly vmk: Buffer;
  private readonly secrets: SecretStore;

  private constructor(
    paths: VaultPaths,
    file: VaultFile,
    keys: VaultKeys,
    clock: () => number,
    vmk: Buffer,
    secrets: SecretStore,
  ) {
    this.paths = paths;
    this.file = file;
    this.keys = keys;
    this.clock = clock;
    this.vmk = vmk;
    this.secrets = secrets;
  }

  get vaultId(): string {
    return this.file.vault_id;
  }

  get protectionMode(): 'keychain' | 'passphrase' {
    return this.file.protection.mode;
  }

  /** Creates a new vault: a random VMK sealed as chosen and under a new recovery code (returned once). */
  static async init(env: VaultEnvironment, choice: ProtectionChoice): Promise<{ vault: Vault; recoveryCode: string }> {
    const paths = vaultPaths(env.dir);
    const secrets = env.secrets ?? osKeychain;
    const clock = env.clock ?? Date.now;
    const createdDir = await fs.mkdir(paths.dir, { recursive: true, mode: 0o700 });
    try {
      return await Vault.initLocked(paths, secrets, clock, choice);
    } catch (error) {
      // A failed init leaves the disk as it found it: no empty vault folder either.
      if (createdDir !== undefined) await fs.rm(createdDir, { recursive: true, force: true });
      throw error;
    }
  }

  private static async initLocked(
    paths: VaultPaths,
    secrets: SecretStore,
    clock: () => number,
    choice: ProtectionChoice,
  ): Promise<{ vault: Vault; recoveryCode: string }> {
    return withVaultLock(paths.dir, paths.lock, async () => {
      if (
        await fs.stat(paths.vault).then(
          () => true,
          () => false,
        )
      ) {
        throw new CofferError(
          'COFFER.1002',
          `${paths.dir} already holds a vault: open it, or choose another folder with --vault.`,
        );
      }
      const vaultId = randomUUID();
      const vmk = newVmk();
      const recovery = newRecoveryCode();
      const now = clock();
      const protection = await sealProtection(vmk, vaultId, choice, secrets);
      const keys = deriveVaultKeys(vmk, vaultId);
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
        await replaceKeepingPrevious(paths.vault, paths.previous, serializeVaultFile(file));
        return { vault: new Vault(paths, file, keys, clock, vmk, secrets), recoveryCode: recovery.code };
      } catch (error) {
        // Leave nothing half-made behind: no keychain entry or log for a vault that does not exist.
        if (protection.mode === 'keychain') await secrets.delete(protection.service, protection.account).catch(() => false);
        await fs.rm(paths.audit, { force: true });
        throw error instanceof CofferError
          ? error
          : new CofferError('COFFER.1014', `The vault could not be written to ${paths.dir}: ${(error as Error).message}.`);
      }
    });
  }

  /** Opens an existing vault and lets due rotations and deletions happen. */
  static async open(env: VaultEnvironment): Promise<Vault> {
    const paths = vaultPaths(env.dir);
    const file = await readVaultFile(paths);
    const vmk = await unsealProtection(file, env.secrets ?? osKeychain, env.passphrase ?? noPassphrase);
    const vault = new Vault(paths, file, verifyWithVmk(paths, file, vmk), env.clock ?? Date.now, vmk, env.secrets ?? osKeychain);
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
      const next = await Vault.reseal(paths, file, keys, vmk, choice, secrets, clock(), 'recover');
      return new Vault(paths, next, keys, clock, vmk, secrets);
    });
  }

  /**
   * Seals the same VMK anew (keychain or a new passphrase), records it, and saves. A passphrase
   * vault must not leave a copy of its master key in the keychain, so that entry is removed.
   */
  private static async reseal(
    paths: VaultPaths,
    file: VaultFile,
    keys: VaultKeys,
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
    await replaceKeepingPrevious(paths.vault, paths.previous, serializeVaultFile(next));
    if (protection.mode === 'passphrase' && previousProtection.mode === 'keychain') {
      await secrets.delete(previousProtection.service, previousProtection.account).catch(() => false);
    }
    return next;
  }

  /** Changes how the open vault's master key is protected: a new passphrase, or keychain <-> passphrase. */
  async changeProtection(choice: ProtectionChoice): Promise<void> {
    await withVaultLock(this.paths.dir, this.paths.lock, async () => {
      const file = await readVaultFile(this.paths);
      if (file.vault_id !== this.vaultId || !vaultMacMatches(this.keys.mac, file)) {
        throw new CofferError(
          'COFFER.1007',
          damagedMessage(this.paths, 'failed its integrity check: it was changed outside Coffer or damaged'),
        );
      }
      this.file = await Vault.reseal(
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
  static async rollback(env: VaultEnvironment): Promise<{ restored_generation: number; damaged_file_kept_as: string }> {
    const paths = vaultPaths(env.dir);
    const secrets = env.secrets ?? osKeychain;
    const clock = env.clock ?? Date.now;
    return withVaultLock(paths.dir, paths.lock, async () => {
      const previous = await readVaultFile({ ...paths, vault: paths.previous });
      const vmk = await unsealProtection(previous, secrets, env.passphrase ?? noPassphrase);
      const keys = verifyWithVmk({ ...paths, vault: paths.previous }, previous, vmk);
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

  /** The state as last read; `refresh` re-reads it from disk. */
  get state(): Readonly<VaultState> {
    return this.file.state;
  }

  async refresh(): Promise<Readonly<VaultState>> {
    const file = await readVaultFile(this.paths);
    if (file.vault_id !== this.vaultId || !vaultMacMatches(this.keys.mac, file)) {
      throw new CofferError(
        'COFFER.1007',
        damagedMessage(this.paths, 'failed its integrity check: it was changed outside Coffer or damaged'),
      );
    }
    this.file = file;
    if (hasDueMaintenance(file.state, this.clock())) await this.mutate('open', () => ({ result: null, events: [] }));
    return this.file.state;
  }

  private materialFactory(): MaterialFactory {
    return (keyId, version) => {
      const material = randomBytes(32);
      try {
        return sealBox(this.keys.material, material, materialAad(this.vaultId, keyId, version));
      } finally {
        material.fill(0);
      }
    };
  }

  private openMaterial(keyId: string, version: number, box: string): Buffer {
    const material = openBox(this.keys.material, box, materialAad(this.vaultId, keyId, version));
    if (!material) {
      throw new CofferError(
        'COFFER.1007',
        damagedMessage(this.paths, `holds key material for ${keyId} v${version} that does not authenticate`),
      );
    }
    return material;
  }

  /**
   * Runs one change under the vault lock: re-read and verify the file, let due maintenance
   * happen, apply `change` to a draft, record the audit events, then save atomically.
   * A refused change (CofferError) is recorded as a failure and nothing else changes.
   */
  async mutate<T>(operation: string, change: (draft: VaultState, context: MutationContext) => Mutation<T>): Promise<T> {
    return withVaultLock(this.paths.dir, this.paths.lock, async () => {
      await removeStaleTemporaries(this.paths.dir, [VAULT_FILE, PREVIOUS_VAULT_FILE]);
      const file = await readVaultFile(this.paths);
      if (file.vault_id !== this.vaultId || !vaultMacMatches(this.keys.mac, file)) {
        throw new CofferError(
          'COFFER.1007',
          damagedMessage(this.paths, 'failed its integrity check: it was changed outside Coffer or damaged'),
        );
      }
      const now = this.clock();
      const subject: { key_id: string | null; key_version: number | null } = { key_id: null, key_version: null };
      const context: MutationContext = {
        now,
        material: this.materialFactory(),
        openMaterial: (keyId, version, box) => this.openMaterial(keyId, version, box),
        sealMaterial: (keyId, version, material) =>
          sealBox(this.keys.material, material, materialAad(this.vaultId, keyId, version)),
        sealSecret: (label, secret) => sealBox(this.keys.secrets, secret, `coffer/secret|${this.vaultId}|${label}`),
        openSecret: (label, box) => openBox(this.keys.secrets, box, `coffer/secret|${this.vaultId}|${label}`),
        tokenMac: (data) => createHmac('sha256', this.keys.tokens).update(data).digest(),
        subject: (keyId, version = null) => {
          subject.key_id = keyId;
          subject.key_version = version;
        },
      };
      let draft = structuredClone(file.state);
      const events = maintenanceEvents(runDueMaintenance(draft, now, context.material));
      const beforeChange = structuredClone(draft);
      let outcome: { ok: true; value: T } | { ok: false; error: CofferError };
      try {
        const mutation = change(draft, context);
        events.push(...mutation.events);
        events.push(...maintenanceEvents(runDueMaintenance(draft, now, context.material)));
        outcome = { ok: true, value: mutation.result };
      } catch (error) {
        if (!(error instanceof CofferError)) throw error;
        draft = beforeChange;
        events.push({ operation, ...subject, outcome: 'failure', error_code: error.code, detail: error.message.slice(0, 300) });
        outcome = { ok: false, error };
      }
      const anchor = await appendAuditEvents(this.paths.audit, this.keys.audit, events, now);
      if (!isDeepStrictEqual(draft, file.state)) {
        draft.generation = file.state.generation + 1;
        draft.updated = now;
        draft.audit_anchor = anchor ?? (await lastAuditAnchor(this.paths.audit)) ?? draft.audit_anchor;
        const { mac: _mac, ...unsigned } = file;
        const next = signVaultFile(this.keys.mac, { ...unsigned, state: draft });
        try {
          await replaceKeepingPrevious(this.paths.vault, this.paths.previous, serializeVaultFile(next));
        } catch (error) {
          await appendAuditEvents(
            this.paths.audit,
            this.keys.audit,
            [{ operation, outcome: 'failure', error_code: 'COFFER.1014', detail: 'the vault file could not be written' }],
            now,
          ).catch(() => null);
          throw new CofferError(
            'COFFER.1014',
            `The vault could not be saved (${(error as Error).message}); the previous state is unchanged. Free some disk space or check permissions, then try again.`,
          );
        }
        this.file = next;
      } else {
        this.file = file;
      }
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    });
  }

  /**
   * Hands the plaintext material of one version of a usable key to `use`, and records the use.
   * `version` defaults to the newest; decryption asks for the version its ciphertext names.
   */
  async useKeyMaterial<T>(
    operation: string,
    keyRef: string,
    use: (material: Buffer, key: Readonly<KeyRecord>, version: number) => T,
    version?: number,
  ): Promise<T> {
    return this.mutate(operation, (draft, context) => {
      const key = resolveKey(draft, keyRef);
      context.subject(key.key_id, version ?? key.versions.at(-1)?.version ?? null);
      assertUsable(key);
      const chosen = version === undefined ? key.versions.at(-1) : key.versions.find((v) => v.version === version);
      if (!chosen) throw new CofferError('KMS.0207', `Key ${key.key_id} has no version ${String(version)}.`);
      const material = context.openMaterial(key.key_id, chosen.version, chosen.material);
      try {
        const result = use(material, key, chosen.version);
        return { result, events: [{ operation, key_id: key.key_id, key_version: chosen.version, outcome: 'success' }] };
      } finally {
        material.fill(0);
      }
    });
  }

  /** Every key with every version's material, sealed under a backup passphrase. */
  async backup(passphrase: string): Promise<{ text: string; keyCount: number; versionCount: number }> {
    const keys = await this.mutate('backup', (draft, context) => {
      const exported: BackupKey[] = draft.keys.map((key) => ({
        ...structuredClone(key),
        // Pending import parameters are sealed under this vault only; a restored key asks anew.
        ...(key.import ? { import: { ...key.import, pending: null } } : {}),
        versions: key.versions.map((v) => ({
          ...v,
          material: context.openMaterial(key.key_id, v.version, v.material).toString('base64'),
        })),
      }));
      return {
        result: exported,
        events: draft.keys.map((key) => ({
          operation: 'backup',
          key_id: key.key_id,
          key_version: key.versions.at(-1)?.version ?? null,
          outcome: 'success' as const,
        })),
      };
    });
    const text = await writeBackup(keys, passphrase, this.vaultId, this.clock());
    return { text, keyCount: keys.length, versionCount: keys.reduce((n, k) => n + k.versions.length, 0) };
  }

  /**
   * Imports every key of a backup in one atomic save. Keys that already exist are refused
   * (nothing is imported) unless `force`, which replaces them; an alias held by a different
   * key is always refused.
   */
  async restore(backupText: string, passphrase: string, force: boolean): Promise<{ restored: string[]; replaced: string[] }> {
    const keys = await readBackup(backupText, passphrase);
    return this.mutate('restore', (draft, context) => {
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
            material: sealBox(
              this.keys.material,
              Buffer.from(v.material, 'base64'),
              materialAad(this.vaultId, key.key_id, v.version),
            ),
          })),
        });
      }
      void context;
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
  async backupTo(path: string, passphrase: string): Promise<{ backup: string; keys: number; key_versions: number }> {
    if (
      await fs.access(path).then(
        () => true,
        () => false,
      )
    ) {
      throw new CofferError('COFFER.1017', `${path} already exists: choose a new file name for the backup.`);
    }
    const { text, keyCount, versionCount } = await this.backup(passphrase);
    await writeFileAtomic(path, text, { mode: 0o600, fsync: true });
    return { backup: path, keys: keyCount, key_versions: versionCount };
  }

  async restoreFrom(path: string, passphrase: string, force: boolean): Promise<{ restored: string[]; replaced: string[] }> {
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (error) {
      throw new CofferError('COFFER.1018', `The backup file ${path} cannot be read: ${(error as Error).message}.`);
    }
    return this.restore(text, passphrase, force);
  }

  async auditLog(): Promise<AuditVerification> {
    const file = await readVaultFile(this.paths);
    if (!vaultMacMatches(this.keys.mac, file)) {
      throw new CofferError(
        'COFFER.1007',
        damagedMessage(this.paths, 'failed its integrity check: it was changed outside Coffer or damaged'),
      );
    }
    return readAuditLog(this.paths.audit, this.keys.audit, file.state.audit_anchor);
  }
}
