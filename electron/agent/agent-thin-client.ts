import { writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { isatty } from 'node:tty';
import { agentRunsArgv } from './agent-argv.js';
import { agentSupported, connectAgent } from './agent-socket.js';
import { AGENT_LOST_MESSAGE, AGENT_PROTOCOL, buildStamp, readFrames, writeLine } from './agent-wire.js';

/**
 * The fast path of a scripted file command: `bin/coffer.cjs` loads this small bundle first and,
 * when an agent runs, sends it the command whole (arguments, folder, environment) and relays
 * what it prints, without loading the CLI (about 35 ms a command here). Its few messages are
 * checked by hand: zod would cost more than the rest of this path. Its twin in C,
 * native/coffer-client.c (the `coffer` command on Linux and macOS), sends the same message and
 * reads the same answers without Node's start-up: a change to either is a change to both.
 */
type Answer =
  { type: 'output'; stream: 'stdout' | 'stderr'; bytes: number } | { type: 'exit'; code: number } | { type: 'refused' };

function readAnswer(line: string): Answer | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if (
    message.type === 'output' &&
    (message.stream === 'stdout' || message.stream === 'stderr') &&
    Number.isSafeInteger(message.bytes) &&
    (message.bytes as number) >= 0
  )
    return { type: 'output', stream: message.stream, bytes: message.bytes as number };
  if (message.type === 'exit' && Number.isInteger(message.code)) return { type: 'exit', code: message.code as number };
  if (message.type === 'refused') return { type: 'refused' };
  return undefined;
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

const AGENT_LOST = { error: { error_code: 'COFFER.6002', error_msg: AGENT_LOST_MESSAGE } };

/**
 * Printed bytes, written to the descriptor itself: process.stdout would first build a stream and
 * load Node's stream modules (about 3 ms a command). A descriptor that would block (a full pipe
 * opened non-blocking), or that fails, hands the rest of that stream's bytes to process.stdout /
 * stderr, which wait for it (or report the failure), in order.
 */
const streamed = { stdout: false, stderr: false };
function print(stream: 'stdout' | 'stderr', piece: Buffer): void {
  let written = 0;
  while (!streamed[stream] && written < piece.length) {
    try {
      written += writeSync(stream === 'stdout' ? 1 : 2, piece, written);
    } catch {
      // Would block (EAGAIN), or failed (EPIPE: the reader left): the stream handles it, as it always did.
      streamed[stream] = true;
    }
  }
  if (written < piece.length) process[stream].write(piece.subarray(written));
}

/**
 * The command's exit status once the agent has run it, or undefined when the full CLI must run
 * it: no agent, a person at a terminal (who gets the progress bar and the passphrase prompt),
 * not a file command, or an agent of another build.
 */
export async function runThroughAgent(argv: readonly string[], cliBundleUrl: string): Promise<number | undefined> {
  if (!agentSupported() || process.env.COFFER_AGENT === 'off') return undefined;
  // isatty, not process.stdin.isTTY: that would build the three streams first.
  if (isatty(0) || isatty(1) || isatty(2)) return undefined;
  if (!agentRunsArgv(argv)) return undefined;
  const socket = await connectAgent();
  if (!socket) return undefined;
  return new Promise((resolve) => {
    let exitCode: number | undefined;
    let refused = false;
    /** 128 + the number of the first SIGINT / SIGTERM, which cancelled the job. */
    let interrupted: number | undefined;
    // Ctrl-C (or a kill) cancels the running file, whose temporary output the agent removes, and
    // the command exits 130 / 143; a second one, or an agent that has not answered within two
    // seconds, quits at once, which the agent also takes as a cancel.
    const onSignal = (name: NodeJS.Signals): void => {
      if (interrupted !== undefined) process.exit(interrupted);
      interrupted = 128 + (osConstants.signals[name] ?? 0);
      writeLine(socket, { type: 'cancel' });
      setTimeout(() => process.exit(interrupted), 2000).unref();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let printing: 'stdout' | 'stderr' = 'stdout';
    readFrames(
      socket,
      (line) => {
        const answer = readAnswer(line);
        if (!answer) {
          socket.destroy();
          return false;
        }
        if (answer.type === 'output') {
          printing = answer.stream;
          return answer.bytes;
        }
        if (answer.type === 'exit') exitCode = answer.code;
        else refused = true;
        return true;
      },
      (piece) => print(printing, piece),
      () => socket.destroy(),
    );
    socket.on('error', () => undefined);
    socket.on('close', () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (exitCode !== undefined) return resolve(interrupted ?? exitCode);
      if (refused) return resolve(undefined);
      process.stderr.write(`${JSON.stringify(AGENT_LOST)}\n`);
      resolve(1);
    });
    writeLine(socket, {
      type: 'run-argv',
      protocol: AGENT_PROTOCOL,
      build: buildStamp(cliBundleUrl),
      argv,
      cwd: process.cwd(),
      env: stringEnv(process.env),
    });
  });
}
