import type { GrantedFiles } from './granted-files.js';
import type { DomainHandlers } from './handler-types.js';
import type { SettingsStore } from './settings-store.js';

export interface AppInfo {
  version: string;
  platform: string;
  vault_dir: string;
}

/** What the app is, and the user's settings (the output folder set by a folder's handle). */
export function settingsHandlers(
  info: AppInfo,
  settings: SettingsStore,
  files: GrantedFiles,
): DomainHandlers<'app' | 'settings'> {
  return {
    'app:info': async () => info,
    'settings:get': async () => settings.get(),
    'settings:set': async ({ out_dir, ...changes }) =>
      settings.update(
        out_dir === undefined ? changes : { ...changes, out_dir: out_dir === null ? null : await files.folder(out_dir) },
      ),
  };
}
