import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, runCoffer, tempDir, type CliResult } from '../helpers/cli.js';
import { snapshotDir } from '../helpers/dir-snapshot.js';
import { startSwtpm, type SoftwareTpm } from '../helpers/swtpm.js';

const run = promisify(execFile);

let tpm: SoftwareTpm;
let dir: string;
beforeAll(async () => {
  tpm = await startSwtpm();
});
afterAll(async () => {
  await tpm?.stop();
});
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const coffer = (args: string[], env: NodeJS.ProcessEnv = tpm.env): Promise<CliResult> =>
  runCoffer(['--vault', dir, ...args], { env, removeEnv: env.COFFER_PASSPHRASE ? [] : ['COFFER_PASSPHRASE'] });

describe('a vault sealed by the TPM (swtpm)', () => {
  it('opens with nothing but the TPM, and the vault folder holds only sealed blobs', async () => {
    const init = await coffer(['init', '--protection', 'tpm']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.json).toMatchObject({ protection: 'tpm' });
    const created = await coffer(['create-key', '--alias', 'tpm-key']);
    expect(created.code, created.stderr).toBe(0);
    const sealed = await coffer(['encrypt-data', '--key-id', 'alias/tpm-key', '--plain-text', 'hello']);
    const opened = await coffer(['decrypt-data', '--cipher-text', sealed.json.cipher_text]);
    expect(opened.json.plain_text).toBe('hello');
    const file = JSON.parse(await readFile(join(dir, 'vault.json'), 'utf8'));
    expect(file.protection).toMatchObject({ mode: 'tpm', sealed_vmk: { primary: 'owner-ecc256' } });
    expect(Object.keys(file.protection.sealed_vmk).sort()).toEqual(['primary', 'private', 'public']);
    for (const name of await readdir(dir)) expect(name).not.toMatch(/tpm|\.ctx$/);
  });

  it('is refused without the TPM, and the recovery code brings it back under another protection', async () => {
    const init = await coffer(['init', '--protection', 'tpm']);
    await coffer(['create-key', '--alias', 'kept']);
    const other = await startSwtpm();
    try {
      const before = await snapshotDir(dir);
      const refused = await coffer(['list-keys'], other.env);
      expect(refused.code).toBe(1);
      expect(refused.error?.error_code).toBe('COFFER.9021');
      expect(refused.error?.error_msg).toMatch(/coffer recover --recovery-code/);
      expect(await snapshotDir(dir)).toEqual(before);
      const recovered = await coffer(['recover', '--recovery-code', init.json.recovery_code, '--protection', 'tpm'], other.env);
      expect(recovered.code, recovered.stderr).toBe(0);
      expect(recovered.json).toMatchObject({ protection: 'tpm', keys: 1 });
      const listed = await coffer(['list-keys'], other.env);
      expect(listed.json.key_details[0].key_alias).toBe('kept');
    } finally {
      await other.stop();
    }
  });

  it('after the TPM is cleared, the recovery code seals the vault under a passphrase', async () => {
    const init = await coffer(['init', '--protection', 'tpm']);
    await coffer(['create-key', '--alias', 'kept']);
    await run('tpm2_clear', ['-c', 'p'], { env: { ...process.env, ...tpm.env } });
    expect((await coffer(['list-keys'])).error?.error_code).toBe('COFFER.9021');
    const recovered = await coffer(['recover', '--recovery-code', init.json.recovery_code, '--protection', 'passphrase'], {
      ...tpm.env,
      COFFER_PASSPHRASE: 'correct horse battery staple',
    });
    expect(recovered.code, recovered.stderr).toBe(0);
    const listed = await coffer(['list-keys'], { COFFER_PASSPHRASE: 'correct horse battery staple' });
    expect(listed.json.total).toBe(1);
  });

  it('leaves no vault behind when no TPM answers', async () => {
    const gone = await startSwtpm();
    await gone.stop();
    const refused = await coffer(['init', '--protection', 'tpm'], gone.env);
    expect(refused.error?.error_code).toBe('COFFER.9020');
    expect(await readdir(dir)).toEqual([]);
  });
});
