/**
 * The names of every channel between the renderer and the main process. Kept apart from the
 * schemas so the sandboxed preload, which allows exactly these, stays a few lines once bundled.
 */
export const INVOKE_CHANNELS = [
  'app:info',
  'vault:status',
  'vault:create',
  'vault:unlock',
  'vault:change-protection',
  'vault:backup',
  'vault:restore',
  'vault:rollback-generations',
  'vault:rollback',
  'keys:list',
  'keys:create',
  'keys:describe',
  'keys:enable',
  'keys:disable',
  'keys:schedule-deletion',
  'keys:cancel-deletion',
  'keys:update-alias',
  'keys:update-description',
  'keys:enable-rotation',
  'keys:disable-rotation',
  'keys:update-rotation-interval',
  'keys:rotation-status',
  'keys:rotate',
  'keys:import-parameters',
  'keys:import-material',
  'keys:export-material',
  'keys:public-key-file',
  'keys:get-public-key',
  'keys:sign',
  'keys:validate-signature',
  'keys:sign-file',
  'keys:validate-file-signature',
  'contacts:list',
  'contacts:add',
  'contacts:remove',
  'contacts:open-key-file',
  'contacts:save-public-key-file',
  'data:encrypt',
  'data:decrypt',
  'data:re-encrypt',
  'datakey:create',
  'datakey:create-without-plaintext',
  'datakey:encrypt',
  'datakey:decrypt',
  'random:generate',
  'audit:list',
  'files:classify',
  'files:choose',
  'files:show-in-folder',
  'jobs:start',
  'jobs:cancel',
  'jobs:list',
  'media:open',
  'shell:status',
  'shell:install',
  'shell:uninstall',
  'settings:get',
  'settings:set',
  'keystores:list',
  'keystores:create',
  'keystores:delete',
  'keystores:tokens',
  'keystores:pin',
  'keystores:set-module',
  'keystores:retry-cleanup',
  'tpm:status',
] as const;

/**
 * Channels main handles that the renderer may not invoke: only the preload calls them, with what
 * it alone can know (the paths of dropped File objects). window.coffer.invoke refuses them.
 */
export const PRELOAD_CHANNELS = ['files:register-drop'] as const;

export const EVENT_CHANNELS = ['jobs:progress', 'jobs:file-done', 'jobs:finished', 'launch:files', 'menu:command'] as const;

export type InvokeChannel = (typeof INVOKE_CHANNELS)[number];
export type PreloadChannel = (typeof PRELOAD_CHANNELS)[number];
/** Every channel main registers a handler for. */
export type MainChannel = InvokeChannel | PreloadChannel;
export const MAIN_CHANNELS: readonly MainChannel[] = [...INVOKE_CHANNELS, ...PRELOAD_CHANNELS];
export type EventChannel = (typeof EVENT_CHANNELS)[number];
