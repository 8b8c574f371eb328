import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CofferError, toErrorValue } from '../../shared/errors.js';
import type { ShellReport, VaultStatus } from '../../shared/ipc-contract.js';
import * as data from '../core/kms/data-operations.js';
import * as keyImport from '../core/kms/key-import.js';
import * as keys from '../core/kms/key-operations.js';
import type { DataKeyUnwrapper } from '../core/envelope/random-access-reader.js';
import { JobManager } from '../core/jobs/job-manager.js';
import { vaultKeyring } from '../core/keyrings/vault-keyring.js';
import { WorkerPool } from '../core/jobs/worker-pool.js';
import type { SecretStore } from '../core/vault/keychain.js';
import { VAULT_FILE } from '../core/vault/vault-paths.js';
import { Vault } from '../core/vault/vault.js';
import type { EventSender, Handlers } from './ipc.js';
import { SettingsStore } from './settings-store.js';
import { COFFER_MAGIC } from '../../shared/file-format.js';

/** Serves decrypted ranges of files opened for preview (the media protocol). */
export interface MediaOpener {
  open(path: string): Promise<{ url: string; mimeType: string; size: number }>;
  handle(request: Request): Promise<Response>;
  closeAll(): Promise<void>;
}

export interface AppServicesOptions {
  vaultDir: string;
  version: string;
  platform: string;
  secrets?: SecretStore;
  poolSize?: number;
  createMedia: (unwrap: DataKeyUnwrapper) => MediaOpener;
  send: EventSender;
  /** The OS file dialog (main passes Electron's; tests pass a stand-in). */
  choosePaths?: (kind: 'files' | 'folder') => Promise<string[]>;
  /** Shows a file in the OS file manager. */
  revealPath?: (path: string) => void;
  /** The right-click integration for this user (main passes the real one for the running app). */
  shellIntegration?: (action: 'install' | 'uninstall' | 'status') => Promise<ShellReport>;
}

/**
 * Everything the desktop app does, behind the IPC handlers: the vault session (create, unlock),
 * the KMS operations, the file job queue and previews. No 'electron' here: main.ts wires it to
 * ipcMain, windows and protocols; tests drive it directly.
 */
export class AppServices {
  private vault: Vault | null = null;
  private problem: CofferError | null = null;
  readonly jobs: JobManager;
  readonly media: MediaOpener;
  private readonly pool: WorkerPool;
  private readonly settings: SettingsStore;

  private constructor(private readonly options: AppServicesOptions) {
    this.pool = new WorkerPool(options.poolSize);
    this.settings = new SettingsStore(join(options.vaultDir, 'settings.json'));
    this.jobs = new JobManager({
      pool: this.pool,
      keyringFor: (ids, operation) => vaultKeyring(this.unlocked(), ids, operation),
    });
    this.media = options.createMedia((edks, context) => vaultKeyring(this.unlocked(), [], 'preview-file').unwrap(edks, context));
    this.jobs.on('progress', (p) => options.send('jobs:progress', p));
    this.jobs.on('fileDone', (d) => options.send('jobs:file-done', d));
    this.jobs.on('finished', (d) => options.send('jobs:finished', d));
  }

  /** Opens a keychain vault at once; a passphrase vault waits for vault:unlock. */
  static async start(options: AppServicesOptions): Promise<AppServices> {
    const services = new AppServices(options);
    await fs.mkdir(options.vaultDir, { recursive: true, mode: 0o700 });
    await services.settings.load();
    await services.tryOpen();
    return services;
  }

  private env(passphrase?: string): { dir: string; secrets?: SecretStore; passphrase?: () => Promise<string> } {
    return {
      dir: this.options.vaultDir,
      ...(this.options.secrets ? { secrets: this.options.secrets } : {}),
      ...(passphrase !== undefined ? { passphrase: () => Promise.resolve(passphrase) } : {}),
    };
  }

  private async vaultExists(): Promise<boolean> {
    return fs.stat(join(this.options.vaultDir, VAULT_FILE)).then(
      () => true,
      () => false,
    );
  }

  private async protectionMode(): Promise<'keychain' | 'passphrase' | null> {
    try {
      const file = JSON.parse(await fs.readFile(join(this.options.vaultDir, VAULT_FILE), 'utf8')) as {
        protection?: { mode?: unknown };
      };
      const mode = file.protection?.mode;
      return mode === 'keychain' || mode === 'passphrase' ? mode : null;
    } catch {
      return null;
    }
  }

  private async tryOpen(): Promise<void> {
    this.problem = null;
    if (!(await this.vaultExists()) || (await this.protectionMode()) === 'passphrase') return;
    try {
      this.vault = await Vault.open(this.env());
    } catch (error) {
      this.problem = error instanceof CofferError ? error : new CofferError('KMS.0101', String(error));
    }
  }

  private unlocked(): Vault {
    if (!this.vault) {
      throw new CofferError('COFFER.4002', this.problem?.message ?? 'The vault is locked: unlock it with its passphrase first.');
    }
    return this.vault;
  }

  async status(): Promise<VaultStatus> {
    const exists = await this.vaultExists();
    return {
      state: !exists ? 'none' : this.vault ? 'unlocked' : 'locked',
      protection: exists ? await this.protectionMode() : null,
      vault_dir: this.options.vaultDir,
      vault_id: this.vault?.vaultId ?? null,
      problem: this.problem ? toErrorValue(this.problem) : null,
    };
  }

  /** Starts a job for files that came from the OS, when a default key makes that possible. */
  acceptLaunch(request: { encrypt: string[]; decrypt: string[] }): string[] {
    this.options.send('launch:files', request);
    const started: string[] = [];
    if (!this.vault) return started;
    const key = this.settings.get().default_key_id;
    if (request.decrypt.length > 0) started.push(this.jobs.start({ action: 'decrypt', paths: request.decrypt }));
    if (request.encrypt.length > 0 && key) {
      started.push(
        this.jobs.start({
          action: 'encrypt',
          paths: request.encrypt,
          keyIds: [key],
          removeOriginals: this.settings.get().remove_originals,
        }),
      );
    }
    return started;
  }

  async close(): Promise<void> {
    await this.jobs.cancelAll();
    await this.media.closeAll();
    await this.pool.close();
  }

  readonly handlers: Handlers = {
    'app:info': async () => ({
      version: this.options.version,
      platform: this.options.platform,
      vault_dir: this.options.vaultDir,
    }),
    'vault:status': () => this.status(),
    'vault:create': async (request) => {
      const choice =
        request.protection === 'passphrase'
          ? { mode: 'passphrase' as const, passphrase: request.passphrase ?? '' }
          : { mode: 'keychain' as const };
      const { vault, recoveryCode } = await Vault.init(this.env(), choice);
      this.vault = vault;
      this.problem = null;
      return { vault_id: vault.vaultId, protection: vault.protectionMode, recovery_code: recoveryCode };
    },
    'vault:unlock': async (request) => {
      this.vault = await Vault.open(this.env(request.passphrase));
      this.problem = null;
      return this.status();
    },
    'vault:change-protection': async (request) => {
      const choice =
        request.protection === 'passphrase'
          ? { mode: 'passphrase' as const, passphrase: request.passphrase ?? '' }
          : { mode: 'keychain' as const };
      await this.unlocked().changeProtection(choice);
      return this.status();
    },
    'vault:backup': (r) => this.unlocked().backupTo(r.path, r.passphrase),
    'vault:restore': (r) => this.unlocked().restoreFrom(r.path, r.passphrase, r.force ?? false),
    'keys:list': (r) => keys.listKeys(this.unlocked(), r),
    'keys:create': (r) => keys.createKey(this.unlocked(), r),
    'keys:describe': (r) => keys.describeKey(this.unlocked(), r),
    'keys:enable': (r) => keys.enableKey(this.unlocked(), r),
    'keys:disable': (r) => keys.disableKey(this.unlocked(), r),
    'keys:schedule-deletion': (r) => keys.scheduleKeyDeletion(this.unlocked(), r),
    'keys:cancel-deletion': (r) => keys.cancelKeyDeletion(this.unlocked(), r),
    'keys:update-alias': (r) => keys.updateKeyAlias(this.unlocked(), r),
    'keys:update-description': (r) => keys.updateKeyDescription(this.unlocked(), r),
    'keys:enable-rotation': (r) => keys.enableKeyRotation(this.unlocked(), r),
    'keys:disable-rotation': (r) => keys.disableKeyRotation(this.unlocked(), r),
    'keys:update-rotation-interval': (r) => keys.updateKeyRotationInterval(this.unlocked(), r),
    'keys:rotation-status': (r) => keys.getKeyRotationStatus(this.unlocked(), r),
    'keys:rotate': (r) => keys.rotateKey(this.unlocked(), r),
    'keys:import-parameters': (r) => keyImport.getParametersForImport(this.unlocked(), r),
    'keys:import-material': (r) => keyImport.importKeyMaterial(this.unlocked(), r),
    'keys:export-material': (r) => keyImport.exportKeyMaterial(this.unlocked(), r),
    'data:encrypt': (r) => data.encryptData(this.unlocked(), r),
    'data:decrypt': (r) => data.decryptData(this.unlocked(), r),
    'data:re-encrypt': (r) => data.reEncryptData(this.unlocked(), r),
    'datakey:create': (r) => data.createDatakey(this.unlocked(), r, true),
    'datakey:create-without-plaintext': async (r) => {
      const { key_id, key_version, cipher_text } = await data.createDatakey(this.unlocked(), r, false);
      return { key_id, key_version, cipher_text };
    },
    'datakey:encrypt': (r) => data.encryptDatakey(this.unlocked(), r),
    'datakey:decrypt': (r) => data.decryptDatakey(this.unlocked(), r),
    'random:generate': async (r) => data.genRandom(r),
    'audit:list': async (r) => {
      const log = await this.unlocked().auditLog();
      let records = r.key_id ? log.records.filter((x) => x.key_id === r.key_id) : log.records;
      if (r.limit !== undefined) records = records.slice(-r.limit);
      return {
        records: records.map(({ prev: _prev, mac: _mac, ...rest }) => rest),
        total: log.records.length,
        chain_verified: log.chain_verified,
        problems: log.problems,
      };
    },
    'files:classify': async (r) => ({
      files: await Promise.all(
        r.paths.map(async (path) => {
          const stats = await fs.stat(path).catch(() => null);
          if (!stats) return { path, kind: 'missing' as const, size: 0 };
          if (stats.isDirectory()) return { path, kind: 'folder' as const, size: 0 };
          return { path, kind: (await this.looksLikeCoffer(path)) ? ('coffer' as const) : ('file' as const), size: stats.size };
        }),
      ),
    }),
    'files:choose': async (r) => ({ paths: (await this.options.choosePaths?.(r.kind)) ?? [] }),
    'files:show-in-folder': async (r) => {
      const exists = await fs.stat(r.path).then(
        () => true,
        () => false,
      );
      if (exists) this.options.revealPath?.(r.path);
      return { shown: exists && this.options.revealPath !== undefined };
    },
    'jobs:start': async (r) => {
      this.unlocked();
      const keyId = r.key_id ?? this.settings.get().default_key_id ?? undefined;
      if (r.action === 'encrypt' && !keyId) {
        throw new CofferError('KMS.0204', 'Choose the key that protects these files (or set a default key in Settings).');
      }
      const job_id = this.jobs.start({
        action: r.action,
        paths: r.paths,
        keyIds: r.action === 'encrypt' ? [keyId!, ...(r.also_key_ids ?? [])] : [],
        outDir: r.out_dir ?? this.settings.get().out_dir ?? undefined,
        frameLength: r.frame_length ?? this.settings.get().frame_length ?? undefined,
        encryptionContext: r.encryption_context,
        removeOriginals: r.remove_originals ?? this.settings.get().remove_originals,
      });
      return { job_id };
    },
    'jobs:cancel': async (r) => ({ cancelled: this.jobs.cancel(r.job_id) }),
    'jobs:list': async () => ({ jobs: this.jobs.list() }),
    'media:open': async (r) => {
      this.unlocked();
      const opened = await this.media.open(r.path);
      return { url: opened.url, mime_type: opened.mimeType, size: opened.size };
    },
    'shell:status': () => this.shell('status'),
    'shell:install': () => this.shell('install'),
    'shell:uninstall': () => this.shell('uninstall'),
    'settings:get': async () => this.settings.get(),
    'settings:set': (r) => this.settings.update(r),
  };

  private shell(action: 'install' | 'uninstall' | 'status'): Promise<ShellReport> {
    if (!this.options.shellIntegration) {
      return Promise.reject(new CofferError('COFFER.5001', 'Right-click integration is set up by the installed desktop app.'));
    }
    return this.options.shellIntegration(action);
  }

  /** A file is a Coffer file by its first bytes (format version 2, suite 0x0478), not by its name. */
  private async looksLikeCoffer(path: string): Promise<boolean> {
    const handle = await fs.open(path, 'r').catch(() => null);
    if (!handle) return false;
    try {
      const head = Buffer.alloc(3);
      const { bytesRead } = await handle.read(head, 0, 3, 0);
      return bytesRead === 3 && COFFER_MAGIC.every((byte, i) => head[i] === byte);
    } finally {
      await handle.close();
    }
  }
}
