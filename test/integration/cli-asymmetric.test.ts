import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, runCoffer, tempDir } from '../helpers/cli.js';

const run = promisify(execFile);
let dir: string;
const coffer = (args: string[]) => runCoffer(['--vault', dir, ...args]);

beforeAll(async () => {
  dir = await tempDir();
  expect((await coffer(['init'])).code).toBe(0);
});
afterAll(async () => {
  await removeDir(dir);
});

describe('the coffer command with asymmetric keys, checked by OpenSSL', () => {
  it('create-key --key-spec EC_P384, get-publickey, sign --message-file: openssl dgst -verify accepts the signature', async () => {
    const created = await coffer(['create-key', '--alias', 'signer', '--key-spec', 'EC_P384', '--key-usage', 'SIGN_VERIFY']);
    expect(created.code).toBe(0);
    const described = await coffer(['describe-key', '--key-id', 'alias/signer']);
    expect(described.json.key_info).toMatchObject({ key_spec: 'EC_P384', key_usage: 'SIGN_VERIFY', key_namespace: 'coffer' });
    const pem = join(dir, 'signer.pem');
    await writeFile(pem, (await coffer(['get-publickey', '--key-id', 'alias/signer'])).json.public_key);
    const document = join(dir, 'contract.txt');
    await writeFile(document, 'I agree to the terms.\n');
    const signed = await coffer([
      'sign',
      '--key-id',
      'alias/signer',
      '--message-file',
      document,
      '--signing-algorithm',
      'ECDSA_SHA_384',
      '--message-type',
      'RAW',
    ]);
    expect(signed.code).toBe(0);
    const signature = join(dir, 'contract.sig');
    await writeFile(signature, Buffer.from(signed.json.signature, 'base64'));
    const { stdout } = await run('openssl', ['dgst', '-sha384', '-verify', pem, '-signature', signature, document]);
    expect(stdout).toMatch(/Verified OK/);

    // The document's signature checked as it is on disk now.
    const validate = () =>
      coffer([
        'validate-signature',
        '--key-id',
        'alias/signer',
        '--message-file',
        document,
        '--signature',
        signed.json.signature,
        '--signing-algorithm',
        'ECDSA_SHA_384',
        '--message-type',
        'RAW',
      ]);
    const valid = await validate();
    expect(valid.json).toEqual({ key_id: created.json.key_info.key_id, signature_valid: 'true' });
    await writeFile(document, 'I agree to the terms!\n');
    const invalid = await validate();
    expect(invalid.code).toBe(0);
    expect(invalid.json.signature_valid).toBe('false');
  });

  it('encrypt-data with an RSA key: openssl pkeyutl decrypts it with the exported private key; rotate-key is refused', async () => {
    await coffer(['create-key', '--alias', 'box', '--key-spec', 'RSA_2048', '--key-usage', 'ENCRYPT_DECRYPT', '--exportable']);
    const sealed = await coffer(['encrypt-data', '--key-id', 'alias/box', '--plain-text', 'hunter2']);
    expect(sealed.code).toBe(0);
    const exported = await coffer(['export-key-material', '--key-id', 'alias/box']);
    const key = join(dir, 'box.der');
    const cipher = join(dir, 'box.bin');
    await writeFile(key, Buffer.from(exported.json.key_material, 'base64'));
    await writeFile(cipher, Buffer.from(sealed.json.cipher_text, 'base64'));
    const { stdout } = await run('openssl', [
      'pkeyutl',
      '-decrypt',
      '-keyform',
      'DER',
      '-inkey',
      key,
      '-in',
      cipher,
      '-pkeyopt',
      'rsa_padding_mode:oaep',
      '-pkeyopt',
      'rsa_oaep_md:sha256',
      '-pkeyopt',
      'rsa_mgf1_md:sha256',
    ]);
    expect(stdout).toBe('hunter2');
    const opened = await coffer([
      'decrypt-data',
      '--key-id',
      'alias/box',
      '--encryption-algorithm',
      'RSAES_OAEP_SHA_256',
      '--cipher-text',
      sealed.json.cipher_text,
    ]);
    expect(opened.json.plain_text).toBe('hunter2');
    const rotate = await coffer(['rotate-key', '--key-id', 'alias/box']);
    expect(rotate.code).toBe(1);
    expect(rotate.error?.error_code).toBe('KMS.0308');
  });
});
