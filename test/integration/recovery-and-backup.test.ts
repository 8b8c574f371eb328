import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readBackup } from '../../electron/core/vault/backup-file.js';
import { KEYCHAIN_SERVICE, osKeychain } from '../../electron/core/vault/keychain.js';
import { removeDir, runCoffer, tempDir, type CliResult } from '../helpers/cli.js';
import { snapshotDir } from '../helpers/dir-snapshot.js';
import { inFreshKeyring, jsonLines } from '../helpers/fresh-keyring.js';

let work: string;
let dir: string;
const backupPass = 'a backup passphrase, long enough';

beforeEach(async () => {
  work = await tempDir();
  dir = join(work, 'vault');
});
afterEach(async () => {
  await removeDir(work);
});

const coffer = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => runCoffer(['--vault', dir, ...args], { env });

/** A vault with keys in several states and several versions, as a user's would look after a while. */
async function populatedVault(): Promise<{ recoveryCode: string; vaultId: string; ids: string[] }> {
  const init = await coffer(['init']);
  expect(init.code, init.stderr).toBe(0);
  const ids: string[] = [];
  for (const alias of ['photos', 'videos', 'db', 'certs']) {
    const created = await coffer(['create-key', '--alias', alias, '--description', `${alias} key`, '--tags', '{"owner":"me"}']);
    ids.push(created.json.key_info.key_id);
  }
  await coffer(['rotate-key', '--key-id', 'alias/photos']);
  await coffer(['rotate-key', '--key-id', 'alias/photos']);
  await coffer(['enable-key-rotation', '--key-id', 'alias/videos', '--rotation-interval', '90']);
  await coffer(['disable-key', '--key-id', 'alias/db']);
  await coffer(['schedule-key-deletion', '--key-id', 'alias/certs', '--pending-days', '30']);
  ids.push((await coffer(['create-key', '--alias', 'byok', '--origin', 'external'])).json.key_info.key_id);
  return { recoveryCode: init.json.recovery_code, vaultId: init.json.vault_id, ids };
}

/** Every key and version with its material in the clear, taken through a backup. */
async function everyKeyAndVersion(): Promise<unknown> {
  const out = join(work, `snapshot-${Date.now()}-${Math.random()}.backup`);
  const made = await coffer(['backup', '--out', out], { COFFER_BACKUP_PASSPHRASE: backupPass });
  expect(made.code, made.stderr).toBe(0);
  const keys = await readBackup(await readFile(out, 'utf8'), backupPass);
  return keys.sort((a, b) => a.key_id.localeCompare(b.key_id));
}

describe('recovery with the recovery code', () => {
  it('re-seals the same vault under a fresh keychain on another machine, every key and version intact', async () => {
    const { recoveryCode, vaultId } = await populatedVault();
    const before = await everyKeyAndVersion();
    // "Another machine": a new D-Bus session with an empty keyring. The vault folder is all it has.
    const run = await inFreshKeyring(
      `coffer --vault "${dir}" list-keys; coffer --vault "${dir}" recover --recovery-code "${recoveryCode.toLowerCase().replace(/-/g, ' ')}" && ` +
        `COFFER_BACKUP_PASSPHRASE='${backupPass}' coffer --vault "${dir}" backup --out "${work}/other-machine.backup" && ` +
        `coffer --vault "${dir}" audit-log`,
    );
    expect(jsonLines(run.stderr)[0].error.error_code).toBe('COFFER.1004');
    const [recovered, backup, audit] = jsonLines(run.stdout);
    expect(recovered).toMatchObject({ vault_id: vaultId, protection: 'keychain', keys: 5 });
    expect(backup.keys).toBe(5);
    expect(audit.chain_verified).toBe(true);
    expect(audit.records.filter((r: { operation: string }) => r.operation === 'recover')).toHaveLength(1);
    const after = (await readBackup(await readFile(join(work, 'other-machine.backup'), 'utf8'), backupPass)).sort((a, b) =>
      a.key_id.localeCompare(b.key_id),
    );
    expect(after).toEqual(before);
  });

  it('sets a new passphrase when the old one is lost, and removes the keychain copy', async () => {
    const { recoveryCode, vaultId } = await populatedVault();
    const before = await everyKeyAndVersion();
    const recovered = await coffer(['recover', '--recovery-code', recoveryCode, '--passphrase'], {
      COFFER_PASSPHRASE: 'a brand new passphrase',
    });
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.json.protection).toBe('passphrase');
    expect(await osKeychain.get(KEYCHAIN_SERVICE, `vault-${vaultId}`)).toBeNull();
    expect((await coffer(['list-keys'], { COFFER_PASSPHRASE: 'wrong passphrase' })).error?.error_code).toBe('COFFER.1005');
    const after = await coffer(['backup', '--out', join(work, 'after.backup')], {
      COFFER_PASSPHRASE: 'a brand new passphrase',
      COFFER_BACKUP_PASSPHRASE: backupPass,
    });
    expect(after.code, after.stderr).toBe(0);
    const keys = (await readBackup(await readFile(join(work, 'after.backup'), 'utf8'), backupPass)).sort((a, b) =>
      a.key_id.localeCompare(b.key_id),
    );
    expect(keys).toEqual(before);
  });

  it('refuses a wrong recovery code, changing nothing', async () => {
    const { recoveryCode } = await populatedVault();
    const before = await snapshotDir(dir);
    const wrong = recoveryCode.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    const refused = await coffer(['recover', '--recovery-code', wrong]);
    expect(refused.error?.error_code).toBe('COFFER.1009');
    expect((await coffer(['recover', '--recovery-code', 'not-a-code'])).error?.error_code).toBe('COFFER.1009');
    expect(await snapshotDir(dir)).toEqual(before);
  });
});

describe('backup and restore', () => {
  it('round-trips every key and version into a new vault', async () => {
    const { ids } = await populatedVault();
    const before = await everyKeyAndVersion();
    const file = join(work, 'keys.backup');
    expect((await coffer(['backup', '--out', file], { COFFER_BACKUP_PASSPHRASE: backupPass })).json).toMatchObject({
      keys: 5,
      key_versions: 6,
    });
    expect(await readFile(file, 'utf8')).not.toMatch(/"material"/);

    dir = join(work, 'second-vault');
    await coffer(['init']);
    const restored = await coffer(['restore', '--in', file], { COFFER_BACKUP_PASSPHRASE: backupPass });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.json).toMatchObject({ restored: 5, replaced: 0 });
    expect(await everyKeyAndVersion()).toEqual(before);
    const listed = await coffer(['list-keys']);
    expect([...listed.json.keys].sort()).toEqual([...ids].sort());
    const audit = await coffer(['audit-log']);
    expect(audit.json.records.filter((r: { operation: string }) => r.operation === 'restore')).toHaveLength(5);
  });

  it('refuses to replace existing keys unless forced, atomically', async () => {
    await populatedVault();
    const file = join(work, 'keys.backup');
    await coffer(['backup', '--out', file], { COFFER_BACKUP_PASSPHRASE: backupPass });
    await coffer(['rotate-key', '--key-id', 'alias/videos']);
    await coffer(['update-key-description', '--key-id', 'alias/videos', '--description', 'changed since the backup']);
    const before = await snapshotDir(dir);
    const refused = await coffer(['restore', '--in', file], { COFFER_BACKUP_PASSPHRASE: backupPass });
    expect(refused.error?.error_code).toBe('COFFER.1011');
    expect(refused.error?.error_msg).toMatch(/--force/);
    const { ['audit.log']: _auditBefore, ...vaultFilesBefore } = before;
    const { ['audit.log']: _auditAfter, ...vaultFilesAfter } = await snapshotDir(dir);
    expect(vaultFilesAfter).toEqual(vaultFilesBefore);

    const forced = await coffer(['restore', '--in', file, '--force'], { COFFER_BACKUP_PASSPHRASE: backupPass });
    expect(forced.json).toMatchObject({ restored: 5, replaced: 5 });
    const videos = await coffer(['describe-key', '--key-id', 'alias/videos']);
    expect(videos.json.key_info).toMatchObject({ key_description: 'videos key', key_versions: [1] });
  });

  it('refuses a wrong backup passphrase, a damaged backup, and an existing output file', async () => {
    await populatedVault();
    const file = join(work, 'keys.backup');
    await coffer(['backup', '--out', file], { COFFER_BACKUP_PASSPHRASE: backupPass });
    expect((await coffer(['backup', '--out', file], { COFFER_BACKUP_PASSPHRASE: backupPass })).error?.error_code).toBe(
      'COFFER.1017',
    );
    const before = await snapshotDir(dir);
    expect(
      (await coffer(['restore', '--in', file, '--force'], { COFFER_BACKUP_PASSPHRASE: 'not the passphrase' })).error?.error_code,
    ).toBe('COFFER.1010');
    const text = await readFile(file, 'utf8');
    const damaged = join(work, 'damaged.backup');
    const parsed = JSON.parse(text);
    parsed.key_count = 99;
    await writeFile(damaged, JSON.stringify(parsed));
    expect(
      (await coffer(['restore', '--in', damaged, '--force'], { COFFER_BACKUP_PASSPHRASE: backupPass })).error?.error_code,
    ).toBe('COFFER.1010');
    await writeFile(damaged, 'hello');
    expect((await coffer(['restore', '--in', damaged], { COFFER_BACKUP_PASSPHRASE: backupPass })).error?.error_code).toBe(
      'COFFER.1010',
    );
    expect(
      (await coffer(['restore', '--in', join(work, 'missing.backup')], { COFFER_BACKUP_PASSPHRASE: backupPass })).error
        ?.error_code,
    ).toBe('COFFER.1018');
    const { ['audit.log']: _a, ...vaultBefore } = before;
    const { ['audit.log']: _b, ...vaultAfter } = await snapshotDir(dir);
    expect(vaultAfter).toEqual(vaultBefore);
  });
});
