import { createHash, createSign, createVerify, randomBytes, type Verify } from 'node:crypto';
import { createReadStream, type promises as fs } from 'node:fs';
import { CofferError } from '../../../shared/errors.js';
import { DEFAULT_FRAME_LENGTH } from '../../../shared/file-format.js';
import { FRAME_LENGTH_RULE, isValidFrameLength, type FileJobRequest } from '../../../shared/file-job.js';
import { UNSIGNED_SUITE, type AlgorithmSuite } from '../envelope/algorithm-suites.js';
import { FINAL_FRAME_OVERHEAD, HEADER_TAG_BYTES, MESSAGE_ID_BYTES, REGULAR_FRAME_OVERHEAD } from '../envelope/esdk-constants.js';
import { scanFrames, sealedSize } from '../envelope/frame-codec.js';
import { authenticateHeader, headerTag, readHeader } from '../envelope/header-reader.js';
import { deriveMessageKeys } from '../envelope/key-derivation.js';
import { fsFailure } from '../envelope/fs-failure.js';
import { contextForDecryption, contextForEncryption } from '../envelope/message-context.js';
import { locateFrames, openReadableFile, type BodyLayout } from '../envelope/message-file.js';
import { serializeHeaderBody, type EncryptedDataKey, type ParsedHeader } from '../envelope/message-header.js';
import { ephemeralSigningKey, parseFooter, signatureFooter, verificationKey } from '../envelope/message-signature.js';
import { OrderedFileDigest } from './ordered-file-digest.js';
import { commitTemp, createTempBeside, discardTemp, type TempOutput } from './output-file.js';
import { ProgressMeter, type ProgressListener } from './progress.js';
import { runRanges, type RangeTask } from './range-runner.js';
import type { Keyring } from '../keyrings/keyring.js';
import type { WorkerPool, WorkerResult } from './worker-pool.js';

/**
 * The envelope engine's streaming core. Frames have a fixed size, so where each batch of frames
 * lies in the input and in the output is known before any byte is read: the calling thread only
 * hands out ranges, and each worker reads its range, seals or opens it and writes the result in
 * place, with positional I/O on the job's descriptors. No batch crosses between threads (each
 * crossing cost a copy and a libuv round trip: 1 GiB took 1.2 s in-process that way, 0.6 s this way); at most
 * `window` ranges are in flight, so memory stays bounded whatever the file size, and the event
 * loop never waits on crypto or disk.
 */
const BATCH_BYTES = Number(process.env.COFFER_BATCH_BYTES) || 4 * 1024 * 1024;

export interface EngineContext {
  pool: WorkerPool;
  keys: Keyring;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** Batches in flight at once (default: twice the pool size). */
  window?: number;
}

/** A file job's encryption fields (shared/file-job.ts), and what the batch asks of one file. */
export type EncryptOptions = Pick<FileJobRequest, 'frame_length' | 'encryption_context'> & {
  /** 0x0478 (default) or the signed 0x0578. */
  suite?: AlgorithmSuite;
  /** Keys of `encryption_context` kept out of the header, yet bound (the required-context CMM). */
  requiredContextKeys?: readonly string[];
  /** Also compute the SHA-256 of the plaintext (to verify before removing an original). */
  hashPlaintext?: boolean;
};

export type DecryptOptions = Pick<FileJobRequest, 'encryption_context' | 'max_encrypted_data_keys'> & {
  /** Also compute the SHA-256 of the plaintext (takes the ordered path). */
  hashPlaintext?: boolean;
  /** Read message format v1 (ESDK 1.x) files; refused without (ESDK's ForbidEncryptAllowDecrypt). */
  allow_legacy_format?: boolean;
};

export interface JobOutcome {
  /** Plaintext bytes processed. */
  bytes: number;
  sha256?: string;
  /** Where the output went (after any " (1)" renaming). */
  output?: string;
  header?: ParsedHeader;
}

/** The file job's rule (shared/file-job.ts), for callers of the engine that bypass the runner. */
export function validateFrameLength(frameLength: number): number {
  if (!isValidFrameLength(frameLength)) {
    throw new CofferError('COFFER.2012', `${FRAME_LENGTH_RULE}; ${String(frameLength)} was given.`);
  }
  return frameLength;
}

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CofferError('COFFER.2010', 'The job was cancelled; nothing was written under the output name.');
}

/** Reads up to `size` bytes into a buffer of its own (so it can be transferred to a worker). */
async function readChunk(handle: fs.FileHandle, size: number, position: number, recycler: BufferRecycler): Promise<Buffer> {
  const buffer = Buffer.from(recycler.take(), 0, size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(buffer, filled, size - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === size ? buffer : buffer.subarray(0, filled);
}

/** Keeps results in submission order and bounds how many are pending. */
class OrderedResults {
  private readonly pending: Promise<WorkerResult>[] = [];
  push(result: Promise<WorkerResult>): void {
    result.catch(() => undefined); // awaited in order below; this only silences early rejections
    this.pending.push(result);
  }
  get size(): number {
    return this.pending.length;
  }
  next(): Promise<WorkerResult> {
    return this.pending.shift()!;
  }
  async settleAll(): Promise<void> {
    await Promise.allSettled(this.pending.splice(0));
  }
}

/**
 * Batch buffers of one size, passed to workers and back instead of allocated anew: fresh
 * multi-megabyte buffers cost page faults and garbage that only a GC returns, which would
 * make the memory of a long job grow with the window rather than stay flat.
 */
class BufferRecycler {
  private readonly free: ArrayBuffer[] = [];
  constructor(
    readonly capacity: number,
    private readonly keep: number,
  ) {}
  take(): ArrayBuffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.capacity).buffer;
  }
  give(buffers: readonly ArrayBuffer[]): void {
    for (const buffer of buffers) {
      if (buffer.byteLength === this.capacity && this.free.length < this.keep) this.free.push(buffer);
    }
  }
}

async function writeAllAt(handle: fs.FileHandle, data: Buffer, position: number): Promise<void> {
  let written = 0;
  while (written < data.length) {
    const { bytesWritten } = await handle.write(data, written, data.length - written, position + written);
    written += bytesWritten;
  }
}

/** The SHA-256 of a file, read on its own (to verify an encryption before its original goes). */
async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function batchFramesOf(frameLength: number): number {
  return Math.max(1, Math.floor(BATCH_BYTES / frameLength));
}

/**
 * Encrypts `input` to a temporary file beside `target`, then gives it `target` (or "target (n)").
 * Frames have a fixed size, so every batch's place in the output is known in advance: workers
 * read their plaintext and write their frames themselves, and this thread only hands out ranges.
 * The header's size is known in advance too (every EDK has one size), so the body is sealed
 * while the data key is wrapped, and the header is written once it is.
 */
export async function encryptFile(
  input: string,
  target: string,
  options: EncryptOptions,
  context: EngineContext,
): Promise<JobOutcome> {
  const frameLength = validateFrameLength(options.frame_length ?? DEFAULT_FRAME_LENGTH);
  const suite = options.suite ?? UNSIGNED_SUITE;
  if (suite.messageVersion !== 2) throw new RangeError(`suite ${suite.hex} is never written`);
  const signing = suite.signature ? ephemeralSigningKey(suite.signature) : null;
  const messageContext = contextForEncryption(
    options.encryption_context ?? {},
    options.requiredContextKeys ?? [],
    signing?.publicKeyBase64 ?? null,
  );
  const { handle, stats } = await openReadableFile(input);
  let temp: TempOutput | undefined;
  const dek = randomBytes(32);
  // Stops the body when wrapping fails (a disabled key, a locked keychain) or the job is cancelled.
  const stop = new AbortController();
  const signal = context.signal ? AbortSignal.any([context.signal, stop.signal]) : stop.signal;
  let body: Promise<void> | undefined;
  let digest: OrderedFileDigest | undefined;
  try {
    const messageId = randomBytes(MESSAGE_ID_BYTES);
    const contextBytes = messageContext.stored;
    const { dataKey, commitment } = deriveMessageKeys(suite, dek, messageId);
    const headerFields = { suite, messageId, contextBytes, frameLength, commitment };
    const placeholders = await context.keys.placeholders;
    const headerLength = serializeHeaderBody({ ...headerFields, edks: [...placeholders] }).length + HEADER_TAG_BYTES;
    const wrapping = context.keys.wrap(dek, messageContext.full);
    wrapping.catch(() => undefined); // awaited below, once the body is under way
    checkAborted(context.signal);
    temp = await createTempBeside(target, 'as-umask');
    // Hashed on its own read, alongside the workers; a file that changes meanwhile fails the check.
    const hashing = options.hashPlaintext ? hashFile(input) : undefined;
    hashing?.catch(() => undefined);
    // A signature covers the header and the body in order: hashed from the output as parts land.
    const signer = signing ? createSign(suite.signature!.hash) : null;
    digest = signer ? new OrderedFileDigest(temp.handle, signer) : undefined;

    const meter = new ProgressMeter(stats.size, context.onProgress);
    const batchBytes = batchFramesOf(frameLength) * frameLength;
    const inputFd = handle.fd;
    const outputFd = temp.handle.fd;
    function* ranges(): Generator<RangeTask> {
      let position = 0;
      do {
        const length = Math.min(batchBytes, stats.size - position);
        const endsMessage = position + length >= stats.size;
        const outputPosition = headerLength + sealedSize(position, frameLength, false);
        yield {
          bytes: length,
          output: { start: outputPosition, end: outputPosition + sealedSize(length, frameLength, endsMessage) },
          request: {
            op: 'seal-range',
            key: dataKey,
            messageId,
            frameLength,
            firstSeq: position / frameLength + 1,
            inputFd,
            inputPosition: position,
            length,
            endsMessage,
            outputFd,
            outputPosition,
          },
        };
        position += length;
      } while (position < stats.size);
    }
    body = runRanges(context.pool, ranges(), {
      window: context.window ?? context.pool.size * 2,
      signal,
      onDone: (bytes, task) => {
        meter.add(bytes);
        if (task.output) digest?.markReady(task.output.start, task.output.end);
      },
    });
    body.catch(() => undefined); // awaited below, after the header
    let edks: EncryptedDataKey[];
    try {
      edks = await wrapping;
    } catch (error) {
      stop.abort();
      throw error;
    }
    const headerBody = serializeHeaderBody({ ...headerFields, edks });
    const header = Buffer.concat([headerBody, headerTag(dataKey, headerBody, messageContext.authOnly)]);
    if (header.length !== headerLength) {
      stop.abort();
      throw new CofferError(
        'KMS.0101',
        `A wrapped data key had an unexpected size (header ${header.length} bytes, not ${headerLength}).`,
      );
    }
    await writeAllAt(temp.handle, header, 0);
    digest?.markReady(0, headerLength);
    try {
      await body;
    } catch (error) {
      if (error instanceof CofferError && error.code === 'COFFER.2011') throw changedWhileReading(input, stats.size);
      throw error;
    }
    checkAborted(context.signal);
    if ((await handle.stat()).size !== stats.size) throw changedWhileReading(input, stats.size);
    if (digest && signer && signing) {
      const bodyEnd = headerLength + sealedSize(stats.size, frameLength, true);
      await digest.finish(bodyEnd);
      await writeAllAt(temp.handle, signatureFooter(signer.sign({ key: signing.privateKey, dsaEncoding: 'der' })), bodyEnd);
    }
    const sha256 = await hashing;
    meter.finish();
    const output = await commitTemp(temp, target);
    temp = undefined;
    return { bytes: stats.size, output, ...(sha256 ? { sha256 } : {}) };
  } catch (error) {
    throw (
      fsFailure(error, `${target} could not be written`, 'The original was kept; nothing was left under the output name.') ??
      error
    );
  } finally {
    dek.fill(0);
    // Workers still writing through the job's descriptors must finish before they close.
    await body?.catch(() => undefined);
    await digest?.stop();
    await handle.close();
    if (temp) await discardTemp(temp);
  }
}

function changedWhileReading(input: string, size: number): CofferError {
  return new CofferError(
    'COFFER.2011',
    `${input} changed while it was being encrypted (it was ${size} bytes when the job started); encrypt it again once it is stable.`,
  );
}

/** ESDK's ForbidEncryptAllowDecrypt: v1 files open only when the caller asked for them. */
export function checkFormatAllowed(header: ParsedHeader, input: string, options: DecryptOptions): void {
  if (header.version === 1 && options.allow_legacy_format !== true) {
    throw new CofferError(
      'COFFER.2050',
      `${input} is a legacy AWS Encryption SDK 1.x message (format v1, suite ${header.suite.hex}); Coffer opens it only when asked: add --allow-legacy-format. Nothing was written.`,
    );
  }
}

/**
 * The data key. The keyrings bind it to the whole context, so a refusal as "altered" may also
 * mean a pair kept out of the header is missing or wrong: the error says so.
 */
export async function unwrapWithContext(
  context: EngineContext,
  header: ParsedHeader,
  full: Buffer,
  given: boolean,
): Promise<Buffer> {
  try {
    return await context.keys.unwrap(header.edks, full);
  } catch (error) {
    if (!(error instanceof CofferError) || error.code !== 'COFFER.2003') throw error;
    if (given) {
      throw new CofferError(
        'COFFER.2055',
        "The file's data key does not open with the encryption context given: a pair is wrong or one is missing, or the header was altered. Nothing was written.",
        { cause: error },
      );
    }
    throw new CofferError(
      'COFFER.2003',
      `${error.message} (If it was encrypted with required encryption context keys, kept out of its header, give those pairs with --encryption-context.)`,
      { cause: error },
    );
  }
}

function badSignature(input: string): CofferError {
  return new CofferError(
    'COFFER.2051',
    `${input} does not verify against its signature: it was altered after it was signed, or signed by someone else. Nothing was written.`,
  );
}

/**
 * Authenticates and decrypts a whole file. With `target`, the plaintext goes to a temporary file
 * that gets the target's name only after every frame authenticated and, for a signed suite, the
 * footer's signature verified; without, nothing is written (verify-file).
 */
export async function decryptFile(
  input: string,
  target: string | null,
  context: EngineContext,
  options: DecryptOptions = {},
): Promise<JobOutcome> {
  const { handle, stats } = await openReadableFile(input);
  let temp: TempOutput | undefined;
  let digest: OrderedFileDigest | undefined;
  try {
    const header = await readHeader(handle, stats.size, { maxEncryptedDataKeys: options.max_encrypted_data_keys });
    checkFormatAllowed(header, input, options);
    const given = options.encryption_context ?? {};
    const messageContext = contextForDecryption(header, given);
    const publicKey = header.suite.signature ? verificationKey(header.suite, header.encryptionContext) : null;
    const dek = await unwrapWithContext(context, header, messageContext.full, Object.keys(given).length > 0);
    const { dataKey } = authenticateHeader(header, dek, messageContext.authOnly);
    dek.fill(0);
    checkAborted(context.signal);
    // A hash needs the plaintext in order, and a body that does not fit the fixed layout needs the
    // frame-by-frame scan to say what is wrong with it: both take the ordered path.
    const layout = options.hashPlaintext ? null : await locateFrames(handle, header, stats.size);
    const verifier = publicKey ? createVerify(header.suite.signature!.hash) : undefined;
    if (verifier && layout) {
      // The signature's hash reads the file in order alongside the workers that open its ranges.
      digest = new OrderedFileDigest(handle, verifier);
      digest.markReady(0, layout.bodyEnd);
    }
    if (target !== null) temp = await createTempBeside(target);
    const job: DecryptJob = { input, handle, size: stats.size, header, dataKey, output: temp?.handle ?? null, context };
    let outcome: JobOutcome;
    let bodyEnd: number;
    if (layout) {
      outcome = { bytes: await openRanges(job, layout), header };
      bodyEnd = layout.bodyEnd;
    } else {
      const ordered = await openInOrder(job, options.hashPlaintext === true, verifier);
      outcome = { header, bytes: ordered.bytes, ...(ordered.sha256 ? { sha256: ordered.sha256 } : {}) };
      bodyEnd = ordered.bodyEnd;
    }
    if (verifier && publicKey) {
      await digest?.finish(bodyEnd);
      const footer = Buffer.alloc(stats.size - bodyEnd);
      await handle.read(footer, 0, footer.length, bodyEnd);
      const signature = parseFooter(footer);
      if (!signature || !verifier.verify(publicKey, signature)) throw badSignature(input);
    }
    checkAborted(context.signal);
    if (temp) {
      outcome.output = await commitTemp(temp, target!);
      temp = undefined;
    }
    return outcome;
  } catch (error) {
    throw (
      (target === null
        ? fsFailure(error, `${input} could not be read`, 'Nothing was written.')
        : fsFailure(
            error,
            `${target} could not be written`,
            'The encrypted file was kept; nothing was left under the output name.',
          )) ?? error
    );
  } finally {
    // The signature's reads use the input's descriptor: let them stop before it closes.
    await digest?.stop();
    await handle.close();
    if (temp) await discardTemp(temp);
  }
}

interface DecryptJob {
  input: string;
  handle: fs.FileHandle;
  size: number;
  header: ParsedHeader;
  dataKey: Buffer;
  output: fs.FileHandle | null;
  context: EngineContext;
}

/** Workers open batches of frames where the layout puts them and write the plaintext where it goes. */
async function openRanges(job: DecryptJob, layout: BodyLayout): Promise<number> {
  const { header, context } = job;
  const frameLength = header.frameLength;
  const batchFrames = batchFramesOf(frameLength);
  const meter = new ProgressMeter(job.size - header.length, context.onProgress);
  const inputFd = job.handle.fd;
  const outputFd = job.output?.fd ?? null;
  function* ranges(): Generator<RangeTask> {
    let frame = 0;
    do {
      const count = Math.min(batchFrames, layout.regularFrames - frame);
      const includesFinal = frame + count === layout.regularFrames;
      yield {
        bytes: count * (frameLength + REGULAR_FRAME_OVERHEAD) + (includesFinal ? layout.finalLength + FINAL_FRAME_OVERHEAD : 0),
        request: {
          op: 'open-range',
          key: job.dataKey,
          messageId: header.messageId,
          frameLength,
          firstSeq: frame + 1,
          inputFd,
          inputPosition: header.length + frame * (frameLength + REGULAR_FRAME_OVERHEAD),
          regularFrames: count,
          finalLength: includesFinal ? layout.finalLength : null,
          outputFd,
          outputPosition: frame * frameLength,
        },
      };
      frame += count;
    } while (frame < layout.regularFrames);
  }
  await runRanges(context.pool, ranges(), {
    window: context.window ?? context.pool.size * 2,
    ...(context.signal ? { signal: context.signal } : {}),
    onDone: (bytes) => meter.add(bytes),
  });
  checkAborted(context.signal);
  meter.finish();
  return layout.regularFrames * frameLength + layout.finalLength;
}

/**
 * Reads the body in order, finding each frame as it goes, and hands batches to the workers; the
 * plaintext comes back in order, to be hashed and appended. Damaged bodies get their precise
 * diagnosis here (cut short, bytes appended, a frame of the wrong size).
 */
async function openInOrder(
  job: DecryptJob,
  hashPlaintext: boolean,
  signature?: Verify,
): Promise<{ bytes: number; sha256?: string; bodyEnd: number }> {
  const { input, handle, header, context } = job;
  const frameLength = header.frameLength;
  const hash = hashPlaintext ? createHash('sha256') : undefined;
  const meter = new ProgressMeter(job.size - header.length, context.onProgress);
  const rawBatch = batchFramesOf(frameLength) * (frameLength + REGULAR_FRAME_OVERHEAD);
  const window = context.window ?? context.pool.size * 2;
  const results = new OrderedResults();
  const sizes: number[] = [];
  let plaintextBytes = 0;
  const recycler = new BufferRecycler(rawBatch + frameLength + 64 * 1024, window * 3);
  const drainOne = async (): Promise<void> => {
    const opened = await results.next();
    recycler.give(opened.returned);
    const plain = opened.data;
    hash?.update(plain);
    if (job.output) await writeAllAt(job.output, plain, plaintextBytes);
    plaintextBytes += plain.length;
    recycler.give([plain.buffer as ArrayBuffer]);
    meter.add(sizes.shift()!);
  };

  let position = header.length;
  let carry = Buffer.alloc(0);
  let seq = 1;
  let sawFinal = false;
  let bodyEnd = header.length;
  signature?.update(header.raw);
  try {
    while (!sawFinal) {
      checkAborted(context.signal);
      const chunk = await readChunk(handle, rawBatch, position, recycler);
      position += chunk.length;
      // Batches hold whole regular frames, so usually nothing is carried over and no copy is needed.
      let data = chunk;
      if (carry.length > 0) {
        data = Buffer.allocUnsafeSlow(carry.length + chunk.length);
        carry.copy(data, 0);
        chunk.copy(data, carry.length);
      }
      const scan = scanFrames(data, frameLength);
      if (scan.frames.length === 0 && chunk.length === 0) {
        throw new CofferError(
          'COFFER.2004',
          `${input} is cut short: it ends ${data.length > 0 ? 'inside a frame' : 'before its final frame'}, so its end cannot be authenticated. Nothing was written.`,
        );
      }
      sawFinal = scan.sawFinal;
      bodyEnd = position - data.length + scan.consumed;
      // A signed message's footer follows its final frame; it is read and checked by the caller.
      if (sawFinal && !signature && (scan.consumed !== data.length || position !== job.size)) {
        throw new CofferError(
          'COFFER.2005',
          `${input} has ${job.size - position + data.length - scan.consumed} byte(s) after its final frame: it was altered. Nothing was written.`,
        );
      }
      carry = Buffer.from(data.subarray(scan.consumed));
      // Hashed before the batch is handed (and transferred) to a worker.
      signature?.update(data.subarray(0, scan.consumed));
      if (scan.frames.length > 0) {
        const spare = recycler.take();
        results.push(
          context.pool.run(
            {
              op: 'open',
              key: job.dataKey,
              messageId: header.messageId,
              frameLength,
              firstSeq: seq,
              data,
              frames: scan.frames,
              spare,
            },
            [data.buffer as ArrayBuffer, spare],
          ),
        );
        sizes.push(scan.consumed);
        seq += scan.frames.length;
      }
      while (results.size >= window) await drainOne();
    }
    while (results.size > 0) await drainOne();
  } finally {
    // Batches still in flight hold no descriptor, but must not outlive the job unobserved.
    await results.settleAll();
  }
  meter.finish();
  return { bytes: plaintextBytes, bodyEnd, ...(hash ? { sha256: hash.digest('hex') } : {}) };
}
