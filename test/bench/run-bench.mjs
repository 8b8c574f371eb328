// Coffer's file-encryption benchmark: the same random file through cp (the I/O floor), Coffer's
// CLI (on its own, with `coffer agent` running, and with a key inside a SoftHSM2 token instead of
// a vault key), age, gpg, openssl and the AWS Encryption SDK for JavaScript, each a separate child process
// under GNU time, in rounds that run every tool once, and each also on an empty file (its
// start-up); plus Coffer's engine in-process for event-loop stalls.
//   node test/bench/run-bench.mjs [--size 1G] [--runs 3] [--warmup 1] [--json] [--json-file FILE] [--dir TMPDIR] [--rss-check 4G]
//     [--folder-files 1000] [--folder-file-size 256K] [--only token,age,...]
// --only runs some of the workloads: cp, coffer, coffer-agent, token (a token key against the
// vault key: it brings `coffer`, its baseline), age, gpg, openssl, sdk, in-process, folder.
// The folder workload (a folder of many small files) runs Coffer's CLI (alone and via its agent,
// as `coffer` and through the Node entry) against tar piped to age, age run once per file, and
// cp -r, in rounds of their own.
// Needs the build and a Secret Service (`npm run bench` provides both). Missed targets only
// report FAIL: timings are noisy. The exit code is non-zero only when something broke.
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomFill } from 'node:crypto';
import { constants, createReadStream, realpathSync } from 'node:fs';
import { access, mkdir, mkdtemp, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// `coffer` as npm links it: dist/native/coffer where it was built (a file command goes to the
// agent without Node's start-up), else bin/coffer.cjs. The folder also runs the Node entry alone.
const COFFER = join(ROOT, 'bin/coffer');
const COFFER_NODE_ENTRY = join(ROOT, 'bin/coffer.cjs');
const SDK_STREAM = fileURLToPath(new URL('sdk-stream.mjs', import.meta.url));
const EVENT_LOOP = fileURLToPath(new URL('coffer-event-loop.mjs', import.meta.url));
const GNU_TIME = '/usr/bin/time';
const MiB = 1024 * 1024;
const KEY_ALIAS = 'alias/bench';
const TOKEN_KEY_ALIAS = 'alias/bench-token';

/** What --only may name. */
const WORKLOADS = ['cp', 'coffer', 'coffer-agent', 'token', 'age', 'gpg', 'openssl', 'sdk', 'in-process', 'folder'];

/** Where Debian, Fedora, Homebrew and a source build put SoftHSM2's module (as test/helpers/softhsm.ts). */
const SOFTHSM_MODULES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib64/pkcs11/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
  '/opt/homebrew/lib/softhsm/libsofthsm2.so',
];

/** A failure of the benchmark itself (a tool failed, outputs differ): the one reason to exit non-zero. */
class BenchError extends Error {}

/** "1G", "64M", "4MiB", "512k" or plain bytes; binary units. */
function parseSize(text) {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(String(text).trim());
  if (!match) throw new BenchError(`"${text}" is not a size (try 64M or 1G).`);
  const scale = { '': 1, k: 1024, m: MiB, g: 1024 * MiB, t: 1024 * 1024 * MiB }[match[2].toLowerCase()];
  const bytes = Math.round(Number(match[1]) * scale);
  if (bytes < 1) throw new BenchError(`--size must be at least one byte; "${text}" is not.`);
  return bytes;
}

function formatBytes(bytes) {
  const [unit, scale] = bytes >= 1024 * MiB ? ['GiB', 1024 * MiB] : bytes >= MiB ? ['MiB', MiB] : ['KiB', 1024];
  const value = bytes / scale;
  return `${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}`;
}

/** Streams crypto-random bytes to disk, one 4 MiB buffer at a time: the file may exceed RAM. */
async function writeRandomFile(path, bytes) {
  const fill = promisify(randomFill);
  const buffer = Buffer.allocUnsafe(4 * MiB);
  const handle = await open(path, 'wx');
  try {
    for (let written = 0; written < bytes;) {
      const chunk = buffer.subarray(0, Math.min(buffer.length, bytes - written));
      await fill(chunk);
      written += (await handle.write(chunk, 0, chunk.length)).bytesWritten;
    }
  } finally {
    await handle.close();
  }
}

async function sha256File(path) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: MiB }), hash);
  return hash.digest('hex');
}

async function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      await access(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

/** Runs a child to completion; throws BenchError (with its stderr) when it fails. */
function run(command, args, { env, label = command } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => reject(new BenchError(`${label} could not start: ${error.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new BenchError(`${label} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`),
        );
    });
  });
}

/** One measured run: a fresh child under GNU time, whose last stderr line is "%e %M" (%M: peak RSS). */
async function timedOnce(command, args, options) {
  // Flush the previous run's dirty pages first, so its write-back is not charged to this one.
  await run('sync', []);
  const start = process.hrtime.bigint();
  const { stdout, stderr } = await run(GNU_TIME, ['-f', '%e %M', command, ...args], {
    label: options.label ?? command,
    ...options,
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const last = stderr.trim().split('\n').at(-1) ?? '';
  const match = /^(\d+(?:\.\d+)?) (\d+)$/.exec(last.trim());
  if (!match) throw new BenchError(`${options.label ?? command}: cannot read GNU time's output "${last}".`);
  // Our own clock, not GNU time's %e: that has 10 ms steps, too coarse for an empty file's run.
  // It also counts starting GNU time itself (about a millisecond), for every tool alike.
  return { seconds: wall, rssKiB: Number(match[2]), stdout };
}

let RUNS = 3;
let WARMUP = 1;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The median time and the highest peak RSS of a command's measured runs. */
function summarize(runs) {
  return {
    seconds: median(runs.map((r) => r.seconds)),
    all_seconds: runs.map((r) => r.seconds),
    rssKiB: Math.max(...runs.map((r) => r.rssKiB)),
    stdout: runs.at(-1).stdout,
  };
}

/**
 * Runs every step once per round: WARMUP unmeasured rounds, then RUNS measured ones. A step is
 * { key, group, command, args, before?, env?, label? }; `before` runs ahead of it, untimed, and
 * removes what it writes. Every tool thus runs in every round, and a slow spell of this shared,
 * virtualised machine (memory it has not used lately is slow to touch, and the first run after a
 * gigabyte was freed can take twice as long as the next) falls on all tools alike, where one
 * block of runs per tool could catch it alone. Once a group (one tool's round trip) is done, its
 * files go, so the machine's memory is never filled with every tool's outputs at once; the last
 * round's stay, to be checked. The median of each step is what compares.
 */
async function runRounds(steps, log) {
  const measured = new Map(steps.map((step) => [step.key, []]));
  const rounds = WARMUP + RUNS;
  for (let round = 0; round < rounds; round += 1) {
    log(round < WARMUP ? `warm-up round ${round + 1} of ${WARMUP} ...` : `round ${round - WARMUP + 1} of ${RUNS} ...`);
    for (const [index, step] of steps.entries()) {
      await step.before?.();
      const result = await timedOnce(step.command, step.args, step);
      if (round >= WARMUP) measured.get(step.key).push(result);
      const groupEnds = steps[index + 1]?.group !== step.group;
      if (groupEnds && round < rounds - 1) {
        for (const done of steps.filter((s) => s.group === step.group)) await done.before?.();
      }
    }
  }
  return new Map([...measured].map(([key, runs]) => [key, summarize(runs)]));
}

/** One run of a command outside the rounds (the larger file of the RSS check). */
async function timedSingle(command, args, options = {}) {
  await options.before?.();
  return summarize([await timedOnce(command, args, options)]);
}

function coffer(vault, args) {
  return [COFFER, ['--vault', vault, ...args]];
}

/** The same command through bin/coffer.cjs: every command a Node process, as where no C compiler built the client. */
function cofferNodeEntry(vault, args) {
  return [process.execPath, [COFFER_NODE_ENTRY, '--vault', vault, ...args]];
}

// The CLI on its own, even where the user runs a `coffer agent` of their own.
const ONE_SHOT_ENV = { COFFER_AGENT: 'off' };

async function cofferJson(vault, args, env = ONE_SHOT_ENV) {
  const [command, argv] = coffer(vault, args);
  const { stdout } = await run(command, argv, { label: `coffer ${args.slice(0, 2).join(' ')}`, env });
  return JSON.parse(stdout);
}

/** The agent's peak RSS so far (Linux's VmHWM), in KiB; undefined where /proc does not tell. */
async function peakRssKiB(pid) {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Checks a CLI file command's one-line result and returns the file it wrote. */
function cofferOutput(stdout, what) {
  const file = JSON.parse(stdout).files?.[0];
  if (file?.status !== 'ok' || !file.output) throw new BenchError(`coffer ${what} did not report an ok file: ${stdout.trim()}`);
  return file.output;
}

/**
 * `startup`, when measured, is the same command on an empty file: what the run costs before its
 * first byte (a process start, a key unwrapped). The rate after start-up leaves it out.
 */
function row(id, tool, operation, bytes, measurement, startup) {
  const afterStartup = startup ? measurement.seconds - startup.seconds : undefined;
  return {
    id,
    tool,
    operation,
    status: 'ok',
    bytes,
    seconds: measurement.seconds,
    ...(measurement.all_seconds ? { all_seconds: measurement.all_seconds } : {}),
    mib_per_s: bytes / MiB / measurement.seconds,
    ...(startup ? { startup_seconds: startup.seconds } : {}),
    ...(afterStartup > 0 ? { mib_per_s_after_startup: bytes / MiB / afterStartup } : {}),
    peak_rss_mib: measurement.rssKiB / 1024,
  };
}

function missingRows(id, tool, operations) {
  return operations.map((operation) => ({ id: `${id}/${operation}`, tool, operation, status: 'not installed' }));
}

async function main() {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '1G' },
      json: { type: 'boolean', default: false },
      'json-file': { type: 'string' },
      dir: { type: 'string' },
      'rss-check': { type: 'string' },
      runs: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '1' },
      'folder-files': { type: 'string', default: '1000' },
      'folder-file-size': { type: 'string', default: '256K' },
      only: { type: 'string' },
    },
  });
  const only = values.only === undefined ? undefined : new Set(values.only.split(',').map((name) => name.trim()));
  for (const name of only ?? []) {
    if (!WORKLOADS.includes(name)) throw new BenchError(`--only takes ${WORKLOADS.join(', ')} (comma-separated), not "${name}".`);
  }
  // The token key's figure is a ratio to the vault key's, from the same rounds.
  if (only?.has('token')) only.add('coffer');
  const wants = (name) => only === undefined || only.has(name);
  RUNS = Number(values.runs);
  if (!Number.isInteger(RUNS) || RUNS < 1)
    throw new BenchError(`--runs takes a whole number of at least 1, not "${values.runs}".`);
  WARMUP = Number(values.warmup);
  if (!Number.isInteger(WARMUP) || WARMUP < 0) throw new BenchError(`--warmup takes a whole number, not "${values.warmup}".`);
  const size = parseSize(values.size);
  const rssCheckSize = values['rss-check'] === undefined ? undefined : parseSize(values['rss-check']);
  const folderFiles = Number(values['folder-files']);
  if (!Number.isInteger(folderFiles) || folderFiles < 0)
    throw new BenchError(`--folder-files takes a whole number (0 skips the folder workload), not "${values['folder-files']}".`);
  const folderFileSize = parseSize(values['folder-file-size']);
  await access(GNU_TIME, constants.X_OK).catch(() => {
    throw new BenchError(`${GNU_TIME} (GNU time) is missing: it measures peak RSS. On Debian/Ubuntu: apt-get install time.`);
  });
  const log = values.json ? () => {} : (line) => process.stderr.write(`${line}\n`);

  const work = await mkdtemp(join(values.dir ?? tmpdir(), 'coffer-bench-'));
  const cleanups = [];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  };
  // Ctrl-C must not leave gigabytes behind in the temp folder.
  const onSignal = (signal) => void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const input = join(work, 'input.bin');
    log(`Writing ${formatBytes(size)} of random data to ${input} ...`);
    await writeRandomFile(input, size);
    const inputHash = await sha256File(input);

    const vault = join(work, 'vault');
    await cofferJson(vault, ['init']);
    const keyId = (await cofferJson(vault, ['create-key', '--alias', 'bench', '--exportable'])).key_info.key_id;
    let sdkEnv;
    if (wants('sdk')) {
      const exported = await cofferJson(vault, ['export-key-material', '--key-id', KEY_ALIAS]);
      sdkEnv = {
        COFFER_BENCH_KEY_MATERIAL: exported.key_material,
        COFFER_BENCH_KEY_NAME: `${keyId}:v${String(exported.key_version ?? 1).padStart(8, '0')}`,
      };
    }

    const rows = [];
    const verified = {};
    let cofferFrameLength;
    const mustMatch = async (path, what) => {
      const hash = await sha256File(path);
      if (hash !== inputHash)
        throw new BenchError(`${what}: the output differs from the input (SHA-256 ${hash} != ${inputHash}).`);
      verified[what] = true;
    };

    const empty = join(work, 'empty.bin');
    await (await open(empty, 'wx')).close();

    /**
     * The tools: each encrypts the input and decrypts its own result, and does the same with an
     * empty file (its start-up). `outputs(inputPath, tag)` names the files it writes.
     */
    const tools = [];
    // cp: the I/O floor. --reflink=never forces a real copy on copy-on-write file systems.
    if (wants('cp'))
      tools.push({
        id: 'cp',
        tool: 'cp',
        ops: (source, tag) => {
          const out = join(work, `cp${tag}.out`);
          return [
            {
              operation: 'copy',
              command: 'cp',
              args: ['--reflink=never', source, out],
              before: () => rm(out, { force: true }),
              output: out,
            },
          ];
        },
      });
    // Coffer's CLI, as a user runs it (startup and vault unlock included): on its own, and handing
    // its jobs to a running `coffer agent` (its own, on a socket in the work folder).
    const agentEnv = { COFFER_AGENT_SOCKET: join(work, 'agent', 'agent.sock') };
    const cofferTool = (id, tool, env, keyAlias = KEY_ALIAS) => ({
      id,
      tool,
      ops: (source, tag) => {
        const encDir = join(work, `${id}-enc${tag}`);
        const decDir = join(work, `${id}-dec${tag}`);
        const encrypted = join(encDir, `${basename(source)}.coffer`);
        const [cmd, args] = coffer(vault, ['encrypt-file', '--key-id', keyAlias, '--out-dir', encDir, source]);
        const [dcmd, dargs] = coffer(vault, ['decrypt-file', '--out-dir', decDir, encrypted]);
        return [
          {
            operation: 'encrypt',
            command: cmd,
            args,
            env,
            label: `${tool} encrypt-file`,
            before: () => rm(encDir, { recursive: true, force: true }),
            output: encrypted,
          },
          {
            operation: 'decrypt',
            command: dcmd,
            args: dargs,
            env,
            label: `${tool} decrypt-file`,
            before: () => rm(decDir, { recursive: true, force: true }),
            output: join(decDir, basename(source)),
          },
        ];
      },
    });
    if (wants('coffer')) tools.push(cofferTool('coffer', 'Coffer', ONE_SHOT_ENV));
    // The agent runs the agent's rows and the folder's.
    const agent =
      wants('coffer-agent') || wants('folder')
        ? await cofferJson(vault, ['agent', 'start', '--idle-timeout', '0'], agentEnv)
        : undefined;
    if (agent) cleanups.push(() => cofferJson(vault, ['agent', 'stop'], agentEnv));
    if (wants('coffer-agent')) tools.push(cofferTool('coffer-agent', 'Coffer (CLI via agent)', agentEnv));
    // The same CLI with a key generated inside a SoftHSM2 token: the token wraps and unwraps each
    // file's data key, the body is sealed as with a vault key.
    let token;
    if (wants('token')) {
      token = await setUpTokenKey(vault, join(work, 'softhsm'));
      if (token) tools.push(cofferTool('coffer-token', 'Coffer (token key)', { ...ONE_SHOT_ENV, ...token.env }, TOKEN_KEY_ALIAS));
      else rows.push(...missingRows('coffer-token', 'Coffer (token key)', ['encrypt', 'decrypt']));
    }
    /** A peer that encrypts to one file and decrypts to another. */
    const peer = (id, tool, encrypt, decrypt, env) => {
      tools.push({
        id,
        tool,
        ops: (source, tag) => {
          const enc = join(work, `${id}${tag}.enc`);
          const dec = join(work, `${id}${tag}.dec`);
          const step = (operation, run, output) => ({
            operation,
            ...run,
            env,
            label: `${tool} ${operation}`,
            before: () => rm(output, { force: true }),
            output,
          });
          return [step('encrypt', encrypt(source, enc), enc), step('decrypt', decrypt(enc, dec), dec)];
        },
      });
    };
    const command = (cmd, args) => ({ command: cmd, args });

    if (!wants('age')) {
      // not asked for
    } else if ((await onPath('age')) && (await onPath('age-keygen'))) {
      const identity = join(work, 'age-key.txt');
      await run('age-keygen', ['-o', identity]);
      const recipient = (await run('age-keygen', ['-y', identity])).stdout.trim();
      peer(
        'age',
        'age',
        (i, o) => command('age', ['-r', recipient, '-o', o, i]),
        (i, o) => command('age', ['-d', '-i', identity, '-o', o, i]),
      );
    } else rows.push(...missingRows('age', 'age', ['encrypt', 'decrypt']));

    if (!wants('gpg')) {
      // not asked for
    } else if (await onPath('gpg')) {
      // A throwaway keyring home: the benchmark never touches the user's own gpg setup.
      const gnupgHome = join(work, 'gnupg');
      await mkdir(gnupgHome, { mode: 0o700 });
      const env = { GNUPGHOME: gnupgHome };
      cleanups.push(() => run('gpgconf', ['--kill', 'gpg-agent'], { env }));
      const common = ['--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', 'bench'];
      peer(
        'gpg',
        'gpg',
        (i, o) => command('gpg', [...common, '--symmetric', '--cipher-algo', 'AES256', '--compress-algo', 'none', '-o', o, i]),
        (i, o) => command('gpg', [...common, '-o', o, '-d', i]),
        env,
      );
    } else rows.push(...missingRows('gpg', 'gpg', ['encrypt', 'decrypt']));

    if (!wants('openssl')) {
      // not asked for
    } else if (await onPath('openssl')) {
      const common = ['enc', '-aes-256-ctr', '-pbkdf2', '-pass', 'pass:bench'];
      peer(
        'openssl',
        'openssl',
        (i, o) => command('openssl', [...common, '-in', i, '-out', o]),
        (i, o) => command('openssl', [...common, '-d', '-in', i, '-out', o]),
      );
    } else rows.push(...missingRows('openssl', 'openssl', ['encrypt', 'decrypt']));

    for (const [id, tool, frame] of wants('sdk')
      ? [
          ['sdk-4k', 'JS SDK (4 KiB frames)', undefined],
          ['sdk-1m', 'JS SDK (1 MiB frames)', String(MiB)],
        ]
      : []) {
      peer(
        id,
        tool,
        (i, o) => command(process.execPath, [SDK_STREAM, 'encrypt', i, o, ...(frame ? [frame] : [])]),
        (i, o) => command(process.execPath, [SDK_STREAM, 'decrypt', i, o]),
        sdkEnv,
      );
    }

    // Every tool in every round, the input and then the empty file.
    const steps = [];
    for (const t of tools) {
      for (const [source, tag] of [
        [input, ''],
        [empty, '-empty'],
      ]) {
        for (const op of t.ops(source, tag)) steps.push({ ...op, key: `${t.id}/${op.operation}${tag}`, group: `${t.id}${tag}` });
      }
    }
    log(`${tools.map((t) => t.tool).join(', ')}: ${WARMUP} warm-up and ${RUNS} measured round(s) ...`);
    const results = await runRounds(steps, log);
    // The agent did the work of its tool's runs (a CLI of another build would have run them
    // itself), and its peak counts with the CLI's own.
    const agentSteps = steps.filter((s) => s.group.startsWith('coffer-agent')).length * (WARMUP + RUNS);
    if (wants('coffer-agent')) {
      const agentJobs = (await cofferJson(vault, ['agent', 'status'], agentEnv)).jobs_done;
      if (agentJobs !== agentSteps) throw new BenchError(`The agent ran ${agentJobs} jobs, not the ${agentSteps} it was given.`);
      verified.agent_ran_every_job = true;
    }
    const agentPeakKiB = agent ? await peakRssKiB(agent.pid) : undefined;
    for (const t of tools) {
      const ops = t.ops(input, '');
      for (const op of ops) {
        const key = `${t.id}/${op.operation}`;
        const measured = results.get(key);
        if (t.id === 'coffer-agent') {
          if (agentPeakKiB === undefined) throw new BenchError("The agent's peak RSS cannot be read from /proc.");
          measured.rssKiB = Math.max(measured.rssKiB, agentPeakKiB);
        }
        rows.push(row(key, t.tool, op.operation, size, measured, results.get(`${key}-empty`)));
      }
      // The last round's outputs are still there: each tool's last step must give the input back.
      await mustMatch(ops.at(-1).output, t.id === 'cp' ? 'cp_copy' : `${t.id}_roundtrip`);
    }
    const cofferEncrypted = tools.find((t) => t.id === 'coffer')?.ops(input, '')[0].output;
    // The default frame length is the engine's to choose: record what this run measured.
    if (cofferEncrypted) cofferFrameLength = (await cofferJson(vault, ['inspect-file', cofferEncrypted])).frame_length;
    if (cofferEncrypted && sdkEnv) {
      // Interoperability: the official SDK, given the exported CMK, opens Coffer's file.
      const sdkOut = join(work, 'sdk-of-coffer.out');
      await run(process.execPath, [SDK_STREAM, 'decrypt', cofferEncrypted, sdkOut], {
        env: sdkEnv,
        label: 'SDK decrypt of Coffer file',
      });
      await mustMatch(sdkOut, 'sdk_decrypts_coffer');
      await rm(sdkOut);
    }
    for (const step of steps) await step.before?.();
    const folder =
      folderFiles > 0 && wants('folder')
        ? await runFolderWorkload({ work, vault, agentEnv, files: folderFiles, fileSize: folderFileSize, log, verified })
        : undefined;
    if (folder) {
      const jobs = (await cofferJson(vault, ['agent', 'status'], agentEnv)).jobs_done;
      if (jobs !== agentSteps + folder.agentJobs)
        throw new BenchError(`The agent ran ${jobs - agentSteps} folder jobs, not the ${folder.agentJobs} it was given.`);
      const peak = await peakRssKiB(agent.pid);
      for (const r of folder.rows)
        if (r.id.startsWith('folder/coffer-agent')) r.peak_rss_mib = Math.max(r.peak_rss_mib, peak / 1024);
    }
    const cofferEnc = join(work, 'coffer-enc');
    const cofferDec = join(work, 'coffer-dec');

    // In-process: what the desktop app's main thread sees while the engine works.
    let eventLoop;
    if (wants('in-process')) {
      log('Coffer in-process (event loop) ...');
      await run('sync', []);
      const loop = JSON.parse(
        (
          await run(process.execPath, [
            EVENT_LOOP,
            '--vault',
            vault,
            '--key-id',
            KEY_ALIAS,
            '--warmup',
            String(WARMUP),
            input,
            join(work, 'in-process'),
          ])
        ).stdout,
      );
      await mustMatch(loop.decrypt.output, 'in_process_roundtrip');
      await rm(join(work, 'in-process'), { recursive: true });
      rows.push(
        row('coffer-in-process/encrypt', 'Coffer (in-process)', 'encrypt', size, {
          seconds: loop.encrypt.seconds,
          rssKiB: loop.encrypt.max_rss_kib,
        }),
        row('coffer-in-process/decrypt', 'Coffer (in-process)', 'decrypt', size, {
          seconds: loop.decrypt.seconds,
          rssKiB: loop.decrypt.max_rss_kib,
        }),
      );
      eventLoop = {
        encrypt_worst_delay_ms: loop.encrypt.worst_delay_ms,
        decrypt_worst_delay_ms: loop.decrypt.worst_delay_ms,
        worst_delay_ms: loop.worst_delay_ms,
      };
    }

    // Memory must not grow with the file: a larger (sparse, so quick to make) file through the CLI.
    let rssCheck;
    if (rssCheckSize !== undefined) {
      log(`RSS check with ${formatBytes(rssCheckSize)} ...`);
      await rm(input); // no longer needed; frees its disk space for the larger file's outputs
      const big = join(work, 'sparse.bin');
      await (await open(big, 'wx')).close();
      await truncate(big, rssCheckSize);
      const [cmd, args] = coffer(vault, ['encrypt-file', '--key-id', KEY_ALIAS, '--out-dir', cofferEnc, big]);
      const enc = await timedSingle(cmd, args, { label: 'coffer encrypt-file (RSS check)', env: ONE_SHOT_ENV });
      const encrypted = cofferOutput(enc.stdout, 'encrypt-file');
      await rm(big);
      const [dcmd, dargs] = coffer(vault, ['decrypt-file', '--out-dir', cofferDec, encrypted]);
      const dec = await timedSingle(dcmd, dargs, { label: 'coffer decrypt-file (RSS check)', env: ONE_SHOT_ENV });
      const decrypted = cofferOutput(dec.stdout, 'decrypt-file');
      await rm(cofferEnc, { recursive: true });
      // The sparse input was all zeros: check the round trip by size and hash of zeros.
      const zeros = createHash('sha256');
      const block = Buffer.alloc(4 * MiB);
      for (let left = rssCheckSize; left > 0; left -= block.length)
        zeros.update(left >= block.length ? block : block.subarray(0, left));
      if ((await sha256File(decrypted)) !== zeros.digest('hex')) throw new BenchError('RSS check: the decrypted file differs.');
      verified.rss_check_roundtrip = true;
      await rm(cofferDec, { recursive: true });
      rssCheck = {
        bytes: rssCheckSize,
        rows: [
          row('coffer-rss-check/encrypt', 'Coffer (RSS check)', 'encrypt', rssCheckSize, enc),
          row('coffer-rss-check/decrypt', 'Coffer (RSS check)', 'decrypt', rssCheckSize, dec),
        ],
      };
    }

    // The bench's Node and environment are the CLI's, so this is the cipher the CLI's workers ran.
    const { frameCipherStatus } = await import(new URL('../../dist/electron/core/crypto/frame-cipher.js', import.meta.url).href);
    const cofferFrameCipher = frameCipherStatus();
    const report = buildReport({
      size,
      cofferFrameLength,
      cofferFrameCipher,
      rows,
      verified,
      eventLoop,
      rssCheck,
      folder,
      token,
    });
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderMarkdown(report));
    if (values['json-file']) await writeFile(values['json-file'], `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

/**
 * A SoftHSM2 token of the bench's own in `dir` (through SOFTHSM2_CONF, so no other token is
 * seen), a key store on it whose PIN the OS keychain keeps, and an AES key generated inside it.
 * Undefined where SoftHSM2 is not installed.
 */
async function setUpTokenKey(vault, dir) {
  let module;
  for (const candidate of SOFTHSM_MODULES) {
    if (
      module === undefined &&
      (await access(candidate).then(
        () => true,
        () => false,
      ))
    )
      module = candidate;
  }
  if (module === undefined || !(await onPath('softhsm2-util'))) return undefined;
  const tokens = join(dir, 'tokens');
  await mkdir(tokens, { recursive: true });
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  const env = { SOFTHSM2_CONF: conf };
  const pin = randomBytes(8).toString('hex');
  const soPin = randomBytes(8).toString('hex');
  await run('softhsm2-util', ['--init-token', '--free', '--label', 'coffer-bench', '--pin', pin, '--so-pin', soPin], {
    env,
    label: 'softhsm2-util --init-token',
  });
  const pinFile = join(dir, 'pin');
  await writeFile(pinFile, `${pin}\n`, { mode: 0o600 });
  const withToken = { ...ONE_SHOT_ENV, ...env };
  await cofferJson(
    vault,
    [
      'create-key-store',
      '--alias',
      'bench-hsm',
      '--pkcs11-module',
      module,
      '--token-label',
      'coffer-bench',
      '--pin-file',
      pinFile,
    ],
    withToken,
  );
  await rm(pinFile);
  await cofferJson(
    vault,
    ['create-key', '--alias', TOKEN_KEY_ALIAS.slice('alias/'.length), '--key-store', 'bench-hsm'],
    withToken,
  );
  return { env, module };
}

/** Every file under a folder with its SHA-256: equal listings mean equal folders. */
async function folderListing(dir) {
  const { readdir } = await import('node:fs/promises');
  const out = new Map();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(path.slice(dir.length), await sha256File(path));
  }
  return out;
}

/**
 * The folder workload: `files` random files of `fileSize` bytes in one folder (a photo library),
 * through Coffer's CLI alone and via its agent, tar piped to age (one stream for the folder),
 * age run once for each file, and cp -r (the floor); every tool once per round, as above. Each
 * tool's last round must give back the folder, file for file.
 */
async function runFolderWorkload({ work, vault, agentEnv, files, fileSize, log, verified }) {
  const source = join(work, 'photos');
  log(`Writing a folder of ${files} files of ${formatBytes(fileSize)} ...`);
  await mkdir(source);
  for (let i = 0; i < files; i += 1) await writeRandomFile(join(source, `img-${String(i).padStart(5, '0')}.jpg`), fileSize);
  const original = await folderListing(source);
  const bytes = files * fileSize;
  const tools = [];
  const dirs = (id) => [join(work, `folder-${id}-enc`), join(work, `folder-${id}-dec`)];
  const clear = (dir) => () => rm(dir, { recursive: true, force: true });
  const fresh = (dir) => async () => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
  };
  tools.push({
    id: 'cp',
    tool: 'cp -r',
    steps: [
      { operation: 'copy', command: 'cp', args: ['-r', '--reflink=never', source, dirs('cp')[1]], before: clear(dirs('cp')[1]) },
    ],
    restored: join(dirs('cp')[1]),
  });
  for (const [id, tool, env, entry] of [
    ['coffer', 'Coffer', ONE_SHOT_ENV, coffer],
    ['coffer-agent', 'Coffer (CLI via agent)', agentEnv, coffer],
    ['coffer-agent-node', 'Coffer (Node entry via agent)', agentEnv, cofferNodeEntry],
  ]) {
    const [enc, dec] = dirs(id);
    const [cmd, args] = entry(vault, ['encrypt-file', '--key-id', KEY_ALIAS, '--out-dir', enc, source]);
    const [dcmd, dargs] = entry(vault, ['decrypt-file', '--out-dir', dec, join(enc, 'photos')]);
    tools.push({
      id,
      tool,
      steps: [
        { operation: 'encrypt', command: cmd, args, env, label: `${tool} encrypt-file (folder)`, before: clear(enc) },
        { operation: 'decrypt', command: dcmd, args: dargs, env, label: `${tool} decrypt-file (folder)`, before: clear(dec) },
      ],
      restored: join(dec, 'photos'),
    });
  }
  if ((await onPath('age')) && (await onPath('age-keygen')) && (await onPath('tar'))) {
    const identity = join(work, 'folder-age-key.txt');
    await run('age-keygen', ['-o', identity]);
    const recipient = (await run('age-keygen', ['-y', identity])).stdout.trim();
    const [tarEnc, tarDec] = dirs('tar-age');
    const archive = join(tarEnc, 'photos.tar.age');
    tools.push({
      id: 'tar-age',
      tool: 'tar | age',
      steps: [
        {
          operation: 'encrypt',
          command: 'sh',
          args: ['-c', 'tar -C "$1" -cf - photos | age -r "$2" -o "$3"', 'sh', work, recipient, archive],
          label: 'tar | age (folder)',
          before: fresh(tarEnc),
        },
        {
          operation: 'decrypt',
          command: 'sh',
          args: ['-c', 'age -d -i "$1" "$2" | tar -C "$3" -xf -', 'sh', identity, archive, tarDec],
          label: 'age -d | tar -x (folder)',
          before: fresh(tarDec),
        },
      ],
      restored: join(tarDec, 'photos'),
    });
    const [perEnc, perDec] = dirs('age-each');
    tools.push({
      id: 'age-each',
      tool: 'age per file',
      steps: [
        {
          operation: 'encrypt',
          command: 'sh',
          args: [
            '-c',
            'for f in "$1"/*; do age -r "$2" -o "$3/${f##*/}.age" "$f" || exit 1; done',
            'sh',
            source,
            recipient,
            perEnc,
          ],
          label: 'age per file (folder)',
          before: fresh(perEnc),
        },
        {
          operation: 'decrypt',
          command: 'sh',
          args: [
            '-c',
            'for f in "$1"/*.age; do n="${f##*/}"; age -d -i "$2" -o "$3/${n%.age}" "$f" || exit 1; done',
            'sh',
            perEnc,
            identity,
            perDec,
          ],
          label: 'age -d per file (folder)',
          before: fresh(perDec),
        },
      ],
      restored: perDec,
    });
  }
  // Node's own start-up, which any command of Coffer's pays before its first line runs: the
  // client's share of a run through the agent. Where NODE_EXTRA_CA_CERTS is set (this workplace
  // sets it for its npm proxy), Node 20 reads that CA bundle at every start: measured both ways.
  const extraCa = Boolean(process.env.NODE_EXTRA_CA_CERTS);
  const nodeStart = [
    { operation: 'start', command: process.execPath, args: ['-e', '0'], label: 'node -e 0' },
    ...(extraCa
      ? [
          {
            operation: 'start-without-extra-ca',
            command: process.execPath,
            args: ['-e', '0'],
            env: { NODE_EXTRA_CA_CERTS: '' },
            label: 'node -e 0',
          },
        ]
      : []),
  ].map((step) => ({ ...step, key: `folder/node/${step.operation}`, group: 'folder-node' }));
  const steps = [
    ...tools.flatMap((t) =>
      t.steps.map((step) => ({ ...step, key: `folder/${t.id}/${step.operation}`, group: `folder-${t.id}` })),
    ),
    ...nodeStart,
  ];
  log(`Folder of ${files} files: ${tools.map((t) => t.tool).join(', ')} ...`);
  const results = await runRounds(steps, log);
  const rows = [];
  for (const t of tools) {
    for (const step of t.steps)
      rows.push(
        row(`folder/${t.id}/${step.operation}`, t.tool, step.operation, bytes, results.get(`folder/${t.id}/${step.operation}`)),
      );
    const restored = await folderListing(t.restored);
    const same = restored.size === original.size && [...original].every(([name, hash]) => restored.get(name) === hash);
    if (!same) throw new BenchError(`${t.tool} (folder): the restored folder differs from the original.`);
    verified[`folder_${t.id}_roundtrip`] = true;
    for (const step of t.steps) await step.before?.();
  }
  await rm(source, { recursive: true, force: true });
  return {
    files,
    file_bytes: fileSize,
    rows,
    node_startup: {
      seconds: results.get('folder/node/start').seconds,
      extra_ca_certs_set: extraCa,
      ...(extraCa ? { without_extra_ca_certs_seconds: results.get('folder/node/start-without-extra-ca').seconds } : {}),
    },
    agentJobs: (WARMUP + RUNS) * 4,
  };
}

/** Coffer's CLI, on its own and through its agent: the rows every peer is compared with. */
const CLI_FORMS = [
  { id: 'coffer', label: 'Coffer' },
  { id: 'coffer-agent', label: 'Coffer via agent' },
  // For comparison only (the folder): the command where no C compiler built dist/native/coffer.
  { id: 'coffer-agent-node', label: 'Coffer via agent, Node entry', informative: true },
];

/** Ratios and targets from the measured rows. */
function buildReport({ size, cofferFrameLength, cofferFrameCipher, rows, verified, eventLoop, rssCheck, folder, token }) {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ok = (id) => (byId.get(id)?.status === 'ok' ? byId.get(id) : undefined);
  const forms = CLI_FORMS.filter((f) => ok(`${f.id}/encrypt`) && ok(`${f.id}/decrypt`));
  const cp = ok('cp/copy');

  for (const r of rows) {
    if (r.status !== 'ok' || r.tool.startsWith('Coffer')) continue;
    for (const form of forms) {
      const mine = { encrypt: ok(`${form.id}/encrypt`), decrypt: ok(`${form.id}/decrypt`) };
      // cp has no encrypt/decrypt: compare Coffer's times with the plain copy's.
      if (r.id === 'cp/copy') {
        (r.coffer_time_ratio ??= {})[form.id] = {
          encrypt: mine.encrypt.seconds / r.seconds,
          decrypt: mine.decrypt.seconds / r.seconds,
        };
        continue;
      }
      (r.coffer_speedup ??= {})[form.id] = mine[r.operation].mib_per_s / r.mib_per_s;
      const rate = mine[r.operation].mib_per_s_after_startup;
      if (rate && r.mib_per_s_after_startup) (r.coffer_speedup_after_startup ??= {})[form.id] = rate / r.mib_per_s_after_startup;
    }
  }

  const targets = [];
  // A target without a measurement (its peer is not installed) is SKIP, never FAIL.
  const target = (name, value, unit, pass) =>
    targets.push({ name, value: value ?? null, unit, status: value === undefined ? 'SKIP' : pass(value) ? 'PASS' : 'FAIL' });
  const peers = [
    ['age', 'age', 2],
    ['sdk-4k', 'the JS SDK at 4 KiB frames', 8],
    ['sdk-1m', 'the JS SDK at 1 MiB frames', 2],
  ];
  for (const form of forms) {
    for (const [peerId, label, goal] of peers) {
      for (const operation of ['encrypt', 'decrypt']) {
        const value = ok(`${peerId}/${operation}`)?.coffer_speedup?.[form.id];
        target(`${form.label}: ${operation} >= ${goal}x ${label} throughput`, value, 'x', (v) => v >= goal);
      }
    }
    for (const operation of ['encrypt', 'decrypt']) {
      target(
        `${form.label}: ${operation} time <= 1.6x cp's time`,
        cp?.coffer_time_ratio?.[form.id]?.[operation],
        'x',
        (v) => v <= 1.6,
      );
    }
  }
  // The folder: Coffer's time for the whole folder against each peer's (N.Nx its time: below 1 is faster).
  const folderRow = (id) => folder?.rows.find((r) => r.id === `folder/${id}`);
  for (const r of folder?.rows ?? []) {
    if (r.tool.startsWith('Coffer')) continue;
    for (const form of CLI_FORMS) {
      const enc = folderRow(`${form.id}/encrypt`);
      const dec = folderRow(`${form.id}/decrypt`);
      if (!enc || !dec) continue;
      (r.coffer_time_ratio ??= {})[form.id] =
        r.operation === 'copy'
          ? { encrypt: enc.seconds / r.seconds, decrypt: dec.seconds / r.seconds }
          : { [r.operation]: (r.operation === 'encrypt' ? enc : dec).seconds / r.seconds };
    }
  }
  if (folder) {
    for (const form of CLI_FORMS.filter((f) => !f.informative)) {
      for (const operation of ['encrypt', 'decrypt']) {
        const value = folderRow(`tar-age/${operation}`)?.coffer_time_ratio?.[form.id]?.[operation];
        target(`${form.label}: folder ${operation} time <= 1.0x tar | age's time`, value, 'x', (v) => v <= 1.0);
      }
    }
  }
  // A token key against the vault key, the same command in the same rounds: the token's part is
  // its start-up (load the module, log in) and one unwrap per file; the body costs the same.
  let tokenKey;
  if (token) {
    tokenKey = { pkcs11_module: token.module };
    for (const operation of ['encrypt', 'decrypt']) {
      const mine = ok(`coffer-token/${operation}`);
      const vaultKey = ok(`coffer/${operation}`);
      if (!mine || !vaultKey) continue;
      mine.time_vs_vault_key = mine.seconds / vaultKey.seconds;
      tokenKey[`${operation}_time_ratio`] = mine.time_vs_vault_key;
      tokenKey[`${operation}_extra_seconds`] = mine.seconds - vaultKey.seconds;
      if (mine.startup_seconds !== undefined && vaultKey.startup_seconds !== undefined)
        tokenKey[`${operation}_extra_startup_seconds`] = mine.startup_seconds - vaultKey.startup_seconds;
      target(`Coffer token key: ${operation} time <= 1.1x the vault key's`, mine.time_vs_vault_key, 'x', (v) => v <= 1.1);
    }
  }
  const cofferRows = [...rows, ...(rssCheck?.rows ?? []), ...(folder?.rows ?? [])].filter(
    (r) => r.status === 'ok' && r.tool.startsWith('Coffer'),
  );
  const peakRss = Math.max(...cofferRows.map((r) => r.peak_rss_mib));
  target('Coffer peak RSS < 200 MiB (every Coffer run)', peakRss, 'MiB', (v) => v < 200);
  target('Worst event-loop delay < 50 ms (in-process)', eventLoop?.worst_delay_ms, 'ms', (v) => v < 50);

  return {
    size_bytes: size,
    // What `coffer` is here: dist/native/coffer, or bin/coffer.cjs.
    coffer_command: realpathSync(COFFER).endsWith(join('dist', 'native', 'coffer')) ? 'native' : 'node',
    runs: RUNS,
    warmup: WARMUP,
    coffer_frame_length: cofferFrameLength,
    coffer_frame_cipher: cofferFrameCipher,
    platform: { node: process.version, cpus: availableParallelism(), os: `${process.platform} ${process.arch}` },
    rows,
    verified,
    ...(eventLoop ? { event_loop: eventLoop } : {}),
    ...(tokenKey ? { token_key: tokenKey } : {}),
    ...(rssCheck ? { rss_check: rssCheck } : {}),
    ...(folder
      ? { folder: { files: folder.files, file_bytes: folder.file_bytes, rows: folder.rows, node_startup: folder.node_startup } }
      : {}),
    targets,
  };
}

/** The comparison with each peer once every tool has started: the rate after start-up. */
function afterStartupLines(report) {
  const lines = report.rows.flatMap((r) =>
    CLI_FORMS.filter((f) => r.coffer_speedup_after_startup?.[f.id] !== undefined).map(
      (f) => `- ${f.label} ${r.operation} vs ${r.tool}: ${r.coffer_speedup_after_startup[f.id].toFixed(2)}x`,
    ),
  );
  if (lines.length === 0) return [];
  return [
    "Rate after start-up (the run's time less the same command's on an empty file), for information; the targets above count start-up:",
    '',
    ...lines,
    '',
  ];
}

function renderMarkdown(report) {
  const fixed = (n, digits) => (n === undefined || n === null ? '—' : n.toFixed(digits));
  // One figure per form of the CLI: on its own / via the agent.
  const perForm = (values, show) =>
    CLI_FORMS.filter((f) => values?.[f.id] !== undefined)
      .map((f) => show(values[f.id]))
      .join(' / ');
  const ratioCell = (r) => {
    if (r.time_vs_vault_key !== undefined) return `${fixed(r.time_vs_vault_key, 2)}x the vault key's time`;
    if (r.coffer_time_ratio)
      return `${perForm(r.coffer_time_ratio, (t) => `${fixed(t.encrypt, 2)}x enc, ${fixed(t.decrypt, 2)}x dec`)} cp's time`;
    if (r.coffer_speedup === undefined) return '—';
    const after = r.coffer_speedup_after_startup
      ? ` (${perForm(r.coffer_speedup_after_startup, (v) => `${fixed(v, 1)}x`)} after start-up)`
      : '';
    return `${perForm(r.coffer_speedup, (v) => `${fixed(v, 1)}x`)}${after}`;
  };
  const lines = [
    [
      'Tool',
      'Operation',
      'Seconds',
      'MiB/s',
      'Start-up s',
      'MiB/s after start-up',
      'Peak RSS MiB',
      'Coffer is N.Nx faster (alone / via agent)',
    ],
  ];
  for (const r of [...report.rows, ...(report.rss_check?.rows ?? [])]) {
    if (r.status !== 'ok') lines.push([r.tool, r.operation, r.status, '—', '—', '—', '—', '—']);
    else
      lines.push([
        r.id.startsWith('coffer-rss-check') ? `${r.tool}, ${formatBytes(r.bytes)}` : r.tool,
        r.operation,
        fixed(r.seconds, 2),
        fixed(r.mib_per_s, 0),
        fixed(r.startup_seconds, 3),
        fixed(r.mib_per_s_after_startup, 0),
        fixed(r.peak_rss_mib, 1),
        ratioCell(r),
      ]);
  }
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const numeric = [false, false, true, true, true, true, true, false];
  const format = (cells) =>
    `| ${cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (numeric[c] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;

  const { platform, event_loop: loop } = report;
  return [
    `## Coffer benchmark: ${formatBytes(report.size_bytes)} random file (${platform.os}, ${platform.cpus} cores, Node ${platform.node})`,
    '',
    `Coffer runs at its default frame length (${report.coffer_frame_length ? formatBytes(report.coffer_frame_length) : 'not measured'}) with its ${report.coffer_frame_cipher.name} frame cipher; the JS SDK at 4 KiB and 1 MiB frames. ` +
      `Seconds are the median of ${report.runs} round(s) after ${report.warmup} unmeasured one(s), every tool once per round (start-up included), peak RSS the highest. ` +
      'Start-up is the median time of the same command on an empty file; the rate after start-up leaves it out. ' +
      `Coffer's CLI is run as \`coffer\` (bin/coffer, ${report.coffer_command === 'native' ? 'here dist/native/coffer' : 'here bin/coffer.cjs: dist/native/coffer is not built'}), as npm links it. ` +
      '"Coffer (CLI via agent)" is the same command with `coffer agent` running (started before the rounds); its peak RSS is the larger of the CLI\'s and the agent\'s.',
    '',
    format(lines[0]),
    rule,
    ...lines.slice(1).map(format),
    '',
    `Verified (SHA-256 of output = input): ${Object.keys(report.verified).join(', ')}.`,
    loop
      ? `Worst event-loop delay in-process (10 ms sampling, interval included): encrypt ${fixed(loop.encrypt_worst_delay_ms, 1)} ms, decrypt ${fixed(loop.decrypt_worst_delay_ms, 1)} ms.`
      : 'In-process run: not asked for.',
    ...tokenKeyLines(report, fixed),
    '',
    '### Targets',
    '',
    ...report.targets.map((t) => {
      const measured =
        t.value === null ? 'not measured' : t.unit === 'x' ? `${fixed(t.value, 2)}x` : `${fixed(t.value, 1)} ${t.unit}`;
      return `- ${t.status} ${t.name}: ${measured}`;
    }),
    '',
    ...afterStartupLines(report),
    ...folderMarkdown(report, fixed, perForm),
  ].join('\n');
}

/** The token key's figure: its time as a multiple of the vault key's, and what start-up adds. */
function tokenKeyLines(report, fixed) {
  const t = report.token_key;
  if (!t || t.encrypt_time_ratio === undefined) return [];
  const extra = (s) => (s === undefined ? '—' : `${s >= 0 ? '+' : ''}${fixed(s * 1000, 1)} ms`);
  return [
    `Token key (SoftHSM2, ${t.pkcs11_module}) against the vault key, same rounds: encrypt ${fixed(t.encrypt_time_ratio, 3)}x its time ` +
      `(${extra(t.encrypt_extra_seconds)}), decrypt ${fixed(t.decrypt_time_ratio, 3)}x (${extra(t.decrypt_extra_seconds)}); ` +
      `on an empty file ${extra(t.encrypt_extra_startup_seconds)} / ${extra(t.decrypt_extra_startup_seconds)}.`,
  ];
}

/** The folder workload's table: Coffer's time for the whole folder as a multiple of each peer's. */
/**
 * Coffer's time over tar | age's in each round (the two ran minutes apart at most): a slow spell
 * of the machine moves both, where a ratio of medians may pair a fast run with a slow one.
 */
function perRoundLines(rows, fixed) {
  const peer = (operation) => rows.find((r) => r.id === `folder/tar-age/${operation}`);
  const lines = [];
  for (const r of rows.filter((r) => r.id.startsWith('folder/coffer'))) {
    const theirs = peer(r.operation)?.all_seconds;
    if (!theirs || !r.all_seconds || theirs.length !== r.all_seconds.length) continue;
    const ratios = r.all_seconds.map((t, i) => t / theirs[i]);
    lines.push(
      `- ${r.tool} ${r.operation}: ${ratios.map((x) => `${fixed(x, 2)}x`).join(', ')} (median ${fixed(median(ratios), 2)}x)`,
    );
  }
  return lines.length > 0 ? ["Coffer's time as a multiple of tar | age's in the same round, round by round:", ...lines, ''] : [];
}

function folderMarkdown(report, fixed, perForm) {
  if (!report.folder) return [];
  const { files, file_bytes: fileBytes, rows, node_startup: nodeStartup } = report.folder;
  const ratio = (r) => {
    if (!r.coffer_time_ratio) return '—';
    if (r.operation === 'copy')
      return `${perForm(r.coffer_time_ratio, (t) => `${fixed(t.encrypt, 2)}x enc, ${fixed(t.decrypt, 2)}x dec`)}`;
    return perForm(r.coffer_time_ratio, (t) => `${fixed(t[r.operation], 2)}x`);
  };
  const lines = [
    [
      'Tool',
      'Operation',
      'Seconds',
      'MiB/s',
      'Files/s',
      'Peak RSS MiB',
      "Coffer's time as a multiple of this (alone / via agent / via agent, Node entry)",
    ],
    ...rows.map((r) => [
      r.tool.replaceAll('|', '\\|'), // a table cell
      r.operation,
      fixed(r.seconds, 2),
      fixed(r.mib_per_s, 0),
      fixed(files / r.seconds, 0),
      fixed(r.peak_rss_mib, 1),
      ratio(r),
    ]),
  ];
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  const numeric = [false, false, true, true, true, true, false];
  const format = (cells) =>
    `| ${cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (numeric[c] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [
    `## Folder: ${files} files of ${formatBytes(fileBytes)} (${formatBytes(files * fileBytes)})`,
    '',
    'Each tool once per round, as above; seconds are the median. Coffer encrypts each file to its own .coffer file (and ' +
      'decrypts them back), fsyncing every output before naming it; tar | age makes one stream of the whole folder; age per ' +
      'file starts one age process a file. A multiple below 1.00x means Coffer took less time.',
    '',
    format(lines[0]),
    rule,
    ...lines.slice(1).map(format),
    '',
    ...perRoundLines(rows, fixed),
    ...(nodeStartup
      ? [
          `Node's own start-up (\`node -e 0\`, the same rounds): ${fixed(nodeStartup.seconds, 3)} s. ` +
            (report.coffer_command === 'native'
              ? 'The `coffer` command here is dist/native/coffer, which sends a file command to the agent without it; ' +
                'the Node entry (bin/coffer.cjs) pays it on every command, a run through the agent included.'
              : 'Every Coffer command pays it before its first line runs, a run through the agent included ' +
                '(dist/native/coffer is not built here, so its client is a Node process).') +
            (nodeStartup.extra_ca_certs_set
              ? ` NODE_EXTRA_CA_CERTS is set here, and Node 20 reads that CA bundle at every start: ${fixed(nodeStartup.without_extra_ca_certs_seconds, 3)} s without it. Every figure above was measured with it set.`
              : ''),
          '',
        ]
      : []),
  ];
}

main().catch((error) => {
  console.error(`run-bench: ${error instanceof BenchError ? error.message : (error?.stack ?? error)}`);
  process.exitCode = 1;
});
