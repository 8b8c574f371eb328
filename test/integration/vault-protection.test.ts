import { readFile, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEYCHAIN_SERVICE, osKeychain } from '../../electron/core/vault/keychain.js';
import { removeDir, runCoffer, tempDir, type CliResult } from '../helpers/cli.js';
import { snapshotDir } from '../helpers/dir-snapshot.js';
import { inFreshKeyring, jsonLines } from '../helpers/fresh-keyring.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const coffer = (args: string[], env: NodeJS.ProcessEnv = {}, removeEnv: string[] = []): Promise<CliResult> =>
  runCoffer(['--vault', dir, ...args], { env, removeEnv });

function expectRefusal(result: CliResult, code: string, mentions?: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.error?.error_code).toBe(code);
  if (mentions) expect(result.error?.error_msg).toMatch(mentions);
}

describe('keychain mode', () => {
  it('keeps the master key in the OS keychain and never in the vault folder', async () => {
    const init = await coffer(['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.json).toMatchObject({ vault: dir, protection: 'keychain' });
    expect(init.json.recovery_code).toMatch(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
    const secret = await osKeychain.get(KEYCHAIN_SERVICE, `vault-${init.json.vault_id}`);
    expect(secret).not.toBeNull();
    const vmk = Buffer.from(secret!, 'base64');
    expect(vmk).toHaveLength(32);
    for (const name of await readdir(dir)) {
      if (name === 'vault.lock') continue;
      const bytes = await readFile(join(dir, name));
      expect(bytes.includes(vmk)).toBe(false);
      expect(bytes.toString('utf8')).not.toContain(secret);
    }
  });

  it('refuses a second init and leaves the vault as it was', async () => {
    await coffer(['init']);
    const before = await snapshotDir(dir);
    expectRefusal(await coffer(['init']), 'COFFER.1002');
    expect(await snapshotDir(dir)).toEqual(before);
  });

  it('says there is no vault yet, and how to make one', async () => {
    expectRefusal(await coffer(['list-keys']), 'COFFER.1001', /coffer init/);
  });

  it('gives a clear error naming passphrase mode when no Secret Service can be reached, and writes nothing', async () => {
    const noDbus = ['DBUS_SESSION_BUS_ADDRESS', 'DISPLAY', 'WAYLAND_DISPLAY'];
    const target = join(dir, 'new-vault');
    const result = await runCoffer(['--vault', target, 'init'], { removeEnv: noDbus });
    expectRefusal(result, 'COFFER.1003', /--passphrase/);
    expect(await readdir(dir)).toEqual([]);

    // An existing keychain vault opened without a Secret Service: same error, nothing changes.
    await coffer(['init']);
    await coffer(['create-key', '--alias', 'a']);
    const before = await snapshotDir(dir);
    expectRefusal(await coffer(['create-key', '--alias', 'b'], {}, noDbus), 'COFFER.1003', /passphrase/);
    expect(await snapshotDir(dir)).toEqual(before);
  });

  it('reports a missing keychain entry with the way back (recover), changing nothing', async () => {
    const init = await coffer(['init']);
    await coffer(['create-key', '--alias', 'a']);
    await osKeychain.delete(KEYCHAIN_SERVICE, `vault-${init.json.vault_id}`);
    const before = await snapshotDir(dir);
    expectRefusal(await coffer(['describe-key', '--key-id', 'alias/a']), 'COFFER.1004', /coffer recover/);
    expectRefusal(await coffer(['create-key', '--alias', 'b']), 'COFFER.1004');
    expect(await snapshotDir(dir)).toEqual(before);
  });

  it('refuses a keychain entry that holds something else', async () => {
    const init = await coffer(['init']);
    const before = await snapshotDir(dir);
    await osKeychain.set(KEYCHAIN_SERVICE, `vault-${init.json.vault_id}`, Buffer.alloc(32, 7).toString('base64'));
    expectRefusal(await coffer(['list-keys']), 'COFFER.1015', /recover/);
    await osKeychain.set(KEYCHAIN_SERVICE, `vault-${init.json.vault_id}`, 'not a key');
    expectRefusal(await coffer(['list-keys']), 'COFFER.1015');
    expect(await snapshotDir(dir)).toEqual(before);
  });

  it('a locked keyring that cannot be unlocked gives a clear error and changes nothing', async () => {
    const lock =
      'dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets ' +
      'org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null';
    const run = await inFreshKeyring(
      `coffer --vault "${dir}" init && coffer --vault "${dir}" create-key --alias a && ${lock} && ` +
        `cp "${dir}/vault.json" "${dir}/before.json"; coffer --vault "${dir}" create-key --alias b; echo "exit=$?"`,
    );
    expect(run.stdout).toContain('exit=1');
    const error = JSON.parse(run.stderr.split('\n').find((l) => l.startsWith('{"error"'))!).error;
    expect(error.error_code).toBe('COFFER.1004');
    expect(error.error_msg).toMatch(/locked/);
    expect(await readFile(join(dir, 'vault.json'), 'utf8')).toBe(await readFile(join(dir, 'before.json'), 'utf8'));
  });
});

describe('passphrase mode', () => {
  const passphrase = 'correct horse battery staple';

  it('works with the passphrase from the environment or a file, and never writes it down', async () => {
    const init = await coffer(['init', '--passphrase'], { COFFER_PASSPHRASE: passphrase });
    expect(init.code, init.stderr).toBe(0);
    expect(init.json.protection).toBe('passphrase');
    expect(await osKeychain.get(KEYCHAIN_SERVICE, `vault-${init.json.vault_id}`)).toBeNull();
    const created = await coffer(['create-key', '--alias', 'a'], { COFFER_PASSPHRASE: passphrase });
    expect(created.code, created.stderr).toBe(0);
    const file = join(dir, 'pass.txt');
    await writeFile(file, `${passphrase}\n`);
    const listed = await coffer(['--passphrase-file', file, 'list-keys']);
    expect(listed.json.total).toBe(1);
    for (const name of await readdir(dir)) {
      if (name === 'pass.txt' || name === 'vault.lock') continue;
      expect(await readFile(join(dir, name), 'utf8')).not.toContain(passphrase);
    }
  });

  it('refuses a wrong passphrase, or none, without changing anything', async () => {
    await coffer(['init', '--passphrase'], { COFFER_PASSPHRASE: passphrase });
    await coffer(['create-key', '--alias', 'a'], { COFFER_PASSPHRASE: passphrase });
    const before = await snapshotDir(dir);
    expectRefusal(
      await coffer(['create-key', '--alias', 'b'], { COFFER_PASSPHRASE: 'wrong passphrase!' }),
      'COFFER.1005',
      /recover/,
    );
    expectRefusal(await coffer(['create-key', '--alias', 'b'], {}, ['COFFER_PASSPHRASE']), 'COFFER.1012', /COFFER_PASSPHRASE/);
    expect(await snapshotDir(dir)).toEqual(before);
  });

  it('refuses a passphrase too short to protect anything, and writes nothing', async () => {
    const target = join(dir, 'v');
    expectRefusal(
      await runCoffer(['--vault', target, 'init', '--passphrase'], { env: { COFFER_PASSPHRASE: 'short' } }),
      'COFFER.1013',
    );
    expectRefusal(
      await runCoffer(['--vault', target, 'init', '--passphrase'], { env: { COFFER_PASSPHRASE: '' } }),
      'COFFER.1012',
    );
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('a damaged vault file', () => {
  async function vaultWithKeys(): Promise<string[]> {
    await coffer(['init']);
    const ids: string[] = [];
    for (const alias of ['one', 'two', 'three']) ids.push((await coffer(['create-key', '--alias', alias])).json.key_info.key_id);
    return ids;
  }

  it('that is not JSON gives a clear error, is never overwritten, and rollback brings back the previous generation', async () => {
    const ids = await vaultWithKeys();
    const vaultFile = join(dir, 'vault.json');
    const good = await readFile(vaultFile, 'utf8');
    await writeFile(vaultFile, good.slice(0, good.length / 2));
    const before = await snapshotDir(dir);
    expectRefusal(await coffer(['list-keys']), 'COFFER.1006', /rollback/);
    expectRefusal(await coffer(['create-key', '--alias', 'four']), 'COFFER.1006');
    expect(await snapshotDir(dir)).toEqual(before);

    const rollback = await coffer(['rollback']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(await readFile(rollback.json.damaged_file_kept_as, 'utf8')).toBe(good.slice(0, good.length / 2));
    const listed = await coffer(['list-keys']);
    // The previous generation is the one before the last save: it lacks only the newest key.
    expect(listed.json.keys).toEqual(ids.slice(0, 2));
    expect((await coffer(['audit-log'])).json.chain_verified).toBe(true);
  });

  it('is not rolled back over keys the previous generation lacks unless --force, which names them', async () => {
    const ids = await vaultWithKeys();
    const before = await snapshotDir(dir);
    // The file is healthy: rolling back would silently drop "three", the newest key.
    const refused = await coffer(['rollback']);
    expectRefusal(refused, 'COFFER.1019', new RegExp(`key ${ids[2]} \\(alias "three"\\).*--force`));
    expect(await snapshotDir(dir)).toEqual(before);

    await coffer(['rotate-key', '--key-id', ids[0]!]);
    // Now the previous generation has "three" but not version 2 of "one".
    expectRefusal(await coffer(['rollback']), 'COFFER.1019', new RegExp(`key ${ids[0]} \\(alias "one"\\) version 2`));
    const forced = await coffer(['rollback', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.json.dropped_keys).toEqual([`key ${ids[0]} (alias "one") version 2`]);
  });

  it('that was edited (a key re-enabled by hand) fails its integrity check and is never overwritten', async () => {
    const ids = await vaultWithKeys();
    await coffer(['disable-key', '--key-id', ids[0]!]);
    const vaultFile = join(dir, 'vault.json');
    const file = JSON.parse(await readFile(vaultFile, 'utf8'));
    file.state.keys[0].state = 2;
    await writeFile(vaultFile, JSON.stringify(file, null, 2));
    const before = await snapshotDir(dir);
    expectRefusal(await coffer(['describe-key', '--key-id', ids[0]!]), 'COFFER.1007', /changed outside Coffer/);
    expectRefusal(await coffer(['enable-key', '--key-id', ids[1]!]), 'COFFER.1007');
    expect(await snapshotDir(dir)).toEqual(before);
  });

  it('whose key material was swapped between keys is caught', async () => {
    await vaultWithKeys();
    const vaultFile = join(dir, 'vault.json');
    const file = JSON.parse(await readFile(vaultFile, 'utf8'));
    [file.state.keys[0].versions[0].material, file.state.keys[1].versions[0].material] = [
      file.state.keys[1].versions[0].material,
      file.state.keys[0].versions[0].material,
    ];
    await writeFile(vaultFile, JSON.stringify(file));
    expectRefusal(await coffer(['list-keys']), 'COFFER.1007');
  });

  it('left over temporary files from a killed writer are cleaned up, never taken for the vault', async () => {
    await vaultWithKeys();
    await writeFile(join(dir, 'vault.json.123456789'), '{"half": ');
    const created = await coffer(['create-key', '--alias', 'four']);
    expect(created.code, created.stderr).toBe(0);
    expect(await readdir(dir)).not.toContain('vault.json.123456789');
    expect((await coffer(['list-keys'])).json.total).toBe(4);
  });
});

describe('the CLI contract', () => {
  it('prints one JSON object on success, the error object on stderr with exit 1, and exit 2 for usage errors', async () => {
    await coffer(['init']);
    const ok = await coffer(['create-key', '--alias', 'contract']);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(1);
    expect(ok.stderr).toBe('');
    const refused = await coffer(['disable-key', '--key-id', 'nope']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(JSON.parse(refused.stderr)).toEqual({ error: { error_code: 'KMS.0205', error_msg: expect.any(String) } });
    expect((await coffer(['no-such-command'])).code).toBe(2);
    expect((await coffer(['create-key'])).code).toBe(2);
    expect((await coffer(['create-key', '--alias', 'x', '--bogus'])).code).toBe(2);
    expectRefusal(
      await coffer(['schedule-key-deletion', '--key-id', 'alias/contract', '--pending-days', 'soon']),
      'KMS.1401',
      /"soon"/,
    );
    expectRefusal(await coffer(['create-key', '--alias', 'y', '--tags', '{oops']), 'KMS.0308', /JSON/);
    const tagged = await coffer([
      'create-key',
      '--alias',
      'z',
      '--tags',
      '[{"key":"team","value":"ops"}]',
      '--origin',
      'external',
    ]);
    expect(tagged.code, tagged.stderr).toBe(0);
    const described = await coffer(['describe-key', '--key-id', 'alias/z']);
    expect(described.json.key_info).toMatchObject({ tags: { team: 'ops' }, origin: 'external', key_state: '5' });
  });

  it('npx-style use finds the vault through $COFFER_HOME', async () => {
    const init = await runCoffer(['init'], { env: { COFFER_HOME: dir } });
    expect(init.json.vault).toBe(dir);
    expect((await runCoffer(['list-keys'], { env: { COFFER_HOME: dir } })).json.total).toBe(0);
  });
});

describe('another machine', () => {
  it('a vault copied to a machine whose keychain lacks its key says how to recover', async () => {
    await coffer(['init']);
    const run = await inFreshKeyring(`coffer --vault "${dir}" list-keys`);
    expect(jsonLines(run.stderr)[0]?.error?.error_code).toBe('COFFER.1004');
  });
});
