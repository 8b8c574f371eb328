import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { CofferError } from '../../shared/errors.js';
import { parseEncryptionContextJson, type EncryptionContext } from '../core/crypto/encryption-context.js';
import { inspectMessage } from '../core/jobs/inspect-message.js';
import { runJobInAgent, type AgentJob, type AgentJobHooks } from '../agent/agent-client.js';
import { connectAgent } from '../agent/agent-socket.js';
import type { FileAction, FileResult } from '../core/jobs/file-batch.js';
import { runVaultFileBatch } from '../core/jobs/vault-file-batch.js';
import { WorkerPool } from '../core/jobs/worker-pool.js';
import { Vault } from '../core/vault/vault.js';
import { globalOptions, vaultEnvironment, wholeNumber, workersOption, type GlobalOptions } from './cli-context.js';
import { cliHost } from './cli-host.js';
import { printResult } from './cli-output.js';
import { FileProgressBar } from './progress-bar.js';

interface FileCommandOptions {
  keyId?: string;
  alsoKeyId?: string[];
  outDir?: string;
  frameLength?: number;
  encryptionContext?: EncryptionContext;
  removeOriginals?: boolean;
  workers?: number;
  /** false with --no-agent. */
  agent?: boolean;
}

/**
 * Ctrl-C cancels the running file (its temporary output is removed); a second one quits at once.
 * In the agent, the command's own process going away cancels it.
 */
function cancelOnInterrupt(controller: AbortController): () => void {
  const { signal } = cliHost();
  if (signal) {
    const cancel = (): void => controller.abort();
    signal.addEventListener('abort', cancel);
    if (signal.aborted) cancel();
    return () => signal.removeEventListener('abort', cancel);
  }
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** What the batch runs with, wherever it runs: paths and the vault folder resolved here. */
function batchJob(action: FileAction, paths: string[], options: FileCommandOptions, global: GlobalOptions): AgentJob {
  const { cwd } = cliHost();
  return {
    action,
    paths: paths.map((path) => resolve(cwd, path)),
    vaultDir: vaultEnvironment(global).dir,
    keyIds: [options.keyId ?? '', ...(options.alsoKeyId ?? [])].filter(Boolean),
    outDir: options.outDir === undefined ? undefined : resolve(cwd, options.outDir),
    frameLength: options.frameLength,
    encryptionContext: options.encryptionContext,
    removeOriginals: options.removeOriginals,
    workers: options.workers,
  };
}

/** The batch in this process: the agent's warm workers, else workers that start while the vault opens. */
async function runHere(job: AgentJob, hooks: AgentJobHooks): Promise<FileResult[]> {
  const warm = cliHost().pool;
  const pool = warm && job.workers === undefined ? warm : new WorkerPool(job.workers);
  try {
    return await runVaultFileBatch(Vault.open({ dir: job.vaultDir, passphrase: hooks.passphrase }), job, { ...hooks, pool });
  } finally {
    if (pool !== warm) await pool.close();
  }
}

async function runFiles(action: FileAction, paths: string[], options: FileCommandOptions, command: Command): Promise<void> {
  if (action === 'encrypt' && !options.keyId)
    throw new CofferError('KMS.0204', "encrypt-file needs --key-id: the CMK that wraps each file's data key.");
  const global = globalOptions(command);
  const job = batchJob(action, paths, options, global);
  const controller = new AbortController();
  const stopListening = cancelOnInterrupt(controller);
  // The bar waits for the vault, whose passphrase prompt may be on the terminal.
  let bar: FileProgressBar | undefined;
  let started: [input: string, index: number, count: number] | undefined;
  const hooks: AgentJobHooks = {
    signal: controller.signal,
    passphrase: vaultEnvironment(global).passphrase!,
    onVaultOpened: () => {
      bar = FileProgressBar.forTerminal();
      if (started) bar?.fileStarted(...started);
    },
    onFileStart: (input, index, count) => {
      started = [input, index, count];
      bar?.fileStarted(input, index, count);
    },
    onProgress: (_input, progress) => bar?.update(progress),
  };
  try {
    // A running agent (`coffer agent start`) has its workers warm: the job runs there.
    const host = cliHost();
    const agent = options.agent === false || host.inAgent || host.env.COFFER_AGENT === 'off' ? undefined : await connectAgent();
    const files = (agent && (await runJobInAgent(agent, job, hooks))) || (await runHere(job, hooks));
    bar?.stop();
    printResult({ files });
    if (files.some((f) => f.status === 'error')) host.exitCode = 1;
  } finally {
    bar?.stop();
    stopListening();
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const noAgentOption = (): Option => new Option('--no-agent', 'run here even when `coffer agent` is running');

export function registerFileCommands(program: Command): void {
  program
    .command('encrypt-file')
    .description('encrypt files and folders, each file to NAME.coffer with a fresh data key wrapped by the CMK')
    .argument('<paths...>', 'files and folders')
    .option('--key-id <key>', 'the CMK that wraps each data key (a key id or alias/NAME)')
    .option('--also-key-id <key>', 'another CMK that can open the files too (repeatable)', collect)
    .option('--out-dir <dir>', 'write the encrypted files here (folders keep their structure)')
    .addOption(
      new Option('--frame-length <bytes>', 'bytes per frame, 1 KiB..16 MiB (default 256 KiB)').argParser(
        wholeNumber('COFFER.2012', '--frame-length'),
      ),
    )
    .addOption(
      new Option('--encryption-context <json>', 'string pairs stored in the header, in the clear: no secrets').argParser(
        parseEncryptionContextJson,
      ),
    )
    .option('--remove-originals', 'delete each original once its encrypted copy has been verified')
    .addOption(workersOption())
    .addOption(noAgentOption())
    .action((paths: string[], options: FileCommandOptions, command: Command) => runFiles('encrypt', paths, options, command));

  program
    .command('decrypt-file')
    .description('decrypt NAME.coffer files (and folders of them) to NAME, never over an existing file')
    .argument('<paths...>', 'files and folders')
    .option('--out-dir <dir>', 'write the decrypted files here')
    .addOption(workersOption())
    .addOption(noAgentOption())
    .action((paths: string[], options: FileCommandOptions, command: Command) => runFiles('decrypt', paths, options, command));

  program
    .command('verify-file')
    .description('authenticate every byte of Coffer files, writing nothing')
    .argument('<paths...>', 'files and folders')
    .addOption(workersOption())
    .addOption(noAgentOption())
    .action((paths: string[], options: FileCommandOptions, command: Command) => runFiles('verify', paths, options, command));

  program
    .command('inspect-file')
    .description("show a Coffer file's header without using any key")
    .argument('<path>', 'a .coffer file')
    .action(async (path: string) => printResult(await inspectMessage(path)));
}
