import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptFile, encryptFile } from '../../electron/core/jobs/file-crypto.js';
import { isTempName } from '../../electron/core/jobs/output-file.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { removeDir, tempDir } from '../helpers/cli.js';
import { memoryKeyring } from '../helpers/engine-fixture.js';

/**
 * Plaintext is the user's alone: a decrypted output, and every temporary file (which a crash may
 * leave behind), is mode 0600 whatever the umask. Encrypted outputs keep the umask's mode.
 */
const keys = memoryKeyring();
let pool: WorkerPool;
let work: string;
let umask: number;

beforeAll(async () => {
  pool = new WorkerPool(2);
  work = await tempDir();
  // A permissive umask, as many desktops have: without the fix every output would be 0664.
  umask = process.umask(0o002);
});
afterAll(async () => {
  process.umask(umask);
  await pool.close();
  await removeDir(work);
});

/** The modes of the temporary files in `dir` now (synchronously: while the job runs, before it commits). */
function tempModes(dir: string): number[] {
  return readdirSync(dir)
    .filter(isTempName)
    .map((name) => statSync(join(dir, name)).mode & 0o777);
}

describe('file modes', () => {
  it('writes a decrypted file 0600, its temporary file too, and an encrypted file by the umask', async () => {
    // Several batches, so that progress is reported while the temporary files exist.
    await writeFile(join(work, 'plain.bin'), randomBytes(24 * 1024 * 1024));
    const seenWhileEncrypting: number[] = [];
    const encrypted = await encryptFile(
      join(work, 'plain.bin'),
      join(work, 'plain.bin.coffer'),
      {},
      { pool, keys, onProgress: () => seenWhileEncrypting.push(...tempModes(work)) },
    );
    expect((await stat(encrypted.output!)).mode & 0o777).toBe(0o664);

    const seenWhileDecrypting: number[] = [];
    const decrypted = await decryptFile(join(work, 'plain.bin.coffer'), join(work, 'back.bin'), {
      pool,
      keys,
      onProgress: () => seenWhileDecrypting.push(...tempModes(work)),
    });
    expect((await stat(decrypted.output!)).mode & 0o777).toBe(0o600);
    expect(seenWhileEncrypting.length + seenWhileDecrypting.length).toBeGreaterThan(0);
    expect(new Set([...seenWhileEncrypting, ...seenWhileDecrypting])).toEqual(new Set([0o600]));
  });
});
