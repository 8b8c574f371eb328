import type { EventChannel, InvokeChannel, MainChannel } from '../../../shared/ipc-channels.js';
import type { CofferBridge, EventPayloads, InvokeRequest, InvokeResponses } from '../../../shared/ipc-contract.js';
import type { ErrorValue } from '../../../shared/errors.js';

/**
 * A window.coffer for component tests: each channel answers from a handler the test gives
 * (a value, or an ErrorValue thrown as { code, message }); events are emitted by the test.
 * The end-to-end specs use the real main-process code instead.
 */
export type FakeHandlers = {
  [C in InvokeChannel]?: (request: InvokeRequest<C>) => InvokeResponses[C] | Promise<InvokeResponses[C]>;
};

export interface FakeBridge {
  calls: { channel: MainChannel; request: unknown }[];
  emit<E extends EventChannel>(event: E, payload: EventPayloads[E]): void;
}

export function installFakeBridge(handlers: FakeHandlers, paths: Record<string, string> = {}): FakeBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const calls: FakeBridge['calls'] = [];
  const bridge: CofferBridge = {
    invoke: async (channel, request) => {
      calls.push({ channel, request });
      const handler = handlers[channel] as ((r: unknown) => unknown) | undefined;
      if (!handler) return { ok: false, error: { code: 'KMS.0101', message: `No fake for ${channel}.` } as ErrorValue };
      try {
        return { ok: true, value: (await handler(request)) as never };
      } catch (error) {
        const value = error as ErrorValue;
        return { ok: false, error: { code: value.code ?? 'KMS.0101', message: value.message ?? String(error) } as ErrorValue };
      }
    },
    on: (event, listener) => {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (payload: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (payload: unknown) => void);
    },
    // Stands in for the preload: a File whose name the test mapped to a path is "on disk" and
    // gets a handle (here, "handle:" + its path); any other is not on disk.
    registerDroppedFiles: async (files) => {
      const named = (files as File[]).map((file) => ({ name: file.name, path: paths[file.name] }));
      calls.push({ channel: 'files:register-drop', request: { paths: named.flatMap((f) => f.path ?? []) } });
      return {
        ok: true,
        value: {
          files: named.flatMap((f) => (f.path ? [{ handle: `handle:${f.path}`, path: f.path, name: f.name }] : [])),
          not_on_disk: named.filter((f) => !f.path).map((f) => f.name),
        },
      };
    },
  };
  window.coffer = bridge;
  return {
    calls,
    emit: (event, payload) => listeners.get(event)?.forEach((l) => l(payload)),
  };
}
