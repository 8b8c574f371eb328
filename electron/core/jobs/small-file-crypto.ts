import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { CofferError, isErrorCode, type ErrorValue } from '../../../shared/errors.js';
import { DEFAULT_FRAME_LENGTH } from '../../../shared/file-format.js';
import { MESSAGE_ID_BYTES } from '../envelope/esdk-constants.js';
import { headerOfMessage } from '../envelope/header-reader.js';
import { unsignedHeader } from '../envelope/unsigned-header.js';
import type { ParsedHeader } from '../envelope/message-header.js';
import { contextForDecryption, contextForEncryption } from '../envelope/message-context.js';
import {
  checkAborted,
  checkFormatAllowed,
  decryptFile,
  unwrapWithContext,
  validateFrameLength,
  type DecryptOptions,
  type EncryptOptions,
  type EngineContext,
} from './file-crypto.js';
import { tempPathBeside, trackTemp, umaskMode, untrackTemp } from './output-file.js';
import type { LentAnswer, OpenFileTask, SealFileTask } from './crypto-worker-protocol.js';
import type { Keyring, LentKey, LentWrapKey } from '../keyrings/keyring.js';
import { ProgressMeter, type ProgressListener } from './progress.js';
import type { WorkerResult } from './worker-pool.js';

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

/** Every file's outcome; one that none was given (never expected) is an error, not a hole. */
function settled(outcomes: readonly (SmallFileOutcome | undefined)[]): SmallFileOutcome[] {
  return outcomes.map((o) => o ?? { ok: false, error: new CofferError('KMS.0101', 'The file was not handled.') });
}

/** A whole file's progress, all at once: it was read, opened and written in one step. */
export function reportProgress(bytes: number, listener: ProgressListener | undefined): void {
  const meter = new ProgressMeter(bytes, listener);
  meter.add(bytes);
  meter.finish();
}

/**
 * Sends a group's prepared files (null or missing: already given an outcome) to one worker in one
 * message and gives each its outcome; one file's failure stops no other. Their temporary outputs
 * are counted among this process's meanwhile (a signal's exit removes them; a worker removes its
 * own on failure), and each file's key is wiped after.
 */
async function sendGroup<T extends { tempPath: string | null }>(
  prepared: readonly (T | null | undefined)[],
  outcomes: (SmallFileOutcome | undefined)[],
  context: EngineContext,
  worker: { send: (tasks: T[]) => Promise<WorkerResult>; wipe: (task: T) => void },
): Promise<void> {
  const sent: number[] = [];
  const tasks: T[] = [];
  prepared.forEach((task, index) => {
    if (!task) return;
    sent.push(index);
    tasks.push(task);
  });
  if (tasks.length === 0) return;
  const temps = tasks.flatMap((t) => (t.tempPath ? [t.tempPath] : []));
  try {
    checkAborted(context.signal);
    temps.forEach(trackTemp);
    const done = await worker.send(tasks);
    const results = JSON.parse(done.data.toString('utf8')) as ({ bytes: number; output?: string } | { error: ErrorValue })[];
    results.forEach((result, i) => {
      const index = sent[i]!;
      if ('error' in result) outcomes[index] = { ok: false, error: fromValue(result.error) };
      else outcomes[index] = { ok: true, bytes: result.bytes, ...(result.output === undefined ? {} : { output: result.output }) };
    });
  } catch (error) {
    for (const index of sent) outcomes[index] ??= { ok: false, error };
  } finally {
    temps.forEach(untrackTemp);
    tasks.forEach(worker.wipe);
  }
}

/**
 * The keys to lend once the keyring holds them (Keyring.holdWrapKeys); null to wrap file by file,
 * where each file gets the refusal of a key that cannot be used, recorded once as before.
 */
async function heldWrapKeys(keys: Keyring): Promise<LentWrapKey[] | null> {
  if (!keys.holdWrapKeys) return null;
  try {
    return await keys.holdWrapKeys();
  } catch {
    return null;
  }
}

/** A file of a group for encryptSmallFiles: where it is, and the name its output should take. */
export interface SmallSealItem {
  input: string;
  target: string;
}

/**
 * Encrypts a group of small files in one worker message: each file's data key is wrapped here
 * (all the group's at once) and its header built, then one worker reads each file, writes its
 * header and frames to a temporary file, fsyncs it and names it. A file that grows past
 * `maxBytes` meanwhile is refused as changed. Unsigned suite, no required context keys: the
 * batch sends the others to encryptFile. Each file has its own outcome; progress is the caller's.
 */
export async function encryptSmallFiles(
  items: readonly SmallSealItem[],
  options: EncryptOptions & { maxBytes: number },
  context: EngineContext,
): Promise<SmallFileOutcome[]> {
  const frameLength = validateFrameLength(options.frame_length ?? DEFAULT_FRAME_LENGTH);
  const messageContext = contextForEncryption(options.encryption_context ?? {}, [], null);
  const outcomes = new Array<SmallFileOutcome | undefined>(items.length);
  // Keys the job holds are lent to the worker, which draws, wraps and frames each file's data key
  // itself; the job's first groups ask for them, so that no group wraps file by file here.
  const lent = context.keys.lendWrapKeys?.() ?? (await heldWrapKeys(context.keys));
  if (lent) {
    const keys = lent.map((k) => ({ material: own(k.material), naming: k.naming }));
    try {
      await sendGroup(
        items.map((item) => ({ input: item.input, tempPath: tempPathBeside(item.target), target: item.target })),
        outcomes,
        context,
        {
          send: (files) =>
            context.pool.run(
              {
                op: 'seal-lent-files',
                frameLength,
                maxBytes: options.maxBytes,
                finalMode: umaskMode(),
                context: {
                  stored: own(messageContext.stored),
                  full: own(messageContext.full),
                  authOnly: own(messageContext.authOnly),
                },
                keys,
                files,
              },
              [],
            ),
          wipe: () => undefined,
        },
      );
    } finally {
      for (const key of [...keys, ...lent]) key.material.fill(0);
    }
    return settled(outcomes);
  }
  // One draw of random bytes for the group's data keys and message ids, wiped when done.
  const slab = randomBytes(items.length * (32 + MESSAGE_ID_BYTES));
  const secrets: Buffer[] = [slab];
  const sealing = items.map(async (item, index): Promise<SealFileTask | null> => {
    const at = index * (32 + MESSAGE_ID_BYTES);
    const dek = slab.subarray(at, at + 32);
    try {
      const messageId = slab.subarray(at + 32, at + 32 + MESSAGE_ID_BYTES);
      const edks = await context.keys.wrap(dek, messageContext.full);
      const { header, dataKey } = unsignedHeader({
        dek,
        messageId,
        contextBytes: messageContext.stored,
        authOnly: messageContext.authOnly,
        frameLength,
        edks,
      });
      secrets.push(dataKey);
      return {
        key: own(dataKey),
        messageId: own(messageId),
        // Own copies: a view of Node's shared pool would be copied to the worker with the whole pool.
        header: own(header),
        input: item.input,
        tempPath: tempPathBeside(item.target),
        target: item.target,
      };
    } catch (error) {
      outcomes[index] = { ok: false, error };
      return null;
    }
  });
  try {
    await sendGroup(await Promise.all(sealing), outcomes, context, {
      send: (tasks) =>
        context.pool.run({ op: 'seal-files', frameLength, maxBytes: options.maxBytes, finalMode: umaskMode(), files: tasks }, []),
      wipe: (task) => task.key.fill(0),
    });
  } finally {
    for (const secret of secrets) secret.fill(0);
  }
  return settled(outcomes);
}

/** A file's header as a worker read it (base64), with its size; or why it could not be read. */
type HeaderAnswer = { size: number; header: string } | { error: ErrorValue };

/**
 * Opens a group's files in one worker message with the keys the job's keyring lends
 * (Keyring.lendKeys): each file opened there is recorded by the keyring, and only then named (one
 * name-files message). Gives every file it settled its outcome, and returns the others' headers
 * (undefined for a settled file), for the job thread to open as it opens any file.
 */
async function openWithLentKeys(
  items: readonly SmallFileItem[],
  lent: LentKey[],
  maxBytes: number,
  context: EngineContext,
  outcomes: (SmallFileOutcome | undefined)[],
): Promise<(HeaderAnswer | undefined)[]> {
  const temps = items.map((item) => (item.target === null ? null : tempPathBeside(item.target)));
  const tracked = temps.filter((t): t is string => t !== null);
  const keys = lent.map((k) => ({ keyId: k.keyId, version: k.version, material: own(k.material) }));
  const written: { index: number; bytes: number; tempPath: string; target: string }[] = [];
  const rest = new Array<HeaderAnswer | undefined>(items.length);
  try {
    checkAborted(context.signal);
    tracked.forEach(trackTemp);
    const done = await context.pool.run(
      {
        op: 'open-lent-files',
        maxBytes,
        keys,
        files: items.map((item, i) => ({ input: item.input, tempPath: temps[i]!, target: item.target })),
      },
      [],
    );
    const uses: { index: number; used: { keyId: string; version: number } }[] = [];
    (JSON.parse(done.data.toString('utf8')) as LentAnswer[]).forEach((answer, index) => {
      if ('header' in answer) rest[index] = answer;
      else if (!('used' in answer)) outcomes[index] = { ok: false, error: fromValue(answer.error) };
      else {
        uses.push({ index, used: answer.used });
        if ('error' in answer) outcomes[index] = { ok: false, error: fromValue(answer.error) };
        else if (temps[index] === null) outcomes[index] = { ok: true, bytes: answer.bytes };
        else written.push({ index, bytes: answer.bytes, tempPath: temps[index]!, target: items[index]!.target! });
      }
    });
    // Recorded before anything is named: a use that cannot be audited fails, and leaves no output.
    if (uses.length > 0) await context.keys.recordLentUses!(uses.map((u) => u.used));
    if (written.length > 0) {
      const named = await context.pool.run(
        { op: 'name-files', files: written.map(({ tempPath, target }) => ({ tempPath, target })) },
        [],
      );
      (JSON.parse(named.data.toString('utf8')) as ({ output: string } | { error: ErrorValue })[]).forEach((result, i) => {
        const { index, bytes } = written[i]!;
        outcomes[index] =
          'error' in result ? { ok: false, error: fromValue(result.error) } : { ok: true, bytes, output: result.output };
      });
      written.length = 0;
    }
  } catch (error) {
    // Every file not sent back to the job thread, the written ones included (none is named yet).
    items.forEach((_, index) => {
      if (rest[index] === undefined) outcomes[index] ??= { ok: false, error };
    });
  } finally {
    // Written but not named (the records or the naming failed): removed.
    await Promise.all(written.map(({ tempPath }) => fs.rm(tempPath, { force: true }).catch(() => undefined)));
    tracked.forEach(untrackTemp);
    for (const key of keys) key.material.fill(0);
    for (const key of lent) key.material.fill(0);
  }
  return rest;
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
 * worker reads their headers, which are parsed and their data keys unwrapped here (all at once),
 * and one worker reads each file whole, checks it still starts with that header, authenticates
 * the header and opens (and writes, fsyncs and names) them all; it authenticates every frame and
 * checks that the body ends with its final frame. Only headers and keys cross between threads,
 * never a file's bytes. Each file has its own outcome: a damaged one stops no other. A signed
 * file, or one grown past `maxBytes`, goes through decryptFile. Progress is the caller's to
 * report (reportProgress), file by file.
 */
export async function decryptSmallFiles(
  items: readonly SmallFileItem[],
  options: DecryptOptions & { maxBytes: number },
  context: EngineContext,
): Promise<SmallFileOutcome[]> {
  const outcomes = new Array<SmallFileOutcome | undefined>(items.length);
  const given = options.encryption_context ?? {};
  // Keys the job already holds open most files in one worker message; the rest come back with their headers.
  const lent = Object.keys(given).length === 0 ? (context.keys.lendKeys?.() ?? []) : [];
  let answers: (HeaderAnswer | undefined)[];
  if (lent.length > 0) answers = await openWithLentKeys(items, lent, options.maxBytes, context, outcomes);
  else {
    const read = await context.pool.run(
      { op: 'read-headers', inputs: items.map((i) => i.input), maxBytes: options.maxBytes },
      [],
    );
    answers = JSON.parse(read.data.toString('utf8')) as HeaderAnswer[];
  }
  const streamed: number[] = [];
  // Headers first, then every data key of the group at once: the vault's audit records of a
  // group's files are written together (vault-keyring.ts), not one append after another.
  const unwrapping: Promise<OpenFileTask | null>[] = [];
  for (const [index, item] of items.entries()) {
    const answer = answers[index];
    if (answer === undefined) continue; // opened with a lent key, or refused there
    if ('error' in answer) {
      outcomes[index] = { ok: false, error: fromValue(answer.error) };
      continue;
    }
    if (answer.size > options.maxBytes) {
      streamed.push(index);
      continue;
    }
    const bytes = Buffer.from(answer.header, 'base64');
    let header: ParsedHeader;
    let authOnly: Buffer;
    let full: Buffer;
    try {
      header = headerOfMessage(bytes, { maxEncryptedDataKeys: options.max_encrypted_data_keys });
      checkFormatAllowed(header, item.input, options);
      if (header.suite.signature) {
        streamed.push(index);
        continue;
      }
      ({ authOnly, full } = contextForDecryption(header, given));
    } catch (error) {
      outcomes[index] = { ok: false, error };
      continue;
    }
    unwrapping[index] = unwrapWithContext(context, header, full, Object.keys(given).length > 0).then(
      (dek) => {
        const task = {
          dek: own(dek),
          authOnly: own(authOnly),
          header: own(bytes.subarray(0, header.length)),
          input: item.input,
          tempPath: item.target === null ? null : tempPathBeside(item.target),
          target: item.target,
        };
        dek.fill(0);
        return task;
      },
      (error: unknown) => {
        outcomes[index] = { ok: false, error };
        return null;
      },
    );
  }
  // The worker authenticates each header with its data key (key derivation is off this thread too).
  await sendGroup(await Promise.all(unwrapping), outcomes, context, {
    send: (tasks) => context.pool.run({ op: 'open-files', maxBytes: options.maxBytes, files: tasks }, []),
    wipe: (task) => task.dek.fill(0),
  });
  for (const index of streamed) {
    const item = items[index]!;
    try {
      const done = await decryptFile(item.input, item.target, context, options);
      outcomes[index] = { ok: true, bytes: done.bytes, ...(done.output === undefined ? {} : { output: done.output }) };
    } catch (error) {
      outcomes[index] = { ok: false, error };
    }
  }
  return settled(outcomes);
}
