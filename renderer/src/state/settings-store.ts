import { create } from 'zustand';
import { DEFAULT_SETTINGS, type InvokeRequest, type Settings } from '../../../shared/ipc-contract.js';
import { call, messageOf } from '../bridge.js';

interface SettingsState {
  settings: Settings;
  error: string | null;
  load(): Promise<void>;
  /** out_dir is set by a folder's handle (from Coffer's folder dialog) or null. */
  update(changes: InvokeRequest<'settings:set'>): Promise<void>;
}

export const useSettingsStore = create<SettingsState>((set) => ({
  settings: DEFAULT_SETTINGS,
  error: null,
  async load() {
    try {
      set({ settings: await call('settings:get', {}), error: null });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
  async update(changes) {
    try {
      set({ settings: await call('settings:set', changes), error: null });
    } catch (error) {
      set({ error: messageOf(error) });
    }
  },
}));
