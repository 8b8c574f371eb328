import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUITES } from '../../electron/core/envelope/algorithm-suites.js';
import { decryptFile } from '../../electron/core/jobs/file-crypto.js';
import { inspectMessage } from '../../electron/core/jobs/inspect-message.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { memoryKeyring, staticKeyring } from '../helpers/engine-fixture.js';
import { legacyMessage } from '../helpers/legacy-message.js';

/**
 * Messages the official AWS Encryption SDK made (test/fixtures/esdk-vectors, with their source):
 * v1 files of three legacy suites, signed and unsigned, and the SDK's v2 vectors, 0x0578 included.
 */
interface Vector {
  name: string;
  source: string;
  data_key: string;
  ciphertext: string;
  plaintext: string | null;
  encryption_context?: Record<string, string>;
  expect: string;
  edk_key_names?: [string, string][];
}

const fixture = JSON.parse(await readFile(new URL('../fixtures/esdk-vectors/js-sdk-fixtures.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
};

let dir: string;
let pool: WorkerPool;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coffer-vectors-'));
  pool = new WorkerPool(2);
});
afterAll(async () => {
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

async function vectorFile(vector: Vector): Promise<string> {
  const file = join(dir, `${vector.name.replace(/[^a-z0-9]+/gi, '-')}.coffer`);
  await writeFile(file, Buffer.from(vector.ciphertext, 'base64'));
  return file;
}

describe('the official SDK vectors', () => {
  it.each(fixture.vectors.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
    const file = await vectorFile(vector);
    const keys = staticKeyring(Buffer.from(vector.data_key, 'base64'));
    const target = join(dir, `out-${Math.random()}`);
    const decrypting = decryptFile(file, target, { pool, keys }, { allow_legacy_format: true });
    if (vector.expect !== 'ok') {
      await expect(decrypting).rejects.toMatchObject({ code: vector.expect });
      expect((await readdir(dir)).filter((n) => n.startsWith('out-') || n.includes('coffer-tmp'))).toEqual([]);
      return;
    }
    const done = await decrypting;
    const plaintext = await readFile(done.output!);
    if (vector.plaintext !== null) expect(plaintext.equals(Buffer.from(vector.plaintext, 'base64'))).toBe(true);
    for (const [key, value] of Object.entries(vector.encryption_context ?? {}))
      expect(done.header?.encryptionContext[key]).toBe(value);
    // The ordered path (which hashes the plaintext) reads it the same.
    const again = await decryptFile(file, null, { pool, keys }, { allow_legacy_format: true, hashPlaintext: true });
    expect(again.bytes).toBe(plaintext.length);
    if (vector.edk_key_names) {
      const info = await inspectMessage(file);
      expect(info.encrypted_data_keys.map((edk) => [edk.provider_id, edk.key_name])).toEqual(vector.edk_key_names);
    }
    await rm(done.output!);
  });
});

describe('legacy (v1) files without --allow-legacy-format', () => {
  it.each(fixture.vectors.filter((v) => v.ciphertext.startsWith('AY')).map((v) => [v.name, v] as const))(
    'are refused with COFFER.2050, naming the flag, before any key is asked: %s',
    async (_name, vector) => {
      const file = await vectorFile(vector);
      let asked = false;
      const keys = {
        ...staticKeyring(Buffer.from(vector.data_key, 'base64')),
        unwrap: async () => ((asked = true), Buffer.alloc(0)),
      };
      const error = await decryptFile(file, join(dir, 'never'), { pool, keys }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'COFFER.2050' });
      expect((error as Error).message).toMatch(/--allow-legacy-format/);
      expect(asked).toBe(false);
      expect(await readdir(dir)).not.toContain('never');
    },
  );
});

describe('v1 files of every legacy suite (made by a test-only writer from the specification)', () => {
  const legacy = [...SUITES.values()].filter((suite) => suite.messageVersion === 1);
  it.each(legacy.map((suite) => [suite.hex, suite] as const))('%s opens with --allow-legacy-format', async (_hex, suite) => {
    const keys = memoryKeyring();
    const dek = randomBytes(suite.keyBytes);
    const context = { purpose: 'legacy' };
    for (const size of [0, 4096, 10_000]) {
      const plaintext = randomBytes(size);
      const bytes = await legacyMessage({ suite, dek, wrap: keys.wrap, plaintext, frameLength: 4096, context });
      const file = join(dir, `legacy-${suite.hex}-${size}.coffer`);
      await writeFile(file, bytes);
      const done = await decryptFile(file, join(dir, `out-${Math.random()}`), { pool, keys }, { allow_legacy_format: true });
      expect((await readFile(done.output!)).equals(plaintext)).toBe(true);
      await rm(done.output!);
      const info = await inspectMessage(file);
      expect(info).toMatchObject({ version: 1, suite_id: suite.hex, signed: suite.signature !== null, plaintext_length: size });
    }
  });
});
