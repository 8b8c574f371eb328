import { Option, type Command } from 'commander';
import { CofferError } from '../../shared/errors.js';
import { parseEncryptionContextJson, type EncryptionContext } from '../crypto/encryption-context.js';
import { inspectMessage } from '../envelope/inspect-message.js';
import { runFileBatch, type FileAction } from '../jobs/file-batch.js';
import { vaultKeyring } from '../jobs/vault-keyring.js';
import { WorkerPool } from '../jobs/worker-pool.js';
import { globalOptions, openVault, wholeNumber } from './cli-context.js';
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
}

/** Ctrl-C cancels the running file (its temporary output is removed); a second one quits at once. */
function cancelOnInterrupt(controller: AbortController): () => void {
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

async function runFiles(action: FileAction, paths: string[], options: FileCommandOptions, command: Command): Promise<void> {
  if (action === 'encrypt' && !options.keyId)
    throw new CofferError('KMS.0204', "encrypt-file needs --key-id: the CMK that wraps each file's data key.");
  // The workers start up while the vault opens (each loads its script: tens of milliseconds).
  const pool = new WorkerPool(options.workers);
  const controller = new AbortController();
  const stopListening = cancelOnInterrupt(controller);
  // The bar waits for the vault, whose passphrase prompt may be on the terminal.
  let bar: FileProgressBar | undefined;
  let started: [input: string, index: number, count: number] | undefined;
  const opening = openVault(globalOptions(command));
  opening.then(
    () => {
      bar = FileProgressBar.forTerminal();
      if (started) bar?.fileStarted(...started);
    },
    () => controller.abort(),
  );
  try {
    // Encryption seals a file's body while the vault opens (the data key is wrapped last);
    // decryption needs the key first.
    if (action !== 'encrypt') await opening;
    const operation = action === 'verify' ? 'verify-file' : 'decrypt-file';
    const files = await runFileBatch(
      {
        action,
        paths,
        outDir: options.outDir,
        frameLength: options.frameLength,
        encryptionContext: options.encryptionContext,
        removeOriginals: options.removeOriginals,
      },
      {
        pool,
        signal: controller.signal,
        encryptKeys: vaultKeyring(opening, [options.keyId ?? '', ...(options.alsoKeyId ?? [])].filter(Boolean), 'encrypt-file'),
        decryptKeys: vaultKeyring(opening, [], operation),
        onFileStart: (input, index, count) => {
          started = [input, index, count];
          bar?.fileStarted(input, index, count);
        },
        onProgress: (_input, progress) => bar?.update(progress),
      },
    );
    // A vault that did not open stopped the batch: its error is the command's.
    await opening;
    bar?.stop();
    printResult({ files });
    if (files.some((f) => f.status === 'error')) process.exitCode = 1;
  } finally {
    bar?.stop();
    stopListening();
    await pool.close();
  }
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
const workersOption = (): Option =>
  new Option('--workers <n>', 'crypto worker threads (default: one per core)').argParser(wholeNumber('KMS.0308', '--workers'));

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
    .action((paths: string[], options: FileCommandOptions, command: Command) => runFiles('encrypt', paths, options, command));

  program
    .command('decrypt-file')
    .description('decrypt NAME.coffer files (and folders of them) to NAME, never over an existing file')
    .argument('<paths...>', 'files and folders')
    .option('--out-dir <dir>', 'write the decrypted files here')
    .addOption(workersOption())
    .action((paths: string[], options: FileCommandOptions, command: Command) => runFiles('decrypt', paths, options, command));

  program
    .command('verify-file')
    .description('authenticate every byte of Coffer files, writing nothing')
    .argument('<paths...>', 'files and folders')
    .addOption(workersOption())
    .action((paths: string[], options: FileCommandOptions, command: Command) => runFiles('verify', paths, options, command));

  program
    .command('inspect-file')
    .description("show a Coffer file's header without using any key")
    .argument('<path>', 'a .coffer file')
    .action(async (path: string) => printResult(await inspectMessage(path)));
}
