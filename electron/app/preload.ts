import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, INVOKE_CHANNELS } from '../../shared/ipc-channels.js';
import type { CofferBridge, DroppedFiles, IpcResult } from '../../shared/ipc-contract.js';

/**
 * The renderer's only way out: window.coffer, built from the contract. It forwards the
 * renderer's channels only (never the preload's own, files:register-drop), never hands the page
 * ipcRenderer or its event objects, and turns dropped File objects into handles: it finds their
 * paths itself (File.path is gone since Electron 32) so the page never names a path to act on.
 * Bundled into one CommonJS file, as a sandboxed preload must be.
 */
const invokable = new Set<string>(INVOKE_CHANNELS);
const listenable = new Set<string>(EVENT_CHANNELS);

const bridge: CofferBridge = {
  invoke: (channel, request) => {
    if (!invokable.has(channel)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'COFFER.4001', message: `"${String(channel)}" is not a Coffer channel.` },
      });
    }
    return ipcRenderer.invoke(channel, request);
  },
  on: (event, listener) => {
    if (!listenable.has(event)) return () => undefined;
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload as never);
    ipcRenderer.on(event, wrapped);
    return () => {
      ipcRenderer.removeListener(event, wrapped);
    };
  },
  registerDroppedFiles: async (files) => {
    const paths: string[] = [];
    const notOnDisk: string[] = [];
    for (const file of files) {
      let path: string;
      try {
        // "" for a File that is not on disk (one a script built): it gets no handle.
        path = webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]);
      } catch {
        path = '';
      }
      if (path) paths.push(path);
      else notOnDisk.push(String((file as { name?: unknown }).name ?? ''));
    }
    if (paths.length === 0) return { ok: true, value: { files: [], not_on_disk: notOnDisk } };
    const granted = (await ipcRenderer.invoke('files:register-drop', { paths })) as IpcResult<{ files: DroppedFiles['files'] }>;
    return granted.ok ? { ok: true, value: { files: granted.value.files, not_on_disk: notOnDisk } } : granted;
  },
};

contextBridge.exposeInMainWorld('coffer', bridge);
