import { useEffect, useState, type ReactNode } from 'react';
import type { RollbackGenerationView } from '../../../../shared/ipc-contract.js';
import { call, messageOf } from '../../bridge.js';
import { useKeysStore } from '../../state/keys-store.js';
import { ErrorMessage } from '../../ui/controls.js';
import { Dialog } from '../../ui/Dialog.js';

type LostKey = RollbackGenerationView['lost_keys'][number];

function lostKeyText(key: LostKey): string {
  return `${key.alias} (${key.key_id})${key.version === null ? '' : `, version ${key.version}`}`;
}

/**
 * Settings → Vault generations: the generation the vault can go back to (as `coffer rollback`),
 * and, when it lacks keys the vault holds now, a dialog that names them and asks before dropping
 * them (the CLI's --force).
 */
export function RollbackSection({ headingId }: { headingId: string }): ReactNode {
  const [generations, setGenerations] = useState<RollbackGenerationView[] | null>(null);
  const [asking, setAsking] = useState<RollbackGenerationView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reloadKeys = useKeysStore((s) => s.load);

  async function load(): Promise<void> {
    try {
      setGenerations((await call('vault:rollback-generations', {})).generations);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  useEffect(() => {
    void load();
  }, []);

  async function rollBack(target: RollbackGenerationView, force: boolean): Promise<void> {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      const done = await call('vault:rollback', { generation: target.generation, force });
      setAsking(null);
      setNote(
        `The vault is back at generation ${done.restored_generation}. The file it replaced is kept as ${done.damaged_file_kept_as}.` +
          (done.dropped_keys.length > 0 ? ` Dropped: ${done.dropped_keys.join('; ')}.` : ''),
      );
      await reloadKeys();
      await load();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  function choose(target: RollbackGenerationView): void {
    if (target.lost_keys.length > 0) setAsking(target);
    else void rollBack(target, false);
  }

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Vault generations</h2>
      <p>
        Each change to the vault keeps the file it replaces. If the vault file is damaged, go back to that previous generation (as{' '}
        <code>coffer rollback</code> does); the current file is kept aside, never deleted.
      </p>
      {generations === null && !error && <p role="status">Checking…</p>}
      {generations?.length === 0 && <p>There is no previous generation to go back to yet.</p>}
      {generations && generations.length > 0 && (
        <ul className="rollback-generations" aria-label="Generations to go back to">
          {generations.map((g) => (
            <li key={g.generation}>
              <span>
                Generation {g.generation}, saved {new Date(g.saved).toLocaleString()}
                {g.lost_keys.length > 0
                  ? ` — lacks ${g.lost_keys.length} key${g.lost_keys.length === 1 ? '' : 's'} the vault holds now`
                  : ''}
              </span>{' '}
              <button type="button" className="secondary" disabled={busy} onClick={() => choose(g)}>
                Roll back to generation {g.generation}
              </button>
            </li>
          ))}
        </ul>
      )}
      <p role="status" className="hint">
        {note}
      </p>
      {!asking && <ErrorMessage message={error} />}
      {asking && (
        <Dialog
          title={`Drop ${asking.lost_keys.length === 1 ? 'a key' : `${asking.lost_keys.length} keys`} to roll back?`}
          onClose={() => setAsking(null)}
          tone="danger"
          testId="rollback-dialog"
        >
          <p>
            Generation {asking.generation} lacks {asking.lost_keys.length === 1 ? 'this key' : 'these keys'}. Rolling back loses{' '}
            {asking.lost_keys.length === 1 ? 'it' : 'them'}, and every file encrypted under{' '}
            {asking.lost_keys.length === 1 ? 'it' : 'them'} can no longer be opened:
          </p>
          <ul aria-label="Keys that would be lost">
            {asking.lost_keys.map((key) => (
              <li key={`${key.key_id}:${key.version ?? ''}`}>
                <code>{lostKeyText(key)}</code>
              </li>
            ))}
          </ul>
          <p>Back up the vault or export what you can first.</p>
          <ErrorMessage message={error} />
          <div className="keys-actions">
            <button type="button" className="danger" disabled={busy} onClick={() => void rollBack(asking, true)}>
              Drop {asking.lost_keys.length === 1 ? 'it' : 'them'} and roll back
            </button>
            <button type="button" className="secondary" data-autofocus onClick={() => setAsking(null)}>
              Keep the current vault
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
