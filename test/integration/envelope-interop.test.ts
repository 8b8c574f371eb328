import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AlgorithmSuiteIdentifier } from '@aws-crypto/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as importer from '../../electron/core/kms/key-import.js';
import * as kms from '../../electron/core/kms/key-operations.js';
import { decryptFile, encryptFile } from '../../electron/core/jobs/file-crypto.js';
import { vaultKeyring } from '../../electron/core/keyrings/vault-keyring.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { sdk, sdkAesKeyring as sdkKeyring } from '../helpers/sdk-oracle.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';

/**
 * The official AWS Encryption SDK for JavaScript as the oracle, both ways: it opens Coffer's
 * files given the exported key material, and Coffer opens its files given the same material
 * imported into a CMK.
 */
const { encrypt, decrypt } = sdk;
const SUITE_0478 = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

let fx: VaultFixture;
let pool: WorkerPool;
let aliases = 0;

beforeAll(async () => {
  fx = await keychainVault();
  pool = new WorkerPool(2);
});
afterAll(async () => {
  await pool.close();
  await fx.dispose();
});

const cases: [string, number, number, Record<string, string>][] = [
  ['empty file', 0, 4096, {}],
  ['one byte', 1, 4096, {}],
  ['an exact multiple of the frame', 3 * 4096, 4096, {}],
  ['4 KiB frames', 100_000, 4096, { purpose: 'interop' }],
  ['1 MiB frames', 3 * 1024 * 1024 + 17, 1024 * 1024, { a: '1', B: '2' }],
  ['non-ASCII context keys', 5000, 4096, { ünïcode: 'välue', Zebra: 'z', ключ: 'значение', 日本: '語', a: '' }],
];

describe('Coffer files open with the official SDK', () => {
  it.each(cases)('%s', async (_name, size, frameLength, context) => {
    const { key_info } = await kms.createKey(fx.vault, { key_alias: `out-${(aliases += 1)}`, exportable: true });
    const input = join(fx.dir, `plain-${size}`);
    const plaintext = randomBytes(size);
    await writeFile(input, plaintext);
    const sealed = await encryptFile(
      input,
      join(fx.dir, `coffer-${Math.random()}.coffer`),
      { frame_length: frameLength, encryption_context: context },
      { pool, keys: vaultKeyring(fx.vault, [key_info.key_id], 'encrypt-file') },
    );
    const { key_material } = await importer.exportKeyMaterial(fx.vault, { key_id: key_info.key_id });
    const opened = await decrypt(
      sdkKeyring(Buffer.from(key_material, 'base64'), `${key_info.key_id}:v00000001`),
      await readFile(sealed.output!),
    );
    expect(Buffer.from(opened.plaintext).equals(plaintext)).toBe(true);
    expect({ ...opened.messageHeader.encryptionContext }).toEqual(context);
    expect(opened.messageHeader.suiteId).toBe(SUITE_0478);
    expect(opened.messageHeader.frameLength).toBe(frameLength);
  });
});

describe('SDK files open with Coffer, the material imported into a CMK', () => {
  it.each(cases)('%s', async (_name, size, frameLength, context) => {
    const { key_info } = await kms.createKey(fx.vault, { key_alias: `in-${(aliases += 1)}`, origin: 'external' });
    const material = randomBytes(32);
    const params = await importer.getParametersForImport(fx.vault, { key_id: key_info.key_id });
    const wrapped = publicEncrypt(
      {
        key: createPublicKey({ key: Buffer.from(params.public_key, 'base64'), format: 'der', type: 'spki' }),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
      },
      material,
    );
    await importer.importKeyMaterial(fx.vault, {
      key_id: key_info.key_id,
      import_token: params.import_token,
      encrypted_key_material: wrapped.toString('base64'),
    });

    const plaintext = randomBytes(size);
    const { result } = await encrypt(sdkKeyring(material, `${key_info.key_id}:v00000001`), plaintext, {
      suiteId: SUITE_0478,
      frameLength,
      encryptionContext: context,
    });
    const file = join(fx.dir, `sdk-${Math.random()}.coffer`);
    await writeFile(file, result);
    const opened = await decryptFile(file, join(fx.dir, `sdk-out-${Math.random()}`), {
      pool,
      keys: vaultKeyring(fx.vault, [], 'decrypt-file'),
    });
    expect((await readFile(opened.output!)).equals(plaintext)).toBe(true);
    expect(opened.header?.encryptionContext).toEqual(context);
  });
});
