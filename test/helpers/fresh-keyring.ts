import { spawn } from 'node:child_process';
import { COFFER_BIN, removeDir, tempDir } from './cli.js';

/**
 * Runs a shell script in a new D-Bus session with its own, empty, unlocked gnome-keyring:
 * "another machine" as far as the keychain is concerned. `coffer` in the script runs the CLI.
 */
export async function inFreshKeyring(
  script: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const keyringHome = await tempDir('coffer-keyring-');
  const wrapped = [
    `eval "$(printf other-machine | XDG_DATA_HOME='${keyringHome}' gnome-keyring-daemon --unlock --components=secrets)" >/dev/null`,
    `coffer() { '${process.execPath}' '${COFFER_BIN}' "$@"; }`,
    script,
  ].join('\n');
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn('dbus-run-session', ['--', 'sh', '-c', wrapped], {
        env: { ...process.env, ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  } finally {
    await removeDir(keyringHome);
  }
}

/** Lines of stdout that are JSON objects, parsed (one per coffer call). */
export function jsonLines(stdout: string): any[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}
