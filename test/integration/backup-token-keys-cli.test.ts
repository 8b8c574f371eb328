import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeDir, runCoffer, tempDir, type CliResult } from '../helpers/cli.js';
import { startSoftHsm, type SoftHsm } from '../helpers/softhsm.js';

const PIN = '975310';
let work: string;
let dir: string;
let hsm: SoftHsm;

beforeEach(async () => {
  work = await tempDir('coffer-backup-cli-');
  dir = join(work, 'vault');
  hsm = await startSoftHsm();
  await hsm.initToken('team-hsm', PIN);
  await writeFile(join(work, 'pin'), `${PIN}\n`, { mode: 0o600 });
});
afterEach(async () => {
  await Promise.all([removeDir(work), hsm.remove()]);
});

const coffer = (args: string[]): Promise<CliResult> =>
  runCoffer(['--vault', dir, ...args], {
    env: { ...hsm.env, COFFER_BACKUP_PASSPHRASE: 'a backup passphrase, long enough' },
    removeEnv: ['COFFER_PASSPHRASE', 'COFFER_TOKEN_PIN'],
  });

function ok(result: CliResult): any {
  expect(result.code, result.stderr).toBe(0);
  return result.json;
}

describe('coffer backup and restore with a token key', () => {
  it('brings a token key back into a wiped vault: decrypt-data works with the same token, and names the store without it', async () => {
    ok(await coffer(['init']));
    ok(
      await coffer([
        '--pin-file',
        join(work, 'pin'),
        'create-key-store',
        '--alias',
        'hsm1',
        '--pkcs11-module',
        hsm.module,
        '--token-label',
        'team-hsm',
      ]),
    );
    const keyId = ok(await coffer(['create-key', '--alias', 'payroll', '--key-store', 'hsm1'])).key_info.key_id;
    const sealed = ok(await coffer(['encrypt-data', '--key-id', 'alias/payroll', '--plain-text', 'salaries'])).cipher_text;
    const backup = join(work, 'keys.backup');
    expect(ok(await coffer(['backup', '--out', backup]))).toMatchObject({
      keys: 1,
      key_versions: 1,
      contacts: 0,
      key_stores: 1,
      key_stores_without_pin: [],
    });

    // The vault is lost: a new one in its place, then the backup.
    await removeDir(dir);
    ok(await coffer(['init']));
    expect(ok(await coffer(['restore', '--in', backup]))).toMatchObject({
      restored: 1,
      key_ids: [keyId],
      key_stores_added: ['hsm1'],
      key_stores_asking_pin: [],
    });
    expect(ok(await coffer(['list-key-stores'])).keystores).toEqual([
      expect.objectContaining({ keystore_alias: 'hsm1', token_label: 'team-hsm', pin_storage: 'keychain', key_count: 1 }),
    ]);
    expect(ok(await coffer(['decrypt-data', '--cipher-text', sealed]))).toMatchObject({ key_id: keyId, plain_text: 'salaries' });

    await hsm.deleteToken('team-hsm');
    const missing = await coffer(['decrypt-data', '--cipher-text', sealed]);
    expect(missing.code).toBe(1);
    expect(missing.error?.error_code).toBe('COFFER.9002');
    expect(missing.error?.error_msg).toMatch(/Key store hsm1: no token labelled "team-hsm"/);
  });
});
