import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INVOKE_CHANNELS, type EventChannel, type MainChannel } from '../../../shared/ipc-channels.js';
import type { EventPayloads } from '../../../shared/ipc-contract.js';
import { AppServices } from '../../../electron/app/app-services.js';
import type { ChooseKind } from '../../../electron/app/file-handlers.js';
import { registerIpcHandlers, type IpcInvokeEventLike } from '../../../electron/app/ipc.js';
import { MediaRegistry } from '../../../electron/app/media-protocol.js';

/**
 * The renderer's end-to-end harness: the built renderer served over HTTP on loopback, and the
 * REAL main-process code behind it (AppServices, the IPC handlers with their validation, a real
 * vault in a temporary folder, real files). Only the preload is stood in for, by a few lines
 * (test-bridge.js) that carry window.coffer's calls here over fetch and events over SSE. As in
 * the app, the page's invoke reaches the renderer's channels only; the preload's own
 * (files:register-drop) has its own door, which only the stand-in's registerDroppedFiles uses.
 */
const rendererRoot = fileURLToPath(new URL('../../../dist/renderer/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface BridgeServer {
  url: string;
  vaultDir: string;
  /** A folder for the spec's own files, removed with the server. */
  workDir: string;
  services: AppServices;
  revealed: string[];
  /** What the OS file dialog "returns" next, one answer per files:choose (then nothing): main grants handles for them. */
  chooseAnswers: string[][];
  /** The kinds files:choose was asked for, in order. */
  chooseAsked: ChooseKind[];
  /** What the OS open dialog for a public key file "returns" next, one answer each (then cancelled). */
  keyFileAnswers: string[];
  /** Where the OS save dialog for a public key file "saves" next, one answer each (then cancelled); what it suggested. */
  saveAnswers: string[];
  saveSuggested: string[];
  /** Where the OS save dialog for a backup "saves" next, one per vault:backup (then cancelled). */
  backupSaveAnswers: string[];
  /** Handles for files, as main grants them to what reached it from the OS (for a spec's direct handler calls). */
  grant(...paths: string[]): string[];
  /** Sends an event to the page as main does (the menu's commands, for one). */
  emit<E extends EventChannel>(event: E, payload: EventPayloads[E]): void;
  close(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startBridgeServer(): Promise<BridgeServer> {
  const vaultDir = await mkdtemp(join(tmpdir(), 'coffer-e2e-vault-'));
  const workDir = await mkdtemp(join(tmpdir(), 'coffer-e2e-files-'));
  const streams = new Set<ServerResponse>();
  const revealed: string[] = [];
  const chooseAnswers: string[][] = [];
  const chooseAsked: ChooseKind[] = [];
  const keyFileAnswers: string[] = [];
  const saveAnswers: string[] = [];
  const saveSuggested: string[] = [];
  const backupSaveAnswers: string[] = [];
  const send = <E extends EventChannel>(event: E, payload: EventPayloads[E]): void => {
    for (const stream of streams) stream.write(`data: ${JSON.stringify({ event, payload })}\n\n`);
  };
  const services = await AppServices.start({
    vaultDir,
    version: '0.1.0-e2e',
    platform: process.platform,
    poolSize: 2,
    createMedia: (unwrap) => new MediaRegistry(unwrap),
    send,
    choosePaths: async (kind) => {
      chooseAsked.push(kind);
      return chooseAnswers.shift() ?? [];
    },
    chooseSavePath: async () => backupSaveAnswers.shift() ?? null,
    revealPath: (path) => revealed.push(path),
    publicKeyFileDialogs: {
      open: async () => keyFileAnswers.shift() ?? null,
      save: async (suggested) => {
        saveSuggested.push(suggested);
        return saveAnswers.shift() ?? null;
      },
    },
  });
  const handlers = new Map<string, (event: IpcInvokeEventLike, payload: unknown) => Promise<unknown>>();
  registerIpcHandlers({ handle: (channel, listener) => handlers.set(channel, listener) }, services.handlers);

  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const door = url.pathname === '/__coffer/invoke' ? 'page' : url.pathname === '/__coffer/preload' ? 'preload' : null;
      if (door && request.method === 'POST') {
        const { channel, payload } = JSON.parse(await body(request)) as { channel: MainChannel; payload: unknown };
        const allowed =
          door === 'preload' ? channel === 'files:register-drop' : (INVOKE_CHANNELS as readonly string[]).includes(channel);
        const handler = allowed ? handlers.get(channel) : undefined;
        const result = handler
          ? await handler({ senderFrame: { url: 'app://coffer/index.html' } }, payload)
          : { ok: false, error: { code: 'COFFER.4001', message: `Unknown channel ${channel}` } };
        response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(result));
        return;
      }
      if (url.pathname === '/__coffer/events') {
        response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
        response.write(': ready\n\n');
        streams.add(response);
        request.on('close', () => streams.delete(response));
        return;
      }
      if (url.pathname.startsWith('/__coffer/media/')) {
        // The coffer-media: protocol, reached over HTTP here: same handler, same ranges.
        const token = url.pathname.slice('/__coffer/media/'.length);
        const headers = new Headers();
        if (request.headers.range) headers.set('Range', request.headers.range);
        const answer = await services.media.handle(
          new Request(`coffer-media://media/${token}`, { method: request.method, headers }),
        );
        response.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
        response.end(Buffer.from(await answer.arrayBuffer()));
        return;
      }
      const relative = url.pathname === '/' ? '/index.html' : decodeURIComponent(url.pathname);
      const path = normalize(join(rendererRoot, relative));
      if (!path.startsWith(normalize(rendererRoot + sep)) && path !== normalize(rendererRoot)) {
        response.writeHead(404).end();
        return;
      }
      try {
        const file = await readFile(path);
        response.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(file);
      } catch {
        response.writeHead(404).end();
      }
    })().catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    vaultDir,
    workDir,
    services,
    revealed,
    chooseAnswers,
    chooseAsked,
    keyFileAnswers,
    saveAnswers,
    saveSuggested,
    backupSaveAnswers,
    grant: (...paths) => services.files.grantAll(paths).map((ref) => ref.handle),
    emit: send,
    close: async () => {
      for (const stream of streams) stream.end();
      // The page's EventSource reconnects and fetch keeps sockets alive: close them all, or
      // server.close() waits for the browser (a spec's teardown hung on it).
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
      await services.close();
      await rm(vaultDir, { recursive: true, force: true });
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
