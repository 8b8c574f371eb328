import { randomBytes } from 'node:crypto';
import { existsSync, truncateSync } from 'node:fs';
import { readdir, readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as kms from '../../electron/core/kms/key-operations.js';
import { inspectMessage } from '../../electron/core/jobs/inspect-message.js';
import { RandomAccessReader } from '../../electron/core/envelope/random-access-reader.js';
import { runFileJob } from '../../electron/core/jobs/file-job-runner.js';
import type { Keyring } from '../../electron/core/keyrings/keyring.js';
import { decryptFile, encryptFile } from '../../electron/core/jobs/file-crypto.js';
import { vaultKeyring } from '../../electron/core/keyrings/vault-keyring.js';
import { wrappedKeyPlaceholder } from '../../electron/core/keyrings/raw-aes-keyring.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { CofferError } from '../../shared/errors.js';
import { removeDir, tempDir } from '../helpers/cli.js';
import { fixedKeyrings, memoryKeyring } from '../helpers/engine-fixture.js';
import { keychainVault, type VaultFixture } from '../helpers/vault-fixture.js';

let pool: WorkerPool;
let work: string;
let dir: string;
const keys = memoryKeyring();
const F = 1024;

beforeAll(async () => {
  pool = new WorkerPool(2);
  work = await tempDir();
});
afterAll(async () => {
  await pool.close();
  await removeDir(work);
});
beforeEach(async () => {
  dir = join(work, String(Math.random()).slice(2));
  await mkdir(dir);
});

/** A file job through the one runner, with the memory key (`decryptKeys` to verify with another). */
function runJob(request: Record<string, unknown>, decryptKeys: Keyring = keys) {
  const withKey = request.action === 'encrypt' ? { key_ids: [keys.keyId], ...request } : request;
  return runFileJob(withKey, { pool, keyrings: fixedKeyrings(keys, decryptKeys) });
}

async function roundTrip(data: Buffer, frameLength = F): Promise<{ encrypted: Buffer; output: string }> {
  const input = join(dir, 'plain.bin');
  await writeFile(input, data);
  const sealed = await encryptFile(input, join(dir, 'plain.bin.coffer'), { frame_length: frameLength }, { pool, keys });
  expect(sealed.bytes).toBe(data.length);
  const opened = await decryptFile(sealed.output!, join(dir, 'out.bin'), { pool, keys });
  expect(opened.bytes).toBe(data.length);
  expect((await readFile(opened.output!)).equals(data)).toBe(true);
  return { encrypted: await readFile(sealed.output!), output: sealed.output! };
}

describe('round trips at every size that matters', () => {
  it.each([
    ['empty', 0],
    ['1 byte', 1],
    ['F - 1', F - 1],
    ['F', F],
    ['F + 1', F + 1],
    ['many F', 37 * F],
    ['many F + 7', 37 * F + 7],
    ['several batches of 4 MiB', 9 * 1024 * 1024 + 3],
  ])('%s', async (_name, size) => {
    const data = randomBytes(size);
    const { output } = await roundTrip(data);
    const info = await inspectMessage(output);
    expect(info).toMatchObject({ version: 2, suite_id: '0x0478', frame_length: F, plaintext_length: size });
    expect(info.frames).toBe(Math.max(1, Math.ceil(size / F)));
    expect(info.encrypted_data_keys).toEqual([
      {
        provider_id: 'coffer',
        key_name: `${keys.keyId}:v00000001`,
        provider_info_format: 'raw-aes',
        key_id: keys.keyId,
        key_version: 1,
      },
    ]);
  });

  it('keeps the encryption context in the header, exactly', async () => {
    const input = join(dir, 'ctx.bin');
    await writeFile(input, 'context');
    const context = { 'ünïcode-key': 'välue', department: 'finance', A: '' };
    const sealed = await encryptFile(input, `${input}.coffer`, { encryption_context: context }, { pool, keys });
    expect((await inspectMessage(sealed.output!)).encryption_context).toEqual(context);
    const opened = await decryptFile(sealed.output!, null, { pool, keys });
    expect(opened.header?.encryptionContext).toEqual(context);
  });

  it('refuses frame lengths outside 1 KiB..16 MiB', async () => {
    const input = join(dir, 'x');
    await writeFile(input, 'x');
    for (const frameLength of [0, 1023, 16 * 1024 * 1024 + 1, 1.5]) {
      await expect(encryptFile(input, `${input}.coffer`, { frame_length: frameLength }, { pool, keys })).rejects.toMatchObject({
        code: 'COFFER.2012',
      });
    }
  });
});

describe('the random-access reader', () => {
  it('serves any byte range from the frames it covers, authenticated', async () => {
    const data = randomBytes(20 * F + 333);
    const { output } = await roundTrip(data);
    const reader = await RandomAccessReader.open(output, keys.unwrap);
    try {
      expect(reader.plaintextLength).toBe(data.length);
      const ranges: [number, number][] = [
        [0, 0],
        [0, 1],
        [0, F],
        [F - 1, F + 1],
        [5 * F, 5 * F + 10],
        [3 * F + 17, 11 * F + 5],
        [data.length - 1, data.length],
        [0, data.length],
        [20 * F, data.length],
      ];
      for (let i = 0; i < 50; i += 1) {
        const a = Math.floor(Math.random() * data.length);
        ranges.push([a, Math.min(data.length, a + Math.floor(Math.random() * 3 * F))]);
      }
      for (const [start, end] of ranges) {
        expect((await reader.read(start, end)).equals(data.subarray(start, end)), `${start}-${end}`).toBe(true);
      }
      await expect(reader.read(-1, 5)).rejects.toMatchObject({ code: 'COFFER.2013' });
      await expect(reader.read(0, data.length + 1)).rejects.toMatchObject({ code: 'COFFER.2013' });
    } finally {
      await reader.close();
    }
  });

  it('refuses a damaged frame when it is read, and a cut-off end when opened', async () => {
    const data = randomBytes(10 * F);
    const { encrypted, output } = await roundTrip(data);
    const headerLength = encrypted.length - (9 * (F + 32) + F + 40);
    const damaged = Buffer.from(encrypted);
    damaged[headerLength + 3 * (F + 32) + 100]! ^= 1;
    await writeFile(output, damaged);
    const reader = await RandomAccessReader.open(output, keys.unwrap);
    expect((await reader.read(0, F)).equals(data.subarray(0, F))).toBe(true);
    await expect(reader.read(3 * F, 3 * F + 1)).rejects.toMatchObject({ code: 'COFFER.2003' });
    await reader.close();
    await writeFile(output, encrypted.subarray(0, encrypted.length - 1));
    await expect(RandomAccessReader.open(output, keys.unwrap)).rejects.toMatchObject({ code: 'COFFER.2004' });
  });
});

describe('progress, cancel and leftovers', () => {
  it('reports bytes, total, rate and ETA a few times a second, not once per frame', async () => {
    const input = join(dir, 'big.bin');
    await writeFile(input, randomBytes(48 * 1024 * 1024));
    const events: { bytesDone: number; bytesTotal: number; rate: number; etaSeconds: number | null }[] = [];
    const started = performance.now();
    await encryptFile(input, `${input}.coffer`, { frame_length: F }, { pool, keys, onProgress: (p) => events.push(p) });
    const seconds = (performance.now() - started) / 1000;
    // 49152 frames; progress at most every 250 ms, plus the last word.
    expect(events.length).toBeLessThanOrEqual(Math.ceil(seconds * 4) + 2);
    expect(events.at(-1)).toMatchObject({ bytesDone: 48 * 1024 * 1024, bytesTotal: 48 * 1024 * 1024 });
    expect(events.at(-1)!.rate).toBeGreaterThan(0);
  });

  it('a cancelled job leaves nothing: no output, no temporary file', async () => {
    const input = join(dir, 'cancel.bin');
    await writeFile(input, randomBytes(32 * 1024 * 1024));
    const controller = new AbortController();
    const job = encryptFile(
      input,
      `${input}.coffer`,
      { frame_length: F },
      {
        pool,
        keys,
        signal: controller.signal,
        onProgress: (p) => p.bytesDone > 0 && controller.abort(),
      },
    );
    await expect(job).rejects.toMatchObject({ code: 'COFFER.2010' });
    expect((await readdir(dir)).sort()).toEqual(['cancel.bin']);
  });

  it('a temporary file left by a killed run is removed, never taken for output', async () => {
    const input = join(dir, 'doc.txt');
    await writeFile(input, 'hello');
    const stale = join(dir, '.doc.txt.coffer.coffer-tmp-999999-deadbeef');
    await writeFile(stale, 'half a file');
    const results = await runJob({ action: 'encrypt', paths: [input] });
    expect(results).toMatchObject([{ status: 'ok', output: `${input}.coffer` }]);
    expect(existsSync(stale)).toBe(false);
  });
});

describe('batches', () => {
  it('encrypt each file of a folder separately, never overwrite, and decrypt back to NAME or "NAME (1).ext"', async () => {
    const folder = join(dir, 'photos');
    await mkdir(join(folder, '2026'), { recursive: true });
    await writeFile(join(folder, 'a.jpg'), 'aaa');
    await writeFile(join(folder, '2026', 'b.mp4'), 'bbb');
    await writeFile(join(folder, 'c.jpg.coffer'), 'not really');
    const encrypted = await runJob({ action: 'encrypt', paths: [folder] });
    expect(
      encrypted
        .filter((r) => r.status === 'ok')
        .map((r) => (r as { output: string }).output)
        .sort(),
    ).toEqual([join(folder, '2026', 'b.mp4.coffer'), join(folder, 'a.jpg.coffer')].sort());
    expect(encrypted.find((r) => r.status === 'skipped')).toMatchObject({ input: join(folder, 'c.jpg.coffer') });

    const again = await runJob({ action: 'encrypt', paths: [join(folder, 'a.jpg')] });
    expect(again).toMatchObject([{ status: 'ok', output: join(folder, 'a.jpg (1).coffer') }]);
    const decrypted = await runJob({ action: 'decrypt', paths: [join(folder, 'a.jpg.coffer')] });
    expect(decrypted).toMatchObject([{ status: 'ok', output: join(folder, 'a (1).jpg') }]);
    expect(await readFile(join(folder, 'a.jpg'), 'utf8')).toBe('aaa');
    expect(await readFile(join(folder, 'a (1).jpg'), 'utf8')).toBe('aaa');
  });

  it('a folder of small files (each sealed whole by a worker, several at once) and a large one: results in order, names never reused, bytes kept', async () => {
    const folder = join(dir, 'album');
    await mkdir(folder);
    const names = Array.from({ length: 40 }, (_, i) => `img-${String(i).padStart(2, '0')}.jpg`);
    const contents = new Map(names.map((name, i) => [name, randomBytes(i === 7 ? 0 : 1 + ((i * 7919) % 70_000))]));
    contents.set('video.mp4', randomBytes(5 * 1024 * 1024 + 3));
    for (const [name, data] of contents) await writeFile(join(folder, name), data);
    const inputs = [...contents.keys()].sort().map((name) => join(folder, name));

    const first = await runJob({ action: 'encrypt', paths: [folder], out_dir: join(dir, 'sealed') });
    expect(first.map((r) => r.input)).toEqual(inputs);
    expect(first.every((r) => r.status === 'ok')).toBe(true);
    const again = await runJob({ action: 'encrypt', paths: [folder], out_dir: join(dir, 'sealed') });
    expect(again.map((r) => (r as { output: string }).output)).toEqual(
      inputs.map((input) => join(dir, 'sealed', 'album', `${basename(input)} (1).coffer`)),
    );
    expect((await readdir(join(dir, 'sealed', 'album'))).some((name) => name.includes('.coffer-tmp-'))).toBe(false);

    const opened = await runJob({ action: 'decrypt', paths: [join(dir, 'sealed', 'album')], out_dir: join(dir, 'opened') });
    expect(opened.filter((r) => r.status === 'ok')).toHaveLength(inputs.length * 2);
    for (const [name, data] of contents)
      expect((await readFile(join(dir, 'opened', 'album', name))).equals(data), name).toBe(true);
  });

  it('one failure never stops the others; --out-dir keeps a folder structure', async () => {
    const good = join(dir, 'good.txt');
    await writeFile(good, 'fine');
    const bad = join(dir, 'bad.txt.coffer');
    await writeFile(bad, 'garbage that is not a coffer file');
    const out = join(dir, 'out');
    const results = await runJob({ action: 'decrypt', paths: [bad, join(dir, 'missing.coffer')], out_dir: out });
    expect(results.map((r) => (r.status === 'error' ? r.error.error_code : r.status))).toEqual(['COFFER.2008', 'COFFER.2001']);
    expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
    const mixed = await runJob({ action: 'encrypt', paths: [join(dir, 'nope'), good] });
    expect(mixed.map((r) => r.status)).toEqual(['error', 'ok']);
  });

  it('removes an original only after its encrypted copy verified', async () => {
    const input = join(dir, 'original.bin');
    const data = randomBytes(3 * F + 5);
    await writeFile(input, data);
    const results = await runJob({ action: 'encrypt', paths: [input], frame_length: F, remove_originals: true });
    expect(results).toMatchObject([{ status: 'ok', original_removed: true }]);
    expect(existsSync(input)).toBe(false);
    const back = await runJob({ action: 'decrypt', paths: [`${input}.coffer`] });
    expect((await readFile((back[0] as { output: string }).output)).equals(data)).toBe(true);

    // A copy that cannot be verified (its key cannot open it) keeps the original.
    const kept = join(dir, 'kept.bin');
    await writeFile(kept, data);
    const other = memoryKeyring();
    const refused = await runJob({ action: 'encrypt', paths: [kept], remove_originals: true }, other);
    expect(refused[0]!.status).toBe('error');
    expect(existsSync(kept)).toBe(true);
  });
});

describe('workers on ranges of one file', () => {
  /** Offset of frame `seq`'s ciphertext in an encrypted file whose header is `headerLength` long. */
  const ciphertextOf = (headerLength: number, seq: number): number => headerLength + (seq - 1) * (F + 32) + 16;

  it('a file damaged at the end of one range and the start of the next names the first damaged frame', async () => {
    // 4096 frames of 1 KiB per 4 MiB range: the worker on range 2 meets frame 4097 at once,
    // long before the worker on range 1 reaches frame 4096. The report must not depend on that race.
    const { encrypted } = await roundTrip(randomBytes(9 * 1024 * 1024));
    const info = await inspectMessage(join(dir, 'plain.bin.coffer'));
    const finalLength = info.plaintext_length - (info.frames - 1) * F;
    const headerLength = encrypted.length - (info.frames - 1) * (F + 32) - (finalLength + 40);
    encrypted[ciphertextOf(headerLength, 4096)]! ^= 1;
    encrypted[ciphertextOf(headerLength, 4097)]! ^= 1;
    const damaged = join(dir, 'damaged.coffer');
    await writeFile(damaged, encrypted);
    for (let i = 0; i < 3; i += 1) {
      await expect(decryptFile(damaged, join(dir, 'out'), { pool, keys })).rejects.toMatchObject({
        code: 'COFFER.2003',
        message: expect.stringContaining('frame 4096 does not authenticate'),
      });
    }
    expect((await readdir(dir)).sort()).toEqual(['damaged.coffer', 'out.bin', 'plain.bin', 'plain.bin.coffer']);
  });

  it('a worker that dies mid-job fails that job with COFFER.2014, and the pool carries on with a fresh worker', async () => {
    const own = new WorkerPool(1);
    try {
      const input = join(dir, 'video.mp4');
      const data = randomBytes(24 * 1024 * 1024);
      await writeFile(input, data);
      // Stands in for a crash (out of memory, a native fault): the thread busy with a range is
      // stopped, as soon as one is (the first range is done when the first progress comes).
      const busy = (own as unknown as { busy: Map<{ terminate(): Promise<number> }, unknown> }).busy;
      let hunter: NodeJS.Timeout | undefined;
      const job = encryptFile(
        input,
        `${input}.coffer`,
        { frame_length: F },
        {
          pool: own,
          keys,
          window: 1,
          onProgress: () => {
            hunter ??= setInterval(() => {
              const worker = busy.keys().next().value;
              if (!worker) return;
              void worker.terminate();
              clearInterval(hunter);
            }, 0);
          },
        },
      );
      await job.catch(() => undefined);
      clearInterval(hunter);
      await expect(job).rejects.toMatchObject({ code: 'COFFER.2014' });
      expect((await readdir(dir)).sort()).toEqual(['video.mp4']);
      const again = await encryptFile(input, `${input}.coffer`, { frame_length: F }, { pool: own, keys });
      const back = await decryptFile(again.output!, join(dir, 'back.mp4'), { pool: own, keys });
      expect((await readFile(back.output!)).equals(data)).toBe(true);
    } finally {
      await own.close();
    }
  });

  it('an input that shrinks while it is encrypted fails with COFFER.2011 and leaves no output', async () => {
    const input = join(dir, 'growing.log');
    await writeFile(input, randomBytes(12 * 1024 * 1024));
    const job = encryptFile(
      input,
      `${input}.coffer`,
      { frame_length: F },
      // One range at a time: the file is cut right after the first one is sealed.
      { pool, keys, window: 1, onProgress: () => truncateSync(input, 5 * 1024 * 1024) },
    );
    await expect(job).rejects.toMatchObject({ code: 'COFFER.2011', message: expect.stringContaining(input) });
    expect((await readdir(dir)).sort()).toEqual(['growing.log']);
  });

  it('an encrypted file cut short while it is decrypted fails with COFFER.2004 and leaves no output', async () => {
    const { output } = await roundTrip(randomBytes(12 * 1024 * 1024));
    const job = decryptFile(
      output,
      join(dir, 'again.bin'),
      // The layout was read from the full file; the cut comes after the first range is opened.
      { pool, keys, window: 1, onProgress: () => truncateSync(output, 5 * 1024 * 1024) },
    );
    await expect(job).rejects.toMatchObject({ code: 'COFFER.2004' });
    expect((await readdir(dir)).sort()).toEqual(['out.bin', 'plain.bin', 'plain.bin.coffer']);
  });
});

describe('the body is sealed while the data key is wrapped', () => {
  it('a key wrapped only once the body reached the end of the file still makes a file that opens', async () => {
    const input = join(dir, 'late.bin');
    const data = randomBytes(9 * 1024 * 1024 + 5);
    await writeFile(input, data);
    let bodyLength = 0;
    const lateKeys = {
      ...keys,
      wrap: async (dek: Buffer, contextBytes: Buffer) => {
        // The last range, which ends the file, has been written: the header's place is still a hole.
        for (;;) {
          const temp = (await readdir(dir)).find((name) => name.includes('.coffer-tmp-'));
          bodyLength = temp ? (await stat(join(dir, temp))).size : 0;
          if (bodyLength > data.length) break;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        return keys.wrap(dek, contextBytes);
      },
    };
    const sealed = await encryptFile(input, `${input}.coffer`, { frame_length: F }, { pool, keys: lateKeys });
    expect((await stat(sealed.output!)).size).toBe(bodyLength);
    const opened = await decryptFile(sealed.output!, join(dir, 'late.out'), { pool, keys });
    expect((await readFile(opened.output!)).equals(data)).toBe(true);
  });

  it('a wrap that fails (a disabled key, a locked keychain) stops the body: its error, and nothing left behind', async () => {
    const input = join(dir, 'refused.bin');
    await writeFile(input, randomBytes(64 * 1024 * 1024));
    let bytesSealed = 0;
    const refusing = {
      ...keys,
      wrap: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new CofferError('KMS.0209', 'The key is disabled.');
      },
    };
    const job = encryptFile(
      input,
      `${input}.coffer`,
      { frame_length: F },
      { pool, keys: refusing, onProgress: (p) => (bytesSealed = p.bytesDone) },
    );
    await expect(job).rejects.toMatchObject({ code: 'KMS.0209' });
    expect(bytesSealed).toBeLessThan(64 * 1024 * 1024);
    expect((await readdir(dir)).sort()).toEqual(['refused.bin']);
  });

  it('a wrap that answers with EDKs of another size than declared is refused, not written', async () => {
    const input = join(dir, 'odd.bin');
    await writeFile(input, randomBytes(5000));
    const odd = { ...keys, placeholders: [wrappedKeyPlaceholder(), wrappedKeyPlaceholder()] };
    await expect(encryptFile(input, `${input}.coffer`, {}, { pool, keys: odd })).rejects.toMatchObject({ code: 'KMS.0101' });
    expect((await readdir(dir)).sort()).toEqual(['odd.bin']);
  });
});

describe('with the vault', () => {
  let fx: VaultFixture;
  beforeAll(async () => {
    fx = await keychainVault();
  });
  afterAll(async () => {
    await fx.dispose();
  });

  it('wraps for every --also-key-id: any one of the CMKs opens the file; disabled and deleted CMKs say so', async () => {
    const first = (await kms.createKey(fx.vault, { key_alias: 'home' })).key_info.key_id;
    const second = (await kms.createKey(fx.vault, { key_alias: 'backup' })).key_info.key_id;
    const input = join(dir, 'video.mp4');
    await writeFile(input, randomBytes(5000));
    const sealed = await encryptFile(
      input,
      `${input}.coffer`,
      {},
      { pool, keys: vaultKeyring(fx.vault, ['alias/home', 'alias/backup'], 'encrypt-file') },
    );
    expect((await inspectMessage(sealed.output!)).encrypted_data_keys.map((k) => k.key_id)).toEqual([first, second]);
    const opener = vaultKeyring(fx.vault, [], 'decrypt-file');
    await kms.disableKey(fx.vault, { key_id: first });
    expect((await decryptFile(sealed.output!, null, { pool, keys: opener })).bytes).toBe(5000);
    await kms.disableKey(fx.vault, { key_id: second });
    await expect(decryptFile(sealed.output!, null, { pool, keys: opener })).rejects.toMatchObject({ code: 'KMS.0209' });

    const only = await encryptFile(
      input,
      join(dir, 'only.coffer'),
      {},
      { pool, keys: vaultKeyring(fx.vault, ['alias/photos-key-that-does-not-exist'], 'encrypt-file') },
    ).catch((e: { code: string }) => e);
    expect(only).toMatchObject({ code: 'KMS.0207' });
    // The body was being sealed while the key was looked up: nothing of it is left.
    expect((await readdir(dir)).filter((name) => name !== 'video.mp4' && name !== 'video.mp4.coffer')).toEqual([]);
    const doomed = (await kms.createKey(fx.vault, { key_alias: 'doomed' })).key_info.key_id;
    const lost = await encryptFile(
      input,
      join(dir, 'lost.coffer'),
      {},
      { pool, keys: vaultKeyring(fx.vault, [doomed], 'encrypt-file') },
    );
    await kms.scheduleKeyDeletion(fx.vault, { key_id: doomed, pending_days: 7 });
    await expect(decryptFile(lost.output!, null, { pool, keys: opener })).rejects.toMatchObject({ code: 'KMS.0210' });
    fx.clock.advanceDays(8);
    const { Vault } = await import('../../electron/core/vault/vault.js');
    const later = await Vault.open(fx.env);
    const error = await decryptFile(lost.output!, join(dir, 'lost.out'), {
      pool,
      keys: vaultKeyring(later, [], 'decrypt-file'),
    }).catch((e: { code: string; message: string }) => e);
    expect(error).toMatchObject({ code: 'COFFER.2007' });
    expect((error as { message: string }).message).toMatch(/was deleted.*cannot be recovered/);
    expect(existsSync(join(dir, 'lost.out'))).toBe(false);
    const log = await later.auditLog();
    expect(log.records.filter((r) => r.operation === 'encrypt-file' && r.outcome === 'success').length).toBeGreaterThanOrEqual(3);
    expect(log.records.some((r) => r.operation === 'decrypt-file' && r.error_code === 'KMS.0209')).toBe(true);
  });
});
