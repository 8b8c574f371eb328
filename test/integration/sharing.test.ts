import { createPrivateKey, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, RawRsaKeyringNode } from '@aws-crypto/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, runCoffer, tempDir } from '../helpers/cli.js';

/**
 * Files for other people, end to end with the real command: Bob sends Alice his public key file,
 * Alice adds him as a contact and encrypts with --recipient bob, Bob's Coffer opens the files. The
 * official SDK's RawRsaKeyringNode is the oracle both ways.
 */
const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
let root: string;
let alice: string;
let bob: string;
let work: string;
let bobKey: { key_id: string; fingerprint: string; file: string };
const as = (vault: string, args: string[]) => runCoffer(['--vault', vault, ...args]);

beforeAll(async () => {
  root = await tempDir();
  alice = join(root, 'alice');
  bob = join(root, 'bob');
  work = join(root, 'work');
  await runCoffer(['--vault', work, 'init']); // makes the folder; its vault is unused
  expect((await as(alice, ['init'])).code).toBe(0);
  expect((await as(bob, ['init'])).code).toBe(0);
  const created = await as(bob, [
    'create-key',
    '--alias',
    'me',
    '--key-spec',
    'RSA_3072',
    '--key-usage',
    'ENCRYPT_DECRYPT',
    '--exportable',
  ]);
  const file = join(root, 'bob.coffer-public-key');
  const exported = await as(bob, ['get-publickey', '--key-id', 'alias/me', '--out', file]);
  expect(exported.code).toBe(0);
  expect(exported.json.public_key_file).toBe(file);
  expect(exported.json.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  bobKey = { key_id: created.json.key_info.key_id, fingerprint: exported.json.fingerprint, file };
  await as(alice, ['create-key', '--alias', 'own']);
}, 60_000);
afterAll(async () => {
  await removeDir(root);
});

describe('contacts', () => {
  it('the public key file names the key and its fingerprint; add-contact and list-contacts show that fingerprint', async () => {
    const text = JSON.parse(await readFile(bobKey.file, 'utf8'));
    expect(text).toMatchObject({
      format: 'coffer-public-key',
      key_spec: 'RSA_3072',
      key_namespace: 'coffer',
      key_name: `${bobKey.key_id}:v00000001`,
      fingerprint: bobKey.fingerprint,
    });
    const added = await as(alice, ['add-contact', '--name', 'bob', '--public-key-file', bobKey.file]);
    expect(added.code).toBe(0);
    expect(added.json.contact).toMatchObject({ name: 'bob', fingerprint: bobKey.fingerprint, key_spec: 'RSA_3072' });
    const listed = await as(alice, ['list-contacts']);
    expect(listed.json.contacts.map((c: { name: string; fingerprint: string }) => [c.name, c.fingerprint])).toEqual([
      ['bob', bobKey.fingerprint],
    ]);
    const again = await as(alice, ['add-contact', '--name', 'bob', '--public-key-file', bobKey.file]);
    expect(again.error?.error_code).toBe('COFFER.8006');
  });

  it('a damaged public key file is refused and adds nothing; get-publickey --out never replaces a file', async () => {
    const text = await readFile(bobKey.file, 'utf8');
    const damagedKey = join(root, 'damaged-key.json');
    const pem = JSON.parse(text).public_key as string;
    // One character of the modulus changed: still a well-formed key, but not the one the fingerprint names.
    const at = pem.indexOf('\n', 200) - 5;
    const flipped = `${pem.slice(0, at)}${pem[at] === 'A' ? 'B' : 'A'}${pem.slice(at + 1)}`;
    await writeFile(damagedKey, JSON.stringify({ ...JSON.parse(text), public_key: flipped }));
    const cut = join(root, 'cut.json');
    await writeFile(cut, text.slice(0, 200));
    for (const file of [damagedKey, cut]) {
      const refused = await as(alice, ['add-contact', '--name', 'mallory', '--public-key-file', file]);
      expect(refused.code).toBe(1);
      expect(refused.error?.error_code).toBe('COFFER.8004');
    }
    expect((await as(alice, ['list-contacts'])).json.total).toBe(1);
    const overwrite = await as(bob, ['get-publickey', '--key-id', 'alias/me', '--out', bobKey.file]);
    expect(overwrite.error?.error_code).toBe('COFFER.1017');
    expect(await readFile(bobKey.file, 'utf8')).toBe(text);
    const signing = await as(bob, ['create-key', '--alias', 'sig', '--key-spec', 'EC_P256']);
    expect(signing.code).toBe(0);
    const notForFiles = await as(bob, ['get-publickey', '--key-id', 'alias/sig', '--out', join(root, 'sig.pub')]);
    expect(notForFiles.error?.error_code).toBe('COFFER.8003');
  });
});

describe('encrypt-file --recipient', () => {
  it("with --key-id: both Alice's key and Bob's vault open the file", async () => {
    const input = join(root, 'report.pdf');
    const plaintext = randomBytes(300_000);
    await writeFile(input, plaintext);
    const sealed = await as(alice, [
      'encrypt-file',
      '--key-id',
      'alias/own',
      '--recipient',
      'bob',
      '--out-dir',
      join(root, 'out1'),
      input,
    ]);
    expect(sealed.code).toBe(0);
    const file = sealed.json.files[0].output as string;
    const inspected = await as(alice, ['inspect-file', file]);
    expect(inspected.json.encrypted_data_keys.map((k: { provider_id: string }) => k.provider_id)).toEqual(['coffer', 'coffer']);
    const byBob = await as(bob, ['decrypt-file', '--out-dir', join(root, 'bob-out'), file]);
    expect(byBob.code).toBe(0);
    expect((await readFile(byBob.json.files[0].output)).equals(plaintext)).toBe(true);
    const byAlice = await as(alice, ['decrypt-file', '--out-dir', join(root, 'alice-out'), file]);
    expect((await readFile(byAlice.json.files[0].output)).equals(plaintext)).toBe(true);
  });

  it("without --key-id only Bob opens it, and the SDK's RawRsaKeyringNode opens it with his private key", async () => {
    const input = join(root, 'letter.txt');
    await writeFile(input, 'for Bob only');
    const sealed = await as(alice, ['encrypt-file', '--recipient', 'bob', '--out-dir', join(root, 'out2'), input]);
    expect(sealed.code).toBe(0);
    const file = sealed.json.files[0].output as string;
    const refused = await as(alice, ['decrypt-file', '--out-dir', join(root, 'alice-out2'), file]);
    expect(refused.json.files[0].error.error_code).toBe('COFFER.2006');
    expect((await as(bob, ['decrypt-file', '--out-dir', join(root, 'bob-out2'), file])).code).toBe(0);

    const material = (await as(bob, ['export-key-material', '--key-id', 'alias/me'])).json.key_material as string;
    const privateKey = createPrivateKey({ key: Buffer.from(material, 'base64'), format: 'der', type: 'pkcs8' });
    const keyring = new RawRsaKeyringNode({
      keyNamespace: 'coffer',
      keyName: `${bobKey.key_id}:v00000001`,
      rsaKey: { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      oaepHash: 'sha256',
    });
    const opened = await decrypt(keyring, await readFile(file));
    expect(Buffer.from(opened.plaintext).toString()).toBe('for Bob only');
  });

  it("an SDK raw RSA file for Bob's public key opens in Bob's vault, whatever the OAEP hash", async () => {
    const publicKey = JSON.parse(await readFile(bobKey.file, 'utf8')).public_key as string;
    for (const oaepHash of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
      const keyring = new RawRsaKeyringNode({
        keyNamespace: 'coffer',
        keyName: `${bobKey.key_id}:v00000001`,
        rsaKey: { publicKey },
        oaepHash,
      });
      const plaintext = randomBytes(10_000);
      const { result } = await encrypt(keyring, plaintext, {
        suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
      });
      const file = join(root, `sdk-${oaepHash}.coffer`);
      await writeFile(file, result);
      const opened = await as(bob, ['decrypt-file', '--out-dir', join(root, `sdk-out-${oaepHash}`), file]);
      expect(opened.code, oaepHash).toBe(0);
      expect((await readFile(opened.json.files[0].output)).equals(plaintext)).toBe(true);
    }
  }, 60_000);

  it('an unknown recipient stops the command before any output; a removed contact is unknown', async () => {
    const input = join(root, 'secret.txt');
    await writeFile(input, 'x');
    const outDir = join(root, 'out3');
    const refused = await as(alice, [
      'encrypt-file',
      '--key-id',
      'alias/own',
      '--recipient',
      'carol',
      '--out-dir',
      outDir,
      input,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.error?.error_code).toBe('COFFER.8005');
    expect(refused.error?.error_msg).toMatch(/add-contact/);
    expect(await readdir(outDir).catch(() => [])).toEqual([]);
    const removed = await as(alice, ['remove-contact', '--name', 'bob']);
    expect(removed.json).toMatchObject({ removed: true, contact: { name: 'bob', fingerprint: bobKey.fingerprint } });
    expect((await as(alice, ['encrypt-file', '--recipient', 'bob', '--out-dir', outDir, input])).error?.error_code).toBe(
      'COFFER.8005',
    );
    expect((await as(alice, ['remove-contact', '--name', 'bob'])).error?.error_code).toBe('COFFER.8005');
    const log = (await as(alice, ['audit-log'])).json;
    expect(log.chain_verified).toBe(true);
    expect(log.records.map((r: { operation: string }) => r.operation)).toEqual(
      expect.arrayContaining(['add-contact', 'remove-contact']),
    );
  });
});
