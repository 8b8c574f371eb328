import type { EventChannel } from '../../shared/ipc-channels.js';
import type { EventPayloads, IpcResult } from '../../shared/ipc-contract.js';
import type { FileRef } from '../../shared/file-handle.js';
import { AppServices } from '../../electron/app/app-services.js';
import type { ChooseKind } from '../../electron/app/file-handlers.js';
import { registerIpcHandlers } from '../../electron/app/ipc.js';
import { MediaRegistry } from '../../electron/app/media-protocol.js';
import { FakeIpcMain } from './fake-ipc-main.js';

export type SentEvent = { event: EventChannel; payload: EventPayloads[EventChannel] };

/**
 * What the OS dialogs answer next, one answer per question, in order; an empty queue answers
 * "cancelled". Tests push answers before the call that opens the dialog.
 */
export interface DialogAnswers {
  /** Coffer's open dialog (files:choose, keystores:* module files, a file to sign): the paths picked. */
  open: string[][];
  /** The save dialog (a backup's destination): a path, or null when cancelled. */
  save: (string | null)[];
  /** The public key files' open and save dialogs (Contacts, "my public key"). */
  publicKeyOpen: (string | null)[];
  publicKeySave: (string | null)[];
  /** The names the public key save dialog suggested, as it was asked. */
  suggested: string[];
  /** The paths "show in folder" revealed. */
  revealed: string[];
}

/**
 * The app's main-process services as the window meets them, without Electron: the real
 * AppServices over a real vault directory (its keys in the OS keychain, so run under
 * with-test-keyring.sh), the real IPC handlers with the contract's schemas, and stand-ins only
 * for the OS dialogs and the window's event stream.
 */
export class AppServicesHarness {
  readonly ipc = new FakeIpcMain();
  /** Every event main sent the window, in order. */
  readonly sent: SentEvent[] = [];
  readonly dialogs: DialogAnswers = { open: [], save: [], publicKeyOpen: [], publicKeySave: [], suggested: [], revealed: [] };
  #services: AppServices | undefined;

  private constructor(
    readonly vaultDir: string,
    private readonly poolSize: number,
  ) {}

  /** Starts the app's services on `vaultDir` (created on vault:create, like the app's). */
  static async start(vaultDir: string, { poolSize = 2 }: { poolSize?: number } = {}): Promise<AppServicesHarness> {
    const harness = new AppServicesHarness(vaultDir, poolSize);
    await harness.#boot();
    return harness;
  }

  get services(): AppServices {
    if (!this.#services) throw new Error('The app services are closed.');
    return this.#services;
  }

  async #boot(): Promise<void> {
    const dialogs = this.dialogs;
    this.#services = await AppServices.start({
      vaultDir: this.vaultDir,
      version: '0.1.0-test',
      platform: process.platform,
      poolSize: this.poolSize,
      createMedia: (unwrap) => new MediaRegistry(unwrap),
      send: (event, payload) => this.sent.push({ event, payload }),
      choosePaths: async () => dialogs.open.shift() ?? [],
      chooseSavePath: async () => dialogs.save.shift() ?? null,
      revealPath: (path) => dialogs.revealed.push(path),
      publicKeyFileDialogs: {
        open: async () => dialogs.publicKeyOpen.shift() ?? null,
        save: async (name) => {
          dialogs.suggested.push(name);
          return dialogs.publicKeySave.shift() ?? null;
        },
      },
    });
    registerIpcHandlers(this.ipc, this.#services.handlers);
  }

  /** Closes the services and starts them again on the same vault, as quitting and reopening the app does. */
  async restart(): Promise<void> {
    await this.close();
    await this.#boot();
  }

  async close(): Promise<void> {
    await this.#services?.close();
    this.#services = undefined;
  }

  /** A request from the app's page; the result as the page gets it (ok, or a CofferError's code and message). */
  invoke<T = any>(channel: string, payload: unknown = {}, url?: string | null): Promise<IpcResult<T>> {
    return this.ipc.invoke<T>(channel, payload, url);
  }

  /** A request that must succeed: its value, or a thrown error naming the channel and the refusal. */
  async ok<T = any>(channel: string, payload: unknown = {}): Promise<T> {
    const result = await this.invoke<T>(channel, payload);
    if (!result.ok) throw new Error(`${channel}: ${result.error.code} ${result.error.message}`);
    return result.value;
  }

  /** Handles for paths, as the window gets them: the user picks them in Coffer's open dialog. */
  async choose(kind: ChooseKind, ...paths: string[]): Promise<FileRef[]> {
    this.dialogs.open.push(paths);
    return (await this.ok<{ files: FileRef[] }>('files:choose', { kind })).files;
  }

  /** The jobs:finished event of a job, once main has sent it. */
  finished(jobId: string): Promise<EventPayloads['jobs:finished']> {
    return new Promise((resolve) => {
      const poll = setInterval(() => {
        const done = this.sent.find(
          (s) => s.event === 'jobs:finished' && (s.payload as EventPayloads['jobs:finished']).job_id === jobId,
        );
        if (done) {
          clearInterval(poll);
          resolve(done.payload as EventPayloads['jobs:finished']);
        }
      }, 5);
    });
  }

  /** Starts a job and waits for its results. */
  async runJob(request: object): Promise<EventPayloads['jobs:finished']['results']> {
    const { job_id } = await this.ok<{ job_id: string }>('jobs:start', request);
    return (await this.finished(job_id)).results;
  }
}
