import { statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The agent's wire: one JSON object per line. Kept apart from the message schemas (zod) so that
 * the thin client, which every scripted command loads before anything else, stays small.
 */
export const AGENT_PROTOCOL = 1;

/** What a command says when its agent went away mid-job (COFFER.6002). */
export const AGENT_LOST_MESSAGE =
  'The agent stopped before the job finished. Files it had not finished were left as they were, with nothing under their output names; run the command again.';

// A line longer than this is not a message of this protocol (the largest is a list of results).
const MAX_LINE = 64 * 1024 * 1024;

/**
 * Which build a file belongs to: the agent runs jobs only for a CLI of its own build, so an agent
 * left running across an update never runs old code for new commands. The CLI's bundle changes
 * size or time with every build.
 */
export function buildStamp(moduleUrl: string): string {
  const stats = statSync(fileURLToPath(moduleUrl));
  return `${stats.size}-${Math.trunc(stats.mtimeMs)}`;
}

/** Calls `onLine` with each complete line; `onTooLong` once, if a line exceeds the limit. */
export function readLines(socket: Socket, onLine: (line: string) => boolean, onTooLong: () => void): void {
  let pending = '';
  let stopped = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    if (stopped) return;
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      // A handler that returns false wants no more lines (the connection is being dropped).
      if (!onLine(line)) {
        stopped = true;
        return;
      }
      newline = pending.indexOf('\n');
    }
    if (pending.length > MAX_LINE) {
      stopped = true;
      onTooLong();
    }
  });
}

export function writeLine(socket: Socket, message: object): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
}
