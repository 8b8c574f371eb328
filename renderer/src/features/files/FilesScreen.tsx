import { useCallback, useEffect, useId, useMemo, useRef, useState, type DragEvent, type ReactNode } from 'react';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { call, messageOf, registerDropped } from '../../bridge.js';
import { useJobsStore } from '../../state/jobs-store.js';
import { useKeysStore } from '../../state/keys-store.js';
import { useNavigationStore } from '../../state/navigation-store.js';
import { useSettingsStore } from '../../state/settings-store.js';
import { EmptyState, ErrorMessage } from '../../ui/controls.js';
import { FileName } from '../../ui/FileName.js';
import { baseName, formatBytes } from '../../ui/format.js';
import { KeyPicker, useEnabledKeyChoice } from '../../ui/KeyPicker.js';
import { NARROW, useMediaQuery } from '../../ui/use-media-query.js';
import { CreateKeyDialog } from '../keys/CreateKeyDialog.js';
import { PreviewDialog } from '../preview/PreviewDialog.js';
import { JobCard, type ResultActions } from './JobCard.js';
import { encryptFields, readFields, useJobOptionsStore } from './job-options-store.js';
import { JobOptions } from './JobOptions.js';
import { isMediaName, type ShownFile } from './media.js';
import { chunk, usePendingStore, type FileAction, type PendingItem } from './pending-store.js';
import { VirtualList } from './VirtualList.js';
import './files.css';

/** How long Remove and Clear list can be undone. */
export const UNDO_MS = 8000;
const ACTIONS: FileAction[] = ['encrypt', 'decrypt', 'verify'];
const ACTION_LABEL: Record<FileAction, string> = { encrypt: 'Encrypt', decrypt: 'Decrypt', verify: 'Verify' };
const PENDING_ROW_HEIGHT = 48;
/** Narrow windows (small, or zoomed in) put the action and buttons under the name. */
const PENDING_ROW_HEIGHT_NARROW = 84;
const PENDING_ROWS_SHOWN = 8;

/** Adds what the OS dialog gives (the buttons, Enter on the drop zone, the menu's shortcuts). */
export async function choose(kind: 'files' | 'folder'): Promise<void> {
  try {
    const { files } = await call('files:choose', { kind });
    if (files.length > 0) await usePendingStore.getState().add(files);
  } catch (error) {
    usePendingStore.setState({ error: messageOf(error) });
  }
}

function DropZone(): ReactNode {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const hintId = useId();

  // A file dropped beside the zone must not make the window navigate to it.
  useEffect(() => {
    const refuse = (event: globalThis.DragEvent): void => {
      if (event.defaultPrevented) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'none';
    };
    document.addEventListener('dragover', refuse);
    document.addEventListener('drop', refuse);
    return () => {
      document.removeEventListener('dragover', refuse);
      document.removeEventListener('drop', refuse);
    };
  }, []);

  const over = (event: DragEvent<HTMLElement>): void => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
  };
  const drop = (event: DragEvent<HTMLElement>): void => {
    event.preventDefault();
    depth.current = 0;
    setDragging(false);
    const dropped = Array.from(event.dataTransfer?.files ?? []);
    // The preload resolves the File objects and main grants them: the page never names a path.
    void registerDropped(dropped).then(
      ({ files, not_on_disk }) => usePendingStore.getState().add(files, not_on_disk),
      (error: unknown) => usePendingStore.setState({ error: messageOf(error) }),
    );
  };

  return (
    <section
      className={dragging ? 'dropzone dragging' : 'dropzone'}
      aria-label="Drop files or folders here"
      aria-describedby={hintId}
      tabIndex={0}
      data-testid="drop-zone"
      data-dragging={dragging ? 'true' : undefined}
      onKeyDown={(event) => {
        if (event.target === event.currentTarget && (event.key === 'Enter' || event.key === ' ')) {
          event.preventDefault();
          void choose('files');
        }
      }}
      onDragEnter={(event) => {
        over(event);
        depth.current += 1;
        setDragging(true);
      }}
      onDragOver={over}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      }}
      onDrop={drop}
    >
      <p className="dropzone-title" aria-hidden="true">
        {dragging ? 'Release to add them' : 'Drop files or folders here'}
      </p>
      <p id={hintId} className="hint">
        Coffer files are decrypted; anything else is encrypted. Press Enter here to choose files.
      </p>
      <div className="dropzone-buttons">
        <button type="button" onClick={() => void choose('files')}>
          Choose files
        </button>
        <button type="button" className="secondary" onClick={() => void choose('folder')}>
          Choose folder
        </button>
      </div>
    </section>
  );
}

function kindText(item: PendingItem): string {
  if (item.kind === 'folder') return 'Folder';
  if (item.kind === 'coffer') return `Coffer file · ${formatBytes(item.size)}`;
  return formatBytes(item.size);
}

function PendingRow({
  item,
  rowId,
  onPreview,
}: {
  item: PendingItem;
  rowId: string;
  onPreview: (file: ShownFile) => void;
}): ReactNode {
  const name = baseName(item.path) || item.path;
  const nameId = `${rowId}-name`;
  const setAction = usePendingStore((s) => s.setAction);
  const remove = usePendingStore((s) => s.removeUndoable);
  return (
    <div className="pending-row" data-testid="pending-row" data-action={item.action}>
      <div className="row-text">
        <FileName id={nameId} className="row-name" name={name} title={item.path} />
        <span className="row-detail">{kindText(item)}</span>
      </div>
      <select
        aria-label={`Action for ${name}`}
        value={item.action}
        onChange={(event) => setAction(item.path, event.target.value as FileAction)}
      >
        {ACTIONS.map((action) => (
          // A plain file can only be encrypted: decrypting or verifying it would just fail.
          <option key={action} value={action} disabled={item.kind === 'file' && action !== 'encrypt'}>
            {ACTION_LABEL[action]}
          </option>
        ))}
      </select>
      <div className="row-buttons">
        {item.kind === 'coffer' && isMediaName(item.path) && (
          <button type="button" className="secondary small" aria-describedby={nameId} onClick={() => onPreview(item)}>
            Preview
          </button>
        )}
        <button type="button" className="secondary small" aria-label={`Remove ${name}`} onClick={() => remove([item.path])}>
          Remove
        </button>
      </div>
    </div>
  );
}

/** The key for the encrypt part of the list: searchable, or what is missing instead. */
function EncryptionKey({
  keys,
  value,
  onChange,
  invalid,
  describedBy,
}: {
  keys: KeyInfo[];
  value: string;
  onChange: (keyId: string) => void;
  invalid: boolean;
  describedBy: string;
}): ReactNode {
  const loaded = useKeysStore((s) => s.loaded);
  const go = useNavigationStore((s) => s.go);
  if (!loaded) return <p className="hint key-picker">Loading your keys…</p>;
  if (keys.length === 0) {
    return (
      <p className="hint key-picker">
        No key is enabled, so nothing can be encrypted now. Enable a key on the Keys screen.{' '}
        <button type="button" className="secondary small" onClick={() => go('keys')}>
          Open Keys
        </button>
      </p>
    );
  }
  return (
    <KeyPicker
      label="Key for encryption"
      className="key-picker"
      keyId={value}
      keys={keys}
      onChange={onChange}
      invalid={invalid}
      describedBy={describedBy}
    />
  );
}

/** Why Start cannot run now, in plain words; null when it can. */
export function startBlocker(state: {
  items: number;
  checking: number;
  starting: boolean;
  encrypting: number;
  enabledKeys: number;
  keyId: string;
  /** Contacts the files are also encrypted for; `withoutKey`: for them only, no key of mine. */
  recipients?: number;
  withoutKey?: boolean;
  /** What is wrong with the options (a context pair without a name...), in plain words. */
  optionsProblem?: string | null;
}): string | null {
  if (state.starting) return 'Starting…';
  if (state.items === 0) return state.checking > 0 ? 'Checking what was added…' : 'Add files or folders to start.';
  if (state.optionsProblem) return state.optionsProblem;
  // Files for recipients only need no key of this vault.
  if (state.encrypting > 0 && state.withoutKey && (state.recipients ?? 0) > 0) return null;
  if (state.encrypting > 0 && state.enabledKeys === 0) return 'No key is enabled, so the files to encrypt cannot start.';
  if (state.encrypting > 0 && !state.keyId) {
    return `Choose a key to encrypt with: ${state.encrypting} ${state.encrypting === 1 ? 'item is' : 'items are'} to be encrypted.`;
  }
  return null;
}

/** Focuses the card of a job once it is on screen (it renders after the store hears of it). */
function focusJobCard(jobId: string, tries = 20): void {
  const card = document.querySelector<HTMLElement>(`[data-job-id="${CSS.escape(jobId)}"]`);
  if (card) card.focus();
  else if (tries > 0) requestAnimationFrame(() => focusJobCard(jobId, tries - 1));
}

/** "Removed report.pdf." with Undo, for UNDO_MS; then the removal stands. */
function UndoNotice(): ReactNode {
  const undo = usePendingStore((s) => s.undo);
  const restore = usePendingStore((s) => s.restore);
  const forget = usePendingStore((s) => s.forgetUndo);
  useEffect(() => {
    if (!undo) return;
    const timer = setTimeout(forget, UNDO_MS);
    return () => clearTimeout(timer);
  }, [undo, forget]);
  return (
    <div className="undo-notice" role="status">
      {undo && (
        <>
          <span>{undo.message}</span>
          <button type="button" className="secondary small" onClick={restore}>
            Undo
          </button>
        </>
      )}
    </div>
  );
}

function Pending({ onPreview }: { onPreview: (file: ShownFile) => void }): ReactNode {
  const { items, checking, notices, error } = usePendingStore();
  const clearList = usePendingStore((s) => s.clearUndoable);
  const settings = useSettingsStore((s) => s.settings);
  const startJob = useJobsStore((s) => s.start);
  const startError = useJobsStore((s) => s.error);
  // With several keys and no default, nothing is guessed: the user chooses.
  const { keyId, setKeyId, enabled } = useEnabledKeyChoice({ firstWhenMany: false });
  const [starting, setStarting] = useState(false);
  const baseId = useId();
  const narrow = useMediaQuery(NARROW);

  const counts = useMemo(() => {
    const c: Record<FileAction, number> = { encrypt: 0, decrypt: 0, verify: 0 };
    for (const item of items) c[item.action] += 1;
    return c;
  }, [items]);
  const options = useJobOptionsStore();
  const encrypting = encryptFields(options, keyId);
  const reading = readFields(options);
  const isReading = counts.decrypt + counts.verify > 0;
  const needsKey = counts.encrypt > 0 && !options.withoutKey;
  const blocker = startBlocker({
    items: items.length,
    checking,
    starting,
    encrypting: counts.encrypt,
    enabledKeys: enabled.length,
    keyId,
    recipients: options.recipients.length,
    withoutKey: options.withoutKey,
    optionsProblem: (counts.encrypt > 0 ? encrypting.problem : null) ?? (isReading ? reading.problem : null),
  });

  const start = async (): Promise<void> => {
    setStarting(true);
    let first: string | null = null;
    try {
      const remove = usePendingStore.getState().remove;
      for (const action of ACTIONS) {
        for (const part of chunk(items.filter((i) => i.action === action))) {
          const paths = part.map((i) => i.path);
          const inputs = part.map((i) => i.handle);
          const id = await startJob({ action, inputs, ...(action === 'encrypt' ? encrypting.fields : reading.fields) }, paths);
          if (!id) return;
          first ??= id;
          remove(paths);
        }
      }
    } finally {
      setStarting(false);
      // Keyboard and screen-reader users follow their job: focus goes to its card, not to <body>.
      if (first) focusJobCard(first);
    }
  };

  const summary = ACTIONS.filter((a) => counts[a] > 0)
    .map((a) => `${ACTION_LABEL[a].toLowerCase()} ${counts[a]}`)
    .join(', ');

  return (
    <section className="pending" aria-labelledby={`${baseId}-title`}>
      <div className="section-head">
        <h2 id={`${baseId}-title`}>Ready to start</h2>
        <span className="hint" role="status">
          {checking > 0 ? `Checking ${checking} ${checking === 1 ? 'item' : 'items'}…` : ''}
        </span>
        {items.length > 0 && (
          <button type="button" className="secondary small" onClick={() => clearList()}>
            Clear list
          </button>
        )}
      </div>
      {notices.map((notice) => (
        <p key={notice} className="notice" role="status">
          {notice}
        </p>
      ))}
      <ErrorMessage message={error} />
      <UndoNotice />
      {items.length === 0 ? (
        <EmptyState title="Nothing waiting">
          <p>Drop files or folders above, or use Choose files. They are listed here before anything happens.</p>
        </EmptyState>
      ) : (
        <VirtualList
          count={items.length}
          rowHeight={narrow ? PENDING_ROW_HEIGHT_NARROW : PENDING_ROW_HEIGHT}
          maxRows={PENDING_ROWS_SHOWN}
          label="Files ready to start"
          testId="pending-list"
          rowKey={(index) => items[index]?.path ?? index}
          renderRow={(index) => <PendingRow item={items[index]!} rowId={`${baseId}-${index}`} onPreview={onPreview} />}
        />
      )}
      <JobOptions encrypting={counts.encrypt > 0} reading={isReading} />
      <div className="start-bar">
        {options.withoutKey ? (
          <p className="hint key-picker">No key of mine: only the recipients open these files.</p>
        ) : (
          <EncryptionKey
            keys={enabled}
            value={keyId}
            onChange={setKeyId}
            invalid={needsKey && !keyId}
            describedBy={`${baseId}-start`}
          />
        )}
        <div className="start-action">
          <button
            type="button"
            disabled={blocker !== null}
            aria-busy={starting || undefined}
            aria-describedby={`${baseId}-start`}
            onClick={() => void start()}
          >
            Start
          </button>
          <span id={`${baseId}-start`} className="hint start-summary" data-testid="start-reason">
            {blocker ?? `Will ${summary}.`}
          </span>
        </div>
      </div>
      <p className="hint">
        {settings.out_dir ? `Results are written to ${settings.out_dir}.` : 'Results are written next to each original.'}{' '}
        {settings.remove_originals ? 'Originals are removed once their encrypted copy reads back intact.' : ''}
      </p>
      <ErrorMessage message={startError} />
    </section>
  );
}

function Jobs({ actions, message }: { actions: ResultActions; message: string | null }): ReactNode {
  const order = useJobsStore((s) => s.order);
  const titleId = useId();
  return (
    <section className="jobs" aria-labelledby={titleId}>
      <h2 id={titleId}>Jobs</h2>
      <ErrorMessage message={message} />
      {order.length === 0 ? (
        <EmptyState title="No jobs yet">
          <p>When you press Start, each job shows its progress here, then what happened to every file.</p>
        </EmptyState>
      ) : (
        order.map((id) => <JobCard key={id} id={id} actions={actions} />)
      )}
    </section>
  );
}

/** The home screen: drop or choose files, check what will happen to each, start, and follow the jobs. */
export function FilesScreen(): ReactNode {
  const keys = useKeysStore((s) => s.keys);
  const keysLoaded = useKeysStore((s) => s.loaded);
  const keysError = useKeysStore((s) => s.error);
  const [previewFile, setPreviewFile] = useState<ShownFile | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [justCreated, setJustCreated] = useState(false);

  // The empty state is gone with the new key: focus goes on where files are added (after the
  // dialog has closed and given the page back).
  useEffect(() => {
    if (!justCreated || creating) return;
    setJustCreated(false);
    document.querySelector<HTMLElement>('[data-testid="drop-zone"]')?.focus();
  }, [justCreated, creating]);

  const showInFolder = useCallback(async (file: ShownFile): Promise<void> => {
    try {
      const { shown } = await call('files:show-in-folder', { handle: file.handle });
      setMessage(shown ? null : `Coffer could not show ${baseName(file.path)}: it may have been moved or deleted.`);
    } catch (error) {
      setMessage(messageOf(error));
    }
  }, []);
  const actions = useMemo<ResultActions>(
    () => ({ showInFolder: (file) => void showInFolder(file), preview: (file) => setPreviewFile(file) }),
    [showInFolder],
  );

  const noKeys = keysLoaded && !keysError && keys.length === 0;
  return (
    <div className="files-screen">
      <h1>Files</h1>
      {noKeys ? (
        <EmptyState title="Create a key first">
          <p>Coffer encrypts files under one of your keys, and there is none yet. Create one here; it takes a moment.</p>
          <button type="button" onClick={() => setCreating(true)}>
            Create a key
          </button>
        </EmptyState>
      ) : (
        <>
          <DropZone />
          <Pending onPreview={setPreviewFile} />
        </>
      )}
      <ErrorMessage message={keysError} />
      <Jobs actions={actions} message={message} />
      {previewFile && <PreviewDialog file={previewFile} onClose={() => setPreviewFile(null)} />}
      {creating && (
        <CreateKeyDialog
          onClose={() => setCreating(false)}
          onCreated={async () => {
            await useKeysStore.getState().load();
            setCreating(false);
            setJustCreated(true);
          }}
        />
      )}
    </div>
  );
}
