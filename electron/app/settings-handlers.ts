import type { DomainHandlers } from './handler-types.js';
import type { SettingsStore } from './settings-store.js';

export interface AppInfo {
  version: string;
  platform: string;
  vault_dir: string;
}

/** What the app is, and the user's settings. */
export function settingsHandlers(info: AppInfo, settings: SettingsStore): DomainHandlers<'app' | 'settings'> {
  return {
    'app:info': async () => info,
    'settings:get': async () => settings.get(),
    'settings:set': (r) => settings.update(r),
  };
}
