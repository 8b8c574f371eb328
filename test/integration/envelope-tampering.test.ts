import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../shared/errors.js';
import { decryptFile, encryptFile } from '../../electron/core/jobs/file-crypto.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { removeDir, tempDir } from '../helpers/cli.js';
import { memoryKeyring } from '../helpers/engine-fixture.js';

/**
 * A file of three full frames and a short final one, attacked every way the format allows:
 * each must fail with a clear error and leave no output at all.
 */
const F = 1024;
const keys = memoryKeyring();
let pool: WorkerPool;
let work: string;
let original: Buffer;
let encrypted: Buffer;
let headerLength: number;

beforeAll(async () => {
  pool = new WorkerPool(2);
  work = await tempDir();
  original = randomBytes(3 * F + 100);
  await writeFile(join(work, 'plain'), original);
  await encryptFile(
    join(work, 'plain'),
    join(work, 'file.coffer'),
    { frame_length: F, encryption_context: { purpose: 'test', ключ: 'значение' } },
    { pool, keys },
  );
  encrypted = await readFile(join(work, 'file.coffer'));
  headerLength = encrypted.length - (3 * (F + 32) + 100 + 40);
});
afterAll(async () => {
  await pool.close();
  await removeDir(work);
});

let case_ = 0;
/** Decrypts `bytes` as a file and returns the error; asserts nothing was written. */
async function refusalOf(bytes: Buffer): Promise<CofferError> {
  case_ += 1;
  const dir = join(work, `case-${case_}`);
  await mkdir(dir);
  await writeFile(join(dir, 'in.coffer'), bytes);
  const error = await decryptFile(join(dir, 'in.coffer'), join(dir, 'out'), { pool, keys }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `case ${case_} decrypted`).toBeInstanceOf(CofferError);
  expect((error as CofferError).message.length).toBeGreaterThan(20);
  expect(await readdir(dir)).toEqual(['in.coffer']);
  await removeDir(dir);
  return error as CofferError;
}

describe('a tampered file', () => {
  it('decrypts when untouched (the baseline)', async () => {
    await writeFile(join(work, 'baseline.coffer'), encrypted);
    const done = await decryptFile(join(work, 'baseline.coffer'), join(work, 'baseline.out'), { pool, keys });
    expect((await readFile(done.output!)).equals(original)).toBe(true);
  });

  it('fails when any single byte is flipped: header, EDK, frame headers, ciphertext or tags', async () => {
    const codes = new Map<string, number>();
    for (let i = 0; i < encrypted.length; i += 1) {
      const bytes = Buffer.from(encrypted);
      bytes[i]! ^= 0xff;
      const error = await decryptFile(await write(bytes), null, { pool, keys }).then(
        () => undefined,
        (e: unknown) => e as CofferError,
      );
      expect(error, `byte ${i} of ${encrypted.length} flipped and the file still verified`).toBeInstanceOf(CofferError);
      codes.set(error!.code, (codes.get(error!.code) ?? 0) + 1);
    }
    // Header damage, wrong key references, and frame damage are each named as such.
    expect([...codes.keys()].sort()).toEqual(expect.arrayContaining(['COFFER.2002', 'COFFER.2003', 'COFFER.2006']));
  }, 120_000);

  it('leaves no output when a byte is flipped in each part of the file', async () => {
    for (const i of [
      0,
      5,
      40,
      headerLength - 17,
      headerLength - 1,
      headerLength,
      headerLength + 10,
      headerLength + 500,
      headerLength + F + 32 + 3,
      encrypted.length - 50,
      encrypted.length - 1,
    ]) {
      const bytes = Buffer.from(encrypted);
      bytes[i]! ^= 0x01;
      await refusalOf(bytes);
    }
  });

  it('fails when cut at any frame boundary or inside any frame', async () => {
    const cuts = [0, 1, headerLength - 1, headerLength];
    for (let frame = 0; frame < 4; frame += 1) {
      const start = headerLength + frame * (F + 32);
      cuts.push(start + 1, start + 20, start + 600, start + F + 31, start + F + 32);
    }
    cuts.push(encrypted.length - 1);
    for (const cut of [...new Set(cuts)].filter((c) => c < encrypted.length)) {
      const error = await refusalOf(encrypted.subarray(0, cut));
      expect(['COFFER.2001', 'COFFER.2002', 'COFFER.2004'], `cut at ${cut}: ${error.message}`).toContain(error.code);
    }
  });

  it('fails when two frames are swapped, or one is dropped or repeated', async () => {
    const frame = (k: number): Buffer => encrypted.subarray(headerLength + k * (F + 32), headerLength + (k + 1) * (F + 32));
    const header = encrypted.subarray(0, headerLength);
    const tail = encrypted.subarray(headerLength + 3 * (F + 32));
    for (const order of [
      [1, 0, 2],
      [0, 2, 1],
      [0, 2],
      [0, 1, 1, 2],
      [0, 0, 1, 2],
    ]) {
      const error = await refusalOf(Buffer.concat([header, ...order.map(frame), tail]));
      expect(error.code).toBe('COFFER.2003');
      expect(error.message).toMatch(/frame \d+/);
    }
  });

  it('fails when bytes are appended, naming them', async () => {
    for (const extra of [Buffer.from([0]), randomBytes(100), encrypted.subarray(headerLength, headerLength + F + 32)]) {
      const error = await refusalOf(Buffer.concat([encrypted, extra]));
      expect(error.code).toBe('COFFER.2005');
    }
  });

  it('fails with the wrong CMK, naming the key it needs', async () => {
    await writeFile(join(work, 'wrong.coffer'), encrypted);
    const error = await decryptFile(join(work, 'wrong.coffer'), join(work, 'wrong.out'), { pool, keys: memoryKeyring() }).catch(
      (e: CofferError) => e,
    );
    expect(error).toMatchObject({ code: 'COFFER.2006' });
    expect(existsSync(join(work, 'wrong.out'))).toBe(false);
    // The right key id with the wrong material: the EDK does not open.
    const impostor = memoryKeyring(randomBytes(32), keys.keyId);
    expect(await decryptFile(join(work, 'wrong.coffer'), null, { pool, keys: impostor }).catch((e: CofferError) => e.code)).toBe(
      'COFFER.2003',
    );
  });

  it('refuses files that are not Coffer files, or of another ESDK suite, with a sentence', async () => {
    expect((await refusalOf(Buffer.from('%PDF-1.7 not encrypted'))).code).toBe('COFFER.2001');
    expect((await refusalOf(Buffer.alloc(0))).code).toBe('COFFER.2001');
    const signedSuite = Buffer.from(encrypted);
    signedSuite.writeUInt16BE(0x0578, 1);
    expect((await refusalOf(signedSuite)).message).toMatch(/0x0578/);
    const v1 = Buffer.from(encrypted);
    v1[0] = 1;
    expect((await refusalOf(v1)).message).toMatch(/version 1/);
  });
});

let writes = 0;
async function write(bytes: Buffer): Promise<string> {
  writes += 1;
  const path = join(work, `flip-${writes % 4}.coffer`);
  await writeFile(path, bytes);
  return path;
}
