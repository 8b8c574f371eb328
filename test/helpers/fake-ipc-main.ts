import type { IpcResult } from '../../shared/ipc-contract.js';
import type { IpcInvokeEventLike, IpcMainLike } from '../../electron/app/ipc.js';

/**
 * Stands in for Electron's ipcMain so the real handlers (registerIpcHandlers) run under Node:
 * `invoke` calls a channel's handler as a message from the app's page would (or from another
 * origin, or none, when `url` says so).
 */
export class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>): void {
    this.handlers.set(channel, listener);
  }
  invoke<T = any>(channel: string, payload: unknown, url: string | null = 'app://coffer/index.html'): Promise<IpcResult<T>> {
    return this.handlers.get(channel)!({ senderFrame: url === null ? null : { url } }, payload) as Promise<IpcResult<T>>;
  }
}
