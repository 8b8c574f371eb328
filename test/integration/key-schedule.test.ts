import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as kms from '../../electron/core/kms/key-operations.js';
import { Vault } from '../../electron/core/vault/vault.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';
import { refusal } from '../helpers/refusal.js';

let fx: VaultFixture;
beforeEach(async () => {
  fx = await keychainVault();
});
afterEach(async () => {
  await fx.dispose();
});

const reopen = (): Promise<Vault> => Vault.open(fx.env);

function fingerprint(vault: Vault, keyId: string, version?: number): Promise<string> {
  return vault.useKeyMaterial('test-use', keyId, (material) => createHash('sha256').update(material).digest('hex'), version);
}

describe('rotation', () => {
  it('falls due when the vault is opened after the interval, keeping every old version', async () => {
    const { key_info } = await kms.createKey(fx.vault, { key_alias: 'photos' });
    const v1 = await fingerprint(fx.vault, key_info.key_id);
    await kms.enableKeyRotation(fx.vault, { key_id: key_info.key_id, rotation_interval: 30 });

    fx.clock.advanceDays(29);
    let vault = await reopen();
    expect((await kms.getKeyRotationStatus(vault, { key_id: key_info.key_id })).key_version).toBe(1);

    fx.clock.advanceDays(2);
    vault = await reopen();
    const status = await kms.getKeyRotationStatus(vault, { key_id: key_info.key_id });
    expect(status).toMatchObject({ key_version: 2, number_of_rotations: 1, key_rotation_enabled: true });
    expect(await fingerprint(vault, key_info.key_id, 1)).toBe(v1);
    expect(await fingerprint(vault, key_info.key_id)).not.toBe(v1);
    const log = await vault.auditLog();
    expect(
      log.records.some((r) => r.operation === 'rotate-key' && r.detail === 'scheduled rotation' && r.key_version === 2),
    ).toBe(true);
    expect(log.chain_verified).toBe(true);
  });

  it('waits while the key is disabled and happens when it is enabled again', async () => {
    const { key_info } = await kms.createKey(fx.vault, { key_alias: 'db-dumps' });
    await kms.enableKeyRotation(fx.vault, { key_id: key_info.key_id, rotation_interval: 30 });
    await kms.disableKey(fx.vault, { key_id: key_info.key_id });
    fx.clock.advanceDays(40);
    const vault = await reopen();
    expect((await kms.describeKey(vault, { key_id: key_info.key_id })).key_info.key_version).toBe(1);
    await kms.enableKey(vault, { key_id: key_info.key_id });
    expect((await kms.describeKey(vault, { key_id: key_info.key_id })).key_info.key_version).toBe(2);
  });

  it('manual rotate-key adds a version; the interval must be 30..365 days', async () => {
    const { key_info } = await kms.createKey(fx.vault, { key_alias: 'manual' });
    expect((await kms.rotateKey(fx.vault, { key_id: key_info.key_id })).key_version).toBe(2);
    expect((await kms.rotateKey(fx.vault, { key_id: key_info.key_id })).key_version).toBe(3);
    for (const bad of [29, 366, 30.5]) {
      expect((await refusal(kms.enableKeyRotation(fx.vault, { key_id: key_info.key_id, rotation_interval: bad }))).code).toBe(
        'KMS.3001',
      );
      expect(
        (await refusal(kms.updateKeyRotationInterval(fx.vault, { key_id: key_info.key_id, rotation_interval: bad }))).code,
      ).toBe('KMS.3001');
    }
    const status = await kms.enableKeyRotation(fx.vault, { key_id: key_info.key_id });
    expect(status.rotation_interval).toBe(365);
    expect(
      (await kms.updateKeyRotationInterval(fx.vault, { key_id: key_info.key_id, rotation_interval: 30 })).rotation_interval,
    ).toBe(30);
    expect((await kms.disableKeyRotation(fx.vault, { key_id: key_info.key_id })).key_rotation_enabled).toBe(false);
  });
});

describe('scheduled deletion', () => {
  it('destroys the key for good when the vault is opened after the date, and says so later', async () => {
    const { key_info } = await kms.createKey(fx.vault, { key_alias: 'old-project' });
    await kms.scheduleKeyDeletion(fx.vault, { key_id: key_info.key_id, pending_days: 7 });

    fx.clock.advanceDays(6);
    let vault = await reopen();
    expect((await kms.describeKey(vault, { key_id: key_info.key_id })).key_info.key_state).toBe('4');

    fx.clock.advanceDays(2);
    vault = await reopen();
    const gone = await refusal(kms.describeKey(vault, { key_id: key_info.key_id }));
    expect(gone.code).toBe('KMS.0207');
    expect(gone.message).toMatch(/was deleted on .*cannot be decrypted/);
    expect((await refusal(kms.describeKey(vault, { key_id: 'alias/old-project' }))).message).toMatch(/was deleted/);
    expect((await kms.listKeys(vault)).total).toBe(0);
    // The alias is free again, and the destruction is in the audit log.
    await kms.createKey(vault, { key_alias: 'old-project' });
    const log = await vault.auditLog();
    expect(log.records.some((r) => r.operation === 'destroy-key' && r.key_id === key_info.key_id)).toBe(true);
    const file = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(vault.paths.vault, 'utf8')));
    expect(JSON.stringify(file.state.keys)).not.toContain(key_info.key_id);
  });

  it('cancelling before the date brings the key back Disabled, material intact', async () => {
    const { key_info } = await kms.createKey(fx.vault, { key_alias: 'keep-me' });
    const before = await fingerprint(fx.vault, key_info.key_id);
    await kms.scheduleKeyDeletion(fx.vault, { key_id: key_info.key_id, pending_days: 1096 });
    fx.clock.advanceDays(1000);
    const vault = await reopen();
    expect((await kms.cancelKeyDeletion(vault, { key_id: key_info.key_id })).key_state).toBe('3');
    await kms.enableKey(vault, { key_id: key_info.key_id });
    expect(await fingerprint(vault, key_info.key_id)).toBe(before);
  });

  it('takes 7..1096 whole days only', async () => {
    const { key_info } = await kms.createKey(fx.vault, { key_alias: 'days' });
    for (const bad of [6, 1097, 0, -7, 7.5]) {
      expect((await refusal(kms.scheduleKeyDeletion(fx.vault, { key_id: key_info.key_id, pending_days: bad }))).code).toBe(
        'KMS.1401',
      );
    }
    expect((await kms.describeKey(fx.vault, { key_id: key_info.key_id })).key_info.key_state).toBe('2');
  });
});

describe('key fields', () => {
  it('checks aliases, descriptions and tags with their own codes', async () => {
    const bad = ['', 'has space', 'ünïcode', 'x'.repeat(256), 'team/default', 'semi;colon'];
    for (const alias of bad) {
      expect((await refusal(kms.createKey(fx.vault, { key_alias: alias }))).code).toBe('KMS.1101');
    }
    await kms.createKey(fx.vault, { key_alias: 'a:b/c_d-e', key_description: 'd'.repeat(255), tags: { team: 'finance' } });
    expect((await refusal(kms.createKey(fx.vault, { key_alias: 'a:b/c_d-e' }))).code).toBe('KMS.1104');
    expect((await refusal(kms.createKey(fx.vault, { key_alias: 'long', key_description: 'd'.repeat(256) }))).code).toBe(
      'KMS.1103',
    );
    expect((await refusal(kms.createKey(fx.vault, { key_alias: 'tags', tags: { ['x'.repeat(37)]: 'v' } }))).code).toBe(
      'KMS.0308',
    );
    expect((await refusal(kms.createKey(fx.vault, {}))).code).toBe('KMS.0204');
    expect((await refusal(kms.createKey(fx.vault, { key_alias: 'x', colour: 'red' }))).code).toBe('KMS.0308');
    expect((await refusal(kms.describeKey(fx.vault, { key_id: 'not-a-key' }))).code).toBe('KMS.0205');
    expect((await refusal(kms.describeKey(fx.vault, { key_id: '00000000-0000-4000-8000-000000000000' }))).code).toBe('KMS.0207');
  });

  it('describes a key with the Huawei fields, and renames it', async () => {
    const { key_info } = await kms.createKey(fx.vault, {
      key_alias: 'certs',
      key_description: 'TLS',
      exportable: true,
      tags: { env: 'prod' },
    });
    await kms.updateKeyAlias(fx.vault, { key_id: `alias/certs`, key_alias: 'certificates' });
    await kms.updateKeyDescription(fx.vault, { key_id: 'alias/certificates', key_description: 'TLS certificates' });
    const info = (await kms.describeKey(fx.vault, { key_id: key_info.key_id })).key_info;
    expect(info).toMatchObject({
      key_id: key_info.key_id,
      domain_id: fx.vault.vaultId,
      key_alias: 'certificates',
      key_description: 'TLS certificates',
      key_spec: 'AES_256',
      key_usage: 'ENCRYPT_DECRYPT',
      origin: 'kms',
      exportable: true,
      key_state: '2',
      creation_date: String(fx.clock.now),
      scheduled_deletion_date: '',
      key_rotation_enabled: 'false',
      tags: { env: 'prod' },
    });
  });
});

describe('list-keys', () => {
  it('pages with limit and marker, and filters by state', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      fx.clock.now += 1000;
      ids.push((await kms.createKey(fx.vault, { key_alias: `k${i}` })).key_info.key_id);
    }
    await kms.disableKey(fx.vault, { key_id: ids[1]! });
    await kms.disableKey(fx.vault, { key_id: ids[3]! });
    const first = await kms.listKeys(fx.vault, { limit: 2 });
    expect(first).toMatchObject({ keys: ids.slice(0, 2), total: 5, truncated: 'true', next_marker: '2' });
    const second = await kms.listKeys(fx.vault, { limit: 2, marker: first.next_marker });
    expect(second.keys).toEqual(ids.slice(2, 4));
    const last = await kms.listKeys(fx.vault, { limit: 2, marker: second.next_marker });
    expect(last).toMatchObject({ keys: ids.slice(4), truncated: 'false', next_marker: '' });
    expect((await kms.listKeys(fx.vault, { key_state: 3 })).keys).toEqual([ids[1], ids[3]]);
    expect((await refusal(kms.listKeys(fx.vault, { limit: 0 }))).code).toBe('KMS.1601');
    expect((await refusal(kms.listKeys(fx.vault, { limit: 1001 }))).code).toBe('KMS.1601');
    expect((await refusal(kms.listKeys(fx.vault, { marker: '-1' }))).code).toBe('KMS.1602');
    expect((await refusal(kms.listKeys(fx.vault, { key_state: 9 }))).code).toBe('KMS.0308');
  });
});
