import { constants, promises as fs } from 'node:fs';
import { CofferError } from '../../../shared/errors.js';
import { parseFileJob, type FileJobRequest } from '../../../shared/file-job.js';
import type { FileResult } from '../../../shared/kms-responses.js';
import type { RequestKeyrings } from '../keyrings/request-keyrings.js';
import { planFiles, runFileBatch, type BatchHooks } from './file-batch.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * The one way a file job runs, whichever face asked for it: the CLI in its own process, the agent
 * (for a command sent whole or a batch sent by the CLI) and the app's job queue all call
 * runFileJob. Here, and only here, the request is checked whole, the output folder is checked,
 * and the request's key references become keyrings (request-keyrings.ts).
 */
export interface FileJobHooks extends BatchHooks {
  /** The keys can be used (a vault's passphrase prompt, if any, has been answered). */
  onVaultOpened?: () => void;
}

export interface FileJobContext extends FileJobHooks {
  pool: WorkerPool;
  keyrings: RequestKeyrings;
  signal?: AbortSignal;
}

/** The request checked whole: a CofferError, before any file is touched, when it is not valid. */
export function checkFileJob(request: unknown): FileJobRequest {
  return parseFileJob(request);
}

/**
 * The output folder, made if it is missing, or the one refusal that says why it cannot be used
 * (every file would fail the same way).
 */
async function prepareOutputFolder(dir: string): Promise<void> {
  const stats = await fs.stat(dir).catch(() => null);
  if (stats && !stats.isDirectory()) {
    throw new CofferError('COFFER.2016', `The output folder ${dir} is a file: give a folder (it is made if missing).`);
  }
  try {
    if (!stats) await fs.mkdir(dir, { recursive: true });
    await fs.access(dir, constants.W_OK);
  } catch (error) {
    throw new CofferError(
      'COFFER.2016',
      `The output folder ${dir} cannot be written (${(error as Error).message}): choose another, or check its permissions.`,
    );
  }
}

/**
 * The files are planned, and read, while the keys get ready (a vault opening): encryption seals
 * each file's body and wraps its data key last; decryption reads headers and waits for the keys
 * only to unwrap. Keys that never get ready stop the job, and their error is the job's.
 */
export async function runFileJob(input: unknown, context: FileJobContext): Promise<FileResult[]> {
  const request = checkFileJob(input);
  const { keyrings } = context;
  const keysFailed = new AbortController();
  keyrings.ready.then(
    () => context.onVaultOpened?.(),
    () => keysFailed.abort(),
  );
  const signal = context.signal ? AbortSignal.any([context.signal, keysFailed.signal]) : keysFailed.signal;
  if (request.out_dir !== undefined) await prepareOutputFolder(request.out_dir);
  // Recipients' EDK sizes come from their public keys, which are in the vault: the header's layout waits for it.
  if ((request.recipients?.length ?? 0) > 0) await keyrings.ready;
  const plan = await planFiles(request);
  const keys = keyrings.forRequest(request, plan.planned.length);
  let files: FileResult[];
  try {
    files = await runFileBatch(request, plan, {
      pool: context.pool,
      signal,
      keys,
      onPlanned: context.onPlanned,
      onFileStart: context.onFileStart,
      onProgress: context.onProgress,
      onFileDone: context.onFileDone,
    });
  } finally {
    keys.release();
  }
  await keyrings.ready;
  return files;
}
