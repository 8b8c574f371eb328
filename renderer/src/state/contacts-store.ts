import { create } from 'zustand';
import type { ContactView } from '../../../shared/ipc-contract.js';
import { call, messageOf } from '../bridge.js';

/** The people files can be encrypted for (Contacts, the Files screen's recipients). */
interface ContactsState {
  contacts: ContactView[];
  loaded: boolean;
  error: string | null;
  load(): Promise<void>;
}

export const useContactsStore = create<ContactsState>((set) => ({
  contacts: [],
  loaded: false,
  error: null,
  async load() {
    try {
      const { contacts } = await call('contacts:list', {});
      set({ contacts, loaded: true, error: null });
    } catch (error) {
      set({ error: messageOf(error), loaded: true });
    }
  },
}));

/** Loads the contacts once if nobody has yet. */
export function loadContactsOnce(): void {
  const { loaded, load } = useContactsStore.getState();
  if (!loaded) void load();
}
