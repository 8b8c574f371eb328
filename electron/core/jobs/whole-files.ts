import { randomFillSync } from 'node:crypto';
import {
  constants as fsConstants,
  closeSync,
  fchmodSync,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import { workerData } from 'node:worker_threads';
import { CofferError } from '../../../shared/errors.js';
import { specialFileKind, specialFileReason } from '../envelope/file-kind.js';
import { openFrameParts, scanFrames, sealFrames } from '../envelope/frame-codec.js';
import { authenticateHeader, headerOfMessage } from '../envelope/header-reader.js';
import { parseHeader, type ParsedHeader } from '../envelope/message-header.js';
import { edkReference, unwrapDataKey, wrapDataKeyAs } from '../keyrings/raw-aes-keyring.js';
import { unsignedHeader } from '../envelope/unsigned-header.js';
import { MESSAGE_ID_BYTES } from '../envelope/esdk-constants.js';
import { GCM_IV_BYTES } from '../crypto/aes-gcm.js';
import { MAX_ENCRYPTED_DATA_KEYS_LIMIT } from '../../../shared/file-format.js';
import { fsFailure, fsFailureCode } from '../envelope/fs-failure.js';
import type { ErrorValue } from '../../../shared/errors.js';
import type {
  LentAnswer,
  NameFilesRequest,
  OpenFilesRequest,
  OpenFileTask,
  OpenLentFilesRequest,
  ReadHeadersRequest,
  SealFilesRequest,
  SealFileTask,
  SealLentFilesRequest,
} from './crypto-worker-protocol.js';
import { isNoLinkSupport, numberedName, TEMPS_BEING_CREATED, TEMPS_REMOVED } from './output-file.js';
import { readAt, writeAllAt } from './ranged-frames.js';

/**
 * A worker's side of small files, each handled whole on the worker's thread with synchronous
 * calls: a folder of small files costs the job's thread a message or two per file instead of a
 * dozen asynchronous file operations. Nothing gets a final name before its bytes are fsynced;
 * the folder's fsync, shared by every file named meanwhile, is the job thread's (syncFolder).
 */

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The job thread's output-file.ts tempsRemoved, shared: set once its temporary outputs were removed. */
const tempsRemoved =
  (workerData as { tempsRemoved?: SharedArrayBuffer } | null)?.tempsRemoved instanceof SharedArrayBuffer
    ? new Int32Array((workerData as { tempsRemoved: SharedArrayBuffer }).tempsRemoved)
    : null;

/**
 * Creates a temporary output (0600, never an existing file). Should the process be ending on a
 * signal, whose cleanup may have run just before, no file is created, or it is removed again at
 * once; the process waits for this to settle before it exits (output-file.ts removeLiveTempsNow).
 */
function createTemp(tempPath: string): number {
  if (!tempsRemoved) return openTemp(tempPath);
  Atomics.add(tempsRemoved, TEMPS_BEING_CREATED, 1);
  try {
    if (Atomics.load(tempsRemoved, TEMPS_REMOVED) === 1) throw interrupted();
    const fd = openTemp(tempPath);
    if (Atomics.load(tempsRemoved, TEMPS_REMOVED) === 1) {
      closeSync(fd);
      unlinkSync(tempPath);
      throw interrupted();
    }
    return fd;
  } finally {
    Atomics.sub(tempsRemoved, TEMPS_BEING_CREATED, 1);
    Atomics.notify(tempsRemoved, TEMPS_BEING_CREATED);
  }
}

function openTemp(tempPath: string): number {
  try {
    return openSync(tempPath, 'wx', 0o600);
  } catch (error) {
    if (fsFailureCode(error)) throw error; // worded by the caller, with the output's name
    throw new CofferError('COFFER.2009', `Coffer cannot write ${tempPath}: ${(error as Error).message}.`);
  }
}

function interrupted(): CofferError {
  return new CofferError('COFFER.2010', 'The command was interrupted; no output was left half-written.');
}

/** output-file.ts's nameTemp, on the worker's thread: the first free name, never replacing a file. */
function nameTempNow(tempPath: string, target: string): string {
  for (let n = 0; n < 10_000; n += 1) {
    const candidate = numberedName(target, n);
    try {
      linkSync(tempPath, candidate);
      try {
        unlinkSync(tempPath);
      } catch {
        // a leftover temporary file is removed as stale by a later run
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (!isNoLinkSupport(code))
        throw new CofferError('COFFER.2009', `The output ${candidate} cannot be written: ${(error as Error).message}.`);
      try {
        lstatSync(candidate);
        continue;
      } catch {
        renameSync(tempPath, candidate);
      }
    }
    return candidate;
  }
  throw new CofferError('COFFER.2009', `Every name from ${target} to "(9999)" is taken.`);
}

/** Opens a planned input that must still be a regular file; worded as openReadableFile words it. */
function openInput(input: string): { fd: number; size: number } {
  let fd: number;
  try {
    // Non-blocking: a FIFO put in a planned file's place must not hold the worker (regular files ignore it).
    fd = openSync(input, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CofferError('COFFER.2008', `${input} does not exist.`);
    throw (
      fsFailure(error, `${input} cannot be read`, 'Nothing was written.') ??
      new CofferError('COFFER.2008', `${input} cannot be read: ${(error as Error).message}.`)
    );
  }
  const stats = fstatSync(fd);
  if (!stats.isFile()) {
    closeSync(fd);
    const kind = specialFileKind(stats);
    throw new CofferError('COFFER.2030', `${input} is ${specialFileReason(kind ?? 'a folder')}.`);
  }
  return { fd, size: stats.size };
}

/**
 * Writes `pieces` to a new temporary file (0600, plaintext stays the user's own), fsyncs it and
 * names it; on any failure the temporary file is removed and the error names the output.
 */
function writeNamed(pieces: readonly Buffer[], tempPath: string, target: string, kept: string): string {
  return writeTemp(pieces, tempPath, target, kept, () => nameTempNow(tempPath, target));
}

/** writeNamed up to the name: the temporary file is written and fsynced, and `then` runs (or it is removed). */
function writeTemp<T>(pieces: readonly Buffer[], tempPath: string, target: string, kept: string, then: () => T): T {
  let output: number | undefined;
  try {
    output = createTemp(tempPath);
    writeAllAt(output, pieces, 0);
    fsyncSync(output);
    closeSync(output);
    output = undefined;
    return then();
  } catch (error) {
    if (output !== undefined) closeSync(output);
    throw failedOutput(error, tempPath, target, kept);
  }
}

/**
 * A temporary output that will not be named, removed (if it was ever made), and the failure that
 * stopped it, worded with the output's name and what was kept.
 */
function failedOutput(error: unknown, tempPath: string, target: string, kept: string): unknown {
  try {
    unlinkSync(tempPath);
  } catch {
    // never created, or already named
  }
  return fsFailure(error, `${target} could not be written`, kept) ?? error;
}

/**
 * A whole small file, sealed, synced and named (SealFileTask): its plaintext length and output.
 * It is read once, one byte past its size, which tells a file that changed since it was opened
 * without a second fstat, and its header and frames go in one write: each call saved is a few
 * microseconds on every file of a folder.
 */
function sealFile(
  request: SealFileTask,
  shared: Pick<SealFilesRequest, 'frameLength' | 'maxBytes' | 'finalMode'>,
  key: Buffer,
): { bytes: number; output: string } {
  const { fd: input, size } = openInput(request.input);
  let output: number | undefined;
  try {
    if (size > shared.maxBytes) {
      throw new CofferError(
        'COFFER.2011',
        `${request.input} grew while it was being encrypted; encrypt it again once it is stable.`,
      );
    }
    // One byte more than its size: a file that grew or shrank since it was opened reads differently.
    const plaintext = fileBuffer(size + 1);
    let read: number;
    try {
      read = readAt(input, plaintext, 0);
      if (read > size) {
        // A file still being written, or one whose size is not its content (/proc, /sys).
        throw new CofferError(
          'COFFER.2011',
          `${request.input} holds more than its size of ${size} bytes: it is still being written, or it is a file whose size is not its content (as in /proc). Nothing was written; encrypt it once it is stable, or a copy of it.`,
        );
      }
      if (read < size) {
        throw new CofferError(
          'COFFER.2011',
          `${request.input} changed while it was being encrypted (it was ${size} bytes when the job started); encrypt it again once it is stable.`,
        );
      }
      output = createTemp(request.tempPath);
      const frames = sealFrames(key, view(request.messageId), shared.frameLength, 1, plaintext.subarray(0, size), true);
      writeAllAt(output, [view(request.header), ...frames], 0);
    } finally {
      keepBuffer(plaintext.buffer as ArrayBuffer, plaintext.byteOffset + plaintext.byteLength);
    }
    if (shared.finalMode !== undefined) fchmodSync(output, shared.finalMode);
    fsyncSync(output);
    closeSync(output);
    output = undefined;
    return { bytes: size, output: nameTempNow(request.tempPath, request.target) };
  } catch (error) {
    if (output !== undefined) closeSync(output);
    throw failedOutput(error, request.tempPath, request.target, 'The original was kept; nothing was left under the output name.');
  } finally {
    closeSync(input);
  }
}

/**
 * Whole files' buffers, kept for the next file read: a fresh buffer costs its pages' faults,
 * which on a folder of small files cost more than the reading itself. A worker reads a file into
 * one, opens it there and keeps it for its next read; each worker keeps a few megabytes of them.
 */
const GRAIN = 64 * 1024;
/** A worker opens one file at a time: this keeps a buffer for each of a few sizes of file. */
const KEPT_BYTES = 24 * 1024 * 1024;
const keptBuffers: ArrayBuffer[] = [];
let keptBytes = 0;

function fileBuffer(size: number): Buffer {
  // The smallest kept buffer that fits, if it is not over twice the size: a big one is not spent on a small file.
  let best = -1;
  for (let i = 0; i < keptBuffers.length; i += 1) {
    const capacity = keptBuffers[i]!.byteLength;
    if (capacity >= size && capacity <= 2 * size + GRAIN && (best < 0 || capacity < keptBuffers[best]!.byteLength)) best = i;
  }
  if (best >= 0) {
    const kept = keptBuffers.splice(best, 1)[0]!;
    keptBytes -= kept.byteLength;
    return Buffer.from(kept, 0, size);
  }
  // A buffer of its own (never the shared pool's), so that it can be kept.
  return Buffer.from(Buffer.allocUnsafeSlow(Math.ceil(Math.max(size, 1) / GRAIN) * GRAIN).buffer, 0, size);
}

/**
 * Keeps a buffer done with, its first `used` bytes wiped (the rest were never written since it was
 * last wiped): no file's plaintext outlives its job in a kept buffer.
 */
function keepBuffer(buffer: ArrayBuffer, used: number): void {
  new Uint8Array(buffer, 0, Math.min(used, buffer.byteLength)).fill(0);
  if (buffer.byteLength < GRAIN || keptBytes + buffer.byteLength > KEPT_BYTES) return;
  keptBuffers.push(buffer);
  keptBytes += buffer.byteLength;
}

/** A whole small file's bytes, or none when it has grown past `maxBytes`. */
function readFile(request: { input: string; maxBytes: number }): { data: Buffer; size: number } {
  const { fd: input, size } = openInput(request.input);
  try {
    if (size > request.maxBytes) return { data: Buffer.alloc(0), size };
    const data = fileBuffer(size);
    let read: number;
    try {
      read = readAt(input, data, 0);
    } catch (error) {
      throw fsFailure(error, `${request.input} cannot be read`, 'Nothing was written.') ?? error;
    }
    return { data: read === size ? data : data.subarray(0, read), size: read };
  } finally {
    closeSync(input);
  }
}

/**
 * A whole message opened in one pass (OpenFileTask): its header authenticated with the data key
 * the job thread unwrapped, then its body; the answer is its plaintext length, and where it was
 * written. Damage gets the same diagnosis as the streaming reader's (an altered header, cut short,
 * bytes after the final frame, a frame that does not authenticate), and nothing is written then.
 */
function openFile(request: OpenFileTask, dek: Buffer, maxBytes: number): { bytes: number; output?: string } {
  const { data: message, size } = readFile({ input: request.input, maxBytes });
  const changed = (): CofferError =>
    new CofferError(
      'COFFER.2011',
      `${request.input} changed while it was being decrypted; nothing was written. Decrypt it again once it is stable.`,
    );
  if (size > maxBytes) throw changed();
  try {
    return openMessage(request, dek, message, changed);
  } finally {
    // Its plaintext (decrypted in place), or its ciphertext, is no longer needed: wiped and kept for the next read.
    keepBuffer(message.buffer as ArrayBuffer, message.byteLength);
  }
}

function openMessage(
  request: OpenFileTask,
  dek: Buffer,
  message: Buffer,
  changed: () => CofferError,
): { bytes: number; output?: string } {
  // The job thread parsed and bounded the header read before; the limit was its to apply.
  const header = headerOfMessage(message, { maxEncryptedDataKeys: MAX_ENCRYPTED_DATA_KEYS_LIMIT });
  // The data key was unwrapped from that header: the file must still start with it.
  if (!message.subarray(0, header.length).equals(view(request.header))) throw changed();
  return openBody(request, header, dek, view(request.authOnly), message, true);
}

/**
 * The body of a message whose header parsed and whose data key is `dek`: the header is
 * authenticated, every frame opened, and the plaintext written to the request's temporary file,
 * fsynced, and named when `named` (else left for name-files, once the key's use is recorded).
 */
function openBody(
  request: Pick<OpenFileTask, 'input' | 'tempPath' | 'target'>,
  header: ParsedHeader,
  dek: Buffer,
  authOnly: Buffer,
  message: Buffer,
  named: boolean,
): { bytes: number; output?: string } {
  const { dataKey } = authenticateHeader(header, dek, authOnly);
  try {
    const body = message.subarray(header.length);
    const scan = scanFrames(body, header.frameLength);
    if (!scan.sawFinal) {
      throw new CofferError(
        'COFFER.2004',
        `${request.input} is cut short: it ends ${scan.consumed < body.length ? 'inside a frame' : 'before its final frame'}, so its end cannot be authenticated. Nothing was written.`,
      );
    }
    if (scan.consumed !== body.length) {
      throw new CofferError(
        'COFFER.2005',
        `${request.input} has ${body.length - scan.consumed} byte(s) after its final frame: it was altered. Nothing was written.`,
      );
    }
    const parts = openFrameParts(dataKey, header.messageId, header.frameLength, 1, body, scan.frames);
    const bytes = parts.reduce((n, part) => n + part.length, 0);
    if (request.tempPath === null || request.target === null) return { bytes };
    const kept = 'The encrypted file was kept; nothing was left under the output name.';
    if (!named) return writeTemp(parts, request.tempPath, request.target, kept, () => ({ bytes }));
    return { bytes, output: writeNamed(parts, request.tempPath, request.target, kept) };
  } finally {
    dataKey.fill(0);
  }
}

/** Where a header is looked for first: one EDK's header is a few hundred bytes. */
const HEADER_PROBE_BYTES = 4096;
let headerScratch = Buffer.alloc(HEADER_PROBE_BYTES);

/**
 * A small file's header bytes: read from its start, more each time, until a header parses, or the
 * parser refuses the bytes, or the whole file was read (the job thread's headerOfMessage then says
 * what is wrong, as it would with the whole file); a file larger than `maxBytes` is not read.
 */
function readHeaderBytes(input: string, maxBytes: number): { size: number; header: Buffer } {
  const { fd, size } = openInput(input);
  try {
    if (size > maxBytes) return { size, header: Buffer.alloc(0) };
    for (let want = Math.min(size, HEADER_PROBE_BYTES); ; want = Math.min(size, want * 4)) {
      if (headerScratch.length < want) headerScratch = Buffer.alloc(want);
      let read: number;
      try {
        read = readAt(fd, headerScratch.subarray(0, want), 0);
      } catch (error) {
        throw fsFailure(error, `${input} cannot be read`, 'Nothing was written.') ?? error;
      }
      const bytes = headerScratch.subarray(0, read);
      let length: number | null = null;
      try {
        length = parseHeader(bytes)?.length ?? null;
      } catch {
        return { size, header: Buffer.from(bytes) }; // refused: the job thread words why
      }
      if (length !== null) return { size, header: Buffer.from(bytes.subarray(0, length)) };
      if (read < want || want >= size) return { size, header: Buffer.from(bytes) };
    }
  } finally {
    closeSync(fd);
  }
}

/** `handle` for each item: one answer per item, its failure as a value; one item's failure stops no other. */
function eachAnswer<T, R>(
  items: readonly T[],
  asErrorValue: (error: unknown) => ErrorValue,
  handle: (item: T, index: number) => R,
): (R | { error: ErrorValue })[] {
  return items.map((item, index) => {
    try {
      return handle(item, index);
    } catch (error) {
      return { error: asErrorValue(error) };
    }
  });
}

/** Each input's header (ReadHeadersRequest): one answer per input, its failure as a value. */
export function readHeaders(
  request: Omit<ReadHeadersRequest, 'id'>,
  asErrorValue: (error: unknown) => ErrorValue,
): ({ size: number; header: string } | { error: ErrorValue })[] {
  return eachAnswer(request.inputs, asErrorValue, (input) => {
    const { size, header } = readHeaderBytes(input, request.maxBytes);
    return { size, header: header.toString('base64') };
  });
}

/** open-file for each file (OpenFilesRequest): one answer per file, its failure as a value. */
export function openFiles(
  request: Omit<OpenFilesRequest, 'id'>,
  asErrorValue: (error: unknown) => ErrorValue,
): ({ bytes: number; output?: string } | { error: ErrorValue })[] {
  return eachAnswer(request.files, asErrorValue, (file) => {
    const dek = view(file.dek);
    try {
      return openFile(file, dek, request.maxBytes);
    } finally {
      dek.fill(0);
    }
  });
}

/** seal-file for each file (SealFilesRequest): one answer per file, its failure as a value. */
export function sealFiles(
  request: Omit<SealFilesRequest, 'id'>,
  asErrorValue: (error: unknown) => ErrorValue,
): ({ bytes: number; output: string } | { error: ErrorValue })[] {
  return eachAnswer(request.files, asErrorValue, (file) => {
    const key = view(file.key);
    try {
      return sealFile(file, request, key);
    } finally {
      key.fill(0);
    }
  });
}

/**
 * One file opened with a lent key (OpenLentFilesRequest): read whole, its header parsed, its one
 * EDK unwrapped with the lent key it names, its body opened and written to its temporary file,
 * fsynced, and not named. Anything else (more EDKs, another key, a key that does not open it, a
 * signed or legacy message) is the job thread's: the answer gives it the header bytes read.
 */
function openLent(
  file: OpenLentFilesRequest['files'][number],
  keys: readonly { keyId: string; version: number; material: Buffer }[],
  maxBytes: number,
  asErrorValue: (error: unknown) => ErrorValue,
): LentAnswer {
  const { data: message, size } = readFile({ input: file.input, maxBytes });
  try {
    if (size > maxBytes) return { size, header: '' };
    const header = headerOfMessage(message, { maxEncryptedDataKeys: MAX_ENCRYPTED_DATA_KEYS_LIMIT });
    const theirs = (): LentAnswer => ({ size, header: message.subarray(0, header.length).toString('base64') });
    if (header.version !== 2 || header.suite.signature || header.edks.length !== 1) return theirs();
    const edk = header.edks[0]!;
    const reference = edkReference(edk);
    const key = reference && keys.find((k) => k.keyId === reference.keyId && k.version === reference.version);
    if (!key) return theirs();
    const dek = unwrapDataKey(key.material, edk, header.contextBytes);
    if (!dek) return theirs(); // the job thread tries it again, and records the refusal
    const used = { keyId: key.keyId, version: key.version };
    try {
      return { used, ...openBody(file, header, dek, Buffer.alloc(0), message, false) };
    } catch (error) {
      return { used, error: asErrorValue(error) };
    } finally {
      dek.fill(0);
    }
  } finally {
    keepBuffer(message.buffer as ArrayBuffer, message.byteLength);
  }
}

/** open-lent-file for each file: one answer per file, its failure as a value; the lent keys are wiped after. */
export function openLentFiles(
  request: Omit<OpenLentFilesRequest, 'id'>,
  asErrorValue: (error: unknown) => ErrorValue,
): LentAnswer[] {
  const keys = request.keys.map((k) => ({ keyId: k.keyId, version: k.version, material: view(k.material) }));
  try {
    return eachAnswer(request.files, asErrorValue, (file) => openLent(file, keys, request.maxBytes, asErrorValue));
  } finally {
    for (const key of keys) key.material.fill(0);
  }
}

/** Names written temporary files (NameFilesRequest), each the first free name from its target. */
export function nameFiles(
  request: Omit<NameFilesRequest, 'id'>,
  asErrorValue: (error: unknown) => ErrorValue,
): ({ output: string } | { error: ErrorValue })[] {
  return eachAnswer(request.files, asErrorValue, (file) => {
    try {
      return { output: nameTempNow(file.tempPath, file.target) };
    } catch (error) {
      throw failedOutput(
        error,
        file.tempPath,
        file.target,
        'The encrypted file was kept; nothing was left under the output name.',
      );
    }
  });
}

/**
 * seal-file for each file with lent keys (SealLentFilesRequest): each file's data key and message
 * id are drawn here, its data key wrapped under every lent key and its header built, then it is
 * sealed as seal-files seals it. One answer per file, its failure as a value; the keys are wiped.
 */
export function sealLentFiles(
  request: Omit<SealLentFilesRequest, 'id'>,
  asErrorValue: (error: unknown) => ErrorValue,
): ({ bytes: number; output: string } | { error: ErrorValue })[] {
  const keys = request.keys.map((k) => ({ material: view(k.material), naming: k.naming }));
  const context = {
    stored: view(request.context.stored),
    full: view(request.context.full),
    authOnly: view(request.context.authOnly),
  };
  // Every file's data key, message id and IVs, drawn at once: one call to the random source a
  // group instead of two a file.
  const perFile = 32 + MESSAGE_ID_BYTES + keys.length * GCM_IV_BYTES;
  const drawn = randomFillSync(Buffer.alloc(perFile * request.files.length));
  try {
    return eachAnswer(request.files, asErrorValue, (file, index) => {
      let dataKey: Buffer | undefined;
      const mine = drawn.subarray(index * perFile, (index + 1) * perFile);
      try {
        const dek = mine.subarray(0, 32);
        const messageId = Buffer.from(mine.subarray(32, 32 + MESSAGE_ID_BYTES));
        const ivs = 32 + MESSAGE_ID_BYTES;
        const edks = keys.map((key, k) =>
          wrapDataKeyAs(
            key.material,
            key.naming,
            dek,
            context.full,
            mine.subarray(ivs + k * GCM_IV_BYTES, ivs + (k + 1) * GCM_IV_BYTES),
          ),
        );
        const built = unsignedHeader({
          dek,
          messageId,
          contextBytes: context.stored,
          authOnly: context.authOnly,
          frameLength: request.frameLength,
          edks,
        });
        dataKey = built.dataKey;
        return sealFile({ ...file, key: dataKey, messageId, header: built.header }, request, dataKey);
      } finally {
        mine.fill(0);
        dataKey?.fill(0);
      }
    });
  } finally {
    for (const key of keys) key.material.fill(0);
  }
}
