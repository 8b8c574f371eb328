import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { trapTab } from '../../ui/focus-trap.js';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog: focus moves in (to the element marked data-autofocus, else the first field),
 * Tab stays inside, Escape closes, and focus returns to where it was when it closes.
 * The screen behind it is made inert by the caller.
 */
export function Dialog({
  title,
  onClose,
  children,
  tone = 'normal',
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  tone?: 'normal' | 'danger';
}): ReactNode {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const root = ref.current;
    const first = root?.querySelector<HTMLElement>('[data-autofocus]') ?? root?.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
    return () => {
      // The opener may have been re-rendered away; fall back to nothing rather than throwing.
      if (previous?.isConnected) previous.focus();
    };
  }, []);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    if (event.key === 'Escape') {
      event.stopPropagation();
      event.preventDefault();
      onClose();
      return;
    }
    trapTab(event, ref.current, FOCUSABLE);
  }

  return (
    <div className="keys-backdrop">
      <div
        ref={ref}
        className={tone === 'danger' ? 'keys-dialog danger' : 'keys-dialog'}
        role={tone === 'danger' ? 'alertdialog' : 'dialog'}
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </div>
  );
}
