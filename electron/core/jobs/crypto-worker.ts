import { parentPort } from 'node:worker_threads';
import { toErrorValue } from '../../../shared/errors.js';
import { openFrames } from '../envelope/frame-codec.js';
import { fsFailure, isFsFailure } from '../envelope/fs-failure.js';
import type { WorkerRequest, WorkerResponse } from './crypto-worker-protocol.js';
import { openRange, sealFile, sealRange } from './ranged-frames.js';

/** A crypto worker: seals or opens one range or batch of frames at a time, off the job's thread. */
const port = parentPort;
if (!port) throw new Error('crypto-worker runs as a worker thread only');

const NOTHING = new Uint8Array(0);

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function handle(request: WorkerRequest, key: Buffer): { data: Uint8Array; returned: ArrayBuffer[] } {
  switch (request.op) {
    case 'seal-range':
      sealRange(request, key);
      return { data: NOTHING, returned: [] };
    case 'open-range':
      openRange(request, key);
      return { data: NOTHING, returned: [] };
    case 'seal-file':
      return { data: new TextEncoder().encode(JSON.stringify(sealFile(request, key))), returned: [] };
    case 'open': {
      const result = openFrames(
        key,
        view(request.messageId),
        request.frameLength,
        request.firstSeq,
        view(request.data),
        request.frames,
        request.spare,
      );
      const unusedSpare = request.spare && result.buffer !== request.spare ? [request.spare] : [];
      return { data: result, returned: [request.data.buffer as ArrayBuffer, ...unusedSpare] };
    }
  }
}

port.on('message', (request: WorkerRequest) => {
  const key = view(request.key);
  try {
    const { data, returned } = handle(request, key);
    const response: WorkerResponse = { id: request.id, ok: true, data, returned };
    const transfer = data.byteLength > 0 ? [data.buffer as ArrayBuffer, ...returned] : returned;
    port.postMessage(response, transfer);
  } catch (error) {
    // The job's thread knows the paths: it words a file-system failure, given its code here.
    // A failure already worded with its paths (a whole small file's) goes as it is.
    const failure = isFsFailure(error) ? error : (fsFailure(error, 'A file could not be read or written', '') ?? error);
    const response: WorkerResponse = { id: request.id, ok: false, error: toErrorValue(failure) };
    port.postMessage(response);
  } finally {
    key.fill(0);
  }
});
