import { createHash, createPublicKey, verify } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppServicesHarness } from '../helpers/app-services-harness.js';
import { removeDir, tempDir } from '../helpers/cli.js';

/** The app's asymmetric-key channels through the real handlers, core and vault: public key, sign, validate, RSA encrypt-data. */
let work: string;
let app: AppServicesHarness;

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

beforeAll(async () => {
  work = await tempDir();
  app = await AppServicesHarness.start(join(work, 'vault'), { poolSize: 1 });
  await app.ok('vault:create', { protection: 'keychain' });
});
afterAll(async () => {
  await app.close();
  await removeDir(work);
});

describe('asymmetric keys over IPC', () => {
  it('an EC_P384 key: public key, sign text, validate it (true), a changed message (false), a wrong algorithm refused', async () => {
    const { key_info } = await app.ok('keys:create', { key_alias: 'signer', key_spec: 'EC_P384', key_usage: 'SIGN_VERIFY' });
    const described = (await app.ok('keys:describe', { key_id: key_info.key_id })).key_info;
    expect(described).toMatchObject({ key_spec: 'EC_P384', key_usage: 'SIGN_VERIFY', key_namespace: 'coffer' });
    const { public_key } = await app.ok('keys:get-public-key', { key_id: 'alias/signer' });
    expect(public_key).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);

    const message = 'pay 10 EUR to Alice';
    const request = { key_id: 'alias/signer', signing_algorithm: 'ECDSA_SHA_384', message_type: 'RAW' };
    const { signature } = await app.ok('keys:sign', { ...request, message: b64(message) });
    // The public key elsewhere (OpenSSL through node:crypto) agrees.
    expect(verify('sha384', Buffer.from(message), createPublicKey(public_key), Buffer.from(signature, 'base64'))).toBe(true);
    expect(await app.ok('keys:validate-signature', { ...request, message: b64(message), signature })).toMatchObject({
      signature_valid: 'true',
    });
    expect(
      await app.ok('keys:validate-signature', { ...request, message: b64('pay 1000 EUR to Alice'), signature }),
    ).toMatchObject({
      signature_valid: 'false',
    });
    const wrong = await app.invoke('keys:sign', { ...request, signing_algorithm: 'RSASSA_PSS_SHA_256', message: b64(message) });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'KMS.0308' } });
    const unknown = await app.invoke('keys:sign', { ...request, signing_algorithm: 'MD5', message: b64(message) });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'KMS.0308' } });
  });

  it('a file picked in main is signed by its digest, and checks out only while unchanged; a cancelled dialog signs nothing', async () => {
    await app.ok('keys:create', { key_alias: 'rsa-signer', key_spec: 'RSA_3072', key_usage: 'SIGN_VERIFY' });
    const file = join(work, 'contract.pdf');
    await writeFile(file, Buffer.alloc(200_000, 7));
    const request = { key_id: 'alias/rsa-signer', signing_algorithm: 'RSASSA_PSS_SHA_512' };
    app.dialogs.open.push([file]);
    const signed = await app.ok('keys:sign-file', request);
    expect(signed.file_name).toBe('contract.pdf');
    expect(signed.digest).toBe(createHash('sha512').update(Buffer.alloc(200_000, 7)).digest('hex'));
    // The same signature as the CLI's DIGEST signing of that digest would check.
    const digest = Buffer.from(signed.digest, 'hex').toString('base64');
    expect(
      (
        await app.ok('keys:validate-signature', {
          ...request,
          message_type: 'DIGEST',
          message: digest,
          signature: signed.signature,
        })
      ).signature_valid,
    ).toBe('true');

    app.dialogs.open.push([file]);
    expect((await app.ok('keys:validate-file-signature', { ...request, signature: signed.signature })).signature_valid).toBe(
      'true',
    );
    await writeFile(file, Buffer.alloc(200_000, 8));
    app.dialogs.open.push([file]);
    expect((await app.ok('keys:validate-file-signature', { ...request, signature: signed.signature })).signature_valid).toBe(
      'false',
    );

    expect(await app.ok('keys:sign-file', request)).toEqual({ file_name: null });
    app.dialogs.open.push([join(work, 'gone.pdf')]);
    expect(await app.invoke('keys:sign-file', request)).toMatchObject({ ok: false, error: { code: 'COFFER.8040' } });
  });

  it('an RSA_3072 ENCRYPT_DECRYPT key round-trips encrypt-data with RSAES_OAEP_SHA_256 and refuses more than it holds', async () => {
    await app.ok('keys:create', { key_alias: 'rsa-box', key_spec: 'RSA_3072', key_usage: 'ENCRYPT_DECRYPT' });
    const algorithm = { encryption_algorithm: 'RSAES_OAEP_SHA_256' };
    const sealed = await app.ok('data:encrypt', { key_id: 'alias/rsa-box', plain_text: 'the safe code is 4711', ...algorithm });
    expect(Buffer.from(sealed.cipher_text, 'base64')).toHaveLength(384);
    const opened = await app.ok('data:decrypt', { key_id: 'alias/rsa-box', cipher_text: sealed.cipher_text, ...algorithm });
    expect(opened.plain_text).toBe('the safe code is 4711');
    // 384 - 2 * 32 - 2 = 318 bytes at most.
    const tooLong = await app.invoke('data:encrypt', { key_id: 'alias/rsa-box', plain_text: 'x'.repeat(319), ...algorithm });
    expect(tooLong).toMatchObject({ ok: false, error: { code: 'KMS.2101' } });
    expect(
      (await app.ok('data:encrypt', { key_id: 'alias/rsa-box', plain_text: 'x'.repeat(318), ...algorithm })).key_id,
    ).toBeTruthy();
  });
});
