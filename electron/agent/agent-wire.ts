import { statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * The agent's wire: one JSON object per line, except what a command prints, which follows its
 * line as raw bytes (see readFrames). Kept apart from the message schemas (zod) so that the thin
 * client, which every scripted command loads before anything else, stays small.
 */
export const AGENT_PROTOCOL = 2;

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
  readFrames(socket, onLine, () => undefined, onTooLong);
}

export function writeLine(socket: Socket, message: object): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
}

/**
 * What a command printed: its line, then its bytes as they are. A folder's result is a list of
 * every file (120 KB for 1000 files); as a JSON string inside a line, the client spent about
 * 6 ms decoding and parsing it before it could print a byte, with a core idle meanwhile.
 */
export function writeOutput(socket: Socket, stream: 'stdout' | 'stderr', text: string): void {
  if (socket.destroyed) return;
  const bytes = Buffer.from(text, 'utf8');
  socket.write(`${JSON.stringify({ type: 'output', stream, bytes: bytes.length })}\n`);
  socket.write(bytes);
}

/**
 * Lines, some followed by raw bytes: `onLine` returns false to stop reading, true for the next
 * line, or a count of bytes that follow the line, which go to `onBytes` in pieces as they come.
 */
export function readFrames(
  socket: Socket,
  onLine: (line: string) => boolean | number,
  onBytes: (piece: Buffer) => void,
  onTooLong: () => void,
): void {
  let pending: Buffer = Buffer.alloc(0);
  let raw = 0;
  let stopped = false;
  socket.on('data', (chunk: Buffer) => {
    if (stopped) return;
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length > 0) {
      if (raw > 0) {
        const piece = pending.subarray(0, raw);
        raw -= piece.length;
        pending = pending.subarray(piece.length);
        onBytes(piece);
        continue;
      }
      const newline = pending.indexOf(0x0a);
      if (newline < 0) break;
      const line = pending.toString('utf8', 0, newline);
      pending = pending.subarray(newline + 1);
      const next = onLine(line);
      if (next === false) {
        stopped = true;
        return;
      }
      if (typeof next === 'number') raw = next;
    }
    if (pending.length > MAX_LINE) {
      stopped = true;
      onTooLong();
    }
  });
}
