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
        ? sealFrames(key, view(request.messageId), request.frameLength, request.firstSeq, view(request.data), request.endsMessage)
        : openFrames(key, view(request.messageId), request.frameLength, request.firstSeq, view(request.data), request.frames);
    response = { id: request.id, ok: true, data: result };
    port.postMessage(response, [result.buffer as ArrayBuffer]);
  } catch (error) {
    response = { id: request.id, ok: false, error: toErrorValue(error) };
    port.postMessage(response);
  } finally {
    key.fill(0);
  }
});
