import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealToTpm, tpmAvailable, unsealFromTpm } from '../../electron/core/vault/tpm-sealing.js';
import { startSwtpm, type SoftwareTpm } from '../helpers/swtpm.js';
import { refusal } from '../helpers/refusal.js';

const run = promisify(execFile);

describe('sealing a secret to a TPM 2.0 (swtpm through tpm2-tools)', () => {
  let tpm: SoftwareTpm;
  let other: SoftwareTpm;

  beforeAll(async () => {
    [tpm, other] = await Promise.all([startSwtpm(), startSwtpm()]);
  });
  afterAll(async () => {
    await Promise.all([tpm?.stop(), other?.stop()]);
  });

  it('gives the secret back from the TPM that sealed it, and the vault keeps only blobs', async () => {
    const secret = randomBytes(32);
    const sealed = await sealToTpm(secret, { ...process.env, ...tpm.env });
    expect(sealed.primary).toBe('owner-ecc256');
    expect(Buffer.from(sealed.private, 'base64').includes(secret)).toBe(false);
    expect((await unsealFromTpm(sealed, { ...process.env, ...tpm.env })).equals(secret)).toBe(true);
    expect(await tpmAvailable({ ...process.env, ...tpm.env })).toBe(true);
  });

  it("another machine's TPM cannot unseal it", async () => {
    const sealed = await sealToTpm(randomBytes(32), { ...process.env, ...tpm.env });
    const error = await refusal(unsealFromTpm(sealed, { ...process.env, ...other.env }));
    expect(error.code).toBe('COFFER.9021');
    expect(error.message).toMatch(/coffer recover --recovery-code/);
  });

  it('a cleared TPM cannot unseal it', async () => {
    const env = { ...process.env, ...other.env };
    const sealed = await sealToTpm(randomBytes(32), env);
    await run('tpm2_clear', ['-c', 'p'], { env });
    expect((await refusal(unsealFromTpm(sealed, env))).code).toBe('COFFER.9021');
  });

  it('says so when no TPM answers', async () => {
    const gone = await startSwtpm();
    const env = { ...process.env, ...gone.env };
    await gone.stop();
    const error = await refusal(sealToTpm(randomBytes(32), env));
    expect(error.code).toBe('COFFER.9020');
    expect(error.message).toMatch(/could not be reached/);
    expect(await tpmAvailable(env)).toBe(false);
  });
});
