import type { Socket } from 'node:net';
import * as z from 'zod';
import { CofferError, isErrorCode } from '../../shared/errors.js';
import { FileJobRequest } from '../../shared/file-job.js';
import { readLines, writeLine } from './agent-wire.js';

/**
 * What the CLI and the agent say to each other: one JSON object per line, each checked against
 * its schema on arrival. A batch (`run-files`) is a file job (shared/file-job.ts) with its paths
 * and vault folder resolved by the CLI; a command sent whole (`run-argv`) brings the folder and environment it was run with.
 */
const ErrorValueSchema = z.strictObject({ code: z.string(), message: z.string() });

export const RunFilesRequest = z.strictObject({
  type: z.literal('run-files'),
  protocol: z.number(),
  build: z.string(),
  /** The file job, its paths resolved by the CLI; checked whole on arrival, as the runner checks it. */
  job: FileJobRequest,
  vaultDir: z.string().min(1),
  workers: z.number().int().optional(),
});
export type RunFilesRequest = z.infer<typeof RunFilesRequest>;

/** A scripted command's arguments, folder and environment, sent by the thin client as they are. */
export const RunArgvRequest = z.strictObject({
  type: z.literal('run-argv'),
  protocol: z.number(),
  build: z.string(),
  argv: z.array(z.string()),
  cwd: z.string().min(1),
  env: z.record(z.string(), z.string()),
});
export type RunArgvRequest = z.infer<typeof RunArgvRequest>;

export const ClientMessage = z.discriminatedUnion('type', [
  RunFilesRequest,
  RunArgvRequest,
  z.strictObject({ type: z.literal('passphrase'), value: z.string() }),
  z.strictObject({ type: z.literal('passphrase-refused'), error: ErrorValueSchema }),
  z.strictObject({ type: z.literal('cancel') }),
  z.strictObject({ type: z.literal('status') }),
  z.strictObject({ type: z.literal('stop') }),
  /** The passphrase cache: a command asks for, offers, or drops a vault's master key (Base64). */
  z.strictObject({ type: z.literal('key-cache-get'), vaultDir: z.string().min(1) }),
  z.strictObject({ type: z.literal('key-cache-put'), vaultDir: z.string().min(1), vmk: z.base64() }),
  z.strictObject({ type: z.literal('key-cache-forget'), vaultDir: z.string().min(1) }),
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
  /** How long an unlocked passphrase vault is held (0: never), and how many are held now. */
  passphrase_cache_seconds: z.number(),
  cached_vaults: z.number(),
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
  /** What a command run from its arguments prints (`bytes` raw bytes follow the line), and how it ends (the thin client's job). */
  z.strictObject({ type: z.literal('output'), stream: z.enum(['stdout', 'stderr']), bytes: z.number().int().min(0) }),
  z.strictObject({ type: z.literal('exit'), code: z.number().int() }),
  /** The answer to key-cache-get (null: none held), and the acknowledgement of a put or forget. */
  z.strictObject({ type: z.literal('key-cache'), vmk: z.base64().nullable() }),
  z.strictObject({ type: z.literal('key-cache-done') }),
]);
export type AgentMessage = z.infer<typeof AgentMessage>;

/** An error value that came over the socket, as the CofferError it stood for. */
export function errorFromValue(value: { code: string; message: string }): CofferError {
  return new CofferError(isErrorCode(value.code) ? value.code : 'KMS.0101', value.message);
}

/** Calls `onMessage` with each line's message, or `onInvalid` once for the first bad line. */
export function readMessages<T>(
  socket: Socket,
  schema: z.ZodType<T>,
  onMessage: (message: T) => void,
  onInvalid: (problem: string) => void,
): void {
  readLines(
    socket,
    (line) => {
      let parsed: z.ZodSafeParseResult<T>;
      try {
        parsed = schema.safeParse(JSON.parse(line));
      } catch {
        onInvalid('a line is not JSON');
        return false;
      }
      if (!parsed.success) {
        onInvalid(`a message does not match the protocol (${parsed.error.issues[0]?.message ?? 'invalid'})`);
        return false;
      }
      onMessage(parsed.data);
      return true;
    },
    () => onInvalid('a line is too long'),
  );
}

export function sendMessage(socket: Socket, message: ClientMessage | AgentMessage): void {
  writeLine(socket, message);
}
