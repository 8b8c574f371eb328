import type { KeyboardEvent } from 'react';

/** Keeps Tab and Shift+Tab inside a modal dialog's focusable elements (`selector`). */
export function trapTab(event: KeyboardEvent<HTMLElement>, container: HTMLElement | null, selector: string): void {
  if (event.key !== 'Tab' || !container) return;
  const items = [...container.querySelectorAll<HTMLElement>(selector)];
  const first = items[0];
  const last = items.at(-1);
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
