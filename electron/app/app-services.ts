import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ShellReport } from '../../shared/ipc-contract.js';
import type { DataKeyUnwrapper } from '../core/envelope/random-access-reader.js';
import { JobManager } from '../core/jobs/job-manager.js';
import { WorkerPool } from '../core/jobs/worker-pool.js';
import { requestKeyrings } from '../core/keyrings/request-keyrings.js';
import { vaultKeyring } from '../core/keyrings/vault-keyring.js';
import type { SecretStore } from '../core/vault/keychain.js';
import { dataHandlers } from './data-handlers.js';
import { fileHandlers, type ChooseKind } from './file-handlers.js';
import { GrantedFiles } from './granted-files.js';
import type { EventSender, Handlers } from './ipc.js';
import { contactHandlers, type PublicKeyFileDialogs } from './contact-handlers.js';
import { keyHandlers } from './key-handlers.js';
import { keyStoreHandlers } from './key-store-handlers.js';
import type { MediaOpener } from './media-opener.js';
import { signatureHandlers } from './signature-handlers.js';
import { settingsHandlers } from './settings-handlers.js';
import { SettingsStore } from './settings-store.js';
import { shellHandlers, type ShellAction } from './shell-handlers.js';
import { vaultHandlers } from './vault-handlers.js';
import { VaultSession } from './vault-session.js';

export type { MediaOpener } from './media-opener.js';

export interface AppServicesOptions {
  vaultDir: string;
  version: string;
  platform: string;
  secrets?: SecretStore;
  poolSize?: number;
  createMedia: (unwrap: DataKeyUnwrapper) => MediaOpener;
  send: EventSender;
  /** The OS file dialog (main passes Electron's; tests pass a stand-in). */
  choosePaths?: (kind: ChooseKind) => Promise<string[]>;
  /** The OS save dialog (a backup's destination): a path, or null when cancelled. */
  chooseSavePath?: (suggestedName: string) => Promise<string | null>;
  /** Shows a file in the OS file manager. */
  revealPath?: (path: string) => void;
  /** The OS open and save dialogs for public key files (Contacts, "my public key"). */
  publicKeyFileDialogs?: PublicKeyFileDialogs;
  /** The right-click integration for this user (main passes the real one for the running app). */
  shellIntegration?: (action: ShellAction) => Promise<ShellReport>;
}

/**
 * Everything the desktop app does, behind the IPC handlers: the vault session (create, unlock),
 * the job queue and previews, with the handlers of each domain in their own module
 * (vault-, key-, data-, file-, shell-, settings-handlers). No 'electron' here: main.ts wires it
 * to ipcMain, windows and protocols; tests drive it directly.
 */
export class AppServices {
  readonly jobs: JobManager;
  readonly media: MediaOpener;
  readonly handlers: Handlers;
  /** The files the window may name, by handle (granted-files.ts). */
  readonly files = new GrantedFiles();
  private readonly session: VaultSession;
  private readonly pool: WorkerPool;
  private readonly settings: SettingsStore;
  private readonly send: EventSender;

  private constructor(options: AppServicesOptions) {
    this.session = new VaultSession(options.vaultDir, options.secrets);
    this.pool = new WorkerPool(options.poolSize);
    this.settings = new SettingsStore(join(options.vaultDir, 'settings.json'));
    this.jobs = new JobManager({
      pool: this.pool,
      keyrings: () => requestKeyrings({ vault: this.session.unlocked() }),
    });
    this.media = options.createMedia((edks, context) =>
      vaultKeyring(this.session.unlocked(), [], 'preview-file').unwrap(edks, context),
    );
    this.jobs.on('progress', (p) => options.send('jobs:progress', p));
    // Results reach the window with handles for the files main read and wrote.
    this.jobs.on('fileDone', (d) => options.send('jobs:file-done', { job_id: d.job_id, result: this.files.view(d.result) }));
    this.jobs.on('finished', (d) =>
      options.send('jobs:finished', { ...d, results: d.results.map((result) => this.files.view(result)) }),
    );
    this.send = options.send;
    this.handlers = {
      ...settingsHandlers(
        { version: options.version, platform: options.platform, vault_dir: options.vaultDir },
        this.settings,
        this.files,
      ),
      ...vaultHandlers(this.session, { files: this.files, chooseSavePath: options.chooseSavePath }),
      ...keyHandlers(this.session),
      ...signatureHandlers({ session: this.session, choosePaths: options.choosePaths }),
      ...keyStoreHandlers(this.session, this.files),
      ...contactHandlers(this.session, options.publicKeyFileDialogs),
      ...dataHandlers(this.session),
      ...fileHandlers({
        session: this.session,
        jobs: this.jobs,
        media: this.media,
        settings: this.settings,
        files: this.files,
        choosePaths: options.choosePaths,
        revealPath: options.revealPath,
      }),
      ...shellHandlers(options.shellIntegration),
    };
  }

  /** Opens a keychain vault at once; a passphrase vault waits for vault:unlock. */
  static async start(options: AppServicesOptions): Promise<AppServices> {
    const services = new AppServices(options);
    await fs.mkdir(options.vaultDir, { recursive: true, mode: 0o700 });
    await services.settings.load();
    await services.session.tryOpen();
    return services;
  }

  status() {
    return this.session.status();
  }

  /**
   * Starts a job for files that came from the OS, when an unlocked vault (and, to encrypt, a
   * default key) makes that possible; the window hears by handle of the ones left for the user.
   */
  acceptLaunch(request: { encrypt: string[]; decrypt: string[] }): string[] {
    const started: string[] = [];
    const unlocked = this.session.isUnlocked;
    const { default_key_id: key, remove_originals } = this.settings.get();
    const startDecrypt = unlocked && request.decrypt.length > 0;
    const startEncrypt = unlocked && request.encrypt.length > 0 && Boolean(key);
    const left = { encrypt: startEncrypt ? [] : request.encrypt, decrypt: startDecrypt ? [] : request.decrypt };
    if (left.encrypt.length > 0 || left.decrypt.length > 0) {
      this.send('launch:files', { encrypt: this.files.grantAll(left.encrypt), decrypt: this.files.grantAll(left.decrypt) });
    }
    if (startDecrypt) started.push(this.jobs.start({ action: 'decrypt', paths: request.decrypt }));
    if (startEncrypt && key) {
      started.push(this.jobs.start({ action: 'encrypt', paths: request.encrypt, key_ids: [key], remove_originals }));
    }
    return started;
  }

  async close(): Promise<void> {
    await this.jobs.cancelAll();
    await this.media.closeAll();
    await this.pool.close();
  }
}
