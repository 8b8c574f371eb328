import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { MaxEncryptedDataKeys, parseFileJob, type FileAction, type FileJobRequest } from '../../shared/file-job.js';
import { DEFAULT_MAX_ENCRYPTED_DATA_KEYS, MAX_ENCRYPTED_DATA_KEYS_LIMIT } from '../../shared/file-format.js';
import type { FileResult } from '../../shared/kms-responses.js';
import { constants as osConstants } from 'node:os';
import { CofferError, errorFields } from '../../shared/errors.js';
import { parseEncryptionContextJson, type EncryptionContext } from '../core/crypto/encryption-context.js';
import { writableSuite } from '../core/envelope/algorithm-suites.js';
import { inspectMessage } from '../core/jobs/inspect-message.js';
import { runJobInAgent, type AgentJob, type AgentJobHooks } from '../agent/agent-client.js';
import { connectAgent } from '../agent/agent-socket.js';
import { runFileJob } from '../core/jobs/file-job-runner.js';
import { requestKeyrings } from '../core/keyrings/request-keyrings.js';
import { removeLiveTempsNow } from '../core/jobs/output-file.js';
import { WorkerPool } from '../core/jobs/worker-pool.js';
import { Vault } from '../core/vault/vault.js';
import {
  globalOptions,
  masterKeyCache,
  vaultEnvironment,
  wholeNumber,
  workersOption,
  type GlobalOptions,
} from './cli-context.js';
import { cliHost } from './cli-host.js';
import { printResult } from './cli-output.js';
import { FileProgressBar } from './progress-bar.js';

/** What commander hands over: the file job's fields under their option names (checked by the job's schema). */
interface FileCommandOptions {
  keyId?: string;
  alsoKeyId?: string[];
  recipient?: string[];
  outDir?: string;
  frameLength?: FileJobRequest['frame_length'];
  encryptionContext?: EncryptionContext;
  removeOriginals?: boolean;
  signed?: boolean;
  algorithmSuite?: number;
  requiredContextKeys?: string[];
  allowLegacyFormat?: boolean;
  maxEncryptedDataKeys?: number;
  workers?: number;
  /** false with --no-agent. */
  agent?: boolean;
}

/** How long a cancelled batch may take to wind down before the command ends regardless. */
const INTERRUPT_GRACE_MS = 2000;

interface Interruption {
  /** 130 after SIGINT, 143 after SIGTERM (128 + the signal's number), else undefined. */
  exitCode(): number | undefined;
  stop(): void;
}

/**
 * The first Ctrl-C (SIGINT) or SIGTERM cancels the batch: the running file's temporary output
 * is removed, the rest are reported cancelled, and the command exits 130 / 143. Should the
 * batch not wind down within two seconds (a system call that never returns), or on a second
 * signal, every temporary output is removed and the command exits at once.
 * In the agent, the command's own process going away cancels it.
 */
function cancelOnInterrupt(controller: AbortController): Interruption {
  const { signal } = cliHost();
  if (signal) {
    const cancel = (): void => controller.abort();
    signal.addEventListener('abort', cancel);
    if (signal.aborted) cancel();
    return { exitCode: () => undefined, stop: () => signal.removeEventListener('abort', cancel) };
  }
  let exitCode: number | undefined;
  const endNow = (): void => {
    removeLiveTempsNow();
    process.stderr.write(
      `${JSON.stringify({ error: errorFields(new CofferError('COFFER.2010', 'The command was interrupted; no output was left half-written.')) })}\n`,
    );
    process.exit(exitCode);
  };
  const onSignal = (name: NodeJS.Signals): void => {
    if (exitCode !== undefined) endNow();
    exitCode = 128 + (osConstants.signals[name] ?? 0);
    controller.abort();
    setTimeout(endNow, INTERRUPT_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    exitCode: () => exitCode,
    stop: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * The file job (shared/file-job.ts) with paths and the vault folder resolved here, checked whole
 * before any file is touched or any agent asked: a bad frame length, or encrypt-file without
 * --key-id, is the command's one refusal.
 */
function batchJob(action: FileAction, paths: string[], options: FileCommandOptions, global: GlobalOptions): AgentJob {
  const { cwd } = cliHost();
  const keyIds = [options.keyId, ...(options.alsoKeyId ?? [])].filter((k): k is string => k !== undefined);
  if (options.signed && options.algorithmSuite !== undefined && options.algorithmSuite !== 0x0578) {
    throw new CofferError('COFFER.2057', '--signed writes suite 0x0578; it cannot be combined with another --algorithm-suite.');
  }
  const suite = options.signed ? 0x0578 : options.algorithmSuite;
  const job = parseFileJob({
    action,
    paths: paths.map((path) => resolve(cwd, path)),
    ...(options.outDir === undefined ? {} : { out_dir: resolve(cwd, options.outDir) }),
    ...(action === 'encrypt' ? { key_ids: keyIds } : {}),
    ...(options.recipient === undefined ? {} : { recipients: options.recipient }),
    ...(options.frameLength === undefined ? {} : { frame_length: options.frameLength }),
    ...(options.encryptionContext === undefined ? {} : { encryption_context: options.encryptionContext }),
    ...(options.removeOriginals === undefined ? {} : { remove_originals: options.removeOriginals }),
    ...(suite === undefined ? {} : { algorithm_suite: suite }),
    ...(options.requiredContextKeys === undefined ? {} : { required_context_keys: options.requiredContextKeys }),
    ...(options.allowLegacyFormat === undefined ? {} : { allow_legacy_format: options.allowLegacyFormat }),
    ...(options.maxEncryptedDataKeys === undefined ? {} : { max_encrypted_data_keys: options.maxEncryptedDataKeys }),
  });
  return { job, vaultDir: vaultEnvironment(global).dir, workers: options.workers };
}

/** The job in this process: the agent's warm workers, else workers that start while the vault opens. */
async function runHere(job: AgentJob, hooks: AgentJobHooks): Promise<FileResult[]> {
  const warm = cliHost().pool;
  const pool = warm && job.workers === undefined ? warm : new WorkerPool(job.workers);
  try {
    const cache = masterKeyCache();
    const vault = Vault.open({ dir: job.vaultDir, passphrase: hooks.passphrase, ...(cache ? { masterKeyCache: cache } : {}) });
    return await runFileJob(job.job, { ...hooks, pool, keyrings: requestKeyrings({ vault }) });
  } finally {
    if (pool !== warm) await pool.close();
  }
}

async function runFiles(action: FileAction, paths: string[], options: FileCommandOptions, command: Command): Promise<void> {
  const global = globalOptions(command);
  const job = batchJob(action, paths, options, global);
  const controller = new AbortController();
  const interruption = cancelOnInterrupt(controller);
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
    host.exitCode = interruption.exitCode() ?? host.exitCode;
  } finally {
    bar?.stop();
    interruption.stop();
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const noAgentOption = (): Option => new Option('--no-agent', 'run here even when `coffer agent` is running');
/** "k1,k2" (repeatable): the names of context pairs kept out of the header. */
const collectKeys = (value: string, previous: string[] = []): string[] => {
  const keys = value.split(',').map((key) => key.trim());
  if (keys.some((key) => key.length === 0))
    throw new CofferError(
      'KMS.0208',
      `--required-context-keys takes key names separated by commas; "${value.slice(0, 60)}" has an empty one.`,
    );
  return [...new Set([...previous, ...keys])];
};
const legacyOption = (): Option =>
  new Option('--allow-legacy-format', 'also open AWS Encryption SDK 1.x files (message format v1); Coffer never writes them');
/** `--max-encrypted-data-keys N`, named after the ESDK's maxEncryptedDataKeys; beats COFFER_MAX_EDKS. */
const maxEdksOption = (): Option =>
  new Option(
    '--max-encrypted-data-keys <n>',
    `refuse a header with more encrypted data keys than this, before any key is used (1..${MAX_ENCRYPTED_DATA_KEYS_LIMIT}; default $COFFER_MAX_EDKS, else ${DEFAULT_MAX_ENCRYPTED_DATA_KEYS})`,
  ).argParser((text) => {
    const parsed = MaxEncryptedDataKeys.safeParse(wholeNumber('KMS.0308', '--max-encrypted-data-keys')(text));
    if (!parsed.success) {
      throw new CofferError(
        'KMS.0308',
        `--max-encrypted-data-keys takes 1..${MAX_ENCRYPTED_DATA_KEYS_LIMIT} (the most a header can hold); ${text} was given.`,
      );
    }
    return parsed.data;
  });
const givenContextOption = (): Option =>
  new Option(
    '--encryption-context <json>',
    'pairs the file was encrypted with and kept out of its header (--required-context-keys); pairs it stores must match',
  ).argParser(parseEncryptionContextJson);

export function registerFileCommands(program: Command): void {
  program
    .command('encrypt-file')
    .description('encrypt files and folders, each file to NAME.coffer with a fresh data key wrapped by the CMK')
    .argument('<paths...>', 'files and folders')
    .option('--key-id <key>', 'the CMK that wraps each data key (a key id or alias/NAME)')
    .option('--also-key-id <key>', 'another CMK that can open the files too (repeatable)', collect)
    .option('--recipient <name>', 'a contact whose own Coffer can open the files (repeatable; see add-contact)', collect)
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
    .option(
      '--signed',
      'sign each file (suite 0x0578, ECDSA P-384, the AWS Encryption SDK default): proves it was not changed after',
    )
    .addOption(
      new Option('--algorithm-suite <id>', '0x0478 (default: unsigned) or 0x0578 (signed)').argParser(
        (text) => writableSuite(text).id,
      ),
    )
    .addOption(
      new Option(
        '--required-context-keys <keys>',
        'keys of --encryption-context kept out of the header yet bound to the file: decrypting needs them back (comma-separated)',
      ).argParser(collectKeys),
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
    .addOption(givenContextOption())
    .addOption(legacyOption())
    .addOption(maxEdksOption())
    .addOption(workersOption())
    .addOption(noAgentOption())
    .action((paths: string[], options: FileCommandOptions, command: Command) => runFiles('decrypt', paths, options, command));

  program
    .command('verify-file')
    .description('authenticate every byte of Coffer files, writing nothing')
    .argument('<paths...>', 'files and folders')
    .addOption(givenContextOption())
    .addOption(legacyOption())
    .addOption(maxEdksOption())
    .addOption(workersOption())
    .addOption(noAgentOption())
    .action((paths: string[], options: FileCommandOptions, command: Command) => runFiles('verify', paths, options, command));

  program
    .command('inspect-file')
    .description("show a Coffer file's header without using any key")
    .argument('<path>', 'a .coffer file')
    .addOption(maxEdksOption())
    .action(async (path: string, options: { maxEncryptedDataKeys?: number }) =>
      printResult(await inspectMessage(path, { maxEncryptedDataKeys: options.maxEncryptedDataKeys })),
    );
}
