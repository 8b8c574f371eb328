import { execFile } from 'node:child_process';
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  verify,
} from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  RawRsaKeyringNode,
} from '@aws-crypto/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as asymmetric from '../../electron/core/kms/asymmetric-operations.js';
import * as data from '../../electron/core/kms/data-operations.js';
import * as importer from '../../electron/core/kms/key-import.js';
import * as kms from '../../electron/core/kms/key-operations.js';
import { decryptFile, encryptFile } from '../../electron/core/jobs/file-crypto.js';
import { runFileJob } from '../../electron/core/jobs/file-job-runner.js';
import { inspectMessage } from '../../electron/core/jobs/inspect-message.js';
import { requestKeyrings } from '../../electron/core/keyrings/request-keyrings.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { vaultKeyring } from '../../electron/core/keyrings/vault-keyring.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';
import { refusal } from '../helpers/refusal.js';

const run = promisify(execFile);
const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
let fx: VaultFixture;
let pool: WorkerPool;
let n = 0;

beforeAll(async () => {
  fx = await keychainVault();
  pool = new WorkerPool(2);
});
afterAll(async () => {
  await pool.close();
  await fx.dispose();
});

async function newKey(request: Record<string, unknown>): Promise<string> {
  const { key_info } = await kms.createKey(fx.vault, { key_alias: `k-${(n += 1)}`, ...request });
  return key_info.key_id;
}

/** Imports AES-256 material as Huawei's BYOK does: wrapped by the import public key with RSAES_OAEP_SHA_256. */
async function importAesMaterial(keyId: string, material: Buffer): Promise<void> {
  const params = await importer.getParametersForImport(fx.vault, { key_id: keyId });
  await importer.importKeyMaterial(fx.vault, {
    key_id: keyId,
    import_token: params.import_token,
    encrypted_key_material: publicEncrypt(
      {
        key: createPublicKey({ key: Buffer.from(params.public_key, 'base64'), format: 'der', type: 'spki' }),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
      },
      material,
    ).toString('base64'),
  });
}

/** Imports a private key as Huawei's BYOK does, wrapping as a user would with OpenSSL (RFC 5649). */
async function importPrivateKey(keyId: string, privateKeyPem: string): Promise<void> {
  const params = await importer.getParametersForImport(fx.vault, { key_id: keyId });
  const temporary = randomBytes(32);
  const der = join(fx.dir, `private-${n}.der`);
  const wrapped = join(fx.dir, `private-${n}.wrapped`);
  await writeFile(der, createPrivateKey(privateKeyPem).export({ type: 'pkcs8', format: 'der' }));
  await run('openssl', [
    'enc',
    '-id-aes256-wrap-pad',
    '-K',
    temporary.toString('hex'),
    '-iv',
    'A65959A6',
    '-in',
    der,
    '-out',
    wrapped,
  ]);
  const encryptedKeyMaterial = publicEncrypt(
    {
      key: createPublicKey({ key: Buffer.from(params.public_key, 'base64'), format: 'der', type: 'spki' }),
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
    },
    temporary,
  );
  await importer.importKeyMaterial(fx.vault, {
    key_id: keyId,
    import_token: params.import_token,
    encrypted_key_material: encryptedKeyMaterial.toString('base64'),
    encrypted_privatekey: (await readFile(wrapped)).toString('base64'),
  });
}

describe('asymmetric CMKs: create, describe, get-publickey', () => {
  it('every key spec is made with its usage, named "coffer" / "<key id>:v00000001", and shows its public key', async () => {
    for (const [spec, usage] of [
      ['RSA_2048', 'ENCRYPT_DECRYPT'],
      ['RSA_3072', 'SIGN_VERIFY'],
      ['EC_P256', 'SIGN_VERIFY'],
      ['EC_P384', undefined],
    ] as const) {
      const keyId = await newKey({ key_spec: spec, ...(usage ? { key_usage: usage } : {}) });
      const { key_info } = await kms.describeKey(fx.vault, { key_id: keyId });
      expect(key_info).toMatchObject({
        key_spec: spec,
        key_usage: usage ?? 'SIGN_VERIFY',
        key_namespace: 'coffer',
        key_name: `${keyId}:v00000001`,
        key_names: [`${keyId}:v00000001`],
        key_state: '2',
      });
      const { public_key } = await asymmetric.getPublicKey(fx.vault, { key_id: `alias/k-${n}` });
      const parsed = createPublicKey(public_key);
      expect(public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      expect(parsed.asymmetricKeyType).toBe(spec.startsWith('RSA') ? 'rsa' : 'ec');
    }
  }, 60_000);

  it("Coffer's own AES keys show their namespace and per-version names", async () => {
    const keyId = await newKey({});
    await kms.rotateKey(fx.vault, { key_id: keyId });
    const { key_info } = await kms.describeKey(fx.vault, { key_id: keyId });
    expect(key_info).toMatchObject({
      key_spec: 'AES_256',
      key_usage: 'ENCRYPT_DECRYPT',
      key_namespace: 'coffer',
      key_name: `${keyId}:v00000002`,
      key_names: [`${keyId}:v00000001`, `${keyId}:v00000002`],
    });
  });

  it('refuses what Huawei KMS refuses: EC keys that encrypt, AES keys that sign, rotating a key pair, a symmetric public key', async () => {
    expect((await refusal(newKey({ key_spec: 'EC_P256', key_usage: 'ENCRYPT_DECRYPT' }))).code).toBe('KMS.0308');
    expect((await refusal(newKey({ key_usage: 'SIGN_VERIFY' }))).code).toBe('KMS.0308');
    const pair = await newKey({ key_spec: 'EC_P256' });
    const rotate = await refusal(kms.rotateKey(fx.vault, { key_id: pair }));
    expect(rotate.code).toBe('KMS.0308');
    expect(rotate.message).toMatch(/asymmetric keys do not rotate/);
    expect((await refusal(kms.enableKeyRotation(fx.vault, { key_id: pair }))).code).toBe('KMS.0308');
    const aes = await newKey({});
    expect((await refusal(asymmetric.getPublicKey(fx.vault, { key_id: aes }))).code).toBe('COFFER.8003');
    expect((await refusal(data.createDatakey(fx.vault, { key_id: pair }))).code).toBe('COFFER.8003');
  });
});

describe('sign and validate-signature', () => {
  it('RSA: every RSASSA algorithm, RAW and DIGEST; the signature verifies with the public key elsewhere', async () => {
    const keyId = await newKey({ key_spec: 'RSA_2048', key_usage: 'SIGN_VERIFY' });
    const publicKey = createPublicKey((await asymmetric.getPublicKey(fx.vault, { key_id: keyId })).public_key);
    const message = Buffer.from('pay 100 to Bob');
    for (const algorithm of [
      'RSASSA_PSS_SHA_256',
      'RSASSA_PSS_SHA_384',
      'RSASSA_PSS_SHA_512',
      'RSASSA_PKCS1_V1_5_SHA_256',
      'RSASSA_PKCS1_V1_5_SHA_384',
      'RSASSA_PKCS1_V1_5_SHA_512',
    ] as const) {
      const hash = `sha${algorithm.slice(-3)}`;
      const padding = algorithm.includes('PSS') ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
      for (const [messageType, given] of [
        ['RAW', message],
        ['DIGEST', createHash(hash).update(message).digest()],
      ] as const) {
        const signed = await asymmetric.sign(fx.vault, {
          key_id: keyId,
          message: given.toString('base64'),
          signing_algorithm: algorithm,
          message_type: messageType,
        });
        expect(signed.key_id).toBe(keyId);
        const signature = Buffer.from(signed.signature, 'base64');
        expect(verify(hash, message, { key: publicKey, padding }, signature), `${algorithm} ${messageType}`).toBe(true);
        const checked = await asymmetric.validateSignature(fx.vault, {
          key_id: keyId,
          message: given.toString('base64'),
          signature: signed.signature,
          signing_algorithm: algorithm,
          message_type: messageType,
        });
        expect(checked).toEqual({ key_id: keyId, signature_valid: 'true' });
      }
    }
  }, 60_000);

  it('EC: ECDSA_SHA_256 with P-256 and ECDSA_SHA_384 with P-384, DIGEST by default as in Huawei KMS', async () => {
    for (const [spec, algorithm, hash] of [
      ['EC_P256', 'ECDSA_SHA_256', 'sha256'],
      ['EC_P384', 'ECDSA_SHA_384', 'sha384'],
    ] as const) {
      const keyId = await newKey({ key_spec: spec });
      const message = randomBytes(300);
      const digest = createHash(hash).update(message).digest();
      const signed = await asymmetric.sign(fx.vault, {
        key_id: keyId,
        message: digest.toString('base64'),
        signing_algorithm: algorithm,
      });
      const publicKey = createPublicKey((await asymmetric.getPublicKey(fx.vault, { key_id: keyId })).public_key);
      expect(verify(hash, message, { key: publicKey, dsaEncoding: 'der' }, Buffer.from(signed.signature, 'base64'))).toBe(true);
      const raw = await asymmetric.sign(fx.vault, {
        key_id: keyId,
        message: message.toString('base64'),
        signing_algorithm: algorithm,
        message_type: 'RAW',
      });
      expect(
        (
          await asymmetric.validateSignature(fx.vault, {
            key_id: keyId,
            message: digest.toString('base64'),
            signature: raw.signature,
            signing_algorithm: algorithm,
          })
        ).signature_valid,
      ).toBe('true');
    }
  });

  it('a bad signature is "false", a wrong key usage or a disabled key is refused, and every use is audited', async () => {
    const keyId = await newKey({ key_spec: 'EC_P256' });
    const message = Buffer.from('original').toString('base64');
    const { signature } = await asymmetric.sign(fx.vault, {
      key_id: keyId,
      message,
      signing_algorithm: 'ECDSA_SHA_256',
      message_type: 'RAW',
    });
    const tampered = await asymmetric.validateSignature(fx.vault, {
      key_id: keyId,
      message: Buffer.from('0riginal').toString('base64'),
      signature,
      signing_algorithm: 'ECDSA_SHA_256',
      message_type: 'RAW',
    });
    expect(tampered.signature_valid).toBe('false');
    const garbage = await asymmetric.validateSignature(fx.vault, {
      key_id: keyId,
      message,
      signature: Buffer.from('not a signature').toString('base64'),
      signing_algorithm: 'ECDSA_SHA_256',
      message_type: 'RAW',
    });
    expect(garbage.signature_valid).toBe('false');

    const encrypting = await newKey({ key_spec: 'RSA_2048', key_usage: 'ENCRYPT_DECRYPT' });
    const wrongUsage = await refusal(
      asymmetric.sign(fx.vault, { key_id: encrypting, message, signing_algorithm: 'RSASSA_PSS_SHA_256', message_type: 'RAW' }),
    );
    expect(wrongUsage.code).toBe('COFFER.8003');
    expect(wrongUsage.message).toMatch(/--key-usage SIGN_VERIFY/);

    await kms.disableKey(fx.vault, { key_id: keyId });
    expect(
      (
        await refusal(
          asymmetric.sign(fx.vault, { key_id: keyId, message, signing_algorithm: 'ECDSA_SHA_256', message_type: 'RAW' }),
        )
      ).code,
    ).toBe('KMS.0209');
    const log = await fx.vault.auditLog();
    const mine = log.records.filter((r) => r.key_id === keyId).map((r) => `${r.operation}:${r.outcome}`);
    expect(mine).toEqual([
      'create-key:success',
      'sign:success',
      'validate-signature:success',
      'validate-signature:success',
      'disable-key:success',
      'sign:failure',
    ]);
  });
});

describe('encrypt-data / decrypt-data with RSAES_OAEP_SHA_256', () => {
  it('round-trips, is RSA-OAEP SHA-256 as any OpenSSL reads it, and refuses context, oversize and SIGN_VERIFY keys', async () => {
    const keyId = await newKey({ key_spec: 'RSA_3072', key_usage: 'ENCRYPT_DECRYPT', exportable: true });
    const sealed = await data.encryptData(fx.vault, {
      key_id: keyId,
      plain_text: 'db password',
      encryption_algorithm: 'RSAES_OAEP_SHA_256',
    });
    expect(Buffer.from(sealed.cipher_text, 'base64')).toHaveLength(384);
    const opened = await data.decryptData(fx.vault, {
      key_id: keyId,
      cipher_text: sealed.cipher_text,
      encryption_algorithm: 'RSAES_OAEP_SHA_256',
    });
    expect(opened.plain_text).toBe('db password');
    const { key_material } = await importer.exportKeyMaterial(fx.vault, { key_id: keyId });
    const privateKey = createPrivateKey({ key: Buffer.from(key_material, 'base64'), format: 'der', type: 'pkcs8' });
    expect(
      privateDecrypt(
        { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(sealed.cipher_text, 'base64'),
      ).toString(),
    ).toBe('db password');

    expect((await refusal(data.encryptData(fx.vault, { key_id: keyId, plain_text: 'x'.repeat(319) }))).code).toBe('KMS.2101');
    expect(
      (await refusal(data.encryptData(fx.vault, { key_id: keyId, plain_text: 'x', encryption_context: { a: 'b' } }))).code,
    ).toBe('KMS.0208');
    const altered = Buffer.from(sealed.cipher_text, 'base64');
    altered[10]! ^= 1;
    expect(
      (
        await refusal(
          data.decryptData(fx.vault, {
            key_id: keyId,
            cipher_text: altered.toString('base64'),
            encryption_algorithm: 'RSAES_OAEP_SHA_256',
          }),
        )
      ).code,
    ).toBe('KMS.0311');
    const signing = await newKey({ key_spec: 'RSA_2048' });
    expect((await refusal(data.encryptData(fx.vault, { key_id: signing, plain_text: 'x' }))).code).toBe('COFFER.8003');
  }, 30_000);
});

describe("BYOK of private keys (Huawei: temporary AES key + RFC 5649) and other tools' key names", () => {
  it('an imported RSA private key decrypts what its public key encrypted, and get-publickey gives that public key', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyId = await newKey({ key_spec: 'RSA_2048', key_usage: 'ENCRYPT_DECRYPT', origin: 'external' });
    expect((await kms.describeKey(fx.vault, { key_id: keyId })).key_info.key_state).toBe('5');
    await importPrivateKey(keyId, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const { public_key } = await asymmetric.getPublicKey(fx.vault, { key_id: keyId });
    expect(createPublicKey(public_key).export({ type: 'spki', format: 'der' })).toEqual(
      pair.publicKey.export({ type: 'spki', format: 'der' }),
    );
    const cipher = publicEncrypt(
      { key: pair.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from('hi'),
    );
    const opened = await data.decryptData(fx.vault, {
      key_id: keyId,
      cipher_text: cipher.toString('base64'),
      encryption_algorithm: 'RSAES_OAEP_SHA_256',
    });
    expect(opened.plain_text).toBe('hi');
  });

  it('refuses a private key of another spec, a missing encrypted_privatekey, and a wrapping under another key', async () => {
    const keyId = await newKey({ key_spec: 'RSA_3072', key_usage: 'ENCRYPT_DECRYPT', origin: 'external' });
    const wrongSpec = await refusal(
      importPrivateKey(
        keyId,
        generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ),
    );
    expect(wrongSpec.code).toBe('COFFER.8008');
    expect(wrongSpec.message).toMatch(/RSA_3072 key, but the imported private key is RSA_2048/);
    const params = await importer.getParametersForImport(fx.vault, { key_id: keyId });
    const wrappedTemporary = publicEncrypt(
      {
        key: createPublicKey({ key: Buffer.from(params.public_key, 'base64'), format: 'der', type: 'spki' }),
        padding: constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: 'sha256',
      },
      randomBytes(32),
    ).toString('base64');
    const missing = await refusal(
      importer.importKeyMaterial(fx.vault, {
        key_id: keyId,
        import_token: params.import_token,
        encrypted_key_material: wrappedTemporary,
      }),
    );
    expect(missing.code).toBe('KMS.0204');
    const notWrapped = await refusal(
      importer.importKeyMaterial(fx.vault, {
        key_id: keyId,
        import_token: params.import_token,
        encrypted_key_material: wrappedTemporary,
        encrypted_privatekey: randomBytes(1224).toString('base64'),
      }),
    );
    expect(notWrapped.code).toBe('COFFER.8008');
    expect((await kms.describeKey(fx.vault, { key_id: keyId })).key_info.key_state).toBe('5');
  });

  it("an SDK raw AES keyring's file with a foreign namespace and key name opens with the key created under those names", async () => {
    const keyId = await newKey({ origin: 'external', key_namespace: 'acme-backup', key_name: 'nightly/2026' });
    const material = randomBytes(32);
    await importAesMaterial(keyId, material);
    const { key_info } = await kms.describeKey(fx.vault, { key_id: keyId });
    expect(key_info).toMatchObject({ key_namespace: 'acme-backup', key_name: 'nightly/2026', key_names: ['nightly/2026'] });

    const plaintext = randomBytes(70_000);
    const keyring = new RawAesKeyringNode({
      keyNamespace: 'acme-backup',
      keyName: 'nightly/2026',
      unencryptedMasterKey: new Uint8Array(material),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
      utf8Sorting: true,
    });
    const { result } = await encrypt(keyring, plaintext, {
      suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      encryptionContext: { source: 'acme' },
    });
    const file = join(fx.dir, 'acme.coffer');
    await writeFile(file, result);
    const opened = await decryptFile(file, join(fx.dir, 'acme.out'), { pool, keys: vaultKeyring(fx.vault, [], 'decrypt-file') });
    expect((await readFile(opened.output!)).equals(plaintext)).toBe(true);

    expect((await refusal(newKey({ origin: 'external', key_namespace: 'acme-backup', key_name: 'nightly/2026' }))).code).toBe(
      'COFFER.8002',
    );
    expect((await refusal(newKey({ origin: 'external', key_namespace: 'coffer', key_name: 'x' }))).code).toBe('COFFER.8001');
    expect((await refusal(newKey({ key_namespace: 'acme', key_name: 'y' }))).code).toBe('COFFER.8001');
    expect((await refusal(newKey({ origin: 'external', key_namespace: 'acme' }))).code).toBe('COFFER.8001');
  });

  it("a folder under a key with another tool's names: the workers wrap under those names, and every file opens, one record each", async () => {
    const keyId = await newKey({ origin: 'external', key_namespace: 'acme-photos', key_name: 'album/2026' });
    const material = randomBytes(32);
    await importAesMaterial(keyId, material);
    const dir = join(fx.dir, 'acme-folder', 'photos');
    await mkdir(dir, { recursive: true });
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < 200; i += 1) contents.set(`p-${String(i).padStart(3, '0')}.jpg`, randomBytes(50 + i * 11));
    for (const [file, data] of contents) await writeFile(join(dir, file), data);
    const sealed = join(fx.dir, 'acme-folder', 'sealed');
    // Past the first groups, the key is lent to the workers, which wrap each file's data key themselves.
    const encrypted = await runFileJob(
      { action: 'encrypt', paths: [dir], out_dir: sealed, key_ids: [keyId] },
      { pool, keyrings: requestKeyrings({ vault: fx.vault }) },
    );
    expect(encrypted.filter((r) => r.status !== 'ok')).toEqual([]);
    const sdkKeyring = new RawAesKeyringNode({
      keyNamespace: 'acme-photos',
      keyName: 'album/2026',
      unencryptedMasterKey: new Uint8Array(material),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    for (const file of ['p-000.jpg', 'p-199.jpg']) {
      const { plaintext } = await decrypt(sdkKeyring, await readFile(join(sealed, 'photos', `${file}.coffer`)));
      expect(Buffer.from(plaintext).equals(contents.get(file)!), file).toBe(true);
    }
    // Opening, such a key is never lent (a worker matches only Coffer's own key names): each file is the job thread's.
    const before = (await fx.vault.auditLog()).records.length;
    const opened = await runFileJob(
      { action: 'decrypt', paths: [join(sealed, 'photos')], out_dir: join(fx.dir, 'acme-folder', 'opened') },
      { pool, keyrings: requestKeyrings({ vault: fx.vault }) },
    );
    expect(opened.filter((r) => r.status !== 'ok')).toEqual([]);
    for (const [file, data] of contents)
      expect((await readFile(join(fx.dir, 'acme-folder', 'opened', 'photos', file))).equals(data), file).toBe(true);
    const records = (await fx.vault.auditLog()).records.slice(before);
    expect(records).toHaveLength(200);
    expect(records.every((r) => r.operation === 'decrypt-file' && r.outcome === 'success' && r.key_id === keyId)).toBe(true);
  });

  it("files encrypted under a key with another tool's names carry those names, and that tool's SDK keyring opens them", async () => {
    const keyId = await newKey({ origin: 'external', key_namespace: 'acme-archive', key_name: 'weekly/β-2026' });
    const material = randomBytes(32);
    await importAesMaterial(keyId, material);
    const dir = join(fx.dir, 'to-acme');
    await mkdir(dir);
    const small = randomBytes(3000);
    const large = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(dir, 'small.bin'), small);
    await writeFile(join(dir, 'large.bin'), large);
    // Through the runner as the faces run it: the vault still opening (a promise), a small and a large file.
    const results = await runFileJob(
      { action: 'encrypt', paths: [join(dir, 'small.bin'), join(dir, 'large.bin')], key_ids: [keyId] },
      { pool, keyrings: requestKeyrings({ vault: Promise.resolve(fx.vault) }) },
    );
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok']);
    // And with the vault already open (the app's and the agent's case).
    const again = join(fx.dir, 'again.bin');
    await writeFile(again, large);
    await encryptFile(
      again,
      `${again}.coffer`,
      { frame_length: 65536 },
      { pool, keys: vaultKeyring(fx.vault, [keyId], 'encrypt-file') },
    );

    const sdkKeyring = new RawAesKeyringNode({
      keyNamespace: 'acme-archive',
      keyName: 'weekly/β-2026',
      unencryptedMasterKey: new Uint8Array(material),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    for (const [file, plaintext] of [
      [join(dir, 'small.bin.coffer'), small],
      [join(dir, 'large.bin.coffer'), large],
      [`${again}.coffer`, large],
    ] as const) {
      const bytes = await readFile(file);
      expect((await inspectMessage(file)).encrypted_data_keys).toEqual([
        {
          provider_id: 'acme-archive',
          key_name: 'weekly/β-2026',
          provider_info_format: 'raw-aes',
          key_id: null,
          key_version: null,
        },
      ]);
      const { plaintext: opened } = await decrypt(sdkKeyring, bytes);
      expect(Buffer.from(opened).equals(plaintext), file).toBe(true);
      // Coffer opens its own file again under the same key.
      const back = await decryptFile(file, `${file}.back`, { pool, keys: vaultKeyring(fx.vault, [], 'decrypt-file') });
      expect((await readFile(back.output!)).equals(plaintext)).toBe(true);
    }
  }, 30_000);

  it("an imported RSA private key with another tool's names opens that tool's raw RSA files, whatever the OAEP hash", async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyId = await newKey({
      key_spec: 'RSA_2048',
      key_usage: 'ENCRYPT_DECRYPT',
      origin: 'external',
      key_namespace: 'partner-corp',
      key_name: 'rsa-2026',
    });
    await importPrivateKey(keyId, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    for (const oaepHash of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
      const keyring = new RawRsaKeyringNode({
        keyNamespace: 'partner-corp',
        keyName: 'rsa-2026',
        rsaKey: { publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
        oaepHash,
      });
      const plaintext = randomBytes(5000);
      const { result } = await encrypt(keyring, plaintext, {
        suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      });
      const file = join(fx.dir, `partner-${oaepHash}.coffer`);
      await writeFile(file, result);
      const opened = await decryptFile(file, join(fx.dir, `partner-${oaepHash}.out`), {
        pool,
        keys: vaultKeyring(fx.vault, [], 'decrypt-file'),
      });
      expect((await readFile(opened.output!)).equals(plaintext), oaepHash).toBe(true);
    }
  }, 30_000);
});
