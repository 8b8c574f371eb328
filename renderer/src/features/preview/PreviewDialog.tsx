import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { call, messageOf } from '../../bridge.js';
import { ErrorMessage } from '../../ui/controls.js';
import { trapTab } from '../../ui/focus-trap.js';
import { formatBytes } from '../../ui/format.js';
import { isVideoName, plainName } from '../files/media.js';
import './preview.css';

type Opened =
  | { status: 'opening' }
  | { status: 'ready'; url: string; kind: 'image' | 'video'; size: number }
  | { status: 'failed'; message: string };

const FOCUSABLE = 'button:not([disabled]), [href], video[controls], [tabindex]:not([tabindex="-1"])';

/** Picture or video by the type main reports, else by the name. */
function kindOf(mimeType: string, path: string): 'image' | 'video' {
  if (mimeType.startsWith('video/')) return 'video';
  if (mimeType.startsWith('image/')) return 'image';
  return isVideoName(path) ? 'video' : 'image';
}

/**
 * Shows a picture or video from a .coffer file without writing it to disk: media:open gives a
 * coffer-media: URL whose byte ranges main decrypts on demand (so a video seeks). A modal
 * dialog: focus moves in, Tab stays inside, Escape or Close ends it and focus returns to
 * whatever opened it.
 */
export function PreviewDialog({ path, onClose }: { path: string; onClose: () => void }): ReactNode {
  const [opened, setOpened] = useState<Opened>({ status: 'opening' });
  const titleId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const name = plainName(path);

  useEffect(() => {
    let live = true;
    setOpened({ status: 'opening' });
    call('media:open', { path }).then(
      (media) => {
        if (live) setOpened({ status: 'ready', url: media.url, kind: kindOf(media.mime_type, path), size: media.size });
      },
      (error: unknown) => {
        if (live) setOpened({ status: 'failed', message: messageOf(error) });
      },
    );
    return () => {
      live = false;
    };
  }, [path]);

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    closeRef.current?.focus();
    const onKey = (event: globalThis.KeyboardEvent): void => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onCloseRef.current();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return createPortal(
    <div
      className="preview-backdrop"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div
        ref={dialogRef}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        className="preview-dialog"
        onKeyDown={(event) => trapTab(event, dialogRef.current, FOCUSABLE)}
        data-testid="preview-dialog"
      >
        <header className="preview-header">
          <h2 id={titleId} className="preview-title" title={path}>
            Preview of {name}
          </h2>
          <button ref={closeRef} type="button" className="secondary" onClick={onClose}>
            Close
          </button>
        </header>
        <div className="preview-body">
          {opened.status === 'opening' && <p role="status">Opening {name}…</p>}
          {opened.status === 'failed' && <ErrorMessage message={`Coffer could not show ${name}. ${opened.message}`} />}
          {opened.status === 'ready' &&
            (opened.kind === 'video' ? (
              <video className="preview-media" controls src={opened.url} aria-label={name} />
            ) : (
              <img className="preview-media" src={opened.url} alt={name} />
            ))}
        </div>
        {opened.status === 'ready' && (
          <p className="hint preview-note">
            {formatBytes(opened.size)} · decrypted in memory for this preview; nothing is written to disk.
          </p>
        )}
      </div>
    </div>,
    document.body,
  );
}
