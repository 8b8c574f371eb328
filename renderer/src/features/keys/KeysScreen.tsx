import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useKeysStore } from '../../state/keys-store.js';
import { useNavigationStore } from '../../state/navigation-store.js';
import { EmptyState, ErrorMessage } from '../../ui/controls.js';
import { CreateKeyDialog } from './CreateKeyDialog.js';
import { DeleteKeyDialog } from './DeleteKeyDialog.js';
import { KeyDetail } from './KeyDetail.js';
import { KeyTable } from './KeyTable.js';
import './keys.css';

type OpenDialog = { kind: 'create' } | { kind: 'delete'; keyId: string } | null;

/**
 * The Keys screen: the table of CMKs, the details of the selected one, and the create and
 * delete dialogs (which make the rest of the window inert while open).
 */
export function KeysScreen(): ReactNode {
  const { keys, loaded, error, load } = useKeysStore();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [notice, setNotice] = useState('');
  const headingRef = useRef<HTMLHeadingElement>(null);
  const tableRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    void load();
  }, [load]);

  // The menu's "Create a Key…" (Ctrl/Cmd+N) from any screen lands here.
  const request = useNavigationStore((s) => s.request);
  useEffect(() => {
    if (request === 'create-key' && useNavigationStore.getState().take('create-key')) setDialog({ kind: 'create' });
  }, [request]);

  const selected = keys.find((k) => k.key_id === selectedId) ?? null;
  const deleting = dialog?.kind === 'delete' ? keys.find((k) => k.key_id === dialog.keyId) : undefined;

  /** After every change: reload the list, keep the selection, say what happened. */
  const changed = useCallback(
    async (message: string) => {
      await load();
      setNotice(message);
    },
    [load],
  );

  function closeDetails(): void {
    const id = selectedId;
    setSelectedId(null);
    // Back to the row the details belonged to.
    setTimeout(() => {
      if (id) tableRef.current?.querySelector<HTMLButtonElement>(`[data-key-id="${CSS.escape(id)}"]`)?.focus();
    }, 0);
  }

  return (
    <>
      <div className="keys-screen">
        <div className="keys-header">
          <h1>Keys</h1>
          {keys.length > 0 && (
            <button type="button" onClick={() => setDialog({ kind: 'create' })}>
              Create key
            </button>
          )}
        </div>
        <p className="hint">
          Customer master keys protect your files and secrets. Their material stays sealed in this computer&apos;s vault.
        </p>
        <p role="status" className="keys-notice">
          {notice}
        </p>
        <ErrorMessage message={error} />
        {error && (
          <button type="button" className="secondary" onClick={() => void load()}>
            Try again
          </button>
        )}
        {!loaded ? (
          <p>Loading keys…</p>
        ) : keys.length === 0 ? (
          !error && (
            <EmptyState title="No keys yet: create one to protect your files">
              <button type="button" onClick={() => setDialog({ kind: 'create' })}>
                Create key
              </button>
            </EmptyState>
          )
        ) : (
          <div className={selected ? 'keys-layout with-detail' : 'keys-layout'}>
            <div ref={tableRef} className="keys-table-wrap">
              <KeyTable keys={keys} selectedId={selected?.key_id ?? null} onSelect={setSelectedId} />
            </div>
            {selected && (
              <KeyDetail
                key={selected.key_id}
                keyInfo={selected}
                headingRef={headingRef}
                onChanged={changed}
                onClose={closeDetails}
                onDelete={() => setDialog({ kind: 'delete', keyId: selected.key_id })}
              />
            )}
          </div>
        )}
      </div>
      {dialog?.kind === 'create' && (
        <CreateKeyDialog
          onClose={() => setDialog(null)}
          onCreated={async (keyId, alias) => {
            await load();
            setSelectedId(keyId);
            setDialog(null);
            setNotice(`Key "${alias}" created.`);
          }}
        />
      )}
      {deleting && (
        <DeleteKeyDialog
          keyInfo={deleting}
          onClose={() => setDialog(null)}
          onScheduled={async (message) => {
            await load();
            setDialog(null);
            setNotice(message);
          }}
        />
      )}
    </>
  );
}
