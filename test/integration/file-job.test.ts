import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentStatus } from '../../electron/agent/agent-client.js';
import { agentSupported } from '../../electron/agent/agent-socket.js';
import { AGENT_PROTOCOL, buildStamp } from '../../electron/agent/agent-wire.js';
import { JobManager } from '../../electron/core/jobs/job-manager.js';
import { WorkerPool } from '../../electron/core/jobs/worker-pool.js';
import { requestKeyrings } from '../../electron/core/keyrings/request-keyrings.js';
import { Vault } from '../../electron/core/vault/vault.js';
import { removeDir, runCoffer, tempDir } from '../helpers/cli.js';

/**
 * One file job request, checked once before any file is touched, and one runner behind every
 * face: the CLI in its own process, the agent (a command sent whole, and a batch sent by the CLI)
 * and the app's job manager. Real CLI, real agent socket, real keychain, real files.
 */
const CLI_BUNDLE = fileURLToPath(new URL('../../dist/electron/cli/coffer.bundle.cjs', import.meta.url));

let root: string;
let vaultDir: string;
let socket: string;
let agentEnv: NodeJS.ProcessEnv;

const coffer = (args: string[]) => runCoffer(['--vault', vaultDir, ...args], { env: agentEnv });

beforeAll(async () => {
  root = await tempDir('coffer-job-');
  vaultDir = join(root, 'vault');
  socket = join(root, 'run', 'agent.sock');
  agentEnv = { COFFER_AGENT_SOCKET: socket };
  expect((await coffer(['init'])).code).toBe(0);
  expect((await coffer(['create-key', '--alias', 'photos'])).code).toBe(0);
});
afterEach(async () => {
  await coffer(['agent', 'stop']);
});
afterAll(async () => {
  await removeDir(root);
});

/** Every file under a folder, with its bytes: equal listings mean nothing was touched. */
async function listing(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(dir, path), (await readFile(path)).toString('base64'));
  }
  return out;
}

async function photoFolder(name: string, count: number, size: (i: number) => number): Promise<string> {
  const folder = join(root, name);
  for (let i = 0; i < count; i += 1) {
    const sub = join(folder, i % 3 === 0 ? '' : `day-${i % 3}`);
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, `img-${i}.jpg`), randomBytes(size(i)));
  }
  return folder;
}

async function jobsDone(): Promise<number> {
  return (await agentStatus(socket))?.jobs_done ?? -1;
}

/** One request over the agent's socket; every line of its answer. */
function talk(message: object): Promise<{ type: string; [k: string]: unknown }[]> {
  return new Promise((resolve) => {
    const client = connect(socket);
    let answer = '';
    client.setEncoding('utf8').on('data', (text: string) => (answer += text));
    client.on('close', () =>
      resolve(
        answer
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line)),
      ),
    );
    client.write(`${JSON.stringify(message)}\n`);
  });
}

describe('one file job request, refused once and up front', () => {
  it('the CLI, alone and through the agent: a bad frame length and an encryption without a key are each one refusal, touching nothing', async () => {
    const folder = await photoFolder('refused', 5, () => 3000);
    const before = await listing(root);
    const modes: { name: string; args: string[] }[] = [{ name: 'alone', args: ['--no-agent'] }];
    if (agentSupported()) modes.push({ name: 'through the agent', args: [] });
    for (const mode of modes) {
      if (mode.args.length === 0) await coffer(['agent', 'start']);
      const done = await jobsDone();
      for (const [args, code] of [
        [['--key-id', 'alias/photos', '--frame-length', '1000'], 'COFFER.2012'],
        [['--key-id', 'alias/photos', '--frame-length', String(16 * 1024 * 1024 + 1)], 'COFFER.2012'],
        [[], 'KMS.0204'],
      ] as const) {
        const run = await coffer(['encrypt-file', ...mode.args, ...args, folder, join(folder, 'img-0.jpg')]);
        expect(run.code, mode.name).toBe(1);
        // One refusal for the command, not one error for each of the six paths.
        expect(run.stdout, mode.name).toBe('');
        expect(run.error?.error_code, mode.name).toBe(code);
      }
      if (mode.args.length === 0) expect(await jobsDone()).toBe(done + 3);
      expect(await listing(root)).toEqual(before);
    }
  });

  it("the app's job manager refuses the same requests when they are started: nothing queued, nothing touched", async () => {
    const folder = await photoFolder('app-refused', 3, () => 2000);
    const before = await listing(folder);
    const pool = new WorkerPool(1);
    const vault = await Vault.open({ dir: vaultDir });
    const jobs = new JobManager({ pool, keyrings: () => requestKeyrings({ vault }) });
    try {
      expect(() => jobs.start({ action: 'encrypt', paths: [folder], key_ids: ['alias/photos'], frame_length: 512 })).toThrow(
        expect.objectContaining({ code: 'COFFER.2012' }),
      );
      expect(() => jobs.start({ action: 'encrypt', paths: [folder] })).toThrow(expect.objectContaining({ code: 'KMS.0204' }));
      expect(() => jobs.start({ action: 'encrypt', paths: [folder], key_ids: [] })).toThrow(
        expect.objectContaining({ code: 'KMS.0204' }),
      );
      expect(() => jobs.start({ action: 'decrypt', paths: [folder], frame_length: 4096 })).toThrow(
        expect.objectContaining({ code: 'COFFER.2015' }),
      );
      expect(() => jobs.start({ action: 'verify', paths: ['photos/relative'] })).toThrow(
        expect.objectContaining({ code: 'KMS.0308' }),
      );
      expect(jobs.list()).toEqual([]);
      expect(await listing(folder)).toEqual(before);
    } finally {
      await pool.close();
    }
  });
});

describe('one runner behind every face', () => {
  // The output folder is checked in the runner only: the same single refusal from every face
  // shows that each of them runs it.
  it('an output folder that is a file is one COFFER.2016 from the CLI, the agent (sent whole or as a batch) and the job manager', async () => {
    const folder = await photoFolder('blocked', 3, () => 1000);
    const notAFolder = join(root, 'not-a-folder');
    await writeFile(notAFolder, 'a file');
    const before = await listing(root);
    const args = ['encrypt-file', '--key-id', 'alias/photos', '--out-dir', notAFolder, folder];

    const alone = await coffer([...args, '--no-agent']);
    expect(alone).toMatchObject({ code: 1, stdout: '', error: { error_code: 'COFFER.2016' } });

    if (agentSupported()) {
      await coffer(['agent', 'start']);
      const sentWhole = await coffer(args);
      expect(sentWhole).toMatchObject({ code: 1, stdout: '', error: { error_code: 'COFFER.2016' } });
      const batch = await talk({
        type: 'run-files',
        protocol: AGENT_PROTOCOL,
        build: buildStamp(pathToFileURL(CLI_BUNDLE).href),
        job: { action: 'encrypt', paths: [folder], key_ids: ['alias/photos'], out_dir: notAFolder },
        vaultDir,
      });
      expect(batch.at(-1)).toMatchObject({ type: 'failed', error: { code: 'COFFER.2016' } });
      expect(await jobsDone()).toBe(2);
    }

    const pool = new WorkerPool(1);
    const vault = await Vault.open({ dir: vaultDir });
    const jobs = new JobManager({ pool, keyrings: () => requestKeyrings({ vault }) });
    try {
      const finished = new Promise<{ results: unknown[] }>((resolve) => jobs.once('finished', resolve));
      jobs.start({ action: 'encrypt', paths: [folder], key_ids: ['alias/photos'], out_dir: notAFolder });
      const { results } = await finished;
      expect(results).toEqual([
        { input: folder, status: 'error', error: { error_code: 'COFFER.2016', error_msg: expect.stringContaining(notAFolder) } },
      ]);
    } finally {
      await pool.close();
    }
    expect(await listing(root)).toEqual(before);
  });

  it('a folder of many files round trips byte for byte, alone and through the agent, its key used once a job', async () => {
    const folder = await photoFolder('library', 120, (i) => (i % 7 === 0 ? 0 : 1 + ((i * 7919) % 300_000)));
    const original = await listing(folder);
    const modes = agentSupported() ? [['--no-agent'], []] : [['--no-agent']];
    for (const mode of modes) {
      if (mode.length === 0) await coffer(['agent', 'start']);
      const sealed = join(root, `sealed-${mode.length}`);
      const opened = join(root, `opened-${mode.length}`);
      const enc = await coffer(['encrypt-file', ...mode, '--key-id', 'alias/photos', '--out-dir', sealed, folder]);
      expect(enc.code).toBe(0);
      expect(enc.json.files).toHaveLength(120);
      expect(enc.json.files.every((f: { status: string }) => f.status === 'ok')).toBe(true);
      const dec = await coffer(['decrypt-file', ...mode, '--out-dir', opened, join(sealed, 'library')]);
      expect(dec.code).toBe(0);
      // Encrypting used and audited the key once for the job of 120 files; decrypting asked the
      // vault for it once too, and wrote one record per file saying how many EDKs it tried.
      const records = (await coffer(['audit-log', '--limit', '121'])).json.records as {
        operation: string;
        detail: string;
        edks_tried?: number;
        outcome: string;
      }[];
      expect([records[0]!.operation, records[0]!.detail]).toEqual(['encrypt-file', 'one use for a job of 120 files']);
      expect(records.slice(1).map((r) => [r.operation, r.outcome, r.edks_tried])).toEqual(
        Array.from({ length: 120 }, () => ['decrypt-file', 'success', 1]),
      );
      expect(await listing(join(opened, 'library'))).toEqual(original);
      expect(await listing(folder)).toEqual(original);
    }
  });
});
