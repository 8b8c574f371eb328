import { rmSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import lockfile from 'proper-lockfile';
import { CofferError, errorFields, toErrorValue } from '../../shared/errors.js';
import { runFileJob } from '../core/jobs/file-job-runner.js';
import { requestKeyrings } from '../core/keyrings/request-keyrings.js';
import { WorkerPool } from '../core/jobs/worker-pool.js';
import type { MasterKeyCache } from '../core/vault/master-key-cache.js';
import { Vault } from '../core/vault/vault.js';
import { AgentKeyCache } from './agent-key-cache.js';
import {
  ClientMessage,
  errorFromValue,
  readMessages,
  sendMessage,
  type AgentStatus,
  type RunArgvRequest,
  type RunFilesRequest,
} from './agent-protocol.js';
import { preparePrivateFolder } from './agent-socket.js';
import { AGENT_PROTOCOL, buildStamp, writeOutput } from './agent-wire.js';

const LOCK_STALE_MS = 3_000;

/** What a command run from its arguments gets in place of its own process. */
export interface ArgvHost {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): void; readonly isTTY: boolean };
  stderr: { write(text: string): void; readonly isTTY: boolean };
  /** Aborted when the command's process goes away or asks to cancel. */
  signal: AbortSignal;
  pool: WorkerPool;
  /** The agent's passphrase cache, which the command's vault asks before the passphrase. */
  masterKeyCache: MasterKeyCache;
}

/** Runs a command from its arguments; undefined (without running it) when it is not the agent's to run. */
export type ArgvRunner = (argv: readonly string[], host: ArgvHost) => Promise<number | undefined>;

export interface AgentOptions {
  socket: string;
  /** Runs scripted commands sent whole by the thin client (the CLI supplies it). */
  runArgv?: ArgvRunner;
  /** Stop after this long without a job; 0 never stops. */
  idleTimeoutSeconds: number;
  /** Crypto worker threads kept warm (default: one per core). */
  workers?: number;
  /** Hold an unlocked passphrase vault's master key this long; 0 (the default) never holds one. */
  cachePassphraseSeconds?: number;
}

interface RunningJob {
  controller: AbortController;
  /** Set while the job waits for the CLI to send the vault's passphrase. */
  passphrase?: { resolve: (value: string) => void; reject: (error: Error) => void };
}

/**
 * The resident helper: a process that keeps the crypto workers warm and runs the CLI's file jobs,
 * so a command pays no process start-up beyond its own small client. It holds no key between
 * jobs: each job opens the vault afresh, as the CLI would, so key states, the lock and the audit
 * trail behave exactly as without it.
 */
export class AgentServer {
  readonly build = buildStamp(import.meta.url);
  readonly startedAt = new Date();
  /** Settles when the agent has stopped. */
  readonly stopped: Promise<void>;

  /** Unlocked passphrase vaults, when the user opted in. */
  readonly keyCache: AgentKeyCache;
  /** Each running job, and the promise that settles when it has finished and hung up. */
  private readonly jobs = new Map<RunningJob, Promise<void>>();
  private jobsDone = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<number> | undefined;
  private markStopped!: () => void;

  private constructor(
    private readonly options: AgentOptions,
    private readonly server: Server,
    private readonly pool: WorkerPool,
    private readonly releaseLock: () => Promise<void>,
  ) {
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
    this.keyCache = new AgentKeyCache(options.cachePassphraseSeconds ?? 0);
    server.on('connection', (socket) => this.serve(socket));
    this.armIdleTimer();
  }

  static async start(options: AgentOptions): Promise<AgentServer> {
    preparePrivateFolder(options.socket);
    let release: () => Promise<void>;
    try {
      // Held for the agent's life, refreshed every second: a second agent on the same socket is
      // refused, and the lock of one that was killed goes stale on its own within seconds (the
      // wait covers that, so a start right after a crash succeeds).
      release = await lockfile.lock(options.socket, {
        lockfilePath: `${options.socket}.lock`,
        realpath: false,
        stale: LOCK_STALE_MS,
        update: 1_000,
        retries: { retries: Math.ceil((LOCK_STALE_MS + 1_000) / 100), minTimeout: 100, maxTimeout: 100 },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
        throw new CofferError(
          'COFFER.6004',
          `An agent is already running on ${options.socket}: \`coffer agent status\` shows it.`,
        );
      }
      throw error;
    }
    try {
      // Only a killed agent leaves its socket behind, and the lock proves that one is gone.
      rmSync(options.socket, { force: true });
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.socket, () => resolve());
      });
      await chmod(options.socket, 0o600);
      return new AgentServer(options, server, new WorkerPool(options.workers), release);
    } catch (error) {
      await release().catch(() => undefined);
      throw error;
    }
  }

  status(): AgentStatus {
    return {
      type: 'status',
      pid: process.pid,
      socket: this.options.socket,
      build: this.build,
      started_at: this.startedAt.toISOString(),
      jobs: this.jobs.size,
      jobs_done: this.jobsDone,
      idle_timeout_seconds: this.options.idleTimeoutSeconds,
      passphrase_cache_seconds: this.keyCache.seconds,
      cached_vaults: this.keyCache.size,
    };
  }

  /** Cancels running jobs (their temporary files are removed), closes the socket, and ends. */
  stop(): Promise<number> {
    this.stopping ??= (async () => {
      clearTimeout(this.idleTimer);
      this.keyCache.clear();
      const cancelled = this.jobs.size;
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      for (const job of this.jobs.keys()) job.controller.abort();
      await Promise.all(this.jobs.values());
      await closed;
      await this.pool.close();
      await this.releaseLock().catch(() => undefined);
      this.markStopped();
      return cancelled;
    })();
    return this.stopping;
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    if (this.options.idleTimeoutSeconds > 0 && this.jobs.size === 0 && !this.stopping) {
      this.idleTimer = setTimeout(() => void this.stop(), this.options.idleTimeoutSeconds * 1000);
    }
  }

  private serve(socket: Socket): void {
    let job: RunningJob | undefined;
    socket.on('error', () => socket.destroy());
    // A CLI that goes away (Ctrl-C twice, killed) takes its job with it.
    socket.on('close', () => {
      job?.controller.abort();
      job?.passphrase?.reject(new CofferError('COFFER.2010', 'The command that asked for this job has ended.'));
    });
    readMessages(
      socket,
      ClientMessage,
      (message) => {
        switch (message.type) {
          case 'run-files':
          case 'run-argv': {
            if (job) return void socket.destroy();
            const refusal = this.refusal(message);
            if (refusal) {
              sendMessage(socket, { type: 'refused', reason: refusal });
              return void socket.end();
            }
            const running: RunningJob = { controller: new AbortController() };
            job = running;
            const work =
              message.type === 'run-files' ? this.runFiles(socket, running, message) : this.runArgv(socket, running, message);
            this.track(socket, running, work);
            return;
          }
          case 'passphrase':
            job?.passphrase?.resolve(message.value);
            return;
          case 'passphrase-refused':
            job?.passphrase?.reject(errorFromValue(message.error));
            return;
          case 'cancel':
            job?.controller.abort();
            return;
          case 'status':
            sendMessage(socket, this.status());
            return void socket.end();
          case 'stop':
            sendMessage(socket, { type: 'stopping', cancelled_jobs: this.jobs.size });
            socket.end();
            void this.stop();
            return;
          case 'key-cache-get':
          case 'key-cache-put':
          case 'key-cache-forget':
            if (job) return void socket.destroy();
            void this.answerKeyCache(socket, message);
            return;
        }
      },
      () => socket.destroy(),
    );
  }

  /**
   * The passphrase cache for a command running in its own process. Only this user can reach the
   * socket (its folder is mode 700, checked by both sides), the same trust as the agent's memory.
   * Use counts as activity, so the agent does not idle out under a stream of short commands.
   */
  private async answerKeyCache(
    socket: Socket,
    message: Extract<ClientMessage, { type: 'key-cache-get' | 'key-cache-put' | 'key-cache-forget' }>,
  ): Promise<void> {
    this.armIdleTimer();
    try {
      if (message.type === 'key-cache-get') {
        const vmk = await this.keyCache.get(message.vaultDir);
        sendMessage(socket, { type: 'key-cache', vmk: vmk?.toString('base64') ?? null });
        vmk?.fill(0);
      } else {
        if (message.type === 'key-cache-put') {
          const vmk = Buffer.from(message.vmk, 'base64');
          await this.keyCache.put(message.vaultDir, vmk);
          vmk.fill(0);
        } else await this.keyCache.forget(message.vaultDir);
        sendMessage(socket, { type: 'key-cache-done' });
      }
    } finally {
      socket.end();
    }
  }

  /** Why this agent does not take the job (the command then runs it itself), if it does not. */
  private refusal(message: RunFilesRequest | RunArgvRequest): string | undefined {
    if (message.protocol !== AGENT_PROTOCOL || message.build !== this.build)
      return `this agent is build ${this.build}, the command ${message.build}`;
    if (this.stopping) return 'this agent is stopping';
    if (message.type === 'run-argv' && !this.options.runArgv) return 'this agent runs no commands from arguments';
    return undefined;
  }

  /** `work` says whether it ran the job (a command the agent does not run is only declined). */
  private track(socket: Socket, job: RunningJob, work: Promise<boolean>): void {
    clearTimeout(this.idleTimer);
    const finished = work.then(
      (ran) => ran,
      () => true,
    );
    this.jobs.set(
      job,
      finished.then((ran) => {
        socket.end();
        this.jobs.delete(job);
        if (ran) this.jobsDone += 1;
        this.armIdleTimer();
      }),
    );
  }

  /** A scripted command, sent whole: it runs here with the sender's folder, environment and streams. */
  private async runArgv(socket: Socket, job: RunningJob, request: RunArgvRequest): Promise<boolean> {
    const stream = (name: 'stdout' | 'stderr') => ({
      write: (text: string) => writeOutput(socket, name, text),
      isTTY: false,
    });
    try {
      const code = await this.options.runArgv!(request.argv, {
        cwd: request.cwd,
        env: request.env,
        stdout: stream('stdout'),
        stderr: stream('stderr'),
        signal: job.controller.signal,
        pool: this.pool,
        masterKeyCache: this.keyCache,
      });
      if (code === undefined) {
        sendMessage(socket, { type: 'refused', reason: 'not a command the agent runs' });
        return false;
      }
      sendMessage(socket, { type: 'exit', code });
    } catch (error) {
      writeOutput(socket, 'stderr', `${JSON.stringify({ error: errorFields(error) })}\n`);
      sendMessage(socket, { type: 'exit', code: 1 });
    }
    return true;
  }

  private async runFiles(socket: Socket, job: RunningJob, request: RunFilesRequest): Promise<boolean> {
    const pool = request.workers === undefined ? this.pool : new WorkerPool(request.workers);
    try {
      const opening = Vault.open({
        dir: request.vaultDir,
        masterKeyCache: this.keyCache,
        // The CLI asks its user (or reads its file or environment) and sends the answer back.
        passphrase: () =>
          new Promise<string>((resolve, reject) => {
            job.passphrase = { resolve, reject };
            sendMessage(socket, { type: 'need-passphrase' });
          }).finally(() => (job.passphrase = undefined)),
      });
      const files = await runFileJob(request.job, {
        pool,
        keyrings: requestKeyrings({ vault: opening }),
        signal: job.controller.signal,
        onVaultOpened: () => sendMessage(socket, { type: 'vault-opened' }),
        onFileStart: (input, index, count) => sendMessage(socket, { type: 'file-start', input, index, count }),
        onProgress: (input, progress) => sendMessage(socket, { type: 'progress', input, progress }),
      });
      sendMessage(socket, { type: 'done', files });
    } catch (error) {
      sendMessage(socket, { type: 'failed', error: toErrorValue(error) });
    } finally {
      if (pool !== this.pool) await pool.close();
    }
    return true;
  }
}
