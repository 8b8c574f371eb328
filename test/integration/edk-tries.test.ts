import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CofferError } from '../../shared/errors.js';
import { decryptFile, encryptFile } from '../../electron/core/jobs/file-crypto.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { vaultKeyring } from '../../electron/core/keyrings/vault-keyring.js';
import { wrapDataKey } from '../../electron/core/keyrings/raw-aes-keyring.js';
import * as kms from '../../electron/core/kms/key-operations.js';
import type { AuditRecord } from '../../electron/core/vault/audit-log.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';

/** A file's decryption is one audit record, however many EDKs its header holds, saying how many were tried. */
let fx: VaultFixture;
let pool: WorkerPool;
const keyIds: string[] = [];

beforeAll(async () => {
  fx = await keychainVault();
  pool = new WorkerPool(1);
  for (const alias of ['tries-a', 'tries-b', 'tries-c']) {
    keyIds.push((await kms.createKey(fx.vault, { key_alias: alias })).key_info.key_id);
  }
});
afterAll(async () => {
  await pool.close();
  await fx.dispose();
});

/** The records a step appended to the real vault's audit log. */
async function recordsOf(step: () => Promise<unknown>): Promise<AuditRecord[]> {
  const before = (await fx.vault.auditLog()).records.length;
  await step();
  const log = await fx.vault.auditLog();
  expect(log.chain_verified).toBe(true);
  return log.records.slice(before);
}

/** EDKs that name a real key but were wrapped under other material: none opens. */
function strangerEdk(keyId: string, version = 1) {
  return wrapDataKey(randomBytes(32), { keyId, version }, randomBytes(32), Buffer.alloc(0));
}

describe('EDK tries', () => {
  it('tries each key version at most once per file, and writes one record', async () => {
    const edks = Array.from({ length: 20 }, () => strangerEdk(keyIds[0]!));
    let error: unknown;
    const records = await recordsOf(async () => {
      error = await vaultKeyring(fx.vault, [], 'decrypt-file')
        .unwrap(edks, Buffer.alloc(0))
        .catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(CofferError);
    expect((error as CofferError).code).toBe('COFFER.2003');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ operation: 'decrypt-file', key_id: keyIds[0], outcome: 'failure', edks_tried: 1 });
  });

  it('a decryption that tries three keys and fails is one record with edks_tried 3', async () => {
    const edks = keyIds.map((id) => strangerEdk(id));
    const records = await recordsOf(() =>
      vaultKeyring(fx.vault, [], 'decrypt-file')
        .unwrap(edks, Buffer.alloc(0))
        .catch(() => null),
    );
    expect(records).toEqual([
      expect.objectContaining({
        operation: 'decrypt-file',
        key_id: null,
        outcome: 'failure',
        error_code: 'COFFER.2003',
        edks_tried: 3,
        detail: `tried ${keyIds.map((id) => `${id}:1`).join(', ')}`,
      }),
    ]);
  });

  it('a hostile header naming thousands of versions of a real key writes at most one record, quickly', async () => {
    const edks = Array.from({ length: 5000 }, (_, i) => strangerEdk(keyIds[0]!, i + 1));
    const started = performance.now();
    const records = await recordsOf(() =>
      vaultKeyring(fx.vault, [], 'decrypt-file')
        .unwrap(edks, Buffer.alloc(0))
        .catch(() => null),
    );
    expect(performance.now() - started).toBeLessThan(5000);
    expect(records).toHaveLength(1);
    // Only version 1 exists: the other 4,999 EDKs never reach the vault.
    expect(records[0]).toMatchObject({ outcome: 'failure', error_code: 'COFFER.2003', edks_tried: 1 });
    expect(records[0]!.detail!.length).toBeLessThanOrEqual(300);
  });

  it('a real file under three disabled keys: one failure record, edks_tried 3; once enabled, one success record', async () => {
    const input = join(fx.dir, 'three-keys.bin');
    await writeFile(input, randomBytes(3000));
    const sealed = await encryptFile(
      input,
      `${input}.coffer`,
      {},
      { pool, keys: vaultKeyring(fx.vault, keyIds, 'encrypt-file') },
    );
    for (const key_id of keyIds) await kms.disableKey(fx.vault, { key_id });
    const refused = await recordsOf(() =>
      decryptFile(sealed.output!, null, { pool, keys: vaultKeyring(fx.vault, [], 'decrypt-file', { files: 1 }) }).catch(
        (e: unknown) => e,
      ),
    );
    expect(refused).toEqual([
      expect.objectContaining({ operation: 'decrypt-file', outcome: 'failure', error_code: 'KMS.0209', edks_tried: 3 }),
    ]);
    await kms.enableKey(fx.vault, { key_id: keyIds[1]! });
    const opened = await recordsOf(() =>
      decryptFile(sealed.output!, null, { pool, keys: vaultKeyring(fx.vault, [], 'decrypt-file', { files: 1 }) }),
    );
    expect(opened).toEqual([
      expect.objectContaining({
        operation: 'decrypt-file',
        key_id: keyIds[1],
        key_version: 1,
        outcome: 'success',
        edks_tried: 2,
      }),
    ]);
    await kms.enableKey(fx.vault, { key_id: keyIds[0]! });
    await kms.enableKey(fx.vault, { key_id: keyIds[2]! });
  });

  it("a job's files each get one record; the key is asked for once, and not recorded on its own", async () => {
    const sealed: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const input = join(fx.dir, `job-${i}.bin`);
      await writeFile(input, randomBytes(100 + i));
      sealed.push(
        (await encryptFile(input, `${input}.coffer`, {}, { pool, keys: vaultKeyring(fx.vault, [keyIds[2]!], 'encrypt-file') }))
          .output!,
      );
    }
    const keys = vaultKeyring(fx.vault, [], 'decrypt-file', { files: 5 });
    const records = await recordsOf(async () => {
      await Promise.all(sealed.map((file) => decryptFile(file, null, { pool, keys })));
      keys.release();
    });
    expect(records).toHaveLength(5);
    for (const record of records) {
      expect(record).toMatchObject({
        operation: 'decrypt-file',
        key_id: keyIds[2],
        outcome: 'success',
        edks_tried: 1,
        detail: `tried ${keyIds[2]}:1 (in a job of 5 files)`,
      });
    }
  });
});
