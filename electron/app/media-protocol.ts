import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { RandomAccessReader, type DataKeyUnwrapper } from '../core/envelope/random-access-reader.js';
import type { HeaderLimits } from '../core/envelope/header-reader.js';
import { COFFER_EXTENSION, MAX_PREVIEW_FRAME_LENGTH } from '../../shared/file-format.js';

/**
 * Serves decrypted byte ranges of .coffer files to the renderer's <img>, <video> and <audio>
 * through a custom protocol, so previews never write plaintext to disk. Only files the user
 * opened this session are reachable, each under an unguessable token. Written against the
 * WHATWG Request/Response that Electron's protocol.handle uses, so it runs (and is tested)
 * under plain Node: the shell registers it with
 * `protocol.handle(MEDIA_SCHEME, (request) => registry.handle(request))`.
 */
export const MEDIA_SCHEME = 'coffer-media';
const MEDIA_HOST = 'media';
const TOKEN_PATTERN = /^[0-9a-f]{32}$/;

const DEFAULT_MAX_OPEN = 8;
const DEFAULT_MAX_OPEN_RANGE_BYTES = 8 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 256 * 1024;

export interface MediaRegistryOptions {
  /** Readers kept open at once; opening one more closes the least recently used (default 8). */
  maxOpen?: number;
  /** Most bytes one answer to an open-ended `bytes=a-` request carries (default 8 MiB). */
  maxOpenRangeBytes?: number;
  /** Plaintext decrypted per body chunk, rounded down to whole frames (default 256 KiB). */
  chunkBytes?: number;
  /** Longest frame a preview decrypts per range (default 4 MiB: MAX_PREVIEW_FRAME_LENGTH). */
  maxFrameLength?: number;
}

export interface OpenedMedia {
  url: string;
  mimeType: string;
  /** Plaintext bytes. */
  size: number;
}

/** A byte range: `start` inclusive, `end` EXCLUSIVE (as RandomAccessReader.read takes it). */
export interface ByteRange {
  start: number;
  end: number;
  /** Asked as `bytes=a-` (to the end), so the server may answer with less. */
  openEnded: boolean;
}

/**
 * Parses a Range header against a body of `size` bytes (RFC 9110 §14).
 * - null: serve the whole body (no header, no `=`, or a unit other than bytes, which must be ignored);
 * - 'unsatisfiable': answer 416 (a malformed or reversed bytes range-spec, a zero suffix, nothing
 *   within the body, or any range at all on an empty body);
 * - `{ start, end, openEnded }` with `end` exclusive, already clamped to the body.
 * Multiple ranges are answered with the first satisfiable one only (a single-part 206 whose
 * Content-Range names it): media elements never ask for more, and multipart bodies are not worth
 * their complexity here.
 */
export function parseRange(header: string | null, size: number): ByteRange | 'unsatisfiable' | null {
  if (header === null) return null;
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return null;
  // The list syntax allows empty elements ("0-1,,5-6"); they carry nothing.
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec !== '');
  let chosen: ByteRange | undefined;
  for (const spec of specs) {
    const match = /^(\d*)-(\d*)$/.exec(spec);
    const first = match?.[1] ?? '';
    const last = match?.[2] ?? '';
    if (!match || (first === '' && last === '')) return 'unsatisfiable';
    // Digits only, so Number never yields NaN; an absurdly long one becomes Infinity and clamps.
    if (first === '') {
      const suffix = Number(last);
      if (suffix > 0 && size > 0) chosen ??= { start: Math.max(0, size - suffix), end: size, openEnded: false };
    } else {
      const start = Number(first);
      if (last !== '' && Number(last) < start) return 'unsatisfiable';
      if (start < size) {
        chosen ??= { start, end: last === '' ? size : Math.min(Number(last) + 1, size), openEnded: last === '' };
      }
    }
  }
  return chosen ?? 'unsatisfiable';
}

/**
 * Types a preview may be served as. SVG is deliberately absent: it can carry script, and the
 * renderer must never run content from an encrypted file. Everything else is served as
 * application/octet-stream, which (with nosniff) no element renders.
 */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heic: 'image/heic',
  bmp: 'image/bmp',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  ogv: 'video/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  wav: 'audio/wav',
  flac: 'audio/flac',
};
const UNSAFE_OR_UNKNOWN_TYPE = 'application/octet-stream';

/** "holiday.mp4.coffer" and "holiday.mp4 (1).coffer" -> video/mp4. */
export function mediaTypeFor(path: string): string {
  let name = basename(path).toLowerCase();
  if (name.endsWith(COFFER_EXTENSION)) name = name.slice(0, -COFFER_EXTENSION.length);
  name = name.replace(/ \(\d+\)$/, ''); // the " (n)" an output name gets when NAME.coffer was taken
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1) : '';
  return Object.hasOwn(MEDIA_TYPES, extension) ? MEDIA_TYPES[extension]! : UNSAFE_OR_UNKNOWN_TYPE;
}

interface MediaEntry {
  reader: RandomAccessReader;
  mimeType: string;
}

export class MediaRegistry {
  /** Insertion order is recency order: a use moves the entry to the end. */
  private readonly entries = new Map<string, MediaEntry>();
  private readonly maxOpen: number;
  private readonly maxOpenRangeBytes: number;
  private readonly chunkBytes: number;
  private readonly maxFrameLength: number;

  constructor(
    private readonly unwrap: DataKeyUnwrapper,
    options: MediaRegistryOptions = {},
  ) {
    this.maxOpen = Math.max(1, Math.floor(options.maxOpen ?? DEFAULT_MAX_OPEN));
    this.maxOpenRangeBytes = Math.max(1, Math.floor(options.maxOpenRangeBytes ?? DEFAULT_MAX_OPEN_RANGE_BYTES));
    this.chunkBytes = Math.max(1, Math.floor(options.chunkBytes ?? DEFAULT_CHUNK_BYTES));
    this.maxFrameLength = Math.max(1, Math.floor(options.maxFrameLength ?? MAX_PREVIEW_FRAME_LENGTH));
  }

  /**
   * Opens (and so authenticates the header and end of) a .coffer file for previewing; a file of
   * frames over `maxFrameLength` (4 MiB) is refused (COFFER.2037): it is decrypted instead.
   */
  async open(path: string, limits: HeaderLimits = {}): Promise<OpenedMedia> {
    const reader = await RandomAccessReader.open(path, this.unwrap, { ...limits, maxFrameLength: this.maxFrameLength });
    const token = randomBytes(16).toString('hex');
    const mimeType = mediaTypeFor(path);
    this.entries.set(token, { reader, mimeType });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxOpen) break;
      await this.close(oldest);
    }
    return { url: `${MEDIA_SCHEME}://${MEDIA_HOST}/${token}`, mimeType, size: reader.plaintextLength };
  }

  /** Unknown tokens are ignored. Bodies still streaming from the reader error out. */
  async close(token: string): Promise<void> {
    const entry = this.entries.get(token);
    if (!entry) return;
    this.entries.delete(token); // first, so a second close cannot close the handle twice
    await entry.reader.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((token) => this.close(token)));
  }

  /** How many readers are open (for tests and diagnostics). */
  get openCount(): number {
    return this.entries.size;
  }

  /** The protocol handler. Never throws: every failure is an HTTP status. */
  async handle(request: Request): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return plain(405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    }
    const token = tokenOf(request.url);
    const entry = token === undefined ? undefined : this.entries.get(token);
    if (token === undefined || !entry) return plain(404, 'Not Found');
    this.entries.delete(token);
    this.entries.set(token, entry);

    const { reader, mimeType } = entry;
    const size = reader.plaintextLength;
    // We send no validators, so any If-Range cannot match: RFC 9110 says serve the whole body.
    const rangeHeader = request.headers.has('if-range') ? null : request.headers.get('range');
    const range = parseRange(rangeHeader, size);
    if (range === 'unsatisfiable') {
      return plain(416, 'Range Not Satisfiable', { 'Content-Range': `bytes */${size}`, 'Accept-Ranges': 'bytes' });
    }
    let start = 0;
    let end = size;
    if (range) {
      start = range.start;
      end = range.end;
      // Media elements open with "bytes=0-" and ask again from where a short answer stopped;
      // capping keeps one request from decrypting to the end of a large file.
      if (range.openEnded) end = Math.min(end, start + this.maxOpenRangeBytes);
    }
    const headers: Record<string, string> = {
      ...SAFETY_HEADERS,
      'Accept-Ranges': 'bytes',
      'Content-Type': mimeType,
      'Content-Length': String(end - start),
    };
    if (range) headers['Content-Range'] = `bytes ${start}-${end - 1}/${size}`;
    const status = range ? 206 : 200;
    if (request.method === 'HEAD') return new Response(null, { status, headers });

    // The first chunk is read before answering, so damage there becomes a 502, not a broken body.
    // Chunks end on frame boundaries, so each read opens whole frames and none is opened twice.
    const chunk = Math.max(reader.frameLength, this.chunkBytes - (this.chunkBytes % reader.frameLength));
    const chunkEnd = (from: number): number => Math.min(end, (Math.floor(from / chunk) + 1) * chunk);
    let first: Buffer;
    const firstEnd = chunkEnd(start);
    try {
      first = await reader.read(start, firstEnd);
    } catch {
      return plain(502, 'Bad Gateway');
    }
    if (firstEnd === end) return new Response(new Uint8Array(first), { status, headers });
    return new Response(streamBody(reader, first, firstEnd, end, chunkEnd), { status, headers });
  }
}

/**
 * A body that decrypts one chunk per pull (highWaterMark 0: only when the consumer reads), so
 * memory stays at one chunk whatever the file size. A damaged frame errors the stream: every
 * byte enqueued was authenticated, and nothing after the damage is sent.
 */
function streamBody(
  reader: RandomAccessReader,
  first: Buffer,
  from: number,
  end: number,
  chunkEnd: (from: number) => number,
): ReadableStream<Uint8Array> {
  let position = from;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(first);
      },
      async pull(controller) {
        const stop = chunkEnd(position);
        const bytes = await reader.read(position, stop);
        position = stop;
        controller.enqueue(bytes);
        if (position >= end) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/** The token of a `coffer-media://media/<token>` URL, or undefined for anything else. */
function tokenOf(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${MEDIA_SCHEME}:` || parsed.host.toLowerCase() !== MEDIA_HOST) return undefined;
  if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '') return undefined;
  const token = parsed.pathname.slice(1);
  return parsed.pathname.startsWith('/') && TOKEN_PATTERN.test(token) ? token : undefined;
}

/** Every answer: never cached, never sniffed into something runnable, never scripted if navigated to. */
const SAFETY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; sandbox",
};

/** A short status-only answer: it names no file, so a wrong token learns nothing. */
function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, {
    status,
    headers: { ...SAFETY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', ...extra },
  });
}
