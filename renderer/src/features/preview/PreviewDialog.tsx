import { useEffect, useState, type ReactNode } from 'react';
import { call, messageOf } from '../../bridge.js';
import { ErrorMessage } from '../../ui/controls.js';
import { Dialog } from '../../ui/Dialog.js';
import { formatBytes } from '../../ui/format.js';
import { isVideoName, plainName, type ShownFile } from '../files/media.js';
import './preview.css';

type Opened =
  | { status: 'opening' }
  | { status: 'ready'; url: string; kind: 'image' | 'video'; size: number }
  | { status: 'failed'; message: string };

/** Picture or video by the type main reports, else by the name. */
function kindOf(mimeType: string, path: string): 'image' | 'video' {
  if (mimeType.startsWith('video/')) return 'video';
  if (mimeType.startsWith('image/')) return 'image';
  return isVideoName(path) ? 'video' : 'image';
}

/**
 * Shows a picture or video from a .coffer file without writing it to disk: media:open gives a
 * coffer-media: URL whose byte ranges main decrypts on demand (so a video seeks). Escape, Close
 * or a click beside it ends it, and focus returns to whatever opened it.
 */
export function PreviewDialog({ file, onClose }: { file: ShownFile; onClose: () => void }): ReactNode {
  const { handle, path } = file;
  const [opened, setOpened] = useState<Opened>({ status: 'opening' });
  const name = plainName(path);

  useEffect(() => {
    let live = true;
    setOpened({ status: 'opening' });
    call('media:open', { handle }).then(
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
  }, [handle, path]);

  return (
    <Dialog
      title={`Preview of ${name}`}
      titleHint={path}
      onClose={onClose}
      size="wide"
      testId="preview-dialog"
      headerEnd={
        <button type="button" className="secondary" onClick={onClose} data-autofocus>
          Close
        </button>
      }
    >
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
    </Dialog>
  );
}
