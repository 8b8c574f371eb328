import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { trapTab } from './focus-trap.js';
import './dialog.css';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), video[controls], [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog, shown over everything (a portal into <body>): the rest of the page is made
 * inert while it is open, focus moves in (to the element marked data-autofocus, else the first
 * focusable one), Tab stays inside, Escape closes, and focus returns to where it was.
 */
export function Dialog({
  title,
  onClose,
  children,
  tone = 'normal',
  size = 'normal',
  headerEnd,
  titleHint,
  testId,
}: {
  title: string;
  onClose: () => void;
  children: ReactNode;
  tone?: 'normal' | 'danger';
  /** 'wide' for media: most of the window. */
  size?: 'normal' | 'wide';
  /** Shown at the end of the title row (a Close button). */
  headerEnd?: ReactNode;
  /** A tooltip on the title (the full path when the title names a file). */
  titleHint?: string;
  testId?: string;
}): ReactNode {
  const titleId = useId();
  const backdropRef = useRef<HTMLDivElement>(null);
  const ref = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const root = ref.current;
    const first = root?.querySelector<HTMLElement>('[data-autofocus]') ?? root?.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
    // Everything else in the page is out of reach (and out of the accessibility tree) meanwhile.
    const others = [...document.body.children].filter(
      (el): el is HTMLElement => el instanceof HTMLElement && el !== backdropRef.current && !el.inert,
    );
    for (const el of others) {
      el.inert = true;
      el.setAttribute('aria-hidden', 'true');
    }
    return () => {
      for (const el of others) {
        el.inert = false;
        el.removeAttribute('aria-hidden');
      }
      // The opener may have been re-rendered away; fall back to nothing rather than throwing.
      if (previous?.isConnected) previous.focus();
    };
  }, []);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    if (event.key === 'Escape') {
      event.stopPropagation();
      event.preventDefault();
      onCloseRef.current();
      return;
    }
    trapTab(event, ref.current, FOCUSABLE);
  }

  const classes = ['dialog', tone === 'danger' ? 'danger' : '', size === 'wide' ? 'wide' : ''].filter(Boolean).join(' ');
  return createPortal(
    <div
      ref={backdropRef}
      className="dialog-backdrop"
      onMouseDown={(event) => {
        if (size === 'wide' && event.target === event.currentTarget) onClose();
      }}
    >
      <div
        ref={ref}
        className={classes}
        role={tone === 'danger' ? 'alertdialog' : 'dialog'}
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={onKeyDown}
        data-testid={testId}
      >
        <header className="dialog-header">
          <h2 id={titleId} className="dialog-title" title={titleHint}>
            {title}
          </h2>
          {headerEnd}
        </header>
        {children}
      </div>
    </div>,
    document.body,
  );
}
