import { useSyncExternalStore } from 'react';

/** Windows this narrow (in CSS px, so zooming in narrows them too) stack what sits side by side. */
export const NARROW = '(max-width: 640px)';

/** Whether a media query matches now, following it as the window or zoom changes. */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      if (typeof window.matchMedia !== 'function') return () => undefined;
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    () => (typeof window.matchMedia === 'function' ? window.matchMedia(query).matches : false),
  );
}
