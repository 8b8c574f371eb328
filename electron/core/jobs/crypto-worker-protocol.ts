import type { ErrorValue } from '../../../shared/errors.js';
import type { FrameSpan } from '../envelope/frame-codec.js';

/** What the job thread asks a crypto worker, and what comes back. */
interface FrameKeying {
  id: number;
  key: Uint8Array;
  messageId: Uint8Array;
  frameLength: number;
  firstSeq: number;
}

/**
 * Seal `length` plaintext bytes read at `inputPosition` and write the frames at `outputPosition`.
 * The worker does its own positional reads and writes on the job's open files (threads share the
 * process's descriptors), so no byte is copied between threads.
 */
export interface SealRangeRequest extends FrameKeying {
  op: 'seal-range';
  inputFd: number;
  inputPosition: number;
  length: number;
  endsMessage: boolean;
  outputFd: number;
  outputPosition: number;
}

/**
 * Open `regularFrames` regular frames at `inputPosition` (then the final frame of `finalLength`
 * bytes, when not null) and write the plaintext at `outputPosition`, or nowhere when `outputFd`
 * is null (verification). Nothing is written unless every frame of the range authenticated.
 */
export interface OpenRangeRequest extends FrameKeying {
  op: 'open-range';
  inputFd: number;
  inputPosition: number;
  regularFrames: number;
  finalLength: number | null;
  outputFd: number | null;
  outputPosition: number;
}

/** Open frames the job thread read and transfers; the plaintext comes back (to be hashed in order). */
export interface OpenRequest extends FrameKeying {
  op: 'open';
  data: Uint8Array;
  frames: FrameSpan[];
  /** A buffer the worker may write its output into (recycled by the job thread). */
  spare?: ArrayBuffer;
}

/**
 * One file of a seal-files message: a whole small file to encrypt in the worker. It opens
 * `input`, writes `header` then every frame under `key` to a new temporary file `tempPath`
 * (created 0600, given the message's `finalMode`), fsyncs and closes it, and gives it the first
 * free name among `target`, "target (1)", ...; the folder's fsync is the job thread's (one for the
 * files named meanwhile).
 */
export interface SealFileTask {
  key: Uint8Array;
  messageId: Uint8Array;
  header: Uint8Array;
  input: string;
  tempPath: string;
  target: string;
}

/**
 * Seal several small files in one message (SealFileTask), each on its own: the job thread only
 * wraps their data keys and builds their headers, so a folder of small files costs it a message
 * per group instead of a dozen file operations per file. The answer is, as JSON, one entry per
 * file, `{ bytes, output }` or `{ error }`; one file's failure stops no other.
 */
export interface SealFilesRequest {
  id: number;
  op: 'seal-files';
  frameLength: number;
  /** Larger inputs are refused (the file grew since it was planned as small). */
  maxBytes: number;
  finalMode?: number;
  files: SealFileTask[];
}

/**
 * One file of an open-files message, whose header (read by read-headers) the job thread has parsed
 * and whose data key it has unwrapped. The worker reads the whole file (at most the request's
 * `maxBytes`), checks that it still starts with `header`, checks the key commitment and the
 * header tag with `dek` (and `authOnly`, the pairs kept out of the header), then opens every
 * frame in one pass; the body must end exactly with its final frame. With `tempPath`, the
 * plaintext goes to that new file (created 0600), which is fsynced, closed and given the first
 * free name among `target`, "target (1)", ...; the folder's fsync is the job thread's (shared by
 * the files named meanwhile). Without, nothing is written (verify). The answer is the plaintext
 * length and the output's name, as JSON.
 */
export interface OpenFileTask {
  dek: Uint8Array;
  authOnly: Uint8Array;
  header: Uint8Array;
  input: string;
  tempPath: string | null;
  target: string | null;
}

/**
 * Read small files' headers (regular files, opened without blocking): the answer's data is, as
 * JSON, one entry per input, `{ size, header }` (the header's bytes in base64: all that was read
 * when no header parses) or `{ error }`. A file larger than `maxBytes` (it grew since it was
 * planned as small) is not read: its size says why. Only headers cross to the job's thread: each
 * file's body is read again, where it is opened.
 */
export interface ReadHeadersRequest {
  id: number;
  op: 'read-headers';
  inputs: string[];
  maxBytes: number;
}

/**
 * Open several files in one message (OpenFileTask), each on its own: the answer's data is, as
 * JSON, one entry per file, `{ bytes, output? }` or `{ error }`; one file's failure stops no other.
 * A file larger than `maxBytes` by now is refused as changed.
 */
export interface OpenFilesRequest {
  id: number;
  op: 'open-files';
  maxBytes: number;
  files: OpenFileTask[];
}

/**
 * Open small files with keys lent by the job's keyring (Keyring.lendKeys): each file is read
 * whole; one whose header has one EDK naming a lent key is opened there, its plaintext written to
 * `tempPath` and fsynced but not named (the job thread records the key's use first, then sends
 * name-files); verification (no `tempPath`) writes nothing. The answer is, as JSON, one LentAnswer
 * per file. The lent keys are wiped when the message is done.
 */
export interface OpenLentFilesRequest {
  id: number;
  op: 'open-lent-files';
  maxBytes: number;
  keys: { keyId: string; version: number; material: Uint8Array }[];
  files: { input: string; tempPath: string | null; target: string | null }[];
}

/**
 * A file's answer to open-lent-files: opened with a lent key (`used`; its plaintext length, and
 * an error when the key opened its data key but the file was damaged), or the job thread's to
 * open (its size and header bytes in base64; a file over `maxBytes` has no header), or refused
 * before any key was used (its error alone).
 */
export type LentAnswer =
  | { used: { keyId: string; version: number }; bytes: number }
  | { used: { keyId: string; version: number }; error: ErrorValue }
  | { size: number; header: string }
  | { error: ErrorValue };

/** Name written temporary files, each the first free name among target, "target (1)", ...: `{ output }` or `{ error }` each. */
export interface NameFilesRequest {
  id: number;
  op: 'name-files';
  files: { tempPath: string; target: string }[];
}

/**
 * Seal several small files with keys lent by the job's keyring (Keyring.lendWrapKeys): for each
 * file the worker draws a data key and message id, wraps the data key under every lent key (one
 * EDK each, in order, under its names; `context.full` is their AAD), builds the header (the
 * unsigned committing suite, `context.stored` in it, `context.authOnly` authenticated only), and
 * seals, syncs and names the file as seal-files does. The answer is as seal-files'; the lent keys
 * are wiped when the message is done.
 */
export interface SealLentFilesRequest {
  id: number;
  op: 'seal-lent-files';
  frameLength: number;
  maxBytes: number;
  finalMode?: number;
  context: { stored: Uint8Array; full: Uint8Array; authOnly: Uint8Array };
  keys: { material: Uint8Array; naming: { namespace: string; name: string } }[];
  files: { input: string; tempPath: string; target: string }[];
}

/** The sizes of planned files, as JSON (0 for one that cannot be stat'ed: its own run will say why). */
export interface StatFilesRequest {
  id: number;
  op: 'stat-files';
  paths: string[];
}

export type WorkerRequest =
  | SealRangeRequest
  | OpenRangeRequest
  | OpenRequest
  | SealFilesRequest
  | ReadHeadersRequest
  | OpenFilesRequest
  | OpenLentFilesRequest
  | NameFilesRequest
  | SealLentFilesRequest
  | StatFilesRequest;

/** The output (empty for ranges, which wrote their own), and transferred buffers handed back for reuse. */
export type WorkerResponse =
  { id: number; ok: true; data: Uint8Array; returned: ArrayBuffer[] } | { id: number; ok: false; error: ErrorValue };

/** A request before the pool numbers it (Omit that keeps the union apart). */
export type UnnumberedRequest = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;
