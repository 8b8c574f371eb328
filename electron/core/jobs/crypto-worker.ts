import { statSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { toErrorValue, type ErrorValue } from '../../../shared/errors.js';
import { openFrames } from '../envelope/frame-codec.js';
import { fsFailure, isFsFailure } from '../envelope/fs-failure.js';
import type { WorkerRequest, WorkerResponse } from './crypto-worker-protocol.js';
import { openRange, sealRange } from './ranged-frames.js';
import { nameFiles, openFiles, openLentFiles, readHeaders, sealFiles, sealLentFiles } from './whole-files.js';

/** A crypto worker: seals or opens one range or batch of frames at a time, off the job's thread. */
const port = parentPort;
if (!port) throw new Error('crypto-worker runs as a worker thread only');

const NOTHING = new Uint8Array(0);

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A planned file's size; 0 when it cannot be stat'ed (its own run says why). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * The job's thread knows the paths: it words a file-system failure, given its code here. A
 * failure already worded with its paths (a whole small file's) goes as it is.
 */
function asErrorValue(error: unknown): ErrorValue {
  return toErrorValue(isFsFailure(error) ? error : (fsFailure(error, 'A file could not be read or written', '') ?? error));
}

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

function handle(request: WorkerRequest, key: Buffer): { data: Uint8Array; returned: ArrayBuffer[] } {
  switch (request.op) {
    case 'seal-range':
      sealRange(request, key);
      return { data: NOTHING, returned: [] };
    case 'open-range':
      openRange(request, key);
      return { data: NOTHING, returned: [] };
    case 'seal-files':
      return { data: json(sealFiles(request, asErrorValue)), returned: [] };
    case 'read-headers':
      return { data: json(readHeaders(request, asErrorValue)), returned: [] };
    case 'open-lent-files':
      return { data: json(openLentFiles(request, asErrorValue)), returned: [] };
    case 'seal-lent-files':
      return { data: json(sealLentFiles(request, asErrorValue)), returned: [] };
    case 'name-files':
      return { data: json(nameFiles(request, asErrorValue)), returned: [] };
    case 'open-files':
      return { data: json(openFiles(request, asErrorValue)), returned: [] };
    case 'stat-files':
      return { data: json(request.paths.map(sizeOf)), returned: [] };
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
  const key = 'key' in request ? view(request.key) : Buffer.alloc(0);
  try {
    const { data, returned } = handle(request, key);
    const response: WorkerResponse = {
      id: request.id,
      ok: true,
      data,
      returned,
    };
    const transfer = data.byteLength > 0 ? [data.buffer as ArrayBuffer, ...returned] : [...returned];
    port.postMessage(response, transfer);
  } catch (error) {
    const response: WorkerResponse = { id: request.id, ok: false, error: asErrorValue(error) };
    port.postMessage(response);
  } finally {
    key.fill(0);
  }
});
