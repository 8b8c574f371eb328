import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  MEDIA_SCHEME,
  MediaRegistry,
  mediaTypeFor,
  parseRange,
  type MediaRegistryOptions,
} from '../../electron/app/media-protocol.js';
import { REGULAR_FRAME_OVERHEAD } from '../../electron/core/envelope/esdk-constants.js';
import { RandomAccessReader } from '../../electron/core/envelope/random-access-reader.js';
import { encryptFile } from '../../electron/core/jobs/file-crypto.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { removeDir, tempDir } from '../helpers/cli.js';
import { memoryKeyring } from '../helpers/engine-fixture.js';

const F = 1024;
const keys = memoryKeyring();
let pool: WorkerPool;
let work: string;

/** 20 whole frames and a short final one, so ranges can start, end and cross anywhere. */
const clipPlain = randomBytes(20 * F + 321);
const size = clipPlain.length;
let clip: string;
let empty: string;
/** 12 frames with one ciphertext byte flipped in frame 5 (0-based). */
const damagedPlain = randomBytes(12 * F);
const DAMAGED_FRAME = 5;
let damaged: string;

async function seal(name: string, data: Buffer): Promise<string> {
  const input = join(work, name);
  await writeFile(input, data);
  const { output } = await encryptFile(input, `${input}.coffer`, { frame_length: F }, { pool, keys });
  return output!;
}

beforeAll(async () => {
  pool = new WorkerPool(2);
  work = await tempDir();
  clip = await seal('holiday.mp4', clipPlain);
  empty = await seal('nothing.png', Buffer.alloc(0));
  damaged = await seal('broken.webm', damagedPlain);
  const reader = await RandomAccessReader.open(damaged, keys.unwrap);
  const offset = reader.header.length + DAMAGED_FRAME * (F + REGULAR_FRAME_OVERHEAD) + 4 + 12 + 100;
  await reader.close();
  const bytes = await readFile(damaged);
  bytes[offset] = bytes[offset]! ^ 0x01;
  await writeFile(damaged, bytes);
});
afterAll(async () => {
  await pool.close();
  await removeDir(work);
});

const registries: MediaRegistry[] = [];
function registry(options: MediaRegistryOptions = {}): MediaRegistry {
  // Small chunks so that bodies of a few KiB are already streamed in several pieces.
  const made = new MediaRegistry(keys.unwrap, { chunkBytes: 4 * F, ...options });
  registries.push(made);
  return made;
}
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.closeAll()));
});

function request(url: string, range?: string, method = 'GET', extra: Record<string, string> = {}): Request {
  const headers: Record<string, string> = { ...extra };
  if (range !== undefined) headers.Range = range;
  return new Request(url, { method, headers });
}

async function body(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

/** Reads a body chunk by chunk, keeping what arrived before any error. */
async function drain(response: Response): Promise<{ bytes: Buffer; chunks: number; error: unknown }> {
  const reader = response.body!.getReader();
  const parts: Buffer[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: Buffer.concat(parts), chunks: parts.length, error: undefined };
      parts.push(Buffer.from(value));
    }
  } catch (error) {
    return { bytes: Buffer.concat(parts), chunks: parts.length, error };
  }
}

function expectCommonHeaders(response: Response): void {
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
}

describe('parseRange (end exclusive)', () => {
  const r = (start: number, end: number, openEnded = false) => ({ start, end, openEnded });
  it.each([
    // No range: serve the whole body.
    [null, 100, null],
    ['', 100, null],
    ['bytes 0-1', 100, null],
    ['items=0-1', 100, null],
    // Single ranges.
    ['bytes=0-0', 100, r(0, 1)],
    ['bytes=0-99', 100, r(0, 100)],
    ['bytes=10-19', 100, r(10, 20)],
    ['bytes=90-200', 100, r(90, 100)],
    ['bytes=0-99999999999999999999999999', 100, r(0, 100)],
    ['BYTES=1-2', 100, r(1, 3)],
    ['bytes= 1-2 ', 100, r(1, 3)],
    // Open-ended.
    ['bytes=0-', 100, r(0, 100, true)],
    ['bytes=99-', 100, r(99, 100, true)],
    // Suffixes.
    ['bytes=-10', 100, r(90, 100)],
    ['bytes=-100', 100, r(0, 100)],
    ['bytes=-1000', 100, r(0, 100)],
    // Nothing within the body.
    ['bytes=100-', 100, 'unsatisfiable'],
    ['bytes=100-200', 100, 'unsatisfiable'],
    ['bytes=99999999999999999999-', 100, 'unsatisfiable'],
    ['bytes=-0', 100, 'unsatisfiable'],
    // Malformed bytes ranges.
    ['bytes=5-4', 100, 'unsatisfiable'],
    ['bytes=abc', 100, 'unsatisfiable'],
    ['bytes=', 100, 'unsatisfiable'],
    ['bytes=-', 100, 'unsatisfiable'],
    ['bytes=1-2-3', 100, 'unsatisfiable'],
    ['bytes=+1-2', 100, 'unsatisfiable'],
    ['bytes=0x10-20', 100, 'unsatisfiable'],
    ['bytes=1.5-2', 100, 'unsatisfiable'],
    ['bytes=-1-2', 100, 'unsatisfiable'],
    // Multiple ranges: the first satisfiable one.
    ['bytes=0-1,5-6', 100, r(0, 2)],
    ['bytes=200-300, 5-6', 100, r(5, 7)],
    ['bytes=0-1,,5-6', 100, r(0, 2)],
    ['bytes=0-1,x', 100, 'unsatisfiable'],
    ['bytes=200-300,400-', 100, 'unsatisfiable'],
    // An empty body has no satisfiable range.
    ['bytes=0-0', 0, 'unsatisfiable'],
    ['bytes=0-', 0, 'unsatisfiable'],
    ['bytes=-5', 0, 'unsatisfiable'],
    [null, 0, null],
  ] as const)('%s of %i bytes', (header, total, expected) => {
    expect(parseRange(header, total)).toEqual(expected);
  });
});

describe('mediaTypeFor', () => {
  it.each([
    ['holiday.mp4.coffer', 'video/mp4'],
    ['/some/dir/Holiday.MP4.coffer', 'video/mp4'],
    ['holiday.mp4 (1).coffer', 'video/mp4'],
    ['clip.m4v.coffer', 'video/mp4'],
    ['clip.mov.coffer', 'video/quicktime'],
    ['clip.webm.coffer', 'video/webm'],
    ['clip.mkv.coffer', 'video/x-matroska'],
    ['clip.ogv.coffer', 'video/ogg'],
    ['photo.jpg.coffer', 'image/jpeg'],
    ['photo.jpeg.coffer', 'image/jpeg'],
    ['photo.png.coffer', 'image/png'],
    ['photo.gif.coffer', 'image/gif'],
    ['photo.webp.coffer', 'image/webp'],
    ['photo.avif.coffer', 'image/avif'],
    ['photo.heic.coffer', 'image/heic'],
    ['photo.bmp.coffer', 'image/bmp'],
    ['song.mp3.coffer', 'audio/mpeg'],
    ['song.m4a.coffer', 'audio/mp4'],
    ['song.ogg.coffer', 'audio/ogg'],
    ['song.opus.coffer', 'audio/ogg'],
    ['song.wav.coffer', 'audio/wav'],
    ['song.flac.coffer', 'audio/flac'],
    // Script-capable or unknown: never a type the renderer would run or render.
    ['drawing.svg.coffer', 'application/octet-stream'],
    ['page.html.coffer', 'application/octet-stream'],
    ['notes.txt.coffer', 'application/octet-stream'],
    ['noextension.coffer', 'application/octet-stream'],
    ['.mp4.coffer', 'application/octet-stream'],
    ['photo.jpg.bak.coffer', 'application/octet-stream'],
  ])('%s -> %s', (path, type) => {
    expect(mediaTypeFor(path)).toBe(type);
  });
});

describe('opening', () => {
  it('gives an unguessable coffer-media://media/<token> URL, the type and the plaintext size', async () => {
    const media = registry();
    const a = await media.open(clip);
    const b = await media.open(clip);
    expect(MEDIA_SCHEME).toBe('coffer-media');
    expect(a).toMatchObject({ mimeType: 'video/mp4', size });
    expect(a.url).toMatch(/^coffer-media:\/\/media\/[0-9a-f]{32}$/);
    expect(b.url).not.toBe(a.url);
    expect(media.openCount).toBe(2);
  });

  it('refuses what is not a .coffer file, or one no key here opens, and registers nothing', async () => {
    const media = registry();
    const plainPath = join(work, 'not-sealed.mp4');
    await writeFile(plainPath, clipPlain);
    await expect(media.open(plainPath)).rejects.toMatchObject({ name: 'CofferError' });
    const stranger = new MediaRegistry(memoryKeyring().unwrap);
    await expect(stranger.open(clip)).rejects.toMatchObject({ code: 'COFFER.2006' });
    expect(media.openCount).toBe(0);
    expect(stranger.openCount).toBe(0);
  });
});

describe('serving ranges', () => {
  it.each([
    ['the first byte', 0, 0],
    ['the first frame', 0, F - 1],
    ['inside a middle frame', 3 * F + 10, 3 * F + 500],
    ['across one frame boundary', F - 5, F + 5],
    ['across many frames and chunks', 2 * F + 7, 9 * F + 3],
    ['exactly one middle frame', 7 * F, 8 * F - 1],
    ['the short final frame', 20 * F, size - 1],
    ['the last byte', size - 1, size - 1],
    ['the whole file', 0, size - 1],
  ])('%s', async (_name, start, last) => {
    const media = registry();
    const { url } = await media.open(clip);
    const response = await media.handle(request(url, `bytes=${start}-${last}`));
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${start}-${last}/${size}`);
    expect(response.headers.get('content-length')).toBe(String(last - start + 1));
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expectCommonHeaders(response);
    expect((await body(response)).equals(clipPlain.subarray(start, last + 1))).toBe(true);
  });

  it('clamps a range that runs past the end', async () => {
    const media = registry();
    const { url } = await media.open(clip);
    const response = await media.handle(request(url, `bytes=${size - 10}-${size + 5000}`));
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
    expect((await body(response)).equals(clipPlain.subarray(size - 10))).toBe(true);
  });

  it.each([1, 100, F + 3, size, size + 50])('serves the suffix bytes=-%i', async (n) => {
    const media = registry();
    const { url } = await media.open(clip);
    const response = await media.handle(request(url, `bytes=-${n}`));
    const start = Math.max(0, size - n);
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${start}-${size - 1}/${size}`);
    expect(response.headers.get('content-length')).toBe(String(size - start));
    expect((await body(response)).equals(clipPlain.subarray(start))).toBe(true);
  });

  it('serves open-ended ranges to the end when under the cap', async () => {
    const media = registry();
    const { url } = await media.open(clip);
    for (const start of [0, 5 * F + 3, size - 1]) {
      const response = await media.handle(request(url, `bytes=${start}-`));
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes ${start}-${size - 1}/${size}`);
      expect((await body(response)).equals(clipPlain.subarray(start))).toBe(true);
    }
  });

  it('caps open-ended ranges, and a player asking again from each stop gets every byte', async () => {
    const cap = 3000;
    const media = registry({ maxOpenRangeBytes: cap });
    const { url } = await media.open(clip);
    const first = await media.handle(request(url, 'bytes=0-'));
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-${cap - 1}/${size}`);
    expect(first.headers.get('content-length')).toBe(String(cap));
    expect((await body(first)).equals(clipPlain.subarray(0, cap))).toBe(true);

    const parts: Buffer[] = [];
    let position = 0;
    while (position < size) {
      const response = await media.handle(request(url, `bytes=${position}-`));
      const [, from, to, total] = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(response.headers.get('content-range')!)!;
      expect([Number(from), Number(total)]).toEqual([position, size]);
      parts.push(await body(response));
      position = Number(to) + 1;
    }
    expect(Buffer.concat(parts).equals(clipPlain)).toBe(true);
    // A closed range is the client's exact request, so it is not capped.
    const closed = await media.handle(request(url, `bytes=0-${2 * cap}`));
    expect((await body(closed)).equals(clipPlain.subarray(0, 2 * cap + 1))).toBe(true);
  });

  it('answers a multi-range request with its first satisfiable range only', async () => {
    const media = registry();
    const { url } = await media.open(clip);
    const response = await media.handle(request(url, `bytes=${size + 10}-${size + 20}, 100-199, 300-399`));
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 100-199/${size}`);
    expect((await body(response)).equals(clipPlain.subarray(100, 200))).toBe(true);
  });

  it('serves the whole file without a Range, streamed in chunks', async () => {
    const media = registry();
    const { url } = await media.open(clip);
    const response = await media.handle(request(url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(size));
    expect(response.headers.get('content-range')).toBeNull();
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expectCommonHeaders(response);
    const { bytes, chunks, error } = await drain(response);
    expect(error).toBeUndefined();
    expect(chunks).toBeGreaterThan(1);
    expect(bytes.equals(clipPlain)).toBe(true);
  });

  it.each(['items=0-5', 'bytes 0-5'])('ignores the Range %s (another unit, or no bytes=)', async (range) => {
    const media = registry();
    const { url } = await media.open(clip);
    const response = await media.handle(request(url, range));
    expect(response.status).toBe(200);
    expect((await body(response)).equals(clipPlain)).toBe(true);
  });

  it('ignores the Range when an If-Range is sent, since it can match no validator of ours', async () => {
    const media = registry();
    const { url } = await media.open(clip);
    const response = await media.handle(request(url, 'bytes=0-9', 'GET', { 'If-Range': '"some-etag"' }));
    expect(response.status).toBe(200);
    expect((await body(response)).equals(clipPlain)).toBe(true);
  });

  it.each([
    `bytes=${size}-`,
    `bytes=${size}-${size + 10}`,
    'bytes=-0',
    'bytes=5-4',
    'bytes=abc',
    'bytes=',
    `bytes=${size}-,${size + 1}-`,
  ])('answers %s with 416 and bytes */size', async (range) => {
    const media = registry();
    const { url } = await media.open(clip);
    const response = await media.handle(request(url, range));
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe(`bytes */${size}`);
    expectCommonHeaders(response);
    expect((await body(response)).length).toBeLessThan(100);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const media = registry();
    const { url } = await media.open(clip);
    const whole = await media.handle(request(url, undefined, 'HEAD'));
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(size));
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect((await body(whole)).length).toBe(0);
    const part = await media.handle(request(url, 'bytes=10-19', 'HEAD'));
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${size}`);
    expect(part.headers.get('content-length')).toBe('10');
    expect((await body(part)).length).toBe(0);
    const outside = await media.handle(request(url, `bytes=${size}-`, 'HEAD'));
    expect(outside.status).toBe(416);
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('refuses %s with 405', async (method) => {
    const media = registry();
    const { url } = await media.open(clip);
    const response = await media.handle(new Request(url, { method }));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('only open files are reachable', () => {
  it('answers 404 for an unknown token, a wrong scheme, host or path, and names no file', async () => {
    const media = registry();
    const { url } = await media.open(clip);
    const token = url.slice(url.lastIndexOf('/') + 1);
    const wrong = [
      `coffer-media://media/${randomBytes(16).toString('hex')}`,
      `coffer-media://media/${token.slice(0, -1)}`,
      `coffer-media://media/${token.toUpperCase()}`,
      `coffer-media://media/${token}/`,
      `coffer-media://media/${token}/x`,
      `coffer-media://media/x/${token}`,
      `coffer-media://media//${token}`,
      `coffer-media://media/${token}?download=1`,
      `coffer-media://other/${token}`,
      `coffer-media://media:8080/${token}`,
      `coffer-media://media`,
      `coffer-media:media/${token}`,
      `coffer-medias://media/${token}`,
      `https://media/${token}`,
      `file:///media/${token}`,
    ];
    for (const target of wrong) {
      for (const method of ['GET', 'HEAD']) {
        const response = await media.handle(request(target, 'bytes=0-', method));
        expect(response.status, `${method} ${target}`).toBe(404);
        expectCommonHeaders(response);
        const text = (await body(response)).toString('utf8');
        expect(text).not.toMatch(/holiday|mp4|coffer|\//i);
      }
    }
    // Request refuses URLs with credentials; Electron's may differ, so check those with a stand-in.
    const withCredentials = { method: 'GET', url: `coffer-media://user@media/${token}`, headers: new Headers() };
    expect((await media.handle(withCredentials as unknown as Request)).status).toBe(404);
    // The real URL still works after all of that.
    expect((await media.handle(request(url, 'bytes=0-0'))).status).toBe(206);
  });

  it('answers 404 once a token is closed, and closeAll closes every reader', async () => {
    const media = registry();
    const a = await media.open(clip);
    const b = await media.open(clip);
    const c = await media.open(empty);
    await media.close(a.url.slice(a.url.lastIndexOf('/') + 1));
    expect((await media.handle(request(a.url))).status).toBe(404);
    expect((await media.handle(request(b.url, 'bytes=0-9'))).status).toBe(206);
    await media.close('not-a-token'); // ignored
    await media.closeAll();
    expect(media.openCount).toBe(0);
    for (const { url } of [a, b, c]) expect((await media.handle(request(url))).status).toBe(404);
    await media.closeAll(); // twice is harmless
  });

  it('keeps at most maxOpen readers, closing the least recently used', async () => {
    const media = registry({ maxOpen: 3 });
    const a = await media.open(clip);
    const b = await media.open(clip);
    const c = await media.open(clip);
    // A request counts as a use: a becomes the most recent, b the least.
    expect((await media.handle(request(a.url, 'bytes=0-0'))).status).toBe(206);
    const d = await media.open(clip);
    expect(media.openCount).toBe(3);
    expect((await media.handle(request(b.url, 'bytes=0-0'))).status).toBe(404);
    for (const { url } of [a, c, d]) {
      const response = await media.handle(request(url, 'bytes=0-99'));
      expect(response.status).toBe(206);
      expect((await body(response)).equals(clipPlain.subarray(0, 100))).toBe(true);
    }
    // That loop used a, then c, then d, so a is now the least recent: opening e evicts it.
    const e = await media.open(clip);
    expect(media.openCount).toBe(3);
    expect((await media.handle(request(a.url, 'bytes=0-0'))).status).toBe(404);
    for (const { url } of [c, d, e]) expect((await media.handle(request(url, 'bytes=0-0'))).status).toBe(206);
  });

  it('errors a body still streaming when its reader is closed, sending nothing more', async () => {
    const media = registry();
    const { url } = await media.open(clip);
    const response = await media.handle(request(url));
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).equals(clipPlain.subarray(0, first.value!.length))).toBe(true);
    await media.closeAll();
    await expect(reader.read()).rejects.toThrow();
  });
});

describe('an empty file', () => {
  it('serves 200 with an empty body, and 416 for any range', async () => {
    const media = registry();
    const opened = await media.open(empty);
    expect(opened).toMatchObject({ size: 0, mimeType: 'image/png' });
    const response = await media.handle(request(opened.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('0');
    expect(response.headers.get('content-type')).toBe('image/png');
    expect((await body(response)).length).toBe(0);
    const head = await media.handle(request(opened.url, undefined, 'HEAD'));
    expect([head.status, head.headers.get('content-length')]).toEqual([200, '0']);
    for (const range of ['bytes=0-', 'bytes=0-0', 'bytes=-1', 'bytes=5-9']) {
      const refused = await media.handle(request(opened.url, range));
      expect(refused.status).toBe(416);
      expect(refused.headers.get('content-range')).toBe('bytes */0');
    }
  });
});

describe('a file with a damaged middle frame', () => {
  const damageStart = DAMAGED_FRAME * F;
  const damageEnd = damageStart + F;

  function leaksDamagedFrame(bytes: Buffer): boolean {
    for (let i = 0; i + 16 <= F; i += 16) {
      if (bytes.includes(damagedPlain.subarray(damageStart + i, damageStart + i + 16))) return true;
    }
    return false;
  }

  it('opens (header and final frame authenticate) and serves ranges away from the damage', async () => {
    const media = registry();
    const { url, mimeType } = await media.open(damaged);
    expect(mimeType).toBe('video/webm');
    for (const [start, last] of [
      [0, damageStart - 1],
      [damageStart - 100, damageStart - 1],
      [damageEnd, damageEnd + 2 * F],
      [damageEnd + 10, damagedPlain.length - 1],
    ] as const) {
      const response = await media.handle(request(url, `bytes=${start}-${last}`));
      expect(response.status).toBe(206);
      expect((await body(response)).equals(damagedPlain.subarray(start, last + 1))).toBe(true);
    }
  });

  it.each([
    ['inside it', damageStart + 10, damageStart + 20],
    ['across its start', damageStart - 10, damageStart + 10],
    ['across its end', damageEnd - 10, damageEnd + 10],
    ['the whole of it', damageStart, damageEnd - 1],
  ])('answers a range %s with 502 and no plaintext', async (_name, start, last) => {
    const media = registry();
    const { url } = await media.open(damaged);
    const response = await media.handle(request(url, `bytes=${start}-${last}`));
    expect(response.status).toBe(502);
    expectCommonHeaders(response);
    const bytes = await body(response);
    expect(bytes.length).toBeLessThan(100);
    expect(leaksDamagedFrame(bytes)).toBe(false);
    expect(bytes.includes(damagedPlain.subarray(start, start + 8))).toBe(false);
  });

  it.each([
    ['a whole-file GET', undefined],
    ['an open-ended range', 'bytes=0-'],
    ['a closed range over several chunks', `bytes=0-${damageEnd + F}`],
  ])('errors %s at the damage, having sent only bytes before it', async (_name, range) => {
    const media = registry({ chunkBytes: 2 * F });
    const { url } = await media.open(damaged);
    const response = await media.handle(request(url, range));
    expect(response.status).toBe(range === undefined ? 200 : 206);
    const { bytes, error } = await drain(response);
    expect(error).toBeDefined();
    expect(bytes.length).toBeLessThanOrEqual(damageStart);
    expect(bytes.equals(damagedPlain.subarray(0, bytes.length))).toBe(true);
    expect(leaksDamagedFrame(bytes)).toBe(false);
  });
});
