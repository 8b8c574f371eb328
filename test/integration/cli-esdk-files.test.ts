import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, runCoffer, tempDir, type CliResult } from '../helpers/cli.js';
import { cofferKeyName, sdk, sdkAesKeyring } from '../helpers/sdk-oracle.js';

/**
 * The CLI's side of issue 17's format half: signed files both ways with the official SDK,
 * required encryption context, and the refusals that leave nothing behind.
 */
const { encrypt, decrypt } = sdk;

let vault: string;
let work: string;
let keyId: string;
let material: Buffer;
const coffer = (args: string[]): Promise<CliResult> => runCoffer(['--vault', vault, ...args]);

beforeAll(async () => {
  vault = await tempDir();
  work = await tempDir();
  expect((await runCoffer(['--vault', vault, 'init'])).code).toBe(0);
  const created = await runCoffer(['--vault', vault, 'create-key', '--alias', 'files', '--exportable']);
  keyId = created.json.key_info.key_id;
  const exported = await runCoffer(['--vault', vault, 'export-key-material', '--key-id', keyId]);
  material = Buffer.from(exported.json.key_material, 'base64');
});
afterAll(async () => {
  await removeDir(vault);
  await removeDir(work);
});

function sdkKeyring() {
  return sdkAesKeyring(material, cofferKeyName(keyId));
}

function expectRefusal(result: CliResult, code: string, mentions?: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  const error = result.error ?? result.json?.files?.[0]?.error;
  expect(error?.error_code, result.stdout + result.stderr).toBe(code);
  if (mentions) expect(error?.error_msg).toMatch(mentions);
}

async function plainFile(name: string, size: number): Promise<{ path: string; bytes: Buffer }> {
  const bytes = randomBytes(size);
  const path = join(work, name);
  await writeFile(path, bytes);
  return { path, bytes };
}

describe('encrypt-file --signed', () => {
  it('writes suite 0x0578, which inspect-file names and the official SDK opens', async () => {
    const { path, bytes } = await plainFile('signed.bin', 300_000);
    const sealed = await coffer(['encrypt-file', '--key-id', 'alias/files', '--signed', '--frame-length', '65536', path]);
    expect(sealed.code, sealed.stderr).toBe(0);
    const output = sealed.json.files[0].output as string;
    const info = await coffer(['inspect-file', output]);
    expect(info.json).toMatchObject({ version: 2, suite_id: '0x0578', signed: true, plaintext_length: 300_000 });
    expect(info.json.encrypted_data_keys[0]).toMatchObject({ provider_id: 'coffer', key_id: keyId, key_version: 1 });
    const opened = await decrypt(sdkKeyring(), await readFile(output));
    expect(Buffer.from(opened.plaintext).equals(bytes)).toBe(true);
    const back = await coffer(['decrypt-file', '--out-dir', join(work, 'back'), output]);
    expect(back.code, back.stderr).toBe(0);
    expect((await readFile(back.json.files[0].output)).equals(bytes)).toBe(true);
  });

  it('opens a file the SDK wrote with its defaults (0x0578), and refuses it when its signature is altered, leaving nothing', async () => {
    const bytes = randomBytes(50_000);
    const { result } = await encrypt(sdkKeyring(), bytes, { encryptionContext: { from: 'sdk' } });
    const file = join(work, 'from-sdk.bin.coffer');
    await writeFile(file, result);
    const out = join(work, 'from-sdk-out');
    const done = await coffer(['decrypt-file', '--out-dir', out, file]);
    expect(done.code, done.stderr).toBe(0);
    expect((await readFile(join(out, 'from-sdk.bin'))).equals(bytes)).toBe(true);
    const altered = Buffer.from(result);
    altered[altered.length - 3]! ^= 0x40;
    const bad = join(work, 'bad-signature.bin.coffer');
    await writeFile(bad, altered);
    const badOut = join(work, 'bad-out');
    expectRefusal(await coffer(['decrypt-file', '--out-dir', badOut, bad]), 'COFFER.2051', /signature/);
    expect(await readdir(badOut)).toEqual([]);
    expectRefusal(await coffer(['verify-file', bad]), 'COFFER.2051');
  });

  it('refuses a suite Coffer does not write, by name', async () => {
    const { path } = await plainFile('legacy-suite.bin', 10);
    const result = await coffer(['encrypt-file', '--key-id', 'alias/files', '--algorithm-suite', '0x0378', path]);
    expectRefusal(result, 'COFFER.2057', /never writes/);
  });
});

describe('encrypt-file --required-context-keys', () => {
  it('keeps those pairs out of the header; decrypt-file needs them back, and refuses a missing or wrong one leaving nothing', async () => {
    const { path, bytes } = await plainFile('required.bin', 70_000);
    const sealed = await coffer([
      'encrypt-file',
      '--key-id',
      'alias/files',
      '--encryption-context',
      '{"project":"apollo","tenant":"t-42"}',
      '--required-context-keys',
      'tenant',
      path,
    ]);
    expect(sealed.code, sealed.stderr).toBe(0);
    const output = sealed.json.files[0].output as string;
    expect((await coffer(['inspect-file', output])).json.encryption_context).toEqual({ project: 'apollo' });
    const out = join(work, 'required-out');
    expectRefusal(await coffer(['decrypt-file', '--out-dir', out, output]), 'COFFER.2003', /--encryption-context/);
    expectRefusal(
      await coffer(['decrypt-file', '--out-dir', out, '--encryption-context', '{"tenant":"t-43"}', output]),
      'COFFER.2055',
    );
    expectRefusal(
      await coffer(['decrypt-file', '--out-dir', out, '--encryption-context', '{"tenant":"t-42","project":"gemini"}', output]),
      'COFFER.2054',
      /project/,
    );
    expect(await readdir(out).catch(() => [])).toEqual([]);
    const done = await coffer(['decrypt-file', '--out-dir', out, '--encryption-context', '{"tenant":"t-42"}', output]);
    expect(done.code, done.stderr).toBe(0);
    expect((await readFile(done.json.files[0].output)).equals(bytes)).toBe(true);
  });

  it('refuses a required key without a value', async () => {
    const { path } = await plainFile('required-missing.bin', 10);
    const result = await coffer([
      'encrypt-file',
      '--key-id',
      'alias/files',
      '--encryption-context',
      '{"a":"1"}',
      '--required-context-keys',
      'b',
      path,
    ]);
    expectRefusal(result, 'COFFER.2056', /"b"/);
  });
});
