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
}

export type WorkerRequest = SealRequest | OpenRequest;

export type WorkerResponse = { id: number; ok: true; data: Uint8Array } | { id: number; ok: false; error: ErrorValue };

/** A request before the pool numbers it (Omit that keeps the union apart). */
export type UnnumberedRequest = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;
