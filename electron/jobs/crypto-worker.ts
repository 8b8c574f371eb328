import { parentPort } from 'node:worker_threads';
import { toErrorValue } from '../../shared/errors.js';
import { openFrames, sealFrames } from '../envelope/frame-codec.js';
import type { WorkerRequest, WorkerResponse } from './crypto-worker-protocol.js';

/** A crypto worker: seals or opens one batch of frames at a time, off the job's thread. */
const port = parentPort;
if (!port) throw new Error('crypto-worker runs as a worker thread only');

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

port.on('message', (request: WorkerRequest) => {
  const key = view(request.key);
  let response: WorkerResponse;
  try {
    const result =
      request.op === 'seal'
        ? sealFrames(
            key,
            view(request.messageId),
            request.frameLength,
            request.firstSeq,
            view(request.data),
            request.endsMessage,
            request.spare,
          )
        : openFrames(
            key,
            view(request.messageId),
            request.frameLength,
            request.firstSeq,
            view(request.data),
            request.frames,
            request.spare,
          );
    const input = request.data.buffer as ArrayBuffer;
    const unusedSpare = request.spare && result.buffer !== request.spare ? request.spare : undefined;
    response = { id: request.id, ok: true, data: result, input, ...(unusedSpare ? { unusedSpare } : {}) };
    port.postMessage(response, [result.buffer as ArrayBuffer, input, ...(unusedSpare ? [unusedSpare] : [])]);
  } catch (error) {
    response = { id: request.id, ok: false, error: toErrorValue(error) };
    port.postMessage(response);
  } finally {
    key.fill(0);
  }
});
