import { statSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { CofferError, isErrorCode, type ErrorValue } from '../../shared/errors.js';

/**
 * What the CLI and the agent say to each other: one JSON object per line, each checked against
 * its schema on arrival. The CLI resolves paths and the vault folder itself, so the agent never
 * depends on the caller's working folder or environment.
 */
export const AGENT_PROTOCOL = 1;

const ErrorValueSchema = z.strictObject({ code: z.string(), message: z.string() });

export const RunFilesRequest = z.strictObject({
  type: z.literal('run-files'),
  protocol: z.number(),
  build: z.string(),
  action: z.enum(['encrypt', 'decrypt', 'verify']),
  /** Absolute paths, resolved by the CLI. */
  paths: z.array(z.string().min(1)).min(1),
  vaultDir: z.string().min(1),
  keyIds: z.array(z.string()),
  outDir: z.string().optional(),
  frameLength: z.number().int().optional(),
  encryptionContext: z.record(z.string(), z.string()).optional(),
  removeOriginals: z.boolean().optional(),
  workers: z.number().int().optional(),
});
export type RunFilesRequest = z.infer<typeof RunFilesRequest>;

export const ClientMessage = z.discriminatedUnion('type', [
  RunFilesRequest,
  z.strictObject({ type: z.literal('passphrase'), value: z.string() }),
  z.strictObject({ type: z.literal('passphrase-refused'), error: ErrorValueSchema }),
  z.strictObject({ type: z.literal('cancel') }),
  z.strictObject({ type: z.literal('status') }),
  z.strictObject({ type: z.literal('stop') }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

const ProgressSchema = z.strictObject({
  bytesDone: z.number(),
  bytesTotal: z.number(),
  rate: z.number(),
  etaSeconds: z.number().nullable(),
});

const FileResultSchema = z.union([
  z.strictObject({
    input: z.string(),
    status: z.literal('ok'),
    output: z.string().optional(),
    bytes: z.number(),
    original_removed: z.boolean().optional(),
  }),
  z.strictObject({
    input: z.string(),
    status: z.literal('error'),
    error: z.strictObject({ error_code: z.string(), error_msg: z.string() }),
  }),
  z.strictObject({ input: z.string(), status: z.literal('skipped'), reason: z.string() }),
]);

export const AgentStatus = z.strictObject({
  type: z.literal('status'),
  pid: z.number(),
  socket: z.string(),
  build: z.string(),
  started_at: z.string(),
  /** Jobs running now, and jobs finished (done, failed or cancelled) since the agent started. */
  jobs: z.number(),
  jobs_done: z.number(),
  idle_timeout_seconds: z.number(),
});
export type AgentStatus = z.infer<typeof AgentStatus>;

export const AgentMessage = z.discriminatedUnion('type', [
  /** This agent is another build: the CLI runs the job itself. */
  z.strictObject({ type: z.literal('refused'), reason: z.string() }),
  z.strictObject({ type: z.literal('need-passphrase') }),
  z.strictObject({ type: z.literal('vault-opened') }),
  z.strictObject({ type: z.literal('file-start'), input: z.string(), index: z.number(), count: z.number() }),
  z.strictObject({ type: z.literal('progress'), input: z.string(), progress: ProgressSchema }),
  z.strictObject({ type: z.literal('done'), files: z.array(FileResultSchema) }),
  z.strictObject({ type: z.literal('failed'), error: ErrorValueSchema }),
  AgentStatus,
  z.strictObject({ type: z.literal('stopping'), cancelled_jobs: z.number() }),
]);
export type AgentMessage = z.infer<typeof AgentMessage>;

/** An error value that came over the socket, as the CofferError it stood for. */
export function errorFromValue(value: { code: string; message: string }): CofferError {
  return new CofferError(isErrorCode(value.code) ? value.code : 'KMS.0101', value.message);
}

export function toWire(error: ErrorValue): { code: string; message: string } {
  return { code: error.code, message: error.message };
}

/**
 * Which build this is: the agent runs jobs only for a CLI of the same build, so an agent left
 * running across an update never runs old code for new commands. The build's own file changes
 * size or time with every build.
 */
export function buildStamp(): string {
  const file = fileURLToPath(import.meta.url);
  const stats = statSync(file);
  return `${stats.size}-${Math.trunc(stats.mtimeMs)}`;
}

// A line longer than this is not a message of this protocol (the largest is a list of results).
const MAX_LINE = 64 * 1024 * 1024;

/** Calls `onMessage` with each line's message, or `onInvalid` once for the first bad line. */
export function readMessages<T>(
  socket: Socket,
  schema: z.ZodType<T>,
  onMessage: (message: T) => void,
  onInvalid: (problem: string) => void,
): void {
  let pending = '';
  let broken = false;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    if (broken) return;
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0 && !broken) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      let parsed: z.ZodSafeParseResult<T>;
      try {
        parsed = schema.safeParse(JSON.parse(line));
      } catch {
        broken = true;
        onInvalid('a line is not JSON');
        return;
      }
      if (!parsed.success) {
        broken = true;
        onInvalid(`a message does not match the protocol (${parsed.error.issues[0]?.message ?? 'invalid'})`);
        return;
      }
      onMessage(parsed.data);
      newline = pending.indexOf('\n');
    }
    if (pending.length > MAX_LINE) {
      broken = true;
      onInvalid('a line is too long');
    }
  });
}

export function sendMessage(socket: Socket, message: ClientMessage | AgentMessage): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
}
