import type { EventChannel, InvokeChannel } from '../../shared/ipc-channels.js';
import type { CofferBridge, EventPayloads, InvokeRequest, InvokeResponses } from '../../shared/ipc-contract.js';

/**
 * The renderer's only door to the app: window.coffer, typed by the shared contract. `call`
 * turns an error value into a BridgeError carrying the same code and sentence.
 */
declare global {
  interface Window {
    coffer: CofferBridge;
  }
}

export class BridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BridgeError';
  }
}

export async function call<C extends InvokeChannel>(channel: C, request: InvokeRequest<C>): Promise<InvokeResponses[C]> {
  const result = await window.coffer.invoke(channel, request);
  if (!result.ok) throw new BridgeError(result.error.code, result.error.message);
  return result.value;
}

export function on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
  return window.coffer.on(event, listener);
}

export function pathForFile(file: File): string {
  return window.coffer.getPathForFile(file);
}

/** The message to show for anything caught: the app's own sentence when there is one. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
