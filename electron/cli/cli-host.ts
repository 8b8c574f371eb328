import { AsyncLocalStorage } from 'node:async_hooks';
import type { WorkerPool } from '../core/jobs/worker-pool.js';
import type { MasterKeyCache } from '../core/vault/master-key-cache.js';

export interface HostStream {
  write(text: string): void;
  readonly isTTY: boolean;
}

/**
 * Where a command runs: its folder, environment and streams. Usually this process's; in the
 * agent, those of the `coffer` process that sent the command, which is why commands read them
 * here and never from `process` directly. Each command sees its own host, even when the agent
 * runs several at once.
 */
export interface CliHost {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: HostStream;
  readonly stderr: HostStream;
  readonly stdinIsTTY: boolean;
  /** The agent's: aborted when the sending process goes away. Without it, Ctrl-C cancels. */
  readonly signal?: AbortSignal;
  /** The agent's warm crypto workers; without them a file command starts its own. */
  readonly pool?: WorkerPool;
  /** The agent's passphrase cache, for a command the agent runs. */
  readonly masterKeyCache?: MasterKeyCache;
  /** The command runs in the agent already: it never hands its job to an agent. */
  readonly inAgent: boolean;
  /** 1 once a batch has partly failed (every answer was printed); 128 + N once signal N cancelled it. */
  exitCode?: number;
}

const processHost: CliHost = {
  get cwd() {
    return process.cwd();
  },
  env: process.env,
  stdout: {
    write: (text) => void process.stdout.write(text),
    get isTTY() {
      return Boolean(process.stdout.isTTY);
    },
  },
  stderr: {
    write: (text) => void process.stderr.write(text),
    get isTTY() {
      return Boolean(process.stderr.isTTY);
    },
  },
  get stdinIsTTY() {
    return Boolean(process.stdin.isTTY);
  },
  inAgent: false,
};

const current = new AsyncLocalStorage<CliHost>();

export function cliHost(): CliHost {
  return current.getStore() ?? processHost;
}

export function runInHost<T>(host: CliHost, work: () => Promise<T>): Promise<T> {
  return current.run(host, work);
}
