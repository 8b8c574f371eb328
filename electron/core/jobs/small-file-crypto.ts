import { randomBytes } from 'node:crypto';
import { CofferError, isErrorCode, type ErrorValue } from '../../../shared/errors.js';
import { DEFAULT_FRAME_LENGTH } from '../../../shared/file-format.js';
import { UNSIGNED_SUITE } from '../envelope/algorithm-suites.js';
import { MESSAGE_ID_BYTES } from '../envelope/esdk-constants.js';
import { authenticateHeader, headerOfMessage, headerTag } from '../envelope/header-reader.js';
import { deriveMessageKeys } from '../envelope/key-derivation.js';
import { contextForDecryption, contextForEncryption } from '../envelope/message-context.js';
import { serializeHeaderBody } from '../envelope/message-header.js';
import {
  checkAborted,
  checkFormatAllowed,
  decryptFile,
  unwrapWithContext,
  validateFrameLength,
  type DecryptOptions,
  type EncryptOptions,
  type EngineContext,
  type JobOutcome,
} from './file-crypto.js';
import { tempPathBeside, trackTemp, umaskMode, untrackTemp } from './output-file.js';
import type { OpenFileTask } from './crypto-worker-protocol.js';
import { ProgressMeter, type ProgressListener } from './progress.js';

/**
 * Small files (at most `maxBytes`: one batch of frames), each handled whole by one worker
 * (whole-files.ts) instead of through the streaming engine: the job's thread only uses the keys
 * and names nothing itself. Same bytes and same guarantees as encryptFile and decryptFile: the
 * output is written to a temporary file (counted among this process's, so a signal's exit removes
 * it), fsynced, and only then named. The output's folder is not fsynced here: the caller reports
 * the file done once it has been (FolderSyncGroups, one fsync for many names).
 */

/** Its own copy: a view of Node's shared pool would be copied to the worker with the whole pool. */
function own(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

/** A whole file's progress, all at once: it was read, opened and written in one step. */
export function reportProgress(bytes: number, listener: ProgressListener | undefined): void {
  const meter = new ProgressMeter(bytes, listener);
  meter.add(bytes);
  meter.finish();
}

/**
 * Encrypts a small file: the data key is wrapped first, then the worker reads the file, writes
 * the header and the frames to a temporary file, fsyncs it and names it. A file that grows past
 * `maxBytes` meanwhile is refused as changed. Unsigned suite, no required context keys: the
 * batch sends the others to encryptFile.
 */
export async function encryptSmallFile(
  input: string,
  target: string,
  options: EncryptOptions & { maxBytes: number },
  context: EngineContext,
): Promise<JobOutcome> {
  const frameLength = validateFrameLength(options.frame_length ?? DEFAULT_FRAME_LENGTH);
  const dek = randomBytes(32);
  const tempPath = tempPathBeside(target);
  let dataKey: Buffer | undefined;
  try {
    const messageId = randomBytes(MESSAGE_ID_BYTES);
    const suite = UNSIGNED_SUITE;
    const messageContext = contextForEncryption(options.encryption_context ?? {}, [], null);
    const contextBytes = messageContext.stored;
    const keys = deriveMessageKeys(suite, dek, messageId);
    dataKey = keys.dataKey;
    const edks = await context.keys.wrap(dek, messageContext.full);
    const headerBody = serializeHeaderBody({ suite, messageId, contextBytes, frameLength, commitment: keys.commitment, edks });
    const header = Buffer.concat([headerBody, headerTag(dataKey, headerBody, messageContext.authOnly)]);
    checkAborted(context.signal);
    trackTemp(tempPath);
    const { data } = await context.pool.run(
      {
        op: 'seal-file',
        key: dataKey,
        messageId: own(messageId),
        frameLength,
        firstSeq: 1,
        input,
        tempPath,
        target,
        header: own(header),
        maxBytes: options.maxBytes,
        finalMode: umaskMode(),
      },
      [],
    );
    const { bytes, output } = JSON.parse(data.toString('utf8')) as { bytes: number; output: string };
    reportProgress(bytes, context.onProgress);
    return { bytes, output };
  } finally {
    // The worker removes its temporary file itself when it fails.
    untrackTemp(tempPath);
    dek.fill(0);
    dataKey?.fill(0);
  }
}

/** A file of a group for decryptSmallFiles: where it is, and where its plaintext goes (null: verify). */
export interface SmallFileItem {
  input: string;
  target: string | null;
}

export type SmallFileOutcome = { ok: true; bytes: number; output?: string } | { ok: false; error: unknown };

function fromValue(error: ErrorValue): CofferError {
  return new CofferError(isErrorCode(error.code) ? error.code : 'KMS.0101', error.message);
}

/**
 * decryptSmallFile for a group of files, in two worker messages instead of two per file: one
 * worker reads them all, their headers are authenticated and data keys unwrapped here, and one
 * worker opens (and writes, fsyncs and names) them all; the worker authenticates every frame and
 * checks that the body ends with its final frame. Each file has its own outcome: a damaged one
 * stops no other. A signed file, or one grown past `maxBytes`, goes through decryptFile.
 * Progress is the caller's to report (reportProgress), file by file.
 */
export async function decryptSmallFiles(
  items: readonly SmallFileItem[],
  options: DecryptOptions & { maxBytes: number },
  context: EngineContext,
): Promise<SmallFileOutcome[]> {
  const outcomes = new Array<SmallFileOutcome | undefined>(items.length);
  const read = await context.pool.run({ op: 'read-files', inputs: items.map((i) => i.input), maxBytes: options.maxBytes }, []);
  const answers = JSON.parse(read.data.toString('utf8')) as ({ size: number } | { error: ErrorValue })[];
  const tasks: OpenFileTask[] = [];
  const opened: number[] = [];
  const streamed: number[] = [];
  const given = options.encryption_context ?? {};
  for (const [index, item] of items.entries()) {
    const answer = answers[index]!;
    if ('error' in answer) {
      outcomes[index] = { ok: false, error: fromValue(answer.error) };
      continue;
    }
    const data = read.parts![index]!;
    if (answer.size !== data.length) {
      streamed.push(index);
      continue;
    }
    try {
      const header = headerOfMessage(data, { maxEncryptedDataKeys: options.max_encrypted_data_keys });
      checkFormatAllowed(header, item.input, options);
      if (header.suite.signature) {
        streamed.push(index);
        continue;
      }
      const messageContext = contextForDecryption(header, given);
      const dek = await unwrapWithContext(context, header, messageContext.full, Object.keys(given).length > 0);
      let dataKey: Buffer;
      try {
        dataKey = authenticateHeader(header, dek, messageContext.authOnly).dataKey;
      } finally {
        dek.fill(0);
      }
      const tempPath = item.target === null ? null : tempPathBeside(item.target);
      tasks.push({
        key: dataKey,
        // Copied: the header's fields are views of `data`, which is handed over to the worker.
        messageId: own(header.messageId),
        frameLength: header.frameLength,
        firstSeq: 1,
        data,
        bodyStart: header.length,
        input: item.input,
        tempPath,
        target: item.target,
      });
      opened.push(index);
    } catch (error) {
      outcomes[index] = { ok: false, error };
    }
  }
  const temps = tasks.flatMap((t) => (t.tempPath ? [t.tempPath] : []));
  try {
    if (tasks.length > 0) {
      checkAborted(context.signal);
      temps.forEach(trackTemp);
      const done = await context.pool.run(
        { op: 'open-files', files: tasks },
        tasks.map((t) => t.data.buffer as ArrayBuffer),
      );
      const results = JSON.parse(done.data.toString('utf8')) as ({ bytes: number; output?: string } | { error: ErrorValue })[];
      results.forEach((result, i) => {
        const index = opened[i]!;
        if ('error' in result) outcomes[index] = { ok: false, error: fromValue(result.error) };
        else
          outcomes[index] = { ok: true, bytes: result.bytes, ...(result.output === undefined ? {} : { output: result.output }) };
      });
    }
  } catch (error) {
    for (const index of opened) outcomes[index] ??= { ok: false, error };
  } finally {
    temps.forEach(untrackTemp);
    for (const task of tasks) (task.key as Buffer).fill(0);
  }
  for (const index of streamed) {
    const item = items[index]!;
    try {
      const done = await decryptFile(item.input, item.target, context, options);
      outcomes[index] = { ok: true, bytes: done.bytes, ...(done.output === undefined ? {} : { output: done.output }) };
    } catch (error) {
      outcomes[index] = { ok: false, error };
    }
  }
  return outcomes.map((o) => o ?? { ok: false, error: new CofferError('KMS.0101', 'The file was not handled.') });
}
