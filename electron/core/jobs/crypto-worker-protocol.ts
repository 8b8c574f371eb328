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
 * Encrypt a whole small file in the worker: open `input`, write `header` then every frame to a
 * new temporary file `tempPath` (created 0600, given `finalMode`), fsync and close it, give it
 * the first free name among `target`, "target (1)", ... and fsync the folder. The job thread only
 * wraps the data key: a folder of small files costs it a message per file instead of a dozen
 * file operations. The answer is the plaintext length and the output's name, as JSON.
 */
export interface SealFileRequest extends FrameKeying {
  op: 'seal-file';
  input: string;
  tempPath: string;
  target: string;
  header: Uint8Array;
  /** Larger inputs are refused (the file grew since it was planned as small). */
  maxBytes: number;
  finalMode?: number;
}

export type WorkerRequest = SealRangeRequest | OpenRangeRequest | OpenRequest | SealFileRequest;

/** The output (empty for ranges, which wrote their own), and transferred buffers handed back for reuse. */
export type WorkerResponse =
  { id: number; ok: true; data: Uint8Array; returned: ArrayBuffer[] } | { id: number; ok: false; error: ErrorValue };

/** A request before the pool numbers it (Omit that keeps the union apart). */
export type UnnumberedRequest = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;
