import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { EVENT_CHANNELS, INVOKE_CHANNELS } from '../../shared/ipc-channels.js';
import type { CofferBridge } from '../../shared/ipc-contract.js';

/**
 * The renderer's only way out: window.coffer, built from the contract. It forwards known
 * channels only, never hands the page ipcRenderer or its event objects, and resolves dropped
 * files to paths (File.path is gone since Electron 32). Bundled into one CommonJS file, as a
 * sandboxed preload must be.
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
  getPathForFile: (file) => {
    try {
      return webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]);
    } catch {
      return '';
    }
  },
};

contextBridge.exposeInMainWorld('coffer', bridge);
