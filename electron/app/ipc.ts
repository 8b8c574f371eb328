import { CofferError, toErrorValue } from '../../shared/errors.js';
import { MAIN_CHANNELS, type EventChannel, type MainChannel } from '../../shared/ipc-channels.js';
import { requestSchemas, type EventPayloads, type InvokeResponses, type IpcResult } from '../../shared/ipc-contract.js';
import { parseRequest } from '../../shared/kms-schemas.js';

/**
 * Registers every channel of the contract on ipcMain, or on anything shaped like it (tests
 * drive it with a double, with no Electron). Each call: the sender frame must be the app's
 * own page, the payload must pass the channel's schema, and the answer (or error) crosses as
 * a value. Imports no 'electron', so it runs under plain Node.
 */
export interface IpcInvokeEventLike {
  senderFrame: { url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
}

export type Handlers = {
  [C in MainChannel]: (request: ReturnType<(typeof requestSchemas)[C]['parse']>) => Promise<InvokeResponses[C]>;
};

/** The app's pages come from app://coffer/ and from nowhere else. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'coffer';

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

export function registerIpcHandlers(ipc: IpcMainLike, handlers: Handlers, isTrusted: (url: string) => boolean = isAppUrl): void {
  for (const channel of MAIN_CHANNELS) {
    ipc.handle(channel, async (event, payload): Promise<IpcResult<unknown>> => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrusted(url)) {
        return {
          ok: false,
          error: new CofferError(
            'COFFER.4001',
            `Refused "${channel}": the request did not come from the Coffer window.`,
          ).toValue(),
        };
      }
      try {
        const request = parseRequest(requestSchemas[channel], payload ?? {});
        const handler = handlers[channel] as (request: unknown) => Promise<unknown>;
        return { ok: true, value: await handler(request) };
      } catch (error) {
        return { ok: false, error: toErrorValue(error) };
      }
    });
  }
}

export type EventSender = <E extends EventChannel>(event: E, payload: EventPayloads[E]) => void;
