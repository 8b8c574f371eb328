import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFileJob } from '../../electron/core/jobs/file-job-runner.js';
import type { Keyring } from '../../electron/core/keyrings/keyring.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import type { FileResult } from '../../shared/kms-responses.js';
import { COFFER_BIN, removeDir, runCoffer, tempDir } from '../helpers/cli.js';
import { fixedKeyrings, memoryKeyring } from '../helpers/engine-fixture.js';

/**
 * Folders of small encrypted files: a worker reads their headers, their data keys are unwrapped on
 * the job's thread, and a worker reads each file whole and opens it in one pass
 * (small-file-crypto.ts): each file
 * still gets the streaming reader's verdict, a damaged one writes nothing and stops no other,
 * and a large file in the same folder still streams.
 */
let pool: WorkerPool;
let work: string;
const keys = memoryKeyring();
const F = 4096;

beforeAll(async () => {
  pool = new WorkerPool(2);
  work = await tempDir('coffer-small-');
});
afterAll(async () => {
  await pool.close();
  await removeDir(work);
});

function runJob(request: Record<string, unknown>, decryptKeys: Keyring = keys): Promise<FileResult[]> {
  const withKey = request.action === 'encrypt' ? { key_ids: [keys.keyId], ...request } : request;
  return runFileJob(withKey, { pool, keyrings: fixedKeyrings(keys, decryptKeys) });
}

const outcome = (results: FileResult[]): Record<string, string> =>
  Object.fromEntries(results.map((r) => [basename(r.input), r.status === 'error' ? r.error.error_code : r.status]));

/** A folder of small files (an empty one among them) and one large file, encrypted into `sealed/album`. */
async function sealedAlbum(name: string): Promise<{ contents: Map<string, Buffer>; sealed: string }> {
  const folder = join(work, name, 'album');
  await mkdir(folder, { recursive: true });
  const contents = new Map<string, Buffer>([
    ['empty.txt', Buffer.alloc(0)],
    ['one-frame.jpg', randomBytes(F)],
    ...Array.from(
      { length: 12 },
      (_, i) => [`img-${String(i).padStart(2, '0')}.jpg`, randomBytes(1 + ((i * 7919) % 60_000))] as const,
    ),
    ['video.mp4', randomBytes(4 * 1024 * 1024 + 5)],
  ]);
  for (const [file, data] of contents) await writeFile(join(folder, file), data);
  const results = await runJob({ action: 'encrypt', paths: [folder], out_dir: join(work, name, 'sealed'), frame_length: F });
  expect(results.every((r) => r.status === 'ok')).toBe(true);
  return { contents, sealed: join(work, name, 'sealed', 'album') };
}

describe('a folder of small encrypted files', () => {
  it('decrypts and verifies byte for byte, with empty, one-frame and large files among them', async () => {
    const { contents, sealed } = await sealedAlbum('round-trip');
    const out = join(work, 'round-trip', 'opened');
    const opened = await runJob({ action: 'decrypt', paths: [sealed], out_dir: out });
    expect(opened.map((r) => r.status)).toEqual(opened.map(() => 'ok'));
    expect(opened).toHaveLength(contents.size);
    for (const [file, data] of contents) {
      expect((await readFile(join(out, 'album', file))).equals(data), file).toBe(true);
      expect((await stat(join(out, 'album', file))).mode & 0o777, file).toBe(0o600);
    }
    expect((await readdir(join(out, 'album'))).filter((e) => e.includes('.coffer-tmp-'))).toEqual([]);

    const verified = await runJob({ action: 'verify', paths: [sealed] });
    expect(verified.map((r) => (r.status === 'ok' ? r.bytes : r.status))).toEqual(
      [...contents.keys()].sort(new Intl.Collator().compare).map((file) => contents.get(file)!.length),
    );
  });

  it('refuses a tampered, a cut-short and a lengthened file with their own codes, writes nothing for them, and opens the rest', async () => {
    const { contents, sealed } = await sealedAlbum('damaged');
    const flip = join(sealed, 'img-03.jpg.coffer');
    const bytes = await readFile(flip);
    bytes[bytes.length - 40]! ^= 0x01;
    await writeFile(flip, bytes);
    await truncate(join(sealed, 'img-04.jpg.coffer'), (await stat(join(sealed, 'img-04.jpg.coffer'))).size - 3);
    await writeFile(
      join(sealed, 'img-05.jpg.coffer'),
      Buffer.concat([await readFile(join(sealed, 'img-05.jpg.coffer')), Buffer.from('tail')]),
    );
    await writeFile(join(sealed, 'not-coffer.jpg.coffer'), 'plain text, not a message');

    const out = join(work, 'damaged', 'opened');
    const results = await runJob({ action: 'decrypt', paths: [sealed], out_dir: out });
    const codes = outcome(results);
    expect(codes['img-03.jpg.coffer']).toBe('COFFER.2003');
    expect(codes['img-04.jpg.coffer']).toBe('COFFER.2004');
    expect(codes['img-05.jpg.coffer']).toBe('COFFER.2005');
    expect(codes['not-coffer.jpg.coffer']).toBe('COFFER.2001');
    const written = await readdir(join(out, 'album'));
    expect(written.sort()).toEqual(
      [...contents.keys()].filter((f) => !['img-03.jpg', 'img-04.jpg', 'img-05.jpg'].includes(f)).sort(),
    );
    for (const file of written) expect((await readFile(join(out, 'album', file))).equals(contents.get(file)!), file).toBe(true);

    // verify-file gives each file the same verdict, and writes nothing.
    expect(outcome(await runJob({ action: 'verify', paths: [sealed] }))).toEqual(codes);
  });

  it('with the wrong key, every file is refused and no output (nor output folder) is left', async () => {
    const { sealed } = await sealedAlbum('wrong-key');
    const out = join(work, 'wrong-key', 'opened');
    const results = await runJob({ action: 'decrypt', paths: [sealed], out_dir: out }, memoryKeyring());
    expect(new Set(results.map((r) => (r.status === 'error' ? r.error.error_code : r.status)))).toEqual(new Set(['COFFER.2006']));
    expect(existsSync(join(out, 'album'))).toBe(false);
  });

  it('a signed small file among them is still checked against its signature', async () => {
    const folder = join(work, 'signed', 'in');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'a.txt'), 'signed and small');
    await writeFile(join(folder, 'b.txt'), 'unsigned and small');
    await runJob({ action: 'encrypt', paths: [join(folder, 'a.txt')], algorithm_suite: 0x0578 });
    await runJob({ action: 'encrypt', paths: [join(folder, 'b.txt')] });
    const signed = join(folder, 'a.txt.coffer');
    const bytes = await readFile(signed);
    bytes[bytes.length - 10]! ^= 0x01; // inside the footer's signature
    await writeFile(signed, bytes);
    const out = join(work, 'signed', 'out');
    expect(outcome(await runJob({ action: 'decrypt', paths: [folder], out_dir: out }))).toEqual({
      'a.txt': 'skipped',
      'b.txt': 'skipped',
      'a.txt.coffer': 'COFFER.2051',
      'b.txt.coffer': 'ok',
    });
    expect(await readdir(join(out, 'in'))).toEqual(['b.txt']);
  });

  it('refuses, as changed, a file replaced between the reading of its header and its opening, and writes nothing for it', async () => {
    const { contents, sealed } = await sealedAlbum('swapped');
    const victim = join(sealed, 'img-06.jpg.coffer');
    const other = await readFile(join(sealed, 'img-07.jpg.coffer'));
    // Its data key is unwrapped from the header read first; meanwhile the file becomes another message.
    const swapping: Keyring = {
      ...keys,
      unwrap: async (edks, contextBytes) => {
        const dek = await keys.unwrap(edks, contextBytes);
        if ((await readFile(victim)).length !== other.length) await writeFile(victim, other);
        return dek;
      },
    };
    const out = join(work, 'swapped', 'opened');
    const codes = outcome(await runJob({ action: 'decrypt', paths: [sealed], out_dir: out }, swapping));
    expect(codes['img-06.jpg.coffer']).toBe('COFFER.2011');
    expect(Object.entries(codes).filter(([, code]) => code !== 'ok')).toEqual([['img-06.jpg.coffer', 'COFFER.2011']]);
    const written = await readdir(join(out, 'album'));
    expect(written).not.toContain('img-06.jpg');
    expect(written.filter((e) => e.includes('.coffer-tmp-'))).toEqual([]);
    for (const file of written) expect((await readFile(join(out, 'album', file))).equals(contents.get(file)!), file).toBe(true);
  });

  it('opens small files whose header is longer than the first read of it (a large encryption context)', async () => {
    const folder = join(work, 'long-header', 'in');
    await mkdir(folder, { recursive: true });
    const files = new Map([...Array(3).keys()].map((i) => [`note-${i}.txt`, randomBytes(100 + i * 5000)] as const));
    for (const [file, data] of files) await writeFile(join(folder, file), data);
    const context = { purpose: 'x'.repeat(5000), owner: 'y'.repeat(300) };
    await runJob({ action: 'encrypt', paths: [folder], encryption_context: context });
    const header = await readFile(join(folder, 'note-0.txt.coffer'));
    expect(header.length).toBeGreaterThan(5300);
    const out = join(work, 'long-header', 'out');
    const results = await runJob({ action: 'decrypt', paths: [folder], out_dir: out });
    expect(outcome(results)).toMatchObject({ 'note-0.txt.coffer': 'ok', 'note-1.txt.coffer': 'ok', 'note-2.txt.coffer': 'ok' });
    for (const [file, data] of files) expect((await readFile(join(out, 'in', file))).equals(data), file).toBe(true);
  });

  it.runIf(process.platform === 'linux')(
    'refuses a file that holds more than its size says (as /proc files do), writing nothing, and seals the rest',
    async () => {
      // /proc/cpuinfo says 0 bytes and reads several kilobytes: sealed by its size, it would be an empty message.
      const folder = join(work, 'sizes');
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'note.txt'), 'a stable file');
      const out = join(work, 'sizes-sealed');
      const results = await runJob({ action: 'encrypt', paths: ['/proc/cpuinfo', join(folder, 'note.txt')], out_dir: out });
      expect(outcome(results)).toEqual({ cpuinfo: 'COFFER.2011', 'note.txt': 'ok' });
      const refused = results.find((r) => r.input === '/proc/cpuinfo');
      expect(refused?.status === 'error' && refused.error.error_msg).toMatch(/holds more than its size of 0 bytes.*\/proc/);
      expect(await readdir(out)).toEqual(['note.txt.coffer']);
    },
  );

  it('never names an output over an existing file: a second run gets " (1)" names', async () => {
    const { contents, sealed } = await sealedAlbum('twice');
    const out = join(work, 'twice', 'opened');
    await runJob({ action: 'decrypt', paths: [sealed], out_dir: out });
    const again = await runJob({ action: 'decrypt', paths: [join(sealed, 'img-00.jpg.coffer')], out_dir: join(out, 'album') });
    expect(again).toMatchObject([{ status: 'ok', output: join(out, 'album', 'img-00 (1).jpg') }]);
    expect((await readFile(join(out, 'album', 'img-00 (1).jpg'))).equals(contents.get('img-00.jpg')!)).toBe(true);
  });
});

describe('a command ended by signals mid-folder', () => {
  /**
   * The first signal cancels the batch, the second ends the command at once: temporary outputs
   * the workers were writing are removed too (they are among the process's own), and whatever
   * has a final name is whole.
   */
  it('leaves no temporary file of a small file, encrypting or decrypting, and every named output is whole', async () => {
    const root = join(work, 'signals');
    const vault = join(root, 'vault');
    const folder = join(root, 'album');
    await mkdir(folder, { recursive: true });
    const env = { COFFER_AGENT: 'off' };
    expect((await runCoffer(['--vault', vault, 'init'], { env })).code).toBe(0);
    expect((await runCoffer(['--vault', vault, 'create-key', '--alias', 'k'], { env })).code).toBe(0);
    const chunk = randomBytes(64 * 1024);
    for (let i = 0; i < 400; i += 1) await writeFile(join(folder, `img-${String(i).padStart(3, '0')}.jpg`), chunk);
    const sealed = join(root, 'sealed');
    expect(
      (await runCoffer(['--vault', vault, 'encrypt-file', '--key-id', 'alias/k', '--out-dir', sealed, folder], { env })).code,
    ).toBe(0);

    for (const [args, out, named] of [
      [['encrypt-file', '--key-id', 'alias/k'], join(root, 'enc'), (e: string) => e.endsWith('.coffer')],
      [['decrypt-file'], join(root, 'dec'), (e: string) => e.endsWith('.jpg')],
    ] as const) {
      const input = args[0] === 'encrypt-file' ? folder : join(sealed, 'album');
      const child = spawn(process.execPath, [COFFER_BIN, '--vault', vault, ...args, '--out-dir', out, input], {
        stdio: 'ignore',
        env: { ...process.env, ...env },
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      const written = join(out, 'album');
      const deadline = Date.now() + 60_000;
      while (!(existsSync(written) && (await readdir(written)).some(named))) {
        if (Date.now() > deadline) throw new Error('no output appeared');
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      child.kill('SIGTERM');
      child.kill('SIGTERM');
      expect(await exited, args[0]).toBe(143);
      const left = await readdir(written);
      expect(
        left.filter((e) => e.includes('.coffer-tmp-')),
        args[0],
      ).toEqual([]);
      // The job was cut short: some files were never done.
      expect(left.length, args[0]).toBeLessThan(400);
      if (args[0] === 'encrypt-file') {
        const verified = await runCoffer(['--vault', vault, 'verify-file', written], { env });
        expect(verified.json.files.every((f: FileResult) => f.status === 'ok')).toBe(true);
      } else {
        for (const file of left) expect((await readFile(join(written, file))).equals(chunk), file).toBe(true);
      }
    }
  }, 180_000);
});
