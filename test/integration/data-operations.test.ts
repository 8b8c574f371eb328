import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as data from '../../electron/core/kms/data-operations.js';
import * as kms from '../../electron/core/kms/key-operations.js';
import { Vault } from '../../electron/core/vault/vault.js';
import { runCoffer } from '../helpers/cli.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';
import { refusal } from '../helpers/refusal.js';

let fx: VaultFixture;
let keyId: string;

beforeAll(async () => {
  fx = await keychainVault();
  keyId = (await kms.createKey(fx.vault, { key_alias: 'data' })).key_info.key_id;
});
afterAll(async () => {
  await fx.dispose();
});

describe('encrypt-data / decrypt-data', () => {
  it('round-trips text and bytes up to 4096, with an encryption context, and needs no key id to decrypt', async () => {
    const context = { app: 'payroll', Env: 'Prod' };
    const text = await data.encryptData(fx.vault, {
      key_id: 'alias/data',
      plain_text: 'p@ssw0rd – ünïcode ✓',
      encryption_context: context,
    });
    expect(text).toMatchObject({ key_id: keyId, key_version: 1 });
    expect(await data.decryptData(fx.vault, { cipher_text: text.cipher_text, encryption_context: context })).toMatchObject({
      key_id: keyId,
      plain_text: 'p@ssw0rd – ünïcode ✓',
    });
    const bytes = randomBytes(4096);
    const sealed = await data.encryptData(fx.vault, { key_id: keyId, plain_text_base64: bytes.toString('base64') });
    const opened = await data.decryptData(fx.vault, { cipher_text: sealed.cipher_text });
    expect(Buffer.from(opened.plain_text_base64, 'base64').equals(bytes)).toBe(true);
  });

  it('refuses each bad input with its own code and a sentence', async () => {
    const good = await data.encryptData(fx.vault, { key_id: keyId, plain_text: 'x', encryption_context: { a: 'b' } });
    const raw = Buffer.from(good.cipher_text, 'base64');
    const flipped = Buffer.from(raw);
    flipped[50]! ^= 0x10;
    const cases: [string, () => Promise<unknown>, string, RegExp][] = [
      ['4097 bytes', () => data.encryptData(fx.vault, { key_id: keyId, plain_text: 'a'.repeat(4097) }), 'KMS.2101', /4097 bytes/],
      ['empty plaintext', () => data.encryptData(fx.vault, { key_id: keyId, plain_text: '' }), 'KMS.2101', /0 bytes/],
      [
        'invalid Base64 plaintext',
        () => data.encryptData(fx.vault, { key_id: keyId, plain_text_base64: 'no*base64' }),
        'KMS.2101',
        /Base64/,
      ],
      ['invalid Base64 ciphertext', () => data.decryptData(fx.vault, { cipher_text: '%%%%' }), 'KMS.2201', /Base64/],
      [
        'cut short',
        () =>
          data.decryptData(fx.vault, {
            cipher_text: raw.subarray(0, raw.length - 1).toString('base64'),
            encryption_context: { a: 'b' },
          }),
        'KMS.2201',
        /cut short/,
      ],
      [
        'extended',
        () =>
          data.decryptData(fx.vault, {
            cipher_text: Buffer.concat([raw, Buffer.from([0])]).toString('base64'),
            encryption_context: { a: 'b' },
          }),
        'KMS.2201',
        /extended/,
      ],
      [
        'a flipped bit',
        () => data.decryptData(fx.vault, { cipher_text: flipped.toString('base64'), encryption_context: { a: 'b' } }),
        'KMS.2201',
        /changed/,
      ],
      [
        'a wrong context pair',
        () => data.decryptData(fx.vault, { cipher_text: good.cipher_text, encryption_context: { a: 'B' } }),
        'KMS.0208',
        /differ/,
      ],
      ['a missing context', () => data.decryptData(fx.vault, { cipher_text: good.cipher_text }), 'KMS.0208', /none was given/],
      [
        'an extra context pair',
        () => data.decryptData(fx.vault, { cipher_text: good.cipher_text, encryption_context: { a: 'b', c: 'd' } }),
        'KMS.0208',
        /differ/,
      ],
      [
        'a context that is not string pairs',
        () => data.encryptData(fx.vault, { key_id: keyId, plain_text: 'x', encryption_context: { n: 1 } }),
        'KMS.0208',
        /string/,
      ],
      [
        'a context over 8192 characters',
        () => data.encryptData(fx.vault, { key_id: keyId, plain_text: 'x', encryption_context: { k: 'v'.repeat(8200) } }),
        'KMS.0208',
        /8192/,
      ],
      ['no plaintext', () => data.encryptData(fx.vault, { key_id: keyId }), 'KMS.0204', /plain_text/],
      ['no key', () => data.encryptData(fx.vault, { plain_text: 'x' }), 'KMS.0204', /key_id/],
    ];
    for (const [name, attempt, code, message] of cases) {
      const error = await refusal(attempt());
      expect(error.code, name).toBe(code);
      expect(error.message, name).toMatch(message);
    }
  });
});

describe('data keys', () => {
  it('create-datakey gives a DEK and its encrypted copy, which decrypt-datakey opens with its digest', async () => {
    const made = await data.createDatakey(fx.vault, { key_id: keyId, datakey_length: 512, encryption_context: { file: 'x' } });
    expect(made.plain_text).toMatch(/^[0-9a-f]{128}$/);
    const opened = await data.decryptDatakey(fx.vault, { cipher_text: made.cipher_text, encryption_context: { file: 'x' } });
    expect(opened).toEqual({
      key_id: keyId,
      key_version: 1,
      data_key: made.plain_text,
      datakey_length: '64',
      datakey_dgst: createHash('sha256').update(Buffer.from(made.plain_text!, 'hex')).digest('hex'),
    });
    const defaults = await data.createDatakey(fx.vault, { key_id: keyId });
    expect(defaults.plain_text).toHaveLength(64);
    expect((await data.createDatakey(fx.vault, { key_id: keyId, key_spec: 'AES_128' })).plain_text).toHaveLength(32);
    const hidden = await data.createDatakey(fx.vault, { key_id: keyId, datakey_length: '8' }, false);
    expect(hidden.plain_text).toBeUndefined();
    expect((await data.decryptDatakey(fx.vault, { cipher_text: hidden.cipher_text })).datakey_length).toBe('1');
  });

  it('refuses datakey lengths of 7 and 8200 bits, and other bad data-key input', async () => {
    for (const bits of [7, 8200, 0, 12]) {
      expect((await refusal(data.createDatakey(fx.vault, { key_id: keyId, datakey_length: bits }))).code).toBe('KMS.1901');
    }
    const made = await data.createDatakey(fx.vault, { key_id: keyId });
    expect((await refusal(data.decryptDatakey(fx.vault, { cipher_text: 'xyz' }))).code).toBe('KMS.2201');
    expect(
      (await refusal(data.decryptDatakey(fx.vault, { cipher_text: made.cipher_text, datakey_cipher_length: 10 }))).code,
    ).toBe('KMS.2202');
    const encrypted = await data.encryptData(fx.vault, { key_id: keyId, plain_text: 'x' });
    expect(
      (
        await refusal(
          data.decryptDatakey(fx.vault, { cipher_text: Buffer.from(encrypted.cipher_text, 'base64').toString('hex') }),
        )
      ).message,
    ).toMatch(/decrypt-data/);
  });

  it('encrypt-datakey wraps a DEK you have, checking its digest when one follows it', async () => {
    const dek = randomBytes(32);
    const digest = createHash('sha256').update(dek).digest();
    const plain = await data.encryptDatakey(fx.vault, {
      key_id: keyId,
      plain_text: dek.toString('hex'),
      datakey_plain_length: 32,
    });
    expect(plain.datakey_length).toBe('32');
    expect((await data.decryptDatakey(fx.vault, { cipher_text: plain.cipher_text })).data_key).toBe(dek.toString('hex'));
    const withDigest = await data.encryptDatakey(fx.vault, {
      key_id: keyId,
      plain_text: Buffer.concat([dek, digest]).toString('hex'),
      datakey_plain_length: '32',
    });
    expect((await data.decryptDatakey(fx.vault, { cipher_text: withDigest.cipher_text })).data_key).toBe(dek.toString('hex'));
    const badDigest = Buffer.concat([dek, randomBytes(32)]).toString('hex');
    expect(
      (await refusal(data.encryptDatakey(fx.vault, { key_id: keyId, plain_text: badDigest, datakey_plain_length: 32 }))).code,
    ).toBe('KMS.2103');
    expect(
      (await refusal(data.encryptDatakey(fx.vault, { key_id: keyId, plain_text: dek.toString('hex'), datakey_plain_length: 16 })))
        .code,
    ).toBe('KMS.2102');
    expect(
      (await refusal(data.encryptDatakey(fx.vault, { key_id: keyId, plain_text: 'zz', datakey_plain_length: 1 }))).code,
    ).toBe('KMS.2101');
  });

  it('gen-random returns the asked number of random bits', () => {
    expect(data.genRandom({ random_data_length: 512 }).random_data).toMatch(/^[0-9a-f]{128}$/);
    expect(data.genRandom({ random_data_length: 512 }).random_data).not.toBe(
      data.genRandom({ random_data_length: 512 }).random_data,
    );
    expect(() => data.genRandom({ random_data_length: 7 })).toThrow(/multiple of 8/);
  });
});

describe('key states, rotation and re-encryption', () => {
  it('disabled, pending-deletion and deleted keys refuse with KMS.0209, KMS.0210 and KMS.0207', async () => {
    const id = (await kms.createKey(fx.vault, { key_alias: 'states' })).key_info.key_id;
    const sealed = await data.encryptData(fx.vault, { key_id: id, plain_text: 'x' });
    const dk = await data.createDatakey(fx.vault, { key_id: id });
    await kms.disableKey(fx.vault, { key_id: id });
    expect((await refusal(data.decryptData(fx.vault, { cipher_text: sealed.cipher_text }))).code).toBe('KMS.0209');
    expect((await refusal(data.encryptData(fx.vault, { key_id: id, plain_text: 'x' }))).code).toBe('KMS.0209');
    await kms.scheduleKeyDeletion(fx.vault, { key_id: id, pending_days: 7 });
    expect((await refusal(data.decryptDatakey(fx.vault, { cipher_text: dk.cipher_text }))).code).toBe('KMS.0210');
    fx.clock.advanceDays(8);
    const later = await Vault.open(fx.env);
    const gone = await refusal(data.decryptData(later, { cipher_text: sealed.cipher_text }));
    expect(gone.code).toBe('KMS.0207');
    expect(gone.message).toMatch(/was deleted on .* cannot be decrypted/);
    fx.clock.advanceDays(-8);
  });

  it('after rotate-key, old ciphertexts still decrypt and new ones use the new version; re-encrypt moves them without showing the plaintext', async () => {
    const id = (await kms.createKey(fx.vault, { key_alias: 'rotating' })).key_info.key_id;
    const old = await data.encryptData(fx.vault, { key_id: id, plain_text: 'v1 secret', encryption_context: { c: '1' } });
    const oldKey = await data.createDatakey(fx.vault, { key_id: id });
    await kms.rotateKey(fx.vault, { key_id: id });
    const fresh = await data.encryptData(fx.vault, { key_id: id, plain_text: 'v2 secret' });
    expect(fresh.key_version).toBe(2);
    expect((await data.decryptData(fx.vault, { cipher_text: old.cipher_text, encryption_context: { c: '1' } })).plain_text).toBe(
      'v1 secret',
    );

    const moved = await data.reEncryptData(fx.vault, { cipher_text: old.cipher_text, encryption_context: { c: '1' } });
    expect(moved).toMatchObject({ key_id: id, key_version: 2, source_key_version: 1 });
    expect(JSON.stringify(moved)).not.toContain('v1 secret');
    expect(await data.decryptData(fx.vault, { cipher_text: moved.cipher_text, encryption_context: { c: '1' } })).toMatchObject({
      key_version: 2,
      plain_text: 'v1 secret',
    });
    const movedKey = await data.reEncryptData(fx.vault, { cipher_text: oldKey.cipher_text, destination_key_id: keyId });
    expect(movedKey.cipher_text).toMatch(/^[0-9a-f]+$/);
    expect((await data.decryptDatakey(fx.vault, { cipher_text: movedKey.cipher_text })).data_key).toBe(oldKey.plain_text);
    const newContext = await data.reEncryptData(fx.vault, {
      cipher_text: fresh.cipher_text,
      destination_key_id: 'alias/data',
      destination_encryption_context: { moved: 'yes' },
    });
    expect(
      (await data.decryptData(fx.vault, { cipher_text: newContext.cipher_text, encryption_context: { moved: 'yes' } }))
        .plain_text,
    ).toBe('v2 secret');
  });

  it('every use of a key lands in the audit log, refusals too', async () => {
    const log = await fx.vault.auditLog();
    expect(log.chain_verified).toBe(true);
    const operations = new Set(log.records.map((r) => `${r.operation}:${r.outcome}`));
    for (const expected of [
      'encrypt-data:success',
      'decrypt-data:success',
      'decrypt-data:failure',
      'create-datakey:success',
      'create-datakey-without-plaintext:success',
      'encrypt-datakey:success',
      'decrypt-datakey:success',
      're-encrypt-data:success',
    ]) {
      expect(operations, expected).toContain(expected);
    }
    const refused = log.records.find((r) => r.operation === 'decrypt-data' && r.error_code === 'KMS.0209');
    expect(refused?.key_id).toBeTruthy();
  });
});

describe('the data commands', () => {
  it('encrypt a file of up to 4096 bytes, refuse 4097, and answer a batch line by line', async () => {
    const small = join(fx.dir, 'cert.pem');
    await writeFile(small, randomBytes(4096));
    const ok = await runCoffer(['--vault', fx.dir, 'encrypt-data', '--key-id', 'alias/data', '--plain-text-file', small]);
    expect(ok.code, ok.stderr).toBe(0);
    const back = await runCoffer(['--vault', fx.dir, 'decrypt-data', '--cipher-text', ok.json.cipher_text]);
    expect(back.json.plain_text_base64).toBe((await readFile(small)).toString('base64'));
    await writeFile(small, randomBytes(4097));
    const tooBig = await runCoffer(['--vault', fx.dir, 'encrypt-data', '--key-id', 'alias/data', '--plain-text-file', small]);
    expect(tooBig.code).toBe(1);
    expect(tooBig.error?.error_code).toBe('KMS.2101');

    const batch = join(fx.dir, 'requests.jsonl');
    await writeFile(
      batch,
      [
        JSON.stringify({ key_id: 'alias/data', plain_text: 'one' }),
        'not json',
        JSON.stringify({ key_id: 'alias/data', plain_text: '' }),
        '',
        JSON.stringify({ key_id: 'alias/data', plain_text: 'four', encryption_context: { k: 'v' } }),
      ].join('\n'),
    );
    const result = await runCoffer(['--vault', fx.dir, 'encrypt-data', '--batch', batch]);
    expect(result.code).toBe(1);
    const answers = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(answers.map((a) => [a.line, a.error?.error_code ?? 'ok'])).toEqual([
      [1, 'ok'],
      [2, 'KMS.0202'],
      [3, 'KMS.2101'],
      [5, 'ok'],
    ]);
    const decrypts = join(fx.dir, 'decrypts.jsonl');
    await writeFile(
      decrypts,
      `${JSON.stringify({ cipher_text: answers[0].cipher_text })}\n${JSON.stringify({ cipher_text: answers[3].cipher_text, encryption_context: { k: 'v' } })}\n`,
    );
    const decrypted = await runCoffer(['--vault', fx.dir, 'decrypt-data', '--batch', decrypts]);
    expect(decrypted.code, decrypted.stderr).toBe(0);
    expect(
      decrypted.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).plain_text),
    ).toEqual(['one', 'four']);
  });

  it('create-datakey and decrypt-datakey from the command line, and usage errors', async () => {
    const made = await runCoffer(['--vault', fx.dir, 'create-datakey', '--key-id', 'alias/data', '--datakey-length', '256']);
    expect(made.code, made.stderr).toBe(0);
    const opened = await runCoffer(['--vault', fx.dir, 'decrypt-datakey', '--cipher-text', made.json.cipher_text]);
    expect(opened.json.data_key).toBe(made.json.plain_text);
    const seven = await runCoffer(['--vault', fx.dir, 'create-datakey', '--key-id', 'alias/data', '--datakey-length', '7']);
    expect(seven.error?.error_code).toBe('KMS.1901');
    const random = await runCoffer(['gen-random', '--random-data-length', '256']);
    expect(random.json.random_data).toMatch(/^[0-9a-f]{64}$/);
  });
});
