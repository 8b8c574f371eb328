import { create } from 'zustand';
import type { KeyInfo } from '../../../shared/kms-responses.js';
import { call, messageOf } from '../bridge.js';

/** Every CMK as list-keys gives it; screens call the bridge for changes, then reload. */
interface KeysState {
  keys: KeyInfo[];
  loaded: boolean;
  error: string | null;
  load(): Promise<void>;
}

export const useKeysStore = create<KeysState>((set) => ({
  keys: [],
  loaded: false,
  error: null,
  async load() {
    try {
      const keys: KeyInfo[] = [];
      let marker = '';
      do {
        const page = await call('keys:list', { limit: 1000, ...(marker ? { marker } : {}) });
        keys.push(...page.key_details);
        marker = page.next_marker;
      } while (marker);
      set({ keys, loaded: true, error: null });
    } catch (error) {
      set({ error: messageOf(error), loaded: true });
    }
  },
}));
