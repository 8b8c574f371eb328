import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, realpath, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { agentStatus } from '../../electron/agent/agent-client.js';
import { agentSupported } from '../../electron/agent/agent-socket.js';
import { RunArgvRequest } from '../../electron/agent/agent-protocol.js';
import { AGENT_LOST_MESSAGE, AGENT_PROTOCOL, buildStamp } from '../../electron/agent/agent-wire.js';
import { COFFER_BIN, COFFER_NATIVE, removeDir, runCoffer, tempDir } from '../helpers/cli.js';

/**
 * `coffer agent`: a resident process that runs the CLI's file jobs with warm workers. Everything
 * here goes through the real CLI, the real socket and the real keychain.
 */
const CLI_BUNDLE = fileURLToPath(new URL('../../dist/electron/cli/coffer.bundle.cjs', import.meta.url));

let root: string;
let vault: string;
let socket: string;
let agentEnv: NodeJS.ProcessEnv;

const coffer = (args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; native?: boolean } = {}) =>
  runCoffer(['--vault', vault, ...args], { ...options, env: { ...agentEnv, ...options.env } });

/** How many jobs the agent has finished: the proof that a command ran there and not here. */
async function jobsDone(): Promise<number> {
  const status = await agentStatus(socket);
  if (!status) throw new Error('the agent is not running');
  return status.jobs_done;
}

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  root = await tempDir('coffer-agent-');
  vault = join(root, 'vault');
  // A short path: a Unix socket's path may not exceed about 100 bytes.
  socket = join(root, 'run', 'agent.sock');
  agentEnv = { COFFER_AGENT_SOCKET: socket };
  expect((await runCoffer(['--vault', vault, 'init'])).code).toBe(0);
  expect((await runCoffer(['--vault', vault, 'create-key', '--alias', 'films'])).code).toBe(0);
});

afterEach(async () => {
  await coffer(['agent', 'stop']);
});

afterAll(async () => {
  await removeDir(root);
});

describe.runIf(agentSupported())('coffer agent', () => {
  it('starts once, in a folder only this user may enter, and says so', async () => {
    expect((await coffer(['agent', 'status'])).json).toEqual({ running: false, socket });

    const started = await coffer(['agent', 'start']);
    expect(started.code).toBe(0);
    expect(started.json).toMatchObject({
      running: true,
      already_running: false,
      socket,
      jobs: 0,
      jobs_done: 0,
      idle_timeout_seconds: 600,
    });
    expect((await stat(join(root, 'run'))).mode & 0o777).toBe(0o700);
    expect((await stat(socket)).mode & 0o777).toBe(0o600);

    const again = await coffer(['agent', 'start']);
    expect(again.json).toMatchObject({ running: true, already_running: true, pid: started.json.pid });
    expect((await coffer(['agent', 'status'])).json).toMatchObject({ running: true, pid: started.json.pid });
  });

  it("runs encrypt-file and decrypt-file for the CLI, with paths relative to the CLI's folder", async () => {
    await coffer(['agent', 'start']);
    const work = join(root, 'relative');
    await mkdir(work);
    const original = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(work, 'clip.mov'), original);

    const sealed = await coffer(['encrypt-file', '--key-id', 'alias/films', 'clip.mov', '--out-dir', 'sealed'], { cwd: work });
    expect(sealed.code).toBe(0);
    expect(sealed.json).toEqual({
      files: [
        { input: join(work, 'clip.mov'), status: 'ok', output: join(work, 'sealed', 'clip.mov.coffer'), bytes: original.length },
      ],
    });
    expect(await jobsDone()).toBe(1);

    const opened = await coffer(['decrypt-file', 'sealed/clip.mov.coffer', '--out-dir', 'opened'], { cwd: work });
    expect(opened.code).toBe(0);
    // Buffer.equals: a deep comparison of 3 MiB, byte by byte, takes vitest seconds.
    expect((await readFile(join(work, 'opened', 'clip.mov'))).equals(original)).toBe(true);
    expect((await coffer(['verify-file', join(work, 'sealed')])).json.files[0].status).toBe('ok');
    expect(await jobsDone()).toBe(3);
  });

  it("prints a folder's long result byte for byte, names in any script included, as the command alone does", async () => {
    await coffer(['agent', 'start']);
    const work = join(root, 'many');
    const { folder, names } = await folderOfNamesInEveryScript(work);
    const viaAgent = await coffer(['encrypt-file', '--key-id', 'alias/films', folder, '--out-dir', join(work, 'a')]);
    expect(await jobsDone()).toBe(1);
    const alone = await coffer(['encrypt-file', '--key-id', 'alias/films', folder, '--out-dir', join(work, 'b'), '--no-agent']);
    expect(viaAgent.code).toBe(0);
    expect(Buffer.byteLength(viaAgent.stdout)).toBeGreaterThan(64 * 1024);
    expect(viaAgent.stderr).toBe('');
    expect(viaAgent.stdout.replaceAll(join(work, 'a'), join(work, 'b'))).toBe(alone.stdout);
    const inputs = (viaAgent.json.files as { input: string; status: string }[]).map((f) => f.input);
    expect(inputs.sort()).toEqual(names.map((name) => join(folder, name)).sort());
  });

  it.each([
    { entry: 'bin/coffer.cjs', native: false },
    { entry: 'dist/native/coffer', native: true },
  ])('$entry prints all of a long result to a non-blocking pipe that fills, once it is read', async ({ native }) => {
    // A pipe set O_NONBLOCK by whoever made it (Python here: Node's own child pipes are blocking)
    // and not read for a while: writing straight to it fails with EAGAIN once 64 KiB wait in it.
    await coffer(['agent', 'start']);
    const work = join(root, `full-pipe-${native ? 'native' : 'node'}`);
    const folder = join(work, 'pictures');
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < 400; i += 1) await writeFile(join(folder, `holiday-${'x'.repeat(60)}-${i}.jpg`), `${i}`);
    const script = [
      'import fcntl, json, os, subprocess, sys, time',
      'r, w = os.pipe()',
      'fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)',
      'p = subprocess.Popen(sys.argv[1:], stdout=w)',
      'os.close(w)',
      'time.sleep(1.5)',
      'out = b""',
      'while True:',
      '    piece = os.read(r, 65536)',
      '    if not piece: break',
      '    out += piece',
      'print(json.dumps({"code": p.wait(), "out": out.decode()}))',
    ].join('\n');
    const args = ['--vault', vault, 'encrypt-file', '--key-id', 'alias/films', folder, '--out-dir', join(work, 'out')];
    const command = native ? [COFFER_NATIVE] : [process.execPath, COFFER_BIN];
    const run = spawn('python3', ['-c', script, ...command, ...args], { env: { ...process.env, ...agentEnv } });
    let answer = '';
    run.stdout.setEncoding('utf8').on('data', (text: string) => (answer += text));
    expect(await new Promise((resolve) => run.on('close', resolve))).toBe(0);
    const { code, out } = JSON.parse(answer) as { code: number; out: string };
    expect(code).toBe(0);
    expect(Buffer.byteLength(out)).toBeGreaterThan(64 * 1024);
    const files = JSON.parse(out).files as { status: string }[];
    expect(files).toHaveLength(400);
    expect(files.every((f) => f.status === 'ok')).toBe(true);
    expect(await jobsDone()).toBe(1);
  });

  it('is bypassed by --no-agent and COFFER_AGENT=off, which run the job in the command itself', async () => {
    await coffer(['agent', 'start']);
    const input = join(root, 'bypass.txt');
    await writeFile(input, 'kept out of the agent');
    expect((await coffer(['encrypt-file', '--no-agent', '--key-id', 'alias/films', input])).code).toBe(0);
    expect((await coffer(['verify-file', `${input}.coffer`], { env: { COFFER_AGENT: 'off' } })).code).toBe(0);
    expect(await jobsDone()).toBe(0);
  });

  it("gives the same refusals as the CLI: per-file errors, and a vault error as the command's", async () => {
    await coffer(['agent', 'start']);
    const missing = await coffer(['encrypt-file', '--key-id', 'alias/films', join(root, 'no-such-file')]);
    expect(missing.code).toBe(1);
    expect(missing.json.files[0]).toMatchObject({ status: 'error', error: { error_code: 'COFFER.2008' } });

    const unknownKey = join(root, 'unknown-key.txt');
    await writeFile(unknownKey, 'x');
    const refused = await coffer(['encrypt-file', '--key-id', 'alias/nobody', unknownKey]);
    expect(refused.json.files[0]).toMatchObject({ status: 'error', error: { error_code: 'KMS.0207' } });
    expect(existsSync(`${unknownKey}.coffer`)).toBe(false);

    const noVault = await runCoffer(['--vault', join(root, 'no-vault'), 'encrypt-file', '--key-id', 'alias/films', unknownKey], {
      env: agentEnv,
    });
    expect(noVault.code).toBe(1);
    expect(noVault.error?.error_code).toBe('COFFER.1001');
    expect(await readdir(root)).not.toContain('unknown-key.txt.coffer');
    expect(await jobsDone()).toBe(3);
  });

  it("asks the command for a passphrase vault's passphrase, from the command's own environment", async () => {
    await coffer(['agent', 'start']);
    const locked = join(root, 'passphrase-vault');
    const run = (args: string[], passphrase: string) =>
      runCoffer(['--vault', locked, ...args], { env: { ...agentEnv, COFFER_PASSPHRASE: passphrase } });
    expect((await run(['init', '--passphrase'], 'correct horse battery staple')).code).toBe(0);
    expect((await run(['create-key', '--alias', 'notes'], 'correct horse battery staple')).code).toBe(0);
    const input = join(root, 'notes.md');
    await writeFile(input, '# secret notes');

    const wrong = await run(['encrypt-file', '--key-id', 'alias/notes', input], 'a wrong passphrase');
    expect(wrong.code).toBe(1);
    expect(wrong.error?.error_code).toBe('COFFER.1005');
    expect(wrong.stdout).toBe('');
    expect(existsSync(`${input}.coffer`)).toBe(false);

    const none = await runCoffer(['--vault', locked, 'encrypt-file', '--key-id', 'alias/notes', input], {
      env: agentEnv,
      removeEnv: ['COFFER_PASSPHRASE'],
    });
    expect(none.error?.error_code).toBe('COFFER.1012');

    const passphraseFile = join(root, 'passphrase.txt');
    await writeFile(passphraseFile, 'correct horse battery staple\n');
    const right = await runCoffer(
      ['--vault', locked, '--passphrase-file', 'passphrase.txt', 'encrypt-file', '--key-id', 'alias/notes', input],
      {
        env: agentEnv,
        removeEnv: ['COFFER_PASSPHRASE'],
        cwd: root,
      },
    );
    expect(right.code).toBe(0);
    expect(right.json.files[0]).toMatchObject({ status: 'ok', output: `${input}.coffer` });
    expect(await jobsDone()).toBe(3);
  });

  it('cancels the job of a command that is killed, leaving no output, and serves the next one', async () => {
    await coffer(['agent', 'start']);
    const job = await startLongEncryption('killed');
    job.child.kill('SIGKILL');
    await job.exited;
    await until(async () => (await agentStatus(socket))?.jobs === 0, 'the agent has dropped the job');
    expect(await readdir(job.out)).toEqual([]);

    const small = join(root, 'after.txt');
    await writeFile(small, 'the agent lives on');
    expect((await coffer(['encrypt-file', '--key-id', 'alias/films', small])).code).toBe(0);
    expect(await jobsDone()).toBe(2);
  }, 120_000);

  it.each([
    { entry: 'bin/coffer.cjs', native: false },
    { entry: 'dist/native/coffer', native: true },
  ])(
    "$entry: cancels the running file on the command's Ctrl-C, and the command reports it",
    async ({ native }) => {
      await coffer(['agent', 'start']);
      const job = await startLongEncryption(native ? 'interrupted-native' : 'interrupted', native);
      job.child.kill('SIGINT');
      // 128 + SIGINT's number, as a shell reports a command that Ctrl-C ended.
      expect(await job.exited).toBe(130);
      expect(JSON.parse(job.stdout()).files[0]).toMatchObject({
        input: job.input,
        status: 'error',
        error: { error_code: 'COFFER.2010' },
      });
      expect(await readdir(job.out)).toEqual([]);
      expect(await jobsDone()).toBe(1);
    },
    120_000,
  );

  it('stops on request, removing its socket, and stopping twice is harmless', async () => {
    const started = await coffer(['agent', 'start']);
    const stopped = await coffer(['agent', 'stop']);
    expect(stopped.json).toEqual({ running: false, was_running: true, cancelled_jobs: 0, socket });
    expect(existsSync(socket)).toBe(false);
    await until(() => !isAlive(started.json.pid), 'the agent process has ended');
    expect((await coffer(['agent', 'stop'])).json).toEqual({ running: false, was_running: false, socket });
  });

  it('stops by itself after its idle timeout', async () => {
    const started = await coffer(['agent', 'start', '--idle-timeout', '1']);
    expect(started.json.idle_timeout_seconds).toBe(1);
    await until(() => !isAlive(started.json.pid), 'the idle agent has ended', 10_000);
    expect(existsSync(socket)).toBe(false);
  });

  it('after being killed, is not used, and a new one starts in its place', async () => {
    const started = await coffer(['agent', 'start']);
    process.kill(started.json.pid, 'SIGKILL');
    await until(() => !isAlive(started.json.pid), 'the killed agent has ended');
    expect(existsSync(socket)).toBe(true);

    const input = join(root, 'stale.txt');
    await writeFile(input, 'the stale socket is ignored');
    expect((await coffer(['encrypt-file', '--key-id', 'alias/files-do-not-exist', input])).json.files[0].error.error_code).toBe(
      'KMS.0207',
    );
    expect((await coffer(['encrypt-file', '--key-id', 'alias/films', input])).code).toBe(0);

    const restarted = await coffer(['agent', 'start']);
    expect(restarted.code).toBe(0);
    expect(restarted.json).toMatchObject({ running: true, already_running: false });
    expect(restarted.json.pid).not.toBe(started.json.pid);
  }, 30_000);

  it('refuses a socket folder that others may enter, and the CLI never uses an agent in one', async () => {
    const open = join(root, 'open');
    await mkdir(open, { mode: 0o755 });
    await chmod(open, 0o755);
    const refused = await coffer(['agent', 'start'], { env: { COFFER_AGENT_SOCKET: join(open, 'agent.sock') } });
    expect(refused.code).toBe(1);
    expect(refused.error?.error_code).toBe('COFFER.6001');
    expect(refused.error?.error_msg).toContain('mode is 755');

    // An agent whose folder was opened up later is not trusted with jobs (nor passphrases).
    await coffer(['agent', 'start']);
    await chmod(join(root, 'run'), 0o755);
    const input = join(root, 'untrusted.txt');
    await writeFile(input, 'x');
    expect((await coffer(['encrypt-file', '--key-id', 'alias/films', input])).code).toBe(0);
    await chmod(join(root, 'run'), 0o700);
    expect(await jobsDone()).toBe(0);
  });

  it("at a terminal, asks for a passphrase vault's passphrase at the command's prompt and shows its progress bar", async () => {
    await coffer(['agent', 'start']);
    const locked = join(root, 'terminal-vault');
    const passphrase = 'correct horse battery staple';
    const setup = (args: string[]) =>
      runCoffer(['--vault', locked, ...args], { env: { ...agentEnv, COFFER_PASSPHRASE: passphrase } });
    expect((await setup(['init', '--passphrase'])).code).toBe(0);
    expect((await setup(['create-key', '--alias', 'films'])).code).toBe(0);
    const input = join(root, 'at-a-terminal.bin');
    await writeFile(input, randomBytes(20 * 1024 * 1024));

    // script(1) gives the command a real terminal; what is piped in is typed at it.
    const command = [process.execPath, COFFER_BIN, '--vault', locked, 'encrypt-file', '--key-id', 'alias/films', input]
      .map((arg) => `'${arg}'`)
      .join(' ');
    const terminal = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, ...agentEnv, COFFER_PASSPHRASE: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    terminal.stdout.setEncoding('utf8').on('data', (text: string) => (screen += text));
    terminal.stdin.end(`${passphrase}\n`);
    expect(await new Promise((resolve) => terminal.on('close', resolve))).toBe(0);
    expect(screen).toContain('vault passphrase:');
    expect(screen).toMatch(/\[1\/1\] at-a-terminal\.bin .*100%/);
    expect(screen).toContain(`"output": "${input}.coffer"`);
    expect(existsSync(`${input}.coffer`)).toBe(true);
    expect(await jobsDone()).toBe(1);
  });

  it('runs only file commands sent whole, and only of its own build', async () => {
    await coffer(['agent', 'start']);
    const build = buildStamp(pathToFileURL(CLI_BUNDLE).href);
    const send = async (message: object) => JSON.parse((await talk(`${JSON.stringify(message)}\n`)).split('\n')[0]!);
    const command = (argv: string[], stamp = build) => ({
      type: 'run-argv',
      protocol: AGENT_PROTOCOL,
      build: stamp,
      argv,
      cwd: root,
      env: {},
    });
    expect(await send(command(['--vault', vault, 'list-keys']))).toMatchObject({ type: 'refused' });
    expect(await send(command(['--vault', vault, 'verify-file', '--help']))).toMatchObject({ type: 'refused' });
    expect(await send(command(['--vault', vault, 'verify-file', 'x.coffer'], 'another-build'))).toMatchObject({
      type: 'refused',
    });
    expect(await jobsDone()).toBe(0);

    // A file command runs, with the sender's folder: x.coffer is looked for there.
    // What it prints follows its line as raw bytes; then the exit line.
    const answer = Buffer.from(await talk(`${JSON.stringify(command(['--vault', vault, 'verify-file', 'x.coffer']))}\n`));
    const head = answer.subarray(0, answer.indexOf(0x0a)).toString();
    const output = JSON.parse(head) as { type: string; stream: string; bytes: number };
    expect(output).toMatchObject({ type: 'output', stream: 'stdout' });
    const printed = answer.subarray(head.length + 1, head.length + 1 + output.bytes).toString();
    expect(JSON.parse(printed).files[0]).toMatchObject({ input: join(root, 'x.coffer'), status: 'error' });
    expect(JSON.parse(answer.subarray(head.length + 1 + output.bytes).toString())).toEqual({ type: 'exit', code: 1 });
  });

  it('declines a job from another build, and drops a connection that does not speak its protocol', async () => {
    await coffer(['agent', 'start']);
    const fromElsewhere = await talk(
      `${JSON.stringify({ type: 'run-files', protocol: AGENT_PROTOCOL, build: 'another-build', job: { action: 'verify', paths: ['/x'] }, vaultDir: vault })}\n`,
    );
    expect(JSON.parse(fromElsewhere)).toMatchObject({ type: 'refused' });
    expect(await talk('this is not JSON\n')).toBe('');
    expect(await talk(`${JSON.stringify({ type: 'run-files', paths: 'not a list' })}\n`)).toBe('');
    expect(await jobsDone()).toBe(0);
  });
});

describe.runIf(agentSupported())("dist/native/coffer: the command for scripts without Node's start-up", () => {
  const native = (args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) =>
    coffer(args, { ...options, native: true });

  it('is built by `npm run build` where the agent runs, and is the `coffer` that npm links', async () => {
    expect(existsSync(COFFER_NATIVE)).toBe(true);
    const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(manifest.bin).toEqual({ coffer: 'bin/coffer' });
    expect(await realpath(fileURLToPath(new URL('../../bin/coffer', import.meta.url)))).toBe(await realpath(COFFER_NATIVE));
  });

  it("sends a folder's file commands to the agent and prints what bin/coffer.cjs prints, byte for byte", async () => {
    await coffer(['agent', 'start']);
    const work = join(root, 'native-many');
    const { folder, names } = await folderOfNamesInEveryScript(work);
    // Relative paths: the agent resolves them in the command's folder.
    const viaNative = await native(['encrypt-file', '--key-id', 'alias/films', 'фото é 写真', '--out-dir', 'a'], { cwd: work });
    expect(await jobsDone()).toBe(1);
    const viaNode = await coffer(['encrypt-file', '--key-id', 'alias/films', folder, '--out-dir', join(work, 'b')]);
    expect(await jobsDone()).toBe(2);
    expect(viaNative.code).toBe(0);
    expect(viaNative.stderr).toBe('');
    expect(Buffer.byteLength(viaNative.stdout)).toBeGreaterThan(64 * 1024);
    expect(viaNative.stdout.replaceAll(join(work, 'a'), join(work, 'b'))).toBe(viaNode.stdout);

    const opened = await native(['decrypt-file', join(work, 'a', 'фото é 写真'), '--out-dir', join(work, 'opened')]);
    expect(opened.code).toBe(0);
    expect(await jobsDone()).toBe(3);
    for (const name of [names[0]!, names[399]!])
      expect(await readFile(join(work, 'opened', 'фото é 写真', name), 'utf8')).toBe(name);
  });

  it('hands everything else to `node bin/coffer.cjs`, which gives the same answers as when run itself', async () => {
    await coffer(['agent', 'start']);
    const input = join(root, 'native-bypass.txt');
    await writeFile(input, 'kept out of the agent');
    const both = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
      const [mine, node] = [await native(args, { env }), await coffer(args, { env })];
      expect({ code: mine.code, stdout: mine.stdout, stderr: mine.stderr }).toEqual({
        code: node.code,
        stdout: node.stdout,
        stderr: node.stderr,
      });
      return mine;
    };
    expect((await both(['--version'])).code).toBe(0);
    expect((await both(['list-keys'])).json.keys.length).toBeGreaterThan(0);
    expect((await both(['encrypt-file', '--help'])).stdout).toContain('encrypt-file');
    expect((await both(['no-such-command'])).code).not.toBe(0);
    await rm(`${input}.coffer`, { force: true });
    expect((await native(['encrypt-file', '--no-agent', '--key-id', 'alias/films', input])).code).toBe(0);
    expect((await native(['verify-file', `${input}.coffer`], { env: { COFFER_AGENT: 'off' } })).code).toBe(0);
    expect(await jobsDone()).toBe(0);
  });

  it('runs the command itself when no agent runs, or when its socket folder is open to others', async () => {
    const input = join(root, 'native-alone.txt');
    await writeFile(input, 'no agent here');
    const alone = await native(['encrypt-file', '--key-id', 'alias/films', input]);
    expect(alone.code).toBe(0);
    expect(alone.json.files[0]).toMatchObject({ status: 'ok', output: `${input}.coffer` });

    await coffer(['agent', 'start']);
    await chmod(join(root, 'run'), 0o755);
    try {
      expect((await native(['verify-file', `${input}.coffer`])).code).toBe(0);
    } finally {
      await chmod(join(root, 'run'), 0o700);
    }
    expect(await jobsDone()).toBe(0);
  });

  it('quits on a second Ctrl-C even while a reader that never reads holds its output', async () => {
    await coffer(['agent', 'start']);
    const work = join(root, 'native-stuck');
    const { folder } = await folderOfNamesInEveryScript(work);
    const out = join(work, 'out');
    // A non-blocking pipe nobody reads: once 64 KiB of the result wait in it, the client waits too.
    const script = [
      'import fcntl, json, os, signal, subprocess, sys, time',
      'r, w = os.pipe()',
      'fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)',
      'out = sys.argv[1]',
      'p = subprocess.Popen(sys.argv[2:], stdout=w)',
      'os.close(w)',
      'def named():',
      '    return sum(1 for _, _, fs in os.walk(out) for f in fs if f.endswith(".coffer"))',
      'while named() < 400 and p.poll() is None: time.sleep(0.05)',
      'time.sleep(0.5)',
      'p.send_signal(signal.SIGINT)',
      'time.sleep(0.3)',
      'p.send_signal(signal.SIGINT)',
      'try:',
      '    code = p.wait(timeout=5)',
      'except subprocess.TimeoutExpired:',
      '    p.kill()',
      '    code = "still running"',
      'print(json.dumps({"code": code}))',
    ].join('\n');
    const args = ['--vault', vault, 'encrypt-file', '--key-id', 'alias/films', folder, '--out-dir', out];
    const run = spawn('python3', ['-c', script, out, COFFER_NATIVE, ...args], { env: { ...process.env, ...agentEnv } });
    let answer = '';
    run.stdout.setEncoding('utf8').on('data', (text: string) => (answer += text));
    expect(await new Promise((resolve) => run.on('close', resolve))).toBe(0);
    expect(JSON.parse(answer)).toEqual({ code: 130 });
    expect(await jobsDone()).toBe(1);
  }, 60_000);

  it('passes an argument that is not UTF-8 to the Node command, which answers as it always did', async () => {
    await coffer(['agent', 'start']);
    // Through sh: a byte 0xff in an argument cannot be given to spawn() as a string.
    const withByte = (command: string) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn('sh', ['-c', `exec ${command} --vault "$1" verify-file "$(printf 'x\\377.coffer')"`, 'sh', vault], {
          env: { ...process.env, ...agentEnv },
          cwd: root,
        });
        let stdout = '';
        child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
        child.on('close', (code) => resolve({ code, stdout }));
      });
    const mine = await withByte(`"${COFFER_NATIVE}"`);
    const node = await withByte(`"${process.execPath}" "${COFFER_BIN}"`);
    expect(mine).toEqual(node);
    expect(JSON.parse(mine.stdout).files[0]).toMatchObject({ status: 'error', error: { error_code: 'COFFER.2008' } });
  });

  it('says COFFER.6002, as bin/coffer.cjs does, when the agent is killed mid-job, and leaves no output under a final name', async () => {
    const started = await coffer(['agent', 'start']);
    const job = await startLongEncryption('native-agent-killed', true);
    process.kill(started.json.pid, 'SIGKILL');
    expect(await job.exited).toBe(1);
    expect(job.stderr()).toBe(`${JSON.stringify({ error: { error_code: 'COFFER.6002', error_msg: AGENT_LOST_MESSAGE } })}\n`);
    expect((await readdir(job.out)).filter((name) => !name.includes('.coffer-tmp-'))).toEqual([]);
  }, 120_000);

  describe('against a stand-in agent', () => {
    /** A listener on a private socket that answers each connection's first line with `answer(line, connection)`. */
    async function standIn(
      answer: (line: string, connection: Socket) => void,
    ): Promise<{ env: NodeJS.ProcessEnv; lines: string[] }> {
      const dir = join(root, `stand-in-${randomBytes(4).toString('hex')}`);
      await mkdir(dir, { mode: 0o700 });
      const path = join(dir, 's.sock');
      const lines: string[] = [];
      const server = createServer((connection) => {
        let pending = '';
        let answered = false;
        connection.setEncoding('utf8').on('data', (text: string) => {
          pending += text;
          const newline = pending.indexOf('\n');
          if (newline < 0 || answered) return;
          answered = true;
          lines.push(pending.slice(0, newline));
          answer(pending.slice(0, newline), connection);
        });
        connection.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(path, resolve));
      onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return { env: { COFFER_AGENT_SOCKET: path }, lines };
    }

    it('sends the command whole, as the agent reads it, and relays its output, streams and exit status', async () => {
      const agent = await standIn((_, connection) => {
        const frame = (stream: string, text: string) => {
          const bytes = Buffer.from(text);
          return Buffer.concat([Buffer.from(`${JSON.stringify({ type: 'output', stream, bytes: bytes.length })}\n`), bytes]);
        };
        const all = Buffer.concat([
          frame('stdout', 'first\n'),
          frame('stderr', 'a warning ü\n'),
          frame('stdout', '{"files":[]}\n'.repeat(20_000)),
          Buffer.from(`${JSON.stringify({ type: 'exit', code: 3 })}\n`),
        ]);
        // In uneven pieces: a line or a frame may arrive split anywhere.
        for (let at = 0; at < all.length; at += 7919) connection.write(all.subarray(at, at + 7919));
        connection.end();
      });
      const odd = 'quote " backslash \\ newline \n tab \t bell \u0007 del \u007f é 写真 🎞';
      const run = await native(['encrypt-file', '--key-id', 'alias/films', odd, 'x.txt'], {
        env: { ...agent.env, COFFER_ODD_VARIABLE: odd },
        cwd: root,
      });
      expect(run.code).toBe(3);
      expect(run.stdout).toBe(`first\n${'{"files":[]}\n'.repeat(20_000)}`);
      expect(run.stderr).toBe('a warning ü\n');
      const request = RunArgvRequest.parse(JSON.parse(agent.lines[0]!));
      expect(request).toMatchObject({
        protocol: AGENT_PROTOCOL,
        build: buildStamp(pathToFileURL(CLI_BUNDLE).href),
        argv: ['--vault', vault, 'encrypt-file', '--key-id', 'alias/films', odd, 'x.txt'],
        cwd: root,
      });
      expect(request.env.COFFER_ODD_VARIABLE).toBe(odd);
      expect(request.env.PATH).toBe(process.env.PATH);
    });

    it('runs the command itself when the agent declines it (an agent of another build)', async () => {
      const agent = await standIn((_, connection) =>
        connection.end(`${JSON.stringify({ type: 'refused', reason: 'another build' })}\n`),
      );
      const input = join(root, 'native-declined.txt');
      await writeFile(input, 'declined by the agent');
      const run = await native(['encrypt-file', '--key-id', 'alias/films', input], { env: agent.env });
      expect(run.code).toBe(0);
      expect(run.json.files[0]).toMatchObject({ status: 'ok', output: `${input}.coffer` });
      // Asked once: the Node command it hands the job to does not ask again.
      expect(agent.lines).toHaveLength(1);
    });

    it('says COFFER.6002 for an answer outside the protocol or a hang-up before the exit status', async () => {
      const lost = `${JSON.stringify({ error: { error_code: 'COFFER.6002', error_msg: AGENT_LOST_MESSAGE } })}\n`;
      for (const reply of [
        '{"type":"progress","done":1}\n',
        `${JSON.stringify({ type: 'output', stream: 'stdout', bytes: 2 })}\nok`,
        'not json\n',
      ]) {
        const agent = await standIn((_, connection) => connection.end(reply));
        const run = await native(['verify-file', 'x.coffer'], { env: agent.env, cwd: root });
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 1, stderr: lost });
      }
    });
  });
});

/**
 * WORK/фото é 写真 with 400 small files named in several scripts, each holding its name: a
 * folder whose result is long enough (over 64 KiB) to reach a client in several pieces.
 */
async function folderOfNamesInEveryScript(work: string): Promise<{ folder: string; names: string[] }> {
  const folder = join(work, 'фото é 写真');
  await mkdir(folder, { recursive: true });
  const names = Array.from({ length: 400 }, (_, i) => `снимок-ü-${String(i).padStart(3, '0')}-🎞.txt`);
  for (const name of names) await writeFile(join(folder, name), name);
  return { folder, names };
}

/**
 * A script's encrypt-file of a 3 GiB (sparse) file, once the agent has begun writing its
 * temporary output: long enough to be interrupted.
 */
async function startLongEncryption(name: string, native = false) {
  const input = join(root, `${name}.img`);
  await writeFile(input, '');
  await truncate(input, 3 * 1024 ** 3);
  onTestFinished(() => truncate(input, 0));
  const out = join(root, `${name}-out`);
  await mkdir(out);
  const args = ['--vault', vault, 'encrypt-file', '--key-id', 'alias/films', '--out-dir', out, input];
  const child = native
    ? spawn(COFFER_NATIVE, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...agentEnv } })
    : spawn(process.execPath, [COFFER_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...agentEnv } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await until(
    async () => (await readdir(out)).some((entry) => entry.includes('.coffer-tmp-')),
    'the agent writes a temporary file',
  );
  return { input, out, child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Speaks to the agent directly: one line out, everything it answers before it hangs up. */
function talk(line: string): Promise<string> {
  return new Promise((resolve) => {
    const client = connect(socket);
    let answer = '';
    client.setEncoding('utf8').on('data', (text: string) => (answer += text));
    client.on('close', () => resolve(answer));
    client.write(line);
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
