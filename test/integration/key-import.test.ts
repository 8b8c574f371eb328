import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as data from '../../electron/core/kms/data-operations.js';
import * as importer from '../../electron/core/kms/key-import.js';
import * as kms from '../../electron/core/kms/key-operations.js';
import { Vault } from '../../electron/core/vault/vault.js';
import { runCoffer } from '../helpers/cli.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';
import { refusal } from '../helpers/refusal.js';

const run = promisify(execFile);
let fx: VaultFixture;

beforeEach(async () => {
  fx = await keychainVault();
});
afterEach(async () => {
  await fx.dispose();
});

/** Wraps key material as a user would, with OpenSSL: RSA-OAEP, SHA-256 and MGF1-SHA-256. */
async function wrapWithOpenssl(publicKeyBase64: string, material: Buffer): Promise<string> {
  const pub = join(fx.dir, `pub-${Math.random()}.der`);
  const plain = join(fx.dir, `material-${Math.random()}.bin`);
  const wrapped = join(fx.dir, `wrapped-${Math.random()}.bin`);
  await writeFile(pub, Buffer.from(publicKeyBase64, 'base64'));
  await writeFile(plain, material);
  await run('openssl', [
    'pkeyutl',
    '-encrypt',
    '-pubin',
    '-keyform',
    'DER',
    '-inkey',
    pub,
    '-pkeyopt',
    'rsa_padding_mode:oaep',
    '-pkeyopt',
    'rsa_oaep_md:sha256',
    '-pkeyopt',
    'rsa_mgf1_md:sha256',
    '-in',
    plain,
    '-out',
    wrapped,
  ]);
  return (await readFile(wrapped)).toString('base64');
}

async function externalKey(alias: string, exportable = false): Promise<string> {
  return (await kms.createKey(fx.vault, { key_alias: alias, origin: 'external', exportable })).key_info.key_id;
}

describe('importing key material (BYOK)', () => {
  it('takes 32 bytes wrapped by openssl pkeyutl, enables the key, and exports the very same bytes', async () => {
    const keyId = await externalKey('byok', true);
    const params = await importer.getParametersForImport(fx.vault, { key_id: keyId });
    expect(params.wrapping_algorithm).toBe('RSAES_OAEP_SHA_256');
    expect(Number(params.expiration_time)).toBe(fx.clock.now + 24 * 3_600_000);
    const pub = join(fx.dir, 'check.der');
    await writeFile(pub, Buffer.from(params.public_key, 'base64'));
    const text = (await run('openssl', ['pkey', '-pubin', '-inform', 'DER', '-in', pub, '-noout', '-text'])).stdout;
    expect(text).toMatch(/3072 bit/);

    const material = randomBytes(32);
    const wrapped = await wrapWithOpenssl(params.public_key, material);
    const imported = await importer.importKeyMaterial(fx.vault, {
      key_id: keyId,
      import_token: params.import_token,
      encrypted_key_material: wrapped,
    });
    expect(imported).toEqual({ key_id: keyId, key_state: '2' });
    const info = (await kms.describeKey(fx.vault, { key_id: keyId })).key_info;
    expect(info).toMatchObject({ origin: 'external', key_state: '2', key_version: 1 });
    const exported = await importer.exportKeyMaterial(fx.vault, { key_id: keyId });
    expect(Buffer.from(exported.key_material, 'base64').equals(material)).toBe(true);
    const sealed = await data.encryptData(fx.vault, { key_id: keyId, plain_text: 'imported' });
    expect((await data.decryptData(fx.vault, { cipher_text: sealed.cipher_text })).plain_text).toBe('imported');
    expect((await refusal(kms.rotateKey(fx.vault, { key_id: keyId }))).code).toBe('COFFER.3002');
    const log = await fx.vault.auditLog();
    expect(log.records.map((r) => r.operation)).toEqual(
      expect.arrayContaining(['get-parameters-for-import', 'import-key-material', 'export-key-material']),
    );
  });

  it('refuses an expired token, a token of another key, material of the wrong length, and a superseded token', async () => {
    const keyId = await externalKey('strict');
    const other = await externalKey('other');
    const params = await importer.getParametersForImport(fx.vault, { key_id: keyId });
    const otherParams = await importer.getParametersForImport(fx.vault, { key_id: other });
    const good = await wrapWithOpenssl(params.public_key, randomBytes(32));

    // What importing `material` with `token` into this key is refused with.
    const refusedImport = (material: string, token = params.import_token) =>
      refusal(importer.importKeyMaterial(fx.vault, { key_id: keyId, import_token: token, encrypted_key_material: material }));

    expect((await refusedImport(good, otherParams.import_token)).code).toBe('KMS.2603');
    expect((await refusedImport(await wrapWithOpenssl(params.public_key, randomBytes(31)))).code).toBe('KMS.2604');
    expect((await refusedImport(await wrapWithOpenssl(params.public_key, randomBytes(64)))).code).toBe('KMS.2604');
    expect((await refusedImport(randomBytes(384).toString('base64'))).message).toMatch(/openssl pkeyutl/);
    const forged = Buffer.from(params.import_token, 'base64');
    forged[40]! ^= 1;
    expect((await refusedImport(good, forged.toString('base64'))).code).toBe('KMS.2605');

    const newer = await importer.getParametersForImport(fx.vault, { key_id: keyId });
    const superseded = await refusedImport(good);
    expect(superseded.code).toBe('KMS.2605');
    expect(superseded.message).toMatch(/newer/);

    fx.clock.advanceDays(1.01);
    const later = await Vault.open(fx.env);
    const wrappedForNewer = await wrapWithOpenssl(newer.public_key, randomBytes(32));
    const expired = await refusal(
      importer.importKeyMaterial(later, {
        key_id: keyId,
        import_token: newer.import_token,
        encrypted_key_material: wrappedForNewer,
      }),
    );
    expect(expired.code).toBe('KMS.2601');
    expect((await kms.describeKey(later, { key_id: keyId })).key_info.key_state).toBe('5');
  });

  it('only external keys in Pending import take material; deleting it returns the key to Pending import, and only the same material comes back', async () => {
    const kmsKey = (await kms.createKey(fx.vault, { key_alias: 'native' })).key_info.key_id;
    expect((await refusal(importer.getParametersForImport(fx.vault, { key_id: kmsKey }))).code).toBe('KMS.0309');
    const keyId = await externalKey('cycle');
    const material = randomBytes(32);
    let params = await importer.getParametersForImport(fx.vault, { key_id: keyId });
    await importer.importKeyMaterial(fx.vault, {
      key_id: keyId,
      import_token: params.import_token,
      encrypted_key_material: await wrapWithOpenssl(params.public_key, material),
    });
    expect((await refusal(importer.getParametersForImport(fx.vault, { key_id: keyId }))).code).toBe('KMS.0310');
    const sealed = await data.encryptData(fx.vault, { key_id: keyId, plain_text: 'kept' });

    expect(await importer.deleteImportedKeyMaterial(fx.vault, { key_id: keyId })).toEqual({ key_id: keyId, key_state: '5' });
    expect((await refusal(data.decryptData(fx.vault, { cipher_text: sealed.cipher_text }))).code).toBe('COFFER.3001');
    expect((await refusal(importer.deleteImportedKeyMaterial(fx.vault, { key_id: keyId }))).code).toBe('KMS.2701');

    params = await importer.getParametersForImport(fx.vault, { key_id: keyId });
    const different = await wrapWithOpenssl(params.public_key, randomBytes(32));
    expect(
      (
        await refusal(
          importer.importKeyMaterial(fx.vault, {
            key_id: keyId,
            import_token: params.import_token,
            encrypted_key_material: different,
          }),
        )
      ).code,
    ).toBe('KMS.2606');
    await importer.importKeyMaterial(fx.vault, {
      key_id: keyId,
      import_token: params.import_token,
      encrypted_key_material: await wrapWithOpenssl(params.public_key, material),
    });
    expect((await data.decryptData(fx.vault, { cipher_text: sealed.cipher_text })).plain_text).toBe('kept');
  });

  it('material with an expiration time is deleted when it passes', async () => {
    const keyId = await externalKey('expiring');
    const params = await importer.getParametersForImport(fx.vault, { key_id: keyId });
    const wrapped = await wrapWithOpenssl(params.public_key, randomBytes(32));
    expect(
      (
        await refusal(
          importer.importKeyMaterial(fx.vault, {
            key_id: keyId,
            import_token: params.import_token,
            encrypted_key_material: wrapped,
            expiration_time: fx.clock.now - 1,
          }),
        )
      ).code,
    ).toBe('KMS.2602');
    await importer.importKeyMaterial(fx.vault, {
      key_id: keyId,
      import_token: params.import_token,
      encrypted_key_material: wrapped,
      expiration_time: fx.clock.now + 2 * 86_400_000,
    });
    fx.clock.advanceDays(3);
    const later = await Vault.open(fx.env);
    expect((await kms.describeKey(later, { key_id: keyId })).key_info).toMatchObject({ key_state: '5', key_versions: [] });
    expect((await later.auditLog()).records.some((r) => r.operation === 'expire-key-material' && r.key_id === keyId)).toBe(true);
  });
});

describe('exporting key material', () => {
  it('is refused for keys not created exportable, and recorded when allowed', async () => {
    const locked = (await kms.createKey(fx.vault, { key_alias: 'locked' })).key_info.key_id;
    const refused = await refusal(importer.exportKeyMaterial(fx.vault, { key_id: locked }));
    expect(refused.code).toBe('COFFER.3003');
    expect(refused.message).toMatch(/permanent/);
    const open = (await kms.createKey(fx.vault, { key_alias: 'portable', exportable: true })).key_info.key_id;
    await kms.rotateKey(fx.vault, { key_id: open });
    const v1 = await importer.exportKeyMaterial(fx.vault, { key_id: open, key_version: 1 });
    const v2 = await importer.exportKeyMaterial(fx.vault, { key_id: open });
    expect(v2.key_version).toBe(2);
    expect(v1.key_material).not.toBe(v2.key_material);
    expect(Buffer.from(v1.key_material, 'base64')).toHaveLength(32);
    expect((await refusal(importer.exportKeyMaterial(fx.vault, { key_id: open, key_version: 3 }))).code).toBe('KMS.0207');
    const log = await fx.vault.auditLog();
    expect(log.records.filter((r) => r.operation === 'export-key-material').map((r) => [r.outcome, r.key_version])).toEqual([
      ['failure', 1],
      ['success', 1],
      ['success', 2],
      ['failure', 3],
    ]);
  });

  it('works end to end from the command line', async () => {
    const created = await runCoffer([
      '--vault',
      fx.dir,
      'create-key',
      '--alias',
      'cli-byok',
      '--origin',
      'external',
      '--exportable',
    ]);
    const keyId = created.json.key_info.key_id;
    const params = await runCoffer(['--vault', fx.dir, 'get-parameters-for-import', '--key-id', keyId]);
    expect(params.code, params.stderr).toBe(0);
    const material = randomBytes(32);
    const wrapped = await wrapWithOpenssl(params.json.public_key, material);
    const imported = await runCoffer([
      '--vault',
      fx.dir,
      'import-key-material',
      '--key-id',
      keyId,
      '--import-token',
      params.json.import_token,
      '--encrypted-key-material',
      wrapped,
    ]);
    expect(imported.json).toEqual({ key_id: keyId, key_state: '2' });
    const exported = await runCoffer(['--vault', fx.dir, 'export-key-material', '--key-id', 'alias/cli-byok']);
    expect(exported.json.key_material).toBe(material.toString('base64'));
  });
});
