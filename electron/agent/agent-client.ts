import type { Socket } from 'node:net';
import { resolve } from 'node:path';
import { CofferError, toErrorValue } from '../../shared/errors.js';
import type { FileResult } from '../core/jobs/file-batch.js';
import type { Progress } from '../core/jobs/progress.js';
import type { MasterKeyCache } from '../core/vault/master-key-cache.js';
import {
  AgentMessage,
  errorFromValue,
  readMessages,
  sendMessage,
  type AgentStatus,
  type ClientMessage,
  type RunFilesRequest,
} from './agent-protocol.js';
import { agentSocketPath, connectAgent } from './agent-socket.js';
import { AGENT_LOST_MESSAGE, AGENT_PROTOCOL, buildStamp } from './agent-wire.js';

export interface AgentJobHooks {
  signal: AbortSignal;
  /** Answers the agent's request for the vault's passphrase, as the CLI would on its own. */
  passphrase: () => Promise<string>;
  onVaultOpened?: () => void;
  onFileStart?: (input: string, index: number, count: number) => void;
  onProgress?: (input: string, progress: Progress) => void;
}

export type AgentJob = Omit<RunFilesRequest, 'type' | 'protocol' | 'build'>;

const agentLost = (): CofferError => new CofferError('COFFER.6002', AGENT_LOST_MESSAGE);

/** Runs a batch in the agent: its results, or undefined when the agent declines (another build). */
export function runJobInAgent(socket: Socket, job: AgentJob, hooks: AgentJobHooks): Promise<FileResult[] | undefined> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      hooks.signal.removeEventListener('abort', cancel);
      finish();
    };
    const cancel = (): void => sendMessage(socket, { type: 'cancel' });
    hooks.signal.addEventListener('abort', cancel);
    socket.on('error', () => undefined);
    socket.on('close', () => settle(() => reject(agentLost())));
    readMessages(
      socket,
      AgentMessage,
      (message) => {
        switch (message.type) {
          case 'refused':
            socket.end();
            return settle(() => resolve(undefined));
          case 'need-passphrase':
            hooks.passphrase().then(
              (value) => sendMessage(socket, { type: 'passphrase', value }),
              (error: unknown) => sendMessage(socket, { type: 'passphrase-refused', error: toErrorValue(error) }),
            );
            return;
          case 'vault-opened':
            return hooks.onVaultOpened?.();
          case 'file-start':
            return hooks.onFileStart?.(message.input, message.index, message.count);
          case 'progress':
            return hooks.onProgress?.(message.input, message.progress);
          case 'done':
            return settle(() => resolve(message.files));
          case 'failed':
            return settle(() => reject(errorFromValue(message.error)));
          default:
            socket.destroy();
            return settle(() => reject(agentLost()));
        }
      },
      () => {
        socket.destroy();
        settle(() => reject(agentLost()));
      },
    );
    sendMessage(socket, { type: 'run-files', protocol: AGENT_PROTOCOL, build: buildStamp(import.meta.url), ...job });
    if (hooks.signal.aborted) cancel();
  });
}

/** One request, one answer: the agent's status, its acknowledgement of a stop, or a key-cache answer. */
async function ask(socketPath: string, request: ClientMessage): Promise<AgentMessage | undefined> {
  const socket = await connectAgent(socketPath);
  if (!socket) return undefined;
  return new Promise((resolve) => {
    let answer: AgentMessage | undefined;
    readMessages(
      socket,
      AgentMessage,
      (message) => (answer ??= message),
      () => socket.destroy(),
    );
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(answer));
    sendMessage(socket, request);
  });
}

export async function agentStatus(socketPath = agentSocketPath()): Promise<AgentStatus | undefined> {
  const answer = await ask(socketPath, { type: 'status' });
  return answer?.type === 'status' ? answer : undefined;
}

/** Asks the agent to stop; the number of jobs it cancelled, or undefined if none was running. */
export async function stopAgent(socketPath = agentSocketPath()): Promise<number | undefined> {
  const answer = await ask(socketPath, { type: 'stop' });
  return answer?.type === 'stopping' ? answer.cancelled_jobs : undefined;
}

/**
 * The running agent's passphrase cache, for a command in its own process: asked before the
 * passphrase, offered the key after. Without an agent (or one that does not cache) it holds nothing.
 */
export function agentKeyCache(socketPath = agentSocketPath()): MasterKeyCache {
  return {
    async get(dir) {
      const answer = await ask(socketPath, { type: 'key-cache-get', vaultDir: resolve(dir) });
      return answer?.type === 'key-cache' && answer.vmk !== null ? Buffer.from(answer.vmk, 'base64') : null;
    },
    async put(dir, vmk) {
      await ask(socketPath, { type: 'key-cache-put', vaultDir: resolve(dir), vmk: vmk.toString('base64') });
    },
    async forget(dir) {
      await ask(socketPath, { type: 'key-cache-forget', vaultDir: resolve(dir) });
    },
  };
}
