import type { EventChannel, InvokeChannel } from '../../shared/ipc-channels.js';
import type { CofferBridge, DroppedFiles, EventPayloads, InvokeRequest, InvokeResponses } from '../../shared/ipc-contract.js';

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

/**
 * Hands dropped File objects to the preload, which finds their paths and has main grant them:
 * the page gets handles back, and never names a path itself.
 */
export async function registerDropped(files: readonly File[]): Promise<DroppedFiles> {
  const result = await window.coffer.registerDroppedFiles(files);
  if (!result.ok) throw new BridgeError(result.error.code, result.error.message);
  return result.value;
}

/** The message to show for anything caught: the app's own sentence when there is one. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
