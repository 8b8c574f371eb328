import { randomBytes } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../shared/errors.js';
import { headerTag, readHeader } from '../../electron/core/envelope/header-reader.js';
import { deriveMessageKeys } from '../../electron/core/envelope/key-derivation.js';
import { UNSIGNED_SUITE } from '../../electron/core/envelope/algorithm-suites.js';
import { parseHeader, serializeHeaderBody } from '../../electron/core/envelope/message-header.js';
import { openFrameParts, scanFrames } from '../../electron/core/envelope/frame-codec.js';
import { RandomAccessReader } from '../../electron/core/envelope/random-access-reader.js';
import {
  DataKind,
  openDataCiphertext,
  parseDataCiphertext,
  sealDataCiphertext,
} from '../../electron/core/kms/data-ciphertext.js';
import * as data from '../../electron/core/kms/data-operations.js';
import * as kms from '../../electron/core/kms/key-operations.js';
import { decryptFile, encryptFile } from '../../electron/core/jobs/file-crypto.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { removeDir, tempDir } from '../helpers/cli.js';
import { memoryKeyring } from '../helpers/engine-fixture.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';
import { u16, u32 } from '../helpers/big-endian.js';

/**
 * Property-based fuzzing of every reader of untrusted bytes: the file header, the frames, the
 * random-access (preview) reader and the small-data ciphertext. Whatever the bytes, each reader
 * either returns what was written or refuses with a Coffer error code and a sentence: never an
 * internal error (KMS.0101), never a RangeError or TypeError, and always within a bounded time
 * and memory. `COFFER_FUZZ_SCALE=10` runs ten times as many cases.
 */
const SCALE = Number(process.env.COFFER_FUZZ_SCALE) || 1;
const runs = (n: number): number => Math.round(n * SCALE);
/** Per case: a hostile header must not make a reader wait or allocate its way out. */
const CASE_MS = 2000;

const F = 1024;
const keys = memoryKeyring();
let pool: WorkerPool;
let work: string;
let plaintext: Buffer;
let encrypted: Buffer;
let headerLength: number;
let vaultFx: VaultFixture;
let dataKeyId: string;
const rssAtStart = process.memoryUsage().rss;
const tally = { cases: 0, codes: new Map<string, number>() };

beforeAll(async () => {
  pool = new WorkerPool(2);
  work = await tempDir();
  plaintext = randomBytes(3 * F + 100);
  await writeFile(join(work, 'plain'), plaintext);
  await encryptFile(
    join(work, 'plain'),
    join(work, 'file.coffer'),
    { frame_length: F, encryption_context: { purpose: 'fuzz' } },
    { pool, keys },
  );
  encrypted = await readFile(join(work, 'file.coffer'));
  headerLength = parseHeader(encrypted)!.length;
  vaultFx = await keychainVault();
  dataKeyId = (await kms.createKey(vaultFx.vault, { key_alias: 'fuzz' })).key_info.key_id;
});
afterAll(async () => {
  await pool.close();
  await removeDir(work);
  await vaultFx.dispose();
  const codes = [...tally.codes.entries()].sort(([a], [b]) => a.localeCompare(b));
  console.log(
    `reader fuzz: ${tally.cases} cases, ${codes.length} distinct error codes: ${codes.map(([c, n]) => `${c} x${n}`).join(', ')}`,
  );
});

/** A refusal must be a CofferError with a real code; anything else fails the property. */
function expectRefusal(error: unknown, what: string): void {
  if (!(error instanceof CofferError)) {
    throw new Error(`${what}: not a Coffer error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
  if (error.code === 'KMS.0101') throw new Error(`${what}: an internal error: ${error.message}`);
  expect(error.message.length, `${what}: no sentence`).toBeGreaterThan(15);
  tally.codes.set(error.code, (tally.codes.get(error.code) ?? 0) + 1);
}

/** Runs one case, timed; returns whether it succeeded (a refusal was checked above). */
async function fuzzCase(what: string, run: () => unknown): Promise<boolean> {
  tally.cases += 1;
  const started = performance.now();
  let ok = true;
  try {
    await run();
  } catch (error) {
    expectRefusal(error, what);
    ok = false;
  }
  const took = performance.now() - started;
  if (took > CASE_MS) throw new Error(`${what}: took ${Math.round(took)} ms`);
  return ok;
}

/** Ways to damage a valid input: what a disk, a network or an attacker does to bytes. */
type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'cut'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'remove'; at: number; count: number }
  | { kind: 'u16'; at: number; value: number }
  | { kind: 'u32'; at: number; value: number };

const extremeU16 = fc.oneof(fc.constantFrom(0, 1, 2, 0x7fff, 0x8000, 0xfffe, 0xffff), fc.integer({ min: 0, max: 0xffff }));
const extremeU32 = fc.oneof(
  fc.constantFrom(0, 1, 31, 32, 1023, 1024, 1025, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff),
  fc.integer({ min: 0, max: 0xffffffff }),
);

function mutation(length: number): fc.Arbitrary<Mutation> {
  const at = fc.integer({ min: 0, max: Math.max(0, length - 1) });
  return fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at, mask: fc.integer({ min: 1, max: 255 }) }),
    fc.record({ kind: fc.constant('cut' as const), at }),
    fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    fc.record({ kind: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
    fc.record({ kind: fc.constant('remove' as const), at, count: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ kind: fc.constant('u16' as const), at, value: extremeU16 }),
    fc.record({ kind: fc.constant('u32' as const), at, value: extremeU32 }),
  );
}

function mutate(original: Buffer, m: Mutation): Buffer {
  const bytes = Buffer.from(original);
  switch (m.kind) {
    case 'flip':
      bytes[m.at] = bytes[m.at]! ^ m.mask;
      return bytes;
    case 'cut':
      return bytes.subarray(0, m.at);
    case 'append':
      return Buffer.concat([bytes, m.bytes]);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, m.at), m.bytes, bytes.subarray(m.at)]);
    case 'remove':
      return Buffer.concat([bytes.subarray(0, m.at), bytes.subarray(m.at + m.count)]);
    case 'u16':
      if (m.at + 2 <= bytes.length) bytes.writeUInt16BE(m.value, m.at);
      return bytes;
    case 'u32':
      if (m.at + 4 <= bytes.length) bytes.writeUInt32BE(m.value, m.at);
      return bytes;
  }
}

let fileCase = 0;
async function fileOf(bytes: Buffer): Promise<string> {
  fileCase += 1;
  const path = join(work, `case-${fileCase % 8}.coffer`);
  await writeFile(path, bytes);
  return path;
}

describe('the header reader', () => {
  it('parses any bytes into a header, "read more" (null) or a Coffer refusal', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        await fuzzCase('parseHeader(random bytes)', () => parseHeader(Buffer.from(bytes)));
      }),
      { numRuns: runs(2000) },
    );
  });

  it('refuses header-shaped bytes whose every length field is hostile', async () => {
    // The structure is right (version 2, suite 0x0478), the numbers in it are not.
    const shaped = fc.record({
      context: fc.uint8Array({ maxLength: 48 }),
      contextLength: extremeU16,
      edkCount: extremeU16,
      edks: fc.array(fc.tuple(fc.uint8Array({ maxLength: 16 }), extremeU16), { maxLength: 6 }),
      contentType: fc.integer({ min: 0, max: 3 }),
      frameLength: extremeU32,
      tail: fc.uint8Array({ maxLength: 80 }),
    });
    await fc.assert(
      fc.asyncProperty(shaped, async (h) => {
        const parts: Buffer[] = [Buffer.from([2, 0x04, 0x78]), randomBytes(32), u16(h.contextLength), Buffer.from(h.context)];
        parts.push(u16(h.edkCount));
        for (const [field, length] of h.edks) parts.push(u16(length), Buffer.from(field));
        parts.push(Buffer.from([h.contentType]), u32(h.frameLength), Buffer.from(h.tail));
        const bytes = Buffer.concat(parts);
        await fuzzCase('parseHeader(shaped)', () => parseHeader(bytes));
        await fuzzCase('decryptFile(shaped header)', async () =>
          decryptFile(await fileOf(Buffer.concat([bytes, encrypted.subarray(headerLength)])), null, { pool, keys }),
        );
      }),
      { numRuns: runs(400) },
    );
  });

  it('reads a damaged file header from disk with a Coffer refusal, however it was damaged', async () => {
    await fc.assert(
      fc.asyncProperty(mutation(headerLength + 8), async (m) => {
        const bytes = mutate(encrypted, m);
        const path = await fileOf(bytes);
        await fuzzCase('readHeader', async () => {
          const handle = await open(path, 'r');
          try {
            await readHeader(handle, bytes.length);
          } finally {
            await handle.close();
          }
        });
      }),
      { numRuns: runs(600) },
    );
  });
});

describe('the frame reader', () => {
  it('scans and opens any bytes as frames of any length with a Coffer refusal', async () => {
    const key = randomBytes(32);
    const messageId = randomBytes(32);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 600 }),
        extremeU32.filter((n) => n > 0),
        async (bytes, frameLength) => {
          await fuzzCase('scanFrames/openFrameParts', () => {
            const buffer = Buffer.from(bytes);
            const scan = scanFrames(buffer, frameLength);
            openFrameParts(key, messageId, frameLength, 1, buffer, scan.frames);
          });
        },
      ),
      { numRuns: runs(2000) },
    );
  });

  it('decrypts a file only when it is untouched, and refuses every damaged one with a Coffer code', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation(encrypted.length), { minLength: 1, maxLength: 3 }), async (mutations) => {
        const bytes = mutations.reduce(mutate, encrypted);
        const ok = await fuzzCase('decryptFile(damaged)', async () => decryptFile(await fileOf(bytes), null, { pool, keys }));
        if (ok) expect(bytes.equals(encrypted), 'a damaged file decrypted').toBe(true);
      }),
      { numRuns: runs(300) },
    );
  });

  it('opens a damaged file for preview, and reads any range, with a Coffer refusal', async () => {
    const unwrap = keys.unwrap.bind(keys);
    await fc.assert(
      fc.asyncProperty(
        mutation(encrypted.length),
        fc.integer({ min: -2, max: plaintext.length + 2 }),
        fc.integer({ min: 0, max: plaintext.length + 2 }),
        async (m, start, length) => {
          const bytes = mutate(encrypted, m);
          const path = await fileOf(bytes);
          await fuzzCase('RandomAccessReader', async () => {
            const reader = await RandomAccessReader.open(path, unwrap);
            try {
              const got = await reader.read(start, start + length);
              expect(got.equals(plaintext.subarray(start, start + length)), 'a range read other bytes').toBe(true);
            } finally {
              await reader.close();
            }
          });
        },
      ),
      { numRuns: runs(400) },
    );
  });

  it('refuses any frame length a key holder may write in a header, with a Coffer refusal', async () => {
    // A shared file's author holds its data key: the header authenticates, whatever it says.
    await fc.assert(
      fc.asyncProperty(
        extremeU32.filter((n) => n > 0),
        fc.uint8Array({ maxLength: 600 }),
        async (frameLength, body) => {
          const path = await fileOf(Buffer.concat([await authenticHeader(frameLength), body]));
          await fuzzCase('decryptFile(authentic header)', () => decryptFile(path, null, { pool, keys }));
          await fuzzCase('RandomAccessReader(authentic header)', async () => {
            await (await RandomAccessReader.open(path, keys.unwrap.bind(keys))).close();
          });
        },
      ),
      { numRuns: runs(200) },
    );
  });

  it('refuses a frame length of 2^32 - 1 with one byte after the header as an unsupported frame length', async () => {
    // The probe's case: it reported an internal '"size" is out of range'.
    const path = await fileOf(Buffer.concat([await authenticHeader(0xffffffff), Buffer.from([0])]));
    for (const attempt of [
      () => decryptFile(path, null, { pool, keys }),
      () => RandomAccessReader.open(path, keys.unwrap.bind(keys)),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expectRefusal(error, 'frame length 2^32 - 1');
      expect((error as CofferError).code).toBe('COFFER.2012');
      expect((error as CofferError).message).toMatch(/frame length of 4294967295 bytes/);
    }
  });
});

/** A header that authenticates under `keys`, saying what its author chose. */
async function authenticHeader(frameLength: number): Promise<Buffer> {
  const dek = randomBytes(32);
  const messageId = randomBytes(32);
  const { dataKey, commitment } = deriveMessageKeys(UNSIGNED_SUITE, dek, messageId);
  const contextBytes = Buffer.alloc(0);
  const edks = await keys.wrap(dek, contextBytes);
  const body = serializeHeaderBody({ messageId, contextBytes, edks, frameLength, commitment });
  return Buffer.concat([body, headerTag(dataKey, body)]);
}

describe('the small-data ciphertext parser', () => {
  const material = randomBytes(32);
  const keyId = '6e4f3c0a-1b2c-4d5e-8f90-a1b2c3d4e5f6';
  const valid = sealDataCiphertext(DataKind.Data, keyId, 1, material, Buffer.from('secret'), { app: 'fuzz' });

  it('parses and opens any bytes with a KMS refusal', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 120 }),
          mutation(valid.length).map((m) => mutate(valid, m)),
        ),
        fc.constantFrom(DataKind.Data, DataKind.DataKey),
        async (bytes, kind) => {
          const buffer = Buffer.from(bytes);
          const ok = await fuzzCase('parse/openDataCiphertext', () =>
            openDataCiphertext(parseDataCiphertext(buffer, kind), material, { app: 'fuzz' }),
          );
          if (ok) expect(buffer.equals(valid)).toBe(true);
        },
      ),
      { numRuns: runs(3000) },
    );
  });

  it('refuses any cipher_text text given to decrypt-data on a real vault with a KMS code', async () => {
    const good = Buffer.from(
      (await data.encryptData(vaultFx.vault, { key_id: dataKeyId, plain_text: 'x', encryption_context: { a: 'b' } })).cipher_text,
      'base64',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 120 }),
          fc.base64String({ maxLength: 120 }),
          mutation(good.length).map((m) => mutate(good, m).toString('base64')),
        ),
        async (cipherText) => {
          const ok = await fuzzCase('decryptData', () =>
            data.decryptData(vaultFx.vault, { cipher_text: cipherText, encryption_context: { a: 'b' } }),
          );
          if (ok) expect(Buffer.from(cipherText, 'base64').equals(good)).toBe(true);
        },
      ),
      { numRuns: runs(300) },
    );
  });
});

describe('the fuzz run as a whole', () => {
  it('stayed within bounded memory', () => {
    // A reader that allocates by a header's say-so would show here (or throw a RangeError above).
    const grown = process.memoryUsage().rss - rssAtStart;
    expect(grown, `RSS grew by ${Math.round(grown / 2 ** 20)} MiB`).toBeLessThan(512 * 2 ** 20);
  });
});

describe('bounded headers', () => {
  it('refuses a header with more EDKs than the limit before any key is used', async () => {
    const dek = randomBytes(32);
    const messageId = randomBytes(32);
    const { dataKey, commitment } = deriveMessageKeys(UNSIGNED_SUITE, dek, messageId);
    const contextBytes = Buffer.alloc(0);
    const [edk] = await keys.wrap(dek, contextBytes);
    // The probe's file: 65,534 EDKs naming a real key; it took 166 s and 65,535 audit records.
    const edks = Array.from({ length: 65_534 }, () => edk!);
    const body = serializeHeaderBody({ messageId, contextBytes, edks, frameLength: 4096, commitment });
    const path = await fileOf(Buffer.concat([body, headerTag(dataKey, body)]));
    let keyUses = 0;
    const counting = { ...keys, unwrap: async (...args: Parameters<typeof keys.unwrap>) => (keyUses++, keys.unwrap(...args)) };
    // What the probe paid for was key uses, so that is what is counted: none (no wall-clock bound, which load makes flaky).
    const error = await decryptFile(path, null, { pool, keys: counting }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CofferError);
    expect((error as CofferError).code).toBe('COFFER.2036');
    expect((error as CofferError).message).toMatch(/65534 encrypted data keys, over the 64/);
    expect(keyUses).toBe(0);
  });
});
