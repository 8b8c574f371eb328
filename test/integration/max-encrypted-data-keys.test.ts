import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, runCoffer, tempDir } from '../helpers/cli.js';

/**
 * --max-encrypted-data-keys (the ESDK's maxEncryptedDataKeys) on decrypt-file, verify-file and
 * inspect-file: it lowers and raises the limit, and beats COFFER_MAX_EDKS. Real CLI, real vault.
 */
let root: string;
let vaultDir: string;
let sealed: string;

const coffer = (args: string[], env: NodeJS.ProcessEnv = {}) => runCoffer(['--vault', vaultDir, ...args], { env });

beforeAll(async () => {
  root = await tempDir('coffer-max-edks-');
  vaultDir = join(root, 'vault');
  expect((await coffer(['init'])).code).toBe(0);
  for (const alias of ['one', 'two', 'three']) expect((await coffer(['create-key', '--alias', alias])).code).toBe(0);
  const plain = join(root, 'three-keys.txt');
  await writeFile(plain, randomBytes(2000));
  const enc = await coffer([
    'encrypt-file',
    '--no-agent',
    '--key-id',
    'alias/one',
    '--also-key-id',
    'alias/two',
    '--also-key-id',
    'alias/three',
    plain,
  ]);
  expect(enc.code).toBe(0);
  sealed = `${plain}.coffer`;
});
afterAll(async () => {
  await removeDir(root);
});

/** The error code of the one file of a decrypt-file or verify-file run, or "ok". */
function fileStatus(result: { json?: { files?: { status: string; error?: { error_code: string } }[] } }): string {
  const file = result.json?.files?.[0];
  return file?.status === 'ok' ? 'ok' : (file?.error?.error_code ?? 'no result');
}

describe('--max-encrypted-data-keys', () => {
  it('lowers the limit: a file of 3 EDKs is refused under 2 (COFFER.2036), on every command that reads headers', async () => {
    const out = join(root, 'out-low');
    expect(
      fileStatus(await coffer(['decrypt-file', '--no-agent', '--max-encrypted-data-keys', '2', '--out-dir', out, sealed])),
    ).toBe('COFFER.2036');
    expect(fileStatus(await coffer(['verify-file', '--no-agent', '--max-encrypted-data-keys', '2', sealed]))).toBe('COFFER.2036');
    const inspected = await coffer(['inspect-file', '--max-encrypted-data-keys', '2', sealed]);
    expect(inspected.code).not.toBe(0);
    expect(inspected.error?.error_code).toBe('COFFER.2036');
    expect(inspected.error?.error_msg).toMatch(/3 encrypted data keys, over the 2.*--max-encrypted-data-keys/);
    expect(fileStatus(await coffer(['verify-file', '--no-agent', '--max-encrypted-data-keys', '3', sealed]))).toBe('ok');
  });

  it('raises the limit over COFFER_MAX_EDKS, and the env lowers it when no flag is given', async () => {
    const env = { COFFER_MAX_EDKS: '2' };
    expect(fileStatus(await coffer(['verify-file', '--no-agent', sealed], env))).toBe('COFFER.2036');
    expect(fileStatus(await coffer(['verify-file', '--no-agent', '--max-encrypted-data-keys', '3', sealed], env))).toBe('ok');
    const out = join(root, 'out-high');
    expect(
      fileStatus(
        await coffer(['decrypt-file', '--no-agent', '--max-encrypted-data-keys', '65535', '--out-dir', out, sealed], env),
      ),
    ).toBe('ok');
    expect(
      (await coffer(['inspect-file', '--max-encrypted-data-keys', '3', sealed], env)).json?.encrypted_data_keys,
    ).toHaveLength(3);
  });

  it('takes 1..65535 only', async () => {
    for (const bad of ['0', '65536', 'many']) {
      const result = await coffer(['verify-file', '--no-agent', '--max-encrypted-data-keys', bad, sealed]);
      expect(result.code).not.toBe(0);
      expect(result.error?.error_code).toBe('KMS.0308');
    }
  });
});
