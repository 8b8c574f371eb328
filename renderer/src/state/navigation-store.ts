import { create } from 'zustand';

export const SCREEN_IDS = ['files', 'keys', 'contacts', 'text', 'datakeys', 'activity', 'settings'] as const;
export type ScreenId = (typeof SCREEN_IDS)[number];

/**
 * Which screen shows, and what a menu command asked of a screen that was not showing yet (the
 * Keys screen opens its create dialog when it finds 'create-key' here).
 */
interface NavigationState {
  screen: ScreenId;
  /** Counts screen changes, so the new screen's heading takes focus after each one (not on load). */
  changes: number;
  request: 'create-key' | null;
  go(screen: ScreenId): void;
  ask(request: 'create-key'): void;
  take(request: 'create-key'): boolean;
}

export const useNavigationStore = create<NavigationState>((set, get) => ({
  screen: 'files',
  changes: 0,
  request: null,
  go(screen) {
    if (get().screen !== screen) set((s) => ({ screen, changes: s.changes + 1 }));
  },
  ask(request) {
    set({ request });
  },
  take(request) {
    if (get().request !== request) return false;
    set({ request: null });
    return true;
  },
}));
