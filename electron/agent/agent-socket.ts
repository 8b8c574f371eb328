import { lstatSync, mkdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CofferError } from '../../shared/errors.js';

/**
 * Where the agent listens: a Unix socket in a folder only this user may enter, as ssh-agent and
 * gpg-agent do. Whoever can connect can use the vault's keys (and is sent passphrases), so both
 * sides check that folder before trusting it.
 */
export function agentSupported(platform: NodeJS.Platform = process.platform): boolean {
  return platform !== 'win32' && typeof process.getuid === 'function';
}

export function agentSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.COFFER_AGENT_SOCKET) return env.COFFER_AGENT_SOCKET;
  // $XDG_RUNTIME_DIR is private to the user and emptied at logout; elsewhere a private folder
  // in the temporary directory, named for the user so users never share one.
  const base = env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'coffer') : join(tmpdir(), `coffer-${process.getuid?.() ?? 0}`);
  return join(base, 'agent.sock');
}

/** Why the folder cannot be trusted, or undefined when it is this user's alone. */
function folderProblem(dir: string): string | undefined {
  let stats;
  try {
    stats = lstatSync(dir);
  } catch {
    return 'it does not exist';
  }
  if (stats.isSymbolicLink()) return 'it is a symbolic link';
  if (!stats.isDirectory()) return 'it is not a folder';
  if (stats.uid !== process.getuid?.()) return `it belongs to user ${stats.uid}`;
  if ((stats.mode & 0o077) !== 0) return `its mode is ${(stats.mode & 0o777).toString(8)}, not 700`;
  return undefined;
}

/** For the agent: makes the socket's folder (mode 700) or refuses one that others could enter. */
export function preparePrivateFolder(socket: string): void {
  const dir = dirname(socket);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const problem = folderProblem(dir);
  if (problem) {
    throw new CofferError(
      'COFFER.6001',
      `The agent's socket folder ${dir} is not private (${problem}). Remove it, or set COFFER_AGENT_SOCKET to a path in a folder only you can enter.`,
    );
  }
}

/** For the CLI: is the socket in a folder only this user controls? Else it is not our agent. */
export function isPrivateSocket(socket: string): boolean {
  return folderProblem(dirname(socket)) === undefined;
}

/**
 * The agent on this socket, connected, or undefined when there is none to use: not running, a
 * stale socket, or a folder another user could have put it in (it would be sent passphrases).
 */
export async function connectAgent(socketPath = agentSocketPath()): Promise<Socket | undefined> {
  if (!agentSupported()) return undefined;
  try {
    if (!lstatSync(socketPath).isSocket()) return undefined;
  } catch {
    return undefined;
  }
  if (!isPrivateSocket(socketPath)) return undefined;
  // node:net loads only when there is an agent to talk to: every command's start passes through
  // here. Not import(): the CLI's bundle runs in node:vm, which has no dynamic import.
  const { connect } = process.getBuiltinModule('node:net');
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', () => resolve(undefined));
  });
}
