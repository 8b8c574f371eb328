import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The benchmark must keep working, but its timings are noise on a shared CI machine: this runs
 * it on a small file and checks only that every tool ran and Coffer's round trip was verified.
 */
const RUN_BENCH = fileURLToPath(new URL('../bench/run-bench.mjs', import.meta.url));

const EXPECTED_ROWS = [
  'cp/copy',
  'coffer/encrypt',
  'coffer/decrypt',
  'coffer-agent/encrypt',
  'coffer-agent/decrypt',
  'coffer-token/encrypt',
  'coffer-token/decrypt',
  'age/encrypt',
  'age/decrypt',
  'gpg/encrypt',
  'gpg/decrypt',
  'openssl/encrypt',
  'openssl/decrypt',
  'sdk-4k/encrypt',
  'sdk-4k/decrypt',
  'sdk-1m/encrypt',
  'sdk-1m/decrypt',
  'coffer-in-process/encrypt',
  'coffer-in-process/decrypt',
];

/**
 * The folder workload's rows: Coffer (alone, via agent, and via agent through the Node entry)
 * against tar | age, age per file and cp -r.
 */
const FOLDER_ROWS = [
  'folder/cp/copy',
  'folder/coffer/encrypt',
  'folder/coffer/decrypt',
  'folder/coffer-agent/encrypt',
  'folder/coffer-agent/decrypt',
  'folder/coffer-agent-node/encrypt',
  'folder/coffer-agent-node/decrypt',
  'folder/tar-age/encrypt',
  'folder/tar-age/decrypt',
  'folder/age-each/encrypt',
  'folder/age-each/decrypt',
];

interface BenchRow {
  id: string;
  status: string;
  seconds?: number;
  startup_seconds?: number;
  peak_rss_mib?: number;
  time_vs_vault_key?: number;
}

const runBench = (args: string[]) => promisify(execFile)(process.execPath, [RUN_BENCH, ...args], { maxBuffer: 16 * 1024 * 1024 });

/** The token key's rows carry their time as a multiple of the vault key's, from the same rounds. */
function expectTokenAgainstVaultKey(report: any): void {
  const rows = new Map<string, BenchRow>((report.rows as BenchRow[]).map((row) => [row.id, row]));
  for (const operation of ['encrypt', 'decrypt']) {
    const token = rows.get(`coffer-token/${operation}`);
    const vaultKey = rows.get(`coffer/${operation}`);
    expect(token?.time_vs_vault_key, operation).toBeCloseTo(token!.seconds! / vaultKey!.seconds!, 9);
    expect(report.token_key[`${operation}_time_ratio`]).toBe(token?.time_vs_vault_key);
    expect(report.token_key[`${operation}_extra_startup_seconds`]).toBeCloseTo(
      token!.startup_seconds! - vaultKey!.startup_seconds!,
      9,
    );
  }
  expect(report.token_key.pkcs11_module).toMatch(/libsofthsm2\.so$/);
  expect(report.verified['coffer-token_roundtrip']).toBe(true);
}

describe('benchmark smoke test', () => {
  it(
    'runs every tool on a 4 MiB file, an empty one and a folder of small files, and verifies every round trip',
    { timeout: 300_000 },
    async () => {
      // execFile rejects on a non-zero exit, with the benchmark's stderr in the error.
      // One warm-up and one measured round: the rounds' logic runs, at half the default's time.
      const { stdout } = await runBench([
        '--size',
        '4M',
        '--runs',
        '1',
        '--warmup',
        '1',
        '--folder-files',
        '12',
        '--folder-file-size',
        '20K',
        '--json',
      ]);
      const report: any = JSON.parse(stdout);
      const rows = new Map<string, BenchRow>((report.rows as BenchRow[]).map((row) => [row.id, row]));

      for (const id of EXPECTED_ROWS) {
        const row = rows.get(id);
        expect(row, id).toBeDefined();
        expect(row?.status, id).toBe('ok');
        expect(row?.seconds, id).toBeGreaterThan(0);
        expect(row?.peak_rss_mib, id).toBeGreaterThan(0);
        // Every command also ran on an empty file, in the same rounds: its start-up.
        if (!id.startsWith('coffer-in-process')) expect(row?.startup_seconds, id).toBeGreaterThan(0);
      }
      expect(report.verified).toMatchObject({
        cp_copy: true,
        coffer_roundtrip: true,
        'coffer-agent_roundtrip': true,
        agent_ran_every_job: true,
        age_roundtrip: true,
        gpg_roundtrip: true,
        openssl_roundtrip: true,
        'sdk-4k_roundtrip': true,
        'sdk-1m_roundtrip': true,
        sdk_decrypts_coffer: true,
        in_process_roundtrip: true,
      });
      expect(report.folder).toMatchObject({ files: 12, file_bytes: 20 * 1024 });
      const folderRows = new Map<string, BenchRow & { coffer_time_ratio?: object }>(
        (report.folder.rows as BenchRow[]).map((row) => [row.id, row]),
      );
      for (const id of FOLDER_ROWS) {
        const row = folderRows.get(id);
        expect(row?.status, id).toBe('ok');
        expect(row?.seconds, id).toBeGreaterThan(0);
        expect(row?.peak_rss_mib, id).toBeGreaterThan(0);
        // Peers carry Coffer's time as a multiple of theirs, for each form of the CLI.
        if (!id.includes('/coffer'))
          expect(Object.keys(row?.coffer_time_ratio ?? {}), id).toEqual(['coffer', 'coffer-agent', 'coffer-agent-node']);
      }
      expect(report.verified).toMatchObject({
        folder_cp_roundtrip: true,
        folder_coffer_roundtrip: true,
        'folder_coffer-agent_roundtrip': true,
        'folder_coffer-agent-node_roundtrip': true,
        'folder_tar-age_roundtrip': true,
        'folder_age-each_roundtrip': true,
      });
      const targets = report.targets.map((t: { name: string }) => t.name);
      expect(targets).toContain("Coffer via agent: folder encrypt time <= 1.0x tar | age's time");
      // The Node entry is there for comparison, with no target of its own.
      expect(targets.filter((name: string) => name.includes('Node entry'))).toEqual([]);
      // `coffer` is the small client wherever the build made it (everywhere the agent runs).
      expect(report.coffer_command).toBe(process.platform === 'win32' ? 'node' : 'native');
      expect(report.event_loop.worst_delay_ms).toBeGreaterThan(0);
      expectTokenAgainstVaultKey(report);
      // The figures are the OpenSSL addon's, unless the environment asked for node:crypto.
      expect(report.coffer_frame_cipher.name).toBe(process.env.COFFER_AES_GCM === 'node' ? 'node-crypto' : 'openssl-in-place');
      for (const target of report.targets as { status: string }[]) expect(['PASS', 'FAIL', 'SKIP']).toContain(target.status);
    },
  );

  it('runs the token key against the vault key alone with --only token', { timeout: 120_000 }, async () => {
    const { stdout } = await runBench(['--only', 'token', '--size', '1M', '--runs', '1', '--warmup', '0', '--json']);
    const report: any = JSON.parse(stdout);
    expect((report.rows as BenchRow[]).map((row) => row.id).sort()).toEqual([
      'coffer-token/decrypt',
      'coffer-token/encrypt',
      'coffer/decrypt',
      'coffer/encrypt',
    ]);
    expect(report.folder).toBeUndefined();
    expect(report.event_loop).toBeUndefined();
    expectTokenAgainstVaultKey(report);
  });

  it('refuses an --only it does not know, naming the ones it does', async () => {
    await expect(runBench(['--only', 'tokens', '--size', '1M'])).rejects.toMatchObject({
      stderr: expect.stringMatching(/--only takes cp, coffer, .*token.* not "tokens"/),
    });
  });
});
