import { execFile, execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COFFER_BIN, removeDir, runCoffer, tempDir } from '../helpers/cli.js';
import { startSoftHsm, type SoftHsm } from '../helpers/softhsm.js';

const run = promisify(execFile);

/** A private mount namespace (as any user, through a user namespace) lets the test mount a tiny tmpfs. */
function userNamespaces(): boolean {
  try {
    execFileSync('unshare', ['-Urm', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const PASSPHRASE = 'correct horse battery staple';

describe('a full token', () => {
  let dir: string;
  let hsm: SoftHsm;
  beforeAll(async () => {
    dir = await tempDir();
    hsm = await startSoftHsm();
  });
  afterAll(async () => {
    await Promise.all([removeDir(dir), hsm.remove()]);
  });

  // SoftHSM2 has no object quota: its tokens are files, so a token is full when its folder's file
  // system is. The token lives on a 16 KiB tmpfs, mounted in a private namespace; when it fills,
  // SoftHSM answers CKR_FUNCTION_FAILED to C_GenerateKey (a hardware token: CKR_DEVICE_MEMORY).
  it.skipIf(!userNamespaces())('is named as full, with the store, and the vault gains no key', async () => {
    const init = await runCoffer(['--vault', dir, 'init', '--protection', 'passphrase'], {
      env: { COFFER_PASSPHRASE: PASSPHRASE },
    });
    expect(init.code, init.stderr).toBe(0);
    const pinFile = join(hsm.dir, 'pin');
    await writeFile(pinFile, '1234\n', { mode: 0o600 });
    const script = `
      set -e
      mount -t tmpfs -o size=16k tmpfs "$TOKENS"
      softhsm2-util --init-token --free --label small --pin 1234 --so-pin 87654321 >/dev/null
      node "$COFFER" --vault "$VAULT" --pin-file "$PIN" create-key-store --alias tiny --pkcs11-module "$MODULE" --token-label small >/dev/null
      for i in 1 2 3 4 5 6 7 8; do
        if ! node "$COFFER" --vault "$VAULT" create-key --alias "k$i" --key-store tiny >/dev/null 2>"$HSM_DIR/last-error"; then
          echo "failed at $i"; cat "$HSM_DIR/last-error"; exit 0
        fi
      done
      echo "never full"
    `;
    const { stdout } = await run('unshare', ['-Urm', 'sh', '-c', script], {
      env: {
        ...process.env,
        ...hsm.env,
        TOKENS: hsm.tokenDir,
        HSM_DIR: hsm.dir,
        COFFER: COFFER_BIN,
        VAULT: dir,
        PIN: pinFile,
        MODULE: hsm.module,
        COFFER_PASSPHRASE: PASSPHRASE,
      },
    });
    const failedAt = Number(/failed at (\d+)/.exec(stdout)?.[1]);
    expect(failedAt, stdout).toBeGreaterThan(1);
    const error = JSON.parse(stdout.slice(stdout.indexOf('{'))).error;
    expect(error.error_code).toBe('COFFER.9004');
    expect(error.error_msg).toMatch(/Key store tiny: the token could not store a new key \(CKR_FUNCTION_FAILED\): it is full/);
    const vault = JSON.parse(await readFile(join(dir, 'vault.json'), 'utf8'));
    expect(vault.state.keys.map((k: any) => k.alias)).toEqual(Array.from({ length: failedAt - 1 }, (_, i) => `k${i + 1}`));
  });
});
