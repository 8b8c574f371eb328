import type { ErrorValue } from '../../shared/errors.js';
import type { FrameSpan } from '../envelope/frame-codec.js';

/** What the job thread asks a crypto worker, and what comes back. Buffers travel as transfers. */
export interface SealRequest {
  id: number;
  op: 'seal';
  key: Uint8Array;
  messageId: Uint8Array;
  frameLength: number;
  firstSeq: number;
  data: Uint8Array;
  endsMessage: boolean;
  /** A buffer the worker may write its output into (recycled by the job thread). */
  spare?: ArrayBuffer;
}

export interface OpenRequest {
  id: number;
  op: 'open';
  key: Uint8Array;
  messageId: Uint8Array;
  frameLength: number;
  firstSeq: number;
  data: Uint8Array;
  frames: FrameSpan[];
  spare?: ArrayBuffer;
}

export type WorkerRequest = SealRequest | OpenRequest;

/** The output, and the input's buffer handed back for reuse. */
export type WorkerResponse =
  | { id: number; ok: true; data: Uint8Array; input: ArrayBuffer; unusedSpare?: ArrayBuffer }
  | { id: number; ok: false; error: ErrorValue };

/** A request before the pool numbers it (Omit that keeps the union apart). */
export type UnnumberedRequest = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;
