import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const COFFER_BIN = fileURLToPath(new URL('../../bin/coffer.cjs', import.meta.url));
/** The same command as a small program (Linux, macOS), built by `npm run build`: see coffer-client.c. */
export const COFFER_NATIVE = fileURLToPath(new URL('../../dist/native/coffer', import.meta.url));
const NO_AGENT_SOCKET = join(tmpdir(), 'coffer-tests-no-agent', 'agent.sock');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as the contract's one JSON object (undefined when empty). */
  json: any;
  /** stderr parsed as {"error": {...}} when it is JSON. */
  error: { error_code: string; error_msg: string } | undefined;
}

function parseJson(text: string): any {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

/** Runs the real `coffer` command in a child process, as a script would (`native`: dist/native/coffer). */
export function runCoffer(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; removeEnv?: readonly string[]; cwd?: string; native?: boolean } = {},
): Promise<CliResult> {
  // A `coffer agent` the developer runs must not take the tests' jobs: tests that want an agent
  // name their own socket.
  const env: NodeJS.ProcessEnv = { ...process.env, COFFER_AGENT_SOCKET: NO_AGENT_SOCKET, ...options.env };
  for (const name of options.removeEnv ?? []) delete env[name];
  return new Promise((resolve, reject) => {
    const [command, argv] = options.native ? [COFFER_NATIVE, args] : [process.execPath, [COFFER_BIN, ...args]];
    const child = spawn(command, argv, { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr, json: parseJson(stdout), error: parseJson(stderr)?.error });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh, empty vault folder that is removed after the test file. */
export async function tempDir(prefix = 'coffer-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
