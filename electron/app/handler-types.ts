import type { MainChannel } from '../../shared/ipc-channels.js';
import type { Handlers } from './ipc.js';

/** The handlers of one domain: the channels named `prefix:...`. */
export type DomainHandlers<Prefix extends string> = Pick<Handlers, Extract<MainChannel, `${Prefix}:${string}`>>;
