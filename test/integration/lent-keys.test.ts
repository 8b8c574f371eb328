import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFileJob } from '../../electron/core/jobs/file-job-runner.js';
import type { Keyring } from '../../electron/core/keyrings/keyring.js';
import { parseHeader } from '../../electron/core/envelope/message-header.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import type { FileResult } from '../../shared/kms-responses.js';
import { removeDir, runCoffer, tempDir } from '../helpers/cli.js';
import { requestKeyrings } from '../../electron/core/keyrings/request-keyrings.js';
import { CofferError } from '../../shared/errors.js';
import { Vault } from '../../electron/core/vault/vault.js';
import { fixedKeyrings, memoryKeyring } from '../helpers/engine-fixture.js';
import { cofferKeyName, sdk, sdkAesKeyring } from '../helpers/sdk-oracle.js';

/**
 * A folder's small files are opened by the workers with keys the job's keyring lends once it
 * holds them (Keyring.lendKeys): the job thread never sees those files' headers, yet each file's
 * key use is recorded (recordLentUses) before its output is named, and anything a lent key cannot
 * open goes the job thread's way, which unwraps (and records) it as before.
 */
let pool: WorkerPool;
let work: string;
const keys = memoryKeyring();

beforeAll(async () => {
  pool = new WorkerPool(2);
  work = await tempDir('coffer-lent-');
});
afterAll(async () => {
  await pool.close();
  await removeDir(work);
});

/** The memory key as a job's keyring that lends it, counting the job thread's unwraps and the records of lent uses. */
function lendingKeyring(options: { recordFails?: boolean } = {}): Keyring & { unwraps: number; recorded: string[] } {
  const keyring = {
    ...keys,
    unwraps: 0,
    recorded: [] as string[],
    unwrap: async (...args: Parameters<Keyring['unwrap']>) => {
      keyring.unwraps += 1;
      return keys.unwrap(...args);
    },
    // As the vault's keyring: a key is lent once the job holds it, after its first unwrap.
    lendKeys: () => (keyring.unwraps > 0 ? [{ keyId: keys.keyId, version: 1, material: Buffer.from(keys.material) }] : []),
    recordLentUses: async (uses: readonly { keyId: string; version: number }[]) => {
      if (options.recordFails) throw new Error('the audit log cannot be written');
      keyring.recorded.push(...uses.map((u) => `${u.keyId}:${u.version}`));
    },
  };
  return keyring;
}

async function sealedFolder(name: string, count: number): Promise<{ contents: Map<string, Buffer>; sealed: string }> {
  const folder = join(work, name, 'photos');
  await mkdir(folder, { recursive: true });
  const contents = new Map<string, Buffer>();
  for (let i = 0; i < count; i += 1)
    contents.set(`p-${String(i).padStart(3, '0')}.jpg`, randomBytes(i % 7 === 0 ? 0 : 500 + i * 37));
  for (const [file, data] of contents) await writeFile(join(folder, file), data);
  const results = await runFileJob(
    { action: 'encrypt', key_ids: [keys.keyId], paths: [folder], out_dir: join(work, name, 'sealed') },
    { pool, keyrings: fixedKeyrings(keys) },
  );
  expect(results.every((r) => r.status === 'ok')).toBe(true);
  return { contents, sealed: join(work, name, 'sealed', 'photos') };
}

const codes = (results: FileResult[]): Record<string, string> =>
  Object.fromEntries(results.map((r) => [basename(r.input), r.status === 'error' ? r.error.error_code : r.status]));

describe('small files opened with lent keys', () => {
  it('opens most of a folder in the workers, records every file once, and gives back every byte', async () => {
    const { contents, sealed } = await sealedFolder('round-trip', 300);
    const keyring = lendingKeyring();
    const out = join(work, 'round-trip', 'opened');
    const results = await runFileJob(
      { action: 'decrypt', paths: [sealed], out_dir: out },
      { pool, keyrings: fixedKeyrings(keys, keyring) },
    );
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
    // The first groups unwrap on the job thread (nothing is held yet); the rest are opened with the lent key.
    expect(keyring.recorded.length).toBeGreaterThan(100);
    expect(keyring.unwraps + keyring.recorded.length).toBe(contents.size);
    expect(new Set(keyring.recorded)).toEqual(new Set([`${keys.keyId}:1`]));
    for (const [file, data] of contents) expect((await readFile(join(out, 'photos', file))).equals(data), file).toBe(true);
    expect((await readdir(join(out, 'photos'))).filter((e) => e.includes('.coffer-tmp-'))).toEqual([]);

    const verifying = lendingKeyring();
    const verified = await runFileJob({ action: 'verify', paths: [sealed] }, { pool, keyrings: fixedKeyrings(keys, verifying) });
    expect(verified.map((r) => (r.status === 'ok' ? r.bytes : r.status))).toEqual([...contents.values()].map((d) => d.length));
    expect(verifying.unwraps + verifying.recorded.length).toBe(contents.size);
  });

  it('names nothing when the uses cannot be recorded, and leaves no temporary file', async () => {
    const { sealed } = await sealedFolder('unrecorded', 200);
    const out = join(work, 'unrecorded', 'opened');
    const keyring = lendingKeyring({ recordFails: true });
    const results = await runFileJob(
      { action: 'decrypt', paths: [sealed], out_dir: out },
      { pool, keyrings: fixedKeyrings(keys, keyring) },
    );
    const failed = results.filter((r) => r.status === 'error');
    expect(failed.length).toBe(200 - keyring.unwraps);
    expect(failed.length).toBeGreaterThan(50);
    for (const r of failed) expect(r.status === 'error' && r.error.error_msg).toContain('the audit log cannot be written');
    const written = await readdir(join(out, 'photos'));
    expect(written.filter((e) => e.includes('.coffer-tmp-'))).toEqual([]);
    // Only the files unwrapped on the job thread (whose records were written) have outputs.
    expect(written.length).toBe(keyring.unwraps);
  });

  it('sends a file the lent key cannot open to the job thread, which refuses it as altered', async () => {
    const { contents, sealed } = await sealedFolder('altered', 200);
    // A byte of the last file's EDK ciphertext is flipped: its data key no longer unwraps.
    const victim = join(sealed, 'p-199.jpg.coffer');
    const bytes = await readFile(victim);
    const edkAt = bytes.indexOf(parseHeader(bytes)!.edks[0]!.ciphertext);
    expect(edkAt).toBeGreaterThan(0);
    bytes[edkAt + 5]! ^= 0x01;
    await writeFile(victim, bytes);
    const out = join(work, 'altered', 'opened');
    const keyring = lendingKeyring();
    const results = await runFileJob(
      { action: 'decrypt', paths: [sealed], out_dir: out },
      { pool, keyrings: fixedKeyrings(keys, keyring) },
    );
    expect(codes(results)['p-199.jpg.coffer']).toBe('COFFER.2003');
    expect(Object.values(codes(results)).filter((c) => c !== 'ok')).toEqual(['COFFER.2003']);
    expect(existsSync(join(out, 'photos', 'p-199.jpg'))).toBe(false);
    expect(keyring.recorded).not.toContain(undefined);
    expect(keyring.unwraps + keyring.recorded.length).toBe(contents.size);
  });
});

describe('small files sealed with lent keys', () => {
  it('wraps most data keys in the workers, into files the official SDK opens with the same key and context', async () => {
    const folder = join(work, 'seal', 'photos');
    await mkdir(folder, { recursive: true });
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < 300; i += 1) contents.set(`p-${String(i).padStart(3, '0')}.jpg`, randomBytes(i * 53));
    for (const [file, data] of contents) await writeFile(join(folder, file), data);
    let wraps = 0;
    const keyring: Keyring = {
      ...keys,
      wrap: async (...args) => {
        wraps += 1;
        return keys.wrap(...args);
      },
      // As the vault's keyring: lent once the job holds the key, after its first wrap.
      lendWrapKeys: () =>
        wraps > 0
          ? [{ material: Buffer.from(keys.material), naming: { namespace: 'coffer', name: cofferKeyName(keys.keyId) } }]
          : null,
    };
    const sealed = join(work, 'seal', 'sealed');
    const context = { purpose: 'holiday', owner: 'ana' };
    const results = await runFileJob(
      { action: 'encrypt', key_ids: [keys.keyId], paths: [folder], out_dir: sealed, encryption_context: context },
      { pool, keyrings: fixedKeyrings(keyring) },
    );
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(wraps).toBeGreaterThan(0);
    expect(wraps).toBeLessThan(200);
    const oracle = sdkAesKeyring(keys.material, cofferKeyName(keys.keyId));
    for (const file of ['p-000.jpg', 'p-150.jpg', 'p-298.jpg', 'p-299.jpg']) {
      const { plaintext, messageHeader } = await sdk.decrypt(oracle, await readFile(join(sealed, 'photos', `${file}.coffer`)));
      expect(Buffer.from(plaintext).equals(contents.get(file)!), file).toBe(true);
      expect(messageHeader.encryptionContext).toMatchObject(context);
    }
    // And Coffer opens every one of them.
    const opened = await runFileJob(
      { action: 'decrypt', paths: [join(sealed, 'photos')], out_dir: join(work, 'seal', 'opened') },
      { pool, keyrings: fixedKeyrings(keys) },
    );
    expect(opened.filter((r) => r.status !== 'ok')).toEqual([]);
    for (const [file, data] of contents)
      expect((await readFile(join(work, 'seal', 'opened', 'photos', file))).equals(data), file).toBe(true);
  });

  it('wraps every data key in the workers when the keyring can hold its keys before the first wrap', async () => {
    const folder = join(work, 'held', 'photos');
    await mkdir(folder, { recursive: true });
    const contents = new Map<string, Buffer>();
    for (let i = 0; i < 200; i += 1) contents.set(`h-${i}.jpg`, randomBytes(10 + i * 7));
    for (const [file, data] of contents) await writeFile(join(folder, file), data);
    let wraps = 0;
    let holds = 0;
    const lent = () => [
      { material: Buffer.from(keys.material), naming: { namespace: 'coffer', name: cofferKeyName(keys.keyId) } },
    ];
    const keyring: Keyring = {
      ...keys,
      wrap: async (...args) => {
        wraps += 1;
        return keys.wrap(...args);
      },
      // As the vault's keyring: nothing to lend until a group asks for the key.
      lendWrapKeys: () => (holds > 0 ? lent() : null),
      holdWrapKeys: async () => {
        holds += 1;
        return lent();
      },
    };
    const sealed = join(work, 'held', 'sealed');
    const results = await runFileJob(
      { action: 'encrypt', key_ids: [keys.keyId], paths: [folder], out_dir: sealed },
      { pool, keyrings: fixedKeyrings(keyring) },
    );
    expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(wraps).toBe(0);
    expect(holds).toBeGreaterThan(0);
    const oracle = sdkAesKeyring(keys.material, cofferKeyName(keys.keyId));
    for (const file of ['h-0.jpg', 'h-199.jpg']) {
      const { plaintext } = await sdk.decrypt(oracle, await readFile(join(sealed, 'photos', `${file}.coffer`)));
      expect(Buffer.from(plaintext).equals(contents.get(file)!), file).toBe(true);
    }
  });

  it("gives every file the key's refusal when holding the keys is refused, as wrapping file by file does", async () => {
    const folder = join(work, 'refused', 'photos');
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < 40; i += 1) await writeFile(join(folder, `r-${i}.jpg`), randomBytes(100));
    const refusal = () => new CofferError('KMS.0209', 'The key is disabled.');
    const keyring: Keyring = {
      ...keys,
      wrap: async () => {
        throw refusal();
      },
      lendWrapKeys: () => null,
      holdWrapKeys: async () => {
        throw refusal();
      },
    };
    const results = await runFileJob(
      { action: 'encrypt', key_ids: [keys.keyId], paths: [folder], out_dir: join(work, 'refused', 'sealed') },
      { pool, keyrings: fixedKeyrings(keyring) },
    );
    expect(results).toHaveLength(40);
    expect(new Set(results.map((r) => (r.status === 'error' ? r.error.error_code : r.status)))).toEqual(new Set(['KMS.0209']));
    expect(
      existsSync(join(work, 'refused', 'sealed', 'photos')) ? await readdir(join(work, 'refused', 'sealed', 'photos')) : [],
    ).toEqual([]);
  });
});

describe("the vault's keys, lent", () => {
  it('a folder decrypted through the vault gets one audit record per file, naming the key, on an unbroken chain', async () => {
    const vaultDir = join(work, 'vault');
    const env = { COFFER_AGENT: 'off' };
    expect((await runCoffer(['--vault', vaultDir, 'init'], { env })).code).toBe(0);
    const created = await runCoffer(['--vault', vaultDir, 'create-key', '--alias', 'photos'], { env });
    const keyId = created.json.key_info.key_id as string;
    const folder = join(work, 'vault-folder', 'photos');
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < 300; i += 1) await writeFile(join(folder, `p-${i}.jpg`), randomBytes(100 + i));
    const vault = await Vault.open({ dir: vaultDir });
    const run = (request: Record<string, unknown>) => runFileJob(request, { pool, keyrings: requestKeyrings({ vault }) });
    const sealed = join(work, 'vault-folder', 'sealed');
    expect(
      (await run({ action: 'encrypt', key_ids: ['alias/photos'], paths: [folder], out_dir: sealed })).every(
        (r) => r.status === 'ok',
      ),
    ).toBe(true);
    // Encrypting records each key once for the job, workers wrapping or not.
    const sealing = (await vault.auditLog()).records.filter((r) => r.operation === 'encrypt-file');
    expect(sealing).toHaveLength(1);
    expect(sealing[0]).toMatchObject({ outcome: 'success', key_id: keyId, detail: 'one use for a job of 300 files' });
    const before = (await vault.auditLog()).records.length;
    const opened = await run({
      action: 'decrypt',
      paths: [join(sealed, 'photos')],
      out_dir: join(work, 'vault-folder', 'opened'),
    });
    expect(opened.filter((r) => r.status !== 'ok')).toEqual([]);
    const log = await vault.auditLog();
    expect(log.chain_verified).toBe(true);
    const records = log.records.slice(before);
    expect(records).toHaveLength(300);
    for (const record of records) {
      expect(record).toMatchObject({
        operation: 'decrypt-file',
        outcome: 'success',
        key_id: keyId,
        key_version: 1,
        edks_tried: 1,
      });
      expect(record.detail).toBe(`tried ${keyId}:1 (in a job of 300 files)`);
    }
  });
});
