import { randomBytes } from 'node:crypto';
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
import { ProgressMeter } from './progress.js';

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

function reportDone(bytes: number, context: EngineContext): void {
  const meter = new ProgressMeter(bytes, context.onProgress);
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
    reportDone(bytes, context);
    return { bytes, output };
  } finally {
    // The worker removes its temporary file itself when it fails.
    untrackTemp(tempPath);
    dek.fill(0);
    dataKey?.fill(0);
  }
}

/**
 * Decrypts (with `target`) or verifies (null) a small file: a worker reads it whole; here its
 * header is parsed and authenticated and its data key unwrapped; then a worker opens every frame
 * in one pass and, when decrypting, writes, fsyncs and names the plaintext. A signed file, or one
 * that grew past `maxBytes` since it was planned, goes through decryptFile instead.
 */
export async function decryptSmallFile(
  input: string,
  target: string | null,
  options: DecryptOptions & { maxBytes: number },
  context: EngineContext,
): Promise<JobOutcome> {
  const read = await context.pool.run({ op: 'read-file', input, maxBytes: options.maxBytes }, []);
  const data = read.data;
  if (read.size !== data.length) return decryptFile(input, target, context, options);
  const header = headerOfMessage(data, { maxEncryptedDataKeys: options.max_encrypted_data_keys });
  checkFormatAllowed(header, input, options);
  if (header.suite.signature) return decryptFile(input, target, context, options);
  const given = options.encryption_context ?? {};
  const messageContext = contextForDecryption(header, given);
  const dek = await unwrapWithContext(context, header, messageContext.full, Object.keys(given).length > 0);
  let dataKey: Buffer;
  try {
    dataKey = authenticateHeader(header, dek, messageContext.authOnly).dataKey;
  } finally {
    dek.fill(0);
  }
  const tempPath = target === null ? null : tempPathBeside(target);
  try {
    checkAborted(context.signal);
    if (tempPath) trackTemp(tempPath);
    const request = {
      op: 'open-file' as const,
      key: dataKey,
      // Copied: the header's fields are views of `data`, which is handed over to the worker.
      messageId: own(header.messageId),
      frameLength: header.frameLength,
      firstSeq: 1,
      data,
      bodyStart: header.length,
      input,
      tempPath,
      target,
    };
    const opened = await context.pool.run(request, [data.buffer as ArrayBuffer]);
    const { bytes, output } = JSON.parse(opened.data.toString('utf8')) as { bytes: number; output?: string };
    reportDone(bytes, context);
    return { bytes, ...(output === undefined ? {} : { output }) };
  } finally {
    if (tempPath) untrackTemp(tempPath);
    dataKey.fill(0);
  }
}
