import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlgorithmSuiteIdentifier } from '@aws-crypto/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNED_SUITE } from '../../electron/core/envelope/algorithm-suites.js';
import { decryptFile, encryptFile } from '../../electron/core/jobs/file-crypto.js';
import { inspectMessage } from '../../electron/core/jobs/inspect-message.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { memoryKeyring } from '../helpers/engine-fixture.js';
import { sdk, sdkAesKeyring as sdkKeyring } from '../helpers/sdk-oracle.js';

/**
 * The SDK's default suite, 0x0578 (committing, ECDSA P-384 over every byte), both ways, with the
 * official SDK as the oracle; and a signature that does not verify leaves nothing behind.
 */
const { encrypt, decrypt } = sdk;

let dir: string;
let pool: WorkerPool;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coffer-signed-'));
  pool = new WorkerPool(2);
});
afterAll(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

const sizes: [string, number, number][] = [
  ['an empty file', 0, 4096],
  ['one byte', 1, 4096],
  ['an exact multiple of the frame', 3 * 4096, 4096],
  ['many ranges of 4 KiB frames', 9 * 1024 * 1024 + 5, 4096],
  ['1 MiB frames', 3 * 1024 * 1024 + 17, 1024 * 1024],
];

/** Names in `dir` that are not the inputs a test wrote: outputs or temporary files. */
async function leftovers(before: string[]): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !before.includes(name));
}

describe('files the SDK writes with its default suite 0x0578 open in Coffer', () => {
  it.each(sizes)('%s', async (_name, size, frameLength) => {
    const keys = memoryKeyring();
    const plaintext = randomBytes(size);
    // No suiteId: the SDK's own default, which is the signed 0x0578.
    const { result, messageHeader } = await encrypt(sdkKeyring(keys.material, `${keys.keyId}:v00000001`), plaintext, {
      frameLength,
      encryptionContext: { purpose: 'signed interop' },
    });
    expect(messageHeader.suiteId).toBe(AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384);
    const file = join(dir, `sdk-${Math.random()}.coffer`);
    await writeFile(file, result);
    const info = await inspectMessage(file);
    expect(info).toMatchObject({ version: 2, suite_id: '0x0578', signed: true, plaintext_length: size });
    expect(info.encryption_context['aws-crypto-public-key']).toMatch(/^A[A-Za-z0-9+/]{65}==$/);
    const opened = await decryptFile(file, join(dir, `sdk-out-${Math.random()}`), { pool, keys });
    expect((await readFile(opened.output!)).equals(plaintext)).toBe(true);
    // The ordered path (it hashes the plaintext) verifies the same signature.
    const hashed = await decryptFile(file, null, { pool, keys }, { hashPlaintext: true });
    expect(hashed.bytes).toBe(size);
  });
});

describe('Coffer writes 0x0578 on request, and the SDK opens it', () => {
  it.each(sizes)('%s', async (_name, size, frameLength) => {
    const keys = memoryKeyring();
    const input = join(dir, `plain-${Math.random()}`);
    const plaintext = randomBytes(size);
    await writeFile(input, plaintext);
    const sealed = await encryptFile(
      input,
      join(dir, `coffer-${Math.random()}.coffer`),
      { frame_length: frameLength, suite: SIGNED_SUITE, encryption_context: { app: 'coffer' } },
      { pool, keys },
    );
    const opened = await decrypt(sdkKeyring(keys.material, `${keys.keyId}:v00000001`), await readFile(sealed.output!));
    expect(Buffer.from(opened.plaintext).equals(plaintext)).toBe(true);
    expect(opened.messageHeader.suiteId).toBe(0x0578);
    expect(opened.messageHeader.encryptionContext.app).toBe('coffer');
    const back = await decryptFile(sealed.output!, null, { pool, keys });
    expect(back.bytes).toBe(size);
  });
});

describe('a signature that does not verify', () => {
  async function signedFile(size: number): Promise<{ file: string; keys: ReturnType<typeof memoryKeyring> }> {
    const keys = memoryKeyring();
    const { result } = await encrypt(sdkKeyring(keys.material, `${keys.keyId}:v00000001`), randomBytes(size), {
      frameLength: 4096,
    });
    const file = join(dir, `bad-${Math.random()}.coffer`);
    await writeFile(file, result);
    return { file, keys };
  }

  it('is refused (COFFER.2051) and leaves no output, on both paths', async () => {
    const { file, keys } = await signedFile(6 * 1024 * 1024);
    const bytes = await readFile(file);
    // Flip a bit of the signature's last byte: every frame still authenticates.
    bytes[bytes.length - 1]! ^= 0x01;
    await writeFile(file, bytes);
    const before = await readdir(dir);
    await expect(decryptFile(file, join(dir, 'must-not-exist'), { pool, keys })).rejects.toMatchObject({ code: 'COFFER.2051' });
    await expect(decryptFile(file, null, { pool, keys }, { hashPlaintext: true })).rejects.toMatchObject({ code: 'COFFER.2051' });
    expect(await leftovers(before)).toEqual([]);
  });

  it('is refused when the header names another public key (the data key is bound to the whole context)', async () => {
    const { file, keys } = await signedFile(10_000);
    const other = await signedFile(10);
    const bytes = await readFile(file);
    const otherKey = (await inspectMessage(other.file)).encryption_context['aws-crypto-public-key']!;
    const ownKey = (await inspectMessage(file)).encryption_context['aws-crypto-public-key']!;
    const at = bytes.indexOf(Buffer.from(ownKey));
    Buffer.from(otherKey).copy(bytes, at);
    await writeFile(file, bytes);
    await expect(decryptFile(file, join(dir, 'must-not-exist'), { pool, keys })).rejects.toMatchObject({ code: 'COFFER.2003' });
  });

  it('is refused when the footer is cut off', async () => {
    const { file, keys } = await signedFile(10_000);
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 30));
    const before = await readdir(dir);
    await expect(decryptFile(file, join(dir, 'must-not-exist'), { pool, keys })).rejects.toMatchObject({ code: 'COFFER.2051' });
    expect(await leftovers(before)).toEqual([]);
  });
});
