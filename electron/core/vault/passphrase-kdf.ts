import { randomBytes, scrypt } from 'node:crypto';
import * as z from 'zod';
import { CofferError } from '../../../shared/errors.js';

/**
 * scrypt as OWASP recommends at least (N=2^17, r=8, p=1: 128 MiB, a few hundred ms).
 * The parameters are stored with the salt so they can be raised later without breaking old vaults.
 */
export const ScryptParamsSchema = z.object({
  name: z.literal('scrypt'),
  log_n: z.number().int().min(14).max(22),
  r: z.number().int().min(8).max(32),
  p: z.number().int().min(1).max(16),
  salt: z.string().min(16),
});
export type ScryptParams = z.infer<typeof ScryptParamsSchema>;

export const MIN_PASSPHRASE_LENGTH = 8;

export function newScryptParams(): ScryptParams {
  return { name: 'scrypt', log_n: 17, r: 8, p: 1, salt: randomBytes(16).toString('base64') };
}

export function assertPassphraseStrongEnough(passphrase: string): void {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new CofferError(
      'COFFER.1013',
      `The passphrase is too short: use at least ${MIN_PASSPHRASE_LENGTH} characters (a few unrelated words are best).`,
    );
  }
}

/** Runs on libuv's thread pool, so the Electron main process stays responsive. */
export function deriveKeyFromPassphrase(passphrase: string, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log_n;
  const maxmem = 256 * N * params.r + 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(
      Buffer.from(passphrase.normalize('NFC'), 'utf8'),
      Buffer.from(params.salt, 'base64'),
      32,
      { N, r: params.r, p: params.p, maxmem },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}
