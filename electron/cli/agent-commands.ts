import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { CofferError } from '../../shared/errors.js';
import { agentStatus, stopAgent } from '../agent/agent-client.js';
import { errorFromValue, type AgentStatus } from '../agent/agent-protocol.js';
import { AgentServer, type ArgvRunner } from '../agent/agent-server.js';
import { agentSocketPath, agentSupported } from '../agent/agent-socket.js';
import { agentRunsArgv } from '../agent/agent-argv.js';
import { action, wholeNumber, workersOption } from './cli-context.js';
import { runInHost } from './cli-host.js';

interface AgentCommandOptions {
  idleTimeout: number;
  workers?: number;
  cachePassphrase: number;
}

const DEFAULT_IDLE_SECONDS = 600;
const MAX_IDLE_SECONDS = 7 * 24 * 3600;
const START_TIMEOUT_MS = 20_000;

function requireSupport(): void {
  if (!agentSupported()) {
    throw new CofferError('COFFER.6003', 'The agent runs on Linux and macOS; on this system every command runs on its own.');
  }
}

function idleSeconds(text: string): number {
  const seconds = wholeNumber('KMS.0308', '--idle-timeout')(text);
  if (seconds < 0 || seconds > MAX_IDLE_SECONDS) {
    throw new CofferError('KMS.0308', `--idle-timeout must be 0 (never) to ${MAX_IDLE_SECONDS} seconds; ${seconds} is not.`);
  }
  return seconds;
}

const MAX_CACHE_SECONDS = 24 * 3600;

function cacheSeconds(text: string): number {
  const seconds = wholeNumber('KMS.0308', '--cache-passphrase')(text);
  if (seconds < 0 || seconds > MAX_CACHE_SECONDS) {
    throw new CofferError('KMS.0308', `--cache-passphrase must be 0 (off) to ${MAX_CACHE_SECONDS} seconds; ${seconds} is not.`);
  }
  return seconds;
}

/** The agent's status as the commands print it. */
const runningView = (status: AgentStatus) => ({
  running: true,
  pid: status.pid,
  socket: status.socket,
  build: status.build,
  started_at: status.started_at,
  jobs: status.jobs,
  jobs_done: status.jobs_done,
  idle_timeout_seconds: status.idle_timeout_seconds,
  passphrase_cache_seconds: status.passphrase_cache_seconds,
  cached_vaults: status.cached_vaults,
});

/** Starts `coffer agent run` in the background and waits for it to listen (or for its error). */
async function startInBackground(options: AgentCommandOptions): Promise<object> {
  const running = await agentStatus();
  if (running) return { ...runningView(running), already_running: true };
  const args = [...process.execArgv, process.argv[1]!, 'agent', 'run', '--idle-timeout', String(options.idleTimeout)];
  if (options.workers !== undefined) args.push('--workers', String(options.workers));
  if (options.cachePassphrase > 0) args.push('--cache-passphrase', String(options.cachePassphrase));
  // Its own session (detached), so closing this terminal does not end it.
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new CofferError('KMS.0101', `The agent did not start within ${START_TIMEOUT_MS / 1000} s. ${stderr.trim()}`));
      }, START_TIMEOUT_MS);
      child.stdout.on('data', () => {
        if (stdout.includes('\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', () => {
        clearTimeout(timer);
        reject(startFailure(stderr));
      });
    });
  } finally {
    child.stdout.destroy();
    child.stderr.destroy();
    child.unref();
  }
  const status = await agentStatus();
  if (!status) throw new CofferError('KMS.0101', 'The agent started but does not answer on its socket.');
  return { ...runningView(status), already_running: false };
}

/** The agent's own error, as it printed it on stderr. */
function startFailure(stderr: string): CofferError {
  try {
    const { error } = JSON.parse(stderr.trim()) as { error: { error_code: string; error_msg: string } };
    return errorFromValue({ code: error.error_code, message: error.error_msg });
  } catch {
    return new CofferError('KMS.0101', `The agent did not start: ${stderr.trim() || 'it ended without a word'}.`);
  }
}

/** Runs the agent in this process until it is stopped or idle for its timeout. */
async function runInForeground(
  options: AgentCommandOptions,
  runCli: (argv: readonly string[]) => Promise<number>,
): Promise<void> {
  // A scripted command sent whole runs here as it would in its own process, with its sender's
  // folder, environment and streams, and the agent's warm workers.
  const runArgv: ArgvRunner = async (argv, host) =>
    agentRunsArgv(argv) ? runInHost({ ...host, stdinIsTTY: false, inAgent: true }, () => runCli(argv)) : undefined;
  const agent = await AgentServer.start({
    socket: agentSocketPath(),
    idleTimeoutSeconds: options.idleTimeout,
    workers: options.workers,
    cachePassphraseSeconds: options.cachePassphrase,
    runArgv,
  });
  const stop = (): void => void agent.stop();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(`${JSON.stringify(runningView(agent.status()))}\n`);
  // `agent start` stops listening once it has read that line; nothing more is written.
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  await agent.stopped;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
}

/** Waits for a stopped agent's socket to go, so that a following start finds the place free. */
async function socketGone(socket: string): Promise<void> {
  for (let waited = 0; existsSync(socket) && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
}

/** `runCli` comes from main.ts, which registers these commands: the agent runs commands with it. */
export function registerAgentCommands(program: Command, runCli: (argv: readonly string[]) => Promise<number>): void {
  const agent = program
    .command('agent')
    .description('a background helper that keeps the crypto workers warm, so file commands start faster (Linux, macOS)');
  const idleOption = (): Option =>
    new Option('--idle-timeout <seconds>', 'stop after this long without a job; 0 never stops')
      .argParser(idleSeconds)
      .default(DEFAULT_IDLE_SECONDS);
  const cacheOption = (): Option =>
    new Option(
      '--cache-passphrase <seconds>',
      'hold a passphrase vault unlocked this long after a command unlocks it (0: off; in memory only, forgotten on stop)',
    )
      .argParser(cacheSeconds)
      .default(0);

  agent
    .command('start')
    .description('start the agent in the background (does nothing if it runs already)')
    .addOption(idleOption())
    .addOption(workersOption())
    .addOption(cacheOption())
    .action(
      action(async (options: AgentCommandOptions) => {
        requireSupport();
        return startInBackground(options);
      }),
    );
  agent
    .command('run')
    .description('run the agent in this process, as a service manager would (prints one line when it listens)')
    .addOption(idleOption())
    .addOption(workersOption())
    .addOption(cacheOption())
    .action(async (options: AgentCommandOptions) => {
      requireSupport();
      await runInForeground(options, runCli);
    });
  agent
    .command('stop')
    .description('stop the agent; jobs it is running are cancelled and leave no output')
    .action(
      action(async () => {
        requireSupport();
        const socket = agentSocketPath();
        const cancelled = await stopAgent(socket);
        if (cancelled === undefined) return { running: false, was_running: false, socket };
        await socketGone(socket);
        return { running: false, was_running: true, cancelled_jobs: cancelled, socket };
      }),
    );
  agent
    .command('status')
    .description('say whether the agent runs, and what it is doing')
    .action(
      action(async () => {
        const status = agentSupported() ? await agentStatus() : undefined;
        return status ? runningView(status) : { running: false, socket: agentSupported() ? agentSocketPath() : null };
      }),
    );
}
