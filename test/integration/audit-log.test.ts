import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as kms from '../../electron/core/kms/key-operations.js';
import { readBackup } from '../../electron/core/vault/backup-file.js';
import { Vault } from '../../electron/core/vault/vault.js';
import { runCoffer } from '../helpers/cli.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';

let fx: VaultFixture;
let keyId: string;

beforeEach(async () => {
  fx = await keychainVault();
  keyId = (await kms.createKey(fx.vault, { key_alias: 'audited' })).key_info.key_id;
  await kms.disableKey(fx.vault, { key_id: keyId });
  await kms.disableKey(fx.vault, { key_id: keyId }).catch(() => undefined);
  await kms.enableKey(fx.vault, { key_id: keyId });
  await kms.rotateKey(fx.vault, { key_id: keyId });
  await fx.vault.useKeyMaterial('encrypt-data', keyId, () => null);
});
afterEach(async () => {
  await fx.dispose();
});

async function lines(): Promise<string[]> {
  return (await readFile(fx.vault.paths.audit, 'utf8')).trimEnd().split('\n');
}

async function rewrite(edit: (lines: string[]) => string[]): Promise<void> {
  await writeFile(fx.vault.paths.audit, `${edit(await lines()).join('\n')}\n`);
}

describe('the audit log', () => {
  it('records every key operation and use, refusals included, with no secret in it', async () => {
    const log = await fx.vault.auditLog();
    expect(log.chain_verified).toBe(true);
    expect(log.records.map((r) => [r.operation, r.outcome, r.error_code, r.key_version])).toEqual([
      ['init', 'success', null, null],
      ['create-key', 'success', null, 1],
      ['disable-key', 'success', null, 1],
      ['disable-key', 'failure', 'KMS.1301', 1],
      ['enable-key', 'success', null, 1],
      ['rotate-key', 'success', null, 2],
      ['encrypt-data', 'success', null, 2],
    ]);
    expect(log.records.slice(1).every((r) => r.key_id === keyId)).toBe(true);
    for (const record of log.records) {
      expect(Object.keys(record).sort()).toEqual(
        ['detail', 'error_code', 'key_id', 'key_version', 'mac', 'operation', 'outcome', 'prev', 'seq', 'time'].sort(),
      );
    }
    const { text } = await fx.vault.backup('backup passphrase');
    const materials = (await readBackup(text, 'backup passphrase')).flatMap((k) => k.versions.flatMap((v) => v.material ?? []));
    const raw = await readFile(fx.vault.paths.audit, 'utf8');
    for (const material of materials) {
      expect(raw).not.toContain(material);
      expect(raw).not.toContain(Buffer.from(material, 'base64').toString('hex'));
    }
  });

  it('detects an edited record', async () => {
    await rewrite((l) => l.map((line, i) => (i === 3 ? line.replace('"failure"', '"success"') : line)));
    const log = await fx.vault.auditLog();
    expect(log.chain_verified).toBe(false);
    expect(log.problems.join('; ')).toMatch(/record 4 was altered/);
  });

  it('detects a record edited and re-hashed by someone without the vault key', async () => {
    const { createHash } = await import('node:crypto');
    await rewrite((l) =>
      l.map((line, i) => {
        if (i !== 2) return line;
        const record = JSON.parse(line);
        record.time = '2020-01-01T00:00:00.000Z';
        record.mac = createHash('sha256')
          .update(JSON.stringify({ ...record, mac: undefined }))
          .digest('hex');
        return JSON.stringify(record);
      }),
    );
    const log = await fx.vault.auditLog();
    expect(log.chain_verified).toBe(false);
  });

  it('detects a removed record in the middle', async () => {
    await rewrite((l) => l.filter((_, i) => i !== 2));
    const log = await fx.vault.auditLog();
    expect(log.chain_verified).toBe(false);
    expect(log.problems.join('; ')).toMatch(/does not follow|should/);
  });

  it('detects records cut off the end, which the vault file remembers', async () => {
    await rewrite((l) => l.slice(0, 3));
    const log = await fx.vault.auditLog();
    expect(log.chain_verified).toBe(false);
    expect(log.problems.join('; ')).toMatch(/records were removed/);
  });

  it('detects records swapped in order', async () => {
    await rewrite((l) => [l[0]!, l[2]!, l[1]!, ...l.slice(3)]);
    expect((await fx.vault.auditLog()).chain_verified).toBe(false);
  });

  it('reports a torn last line, and the next writer cuts it off so the chain goes on', async () => {
    await appendFile(fx.vault.paths.audit, '{"seq":8,"time":"20');
    const torn = await fx.vault.auditLog();
    expect(torn.chain_verified).toBe(false);
    expect(torn.problems.join('; ')).toMatch(/incomplete/);
    await kms.rotateKey(fx.vault, { key_id: keyId });
    const log = await fx.vault.auditLog();
    expect(log.chain_verified, log.problems.join('; ')).toBe(true);
    expect(log.records.at(-1)).toMatchObject({ seq: 8, operation: 'rotate-key' });
  });

  it('coffer audit-log lists records (newest last), filters by key, and says whether the chain verifies', async () => {
    const all = await runCoffer(['--vault', fx.dir, 'audit-log']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.json).toMatchObject({ chain_verified: true, total: 7, problems: [] });
    const limited = await runCoffer(['--vault', fx.dir, 'audit-log', '--limit', '2']);
    expect(limited.json.records.map((r: { seq: number }) => r.seq)).toEqual([6, 7]);
    const byKey = await runCoffer(['--vault', fx.dir, 'audit-log', '--key-id', keyId]);
    expect(byKey.json.records).toHaveLength(6);
    await rewrite((l) => l.slice(0, -1).concat(l.at(-1)!.replace('encrypt-data', 'decrypt-data')));
    const broken = await runCoffer(['--vault', fx.dir, 'audit-log']);
    expect(broken.json.chain_verified).toBe(false);
    expect(broken.json.problems[0]).toMatch(/record 7 was altered/);
    // The vault still opens: a broken chain is reported, not a lock-out.
    expect((await Vault.open(fx.env)).vaultId).toBe(fx.vault.vaultId);
  });
});
