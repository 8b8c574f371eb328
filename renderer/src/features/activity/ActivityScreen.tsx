import { useEffect, useId, useState, type ReactNode } from 'react';
import type { InvokeResponses } from '../../../../shared/ipc-contract.js';
import { call, messageOf } from '../../bridge.js';
import { useKeysStore } from '../../state/keys-store.js';
import { EmptyState, ErrorMessage } from '../../ui/controls.js';
import { KeyPicker, keyLabel, useKeysLoaded } from '../../ui/KeyPicker.js';
import './activity.css';

type AuditList = InvokeResponses['audit:list'];

/** How many of the newest records one load asks for; "Show older records" asks for more. */
export const PAGE = 500;
const MAX_LIMIT = 100_000;

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/**
 * The vault's audit log, newest first: every use of a key, its outcome, and whether the log's
 * hash chain still checks out. The key filter asks main for that key's records; the operation
 * filter narrows what is loaded.
 */
export function ActivityScreen(): ReactNode {
  useKeysLoaded();
  const keys = useKeysStore((s) => s.keys);
  const ids = { summary: useId() };
  const [keyFilter, setKeyFilter] = useState('');
  const [operationFilter, setOperationFilter] = useState('');
  const [limit, setLimit] = useState(PAGE);
  const [reloads, setReloads] = useState(0);
  const [log, setLog] = useState<AuditList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let current = true;
    setLoading(true);
    call('audit:list', { limit, ...(keyFilter ? { key_id: keyFilter } : {}) }).then(
      (value) => {
        if (!current) return;
        setLog(value);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!current) return;
        setError(messageOf(e));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [keyFilter, limit, reloads]);

  const records = [...(log?.records ?? [])].sort((a, b) => b.seq - a.seq);
  const operations = [...new Set([...records.map((r) => r.operation), ...(operationFilter ? [operationFilter] : [])])].sort();
  const shown = operationFilter ? records.filter((r) => r.operation === operationFilter) : records;
  const keyName = (id: string | null): string => {
    if (!id) return '—';
    const key = keys.find((k) => k.key_id === id);
    return key ? keyLabel(key) : id;
  };
  const filtered = keyFilter !== '' || operationFilter !== '';
  const knownKey = keyFilter === '' || keys.some((k) => k.key_id === keyFilter);

  return (
    <div className="activity-screen">
      <h1>Activity</h1>
      <p className="hint">
        Every use of your keys is recorded here, newest first. Records hold what happened, never your data or keys.
      </p>

      {log && <ChainBadge verified={log.chain_verified} problems={log.problems} />}

      <div className="activity-filters" role="group" aria-label="Filters">
        <KeyPicker
          label="Key"
          keyId={keyFilter}
          keys={keys}
          onChange={(id) => {
            setKeyFilter(id);
            setLimit(PAGE);
          }}
          leading={[{ value: '', label: 'All keys' }, ...(knownKey ? [] : [{ value: keyFilter, label: keyFilter }])]}
        />
        <label>
          Operation
          <select value={operationFilter} onChange={(e) => setOperationFilter(e.target.value)}>
            <option value="">All operations</option>
            {operations.map((op) => (
              <option key={op} value={op}>
                {op}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="secondary" onClick={() => setReloads((n) => n + 1)} disabled={loading}>
          {loading ? 'Loading…' : 'Refresh'}
        </button>
      </div>

      <ErrorMessage message={error} />

      {log &&
        (log.total === 0 ? (
          <EmptyState title="No activity yet">
            <p>Each use of a key appears here. Create a key on the Keys screen, then encrypt some text or a file.</p>
          </EmptyState>
        ) : shown.length === 0 ? (
          <EmptyState title="No records match these filters">
            <p>Choose another key or operation, or show everything.</p>
            {filtered && (
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  setKeyFilter('');
                  setOperationFilter('');
                }}
              >
                Show all activity
              </button>
            )}
          </EmptyState>
        ) : (
          <>
            <p id={ids.summary} className="hint">
              Showing {shown.length} of {log.total} {log.total === 1 ? 'record' : 'records'}.
            </p>
            <table aria-label="Audit records" aria-describedby={ids.summary}>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Operation</th>
                  <th scope="col">Key</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <tr key={r.seq} className={r.outcome === 'failure' ? 'activity-failed' : undefined}>
                    <td>
                      <time dateTime={r.time}>{formatTime(r.time)}</time>
                    </td>
                    <td>{r.operation}</td>
                    <td>
                      {keyName(r.key_id)}
                      {r.key_version !== null && <span className="hint"> (version {r.key_version})</span>}
                    </td>
                    <td>
                      {r.outcome === 'failure' ? (
                        <span className="activity-outcome failed">
                          Failed
                          {r.error_code && (
                            <>
                              {' '}
                              <code className="activity-code">{r.error_code}</code>
                            </>
                          )}
                        </span>
                      ) : (
                        <span className="activity-outcome">Succeeded</span>
                      )}
                    </td>
                    <td>{r.detail ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {log.records.length >= limit && limit < MAX_LIMIT && (
              <button type="button" className="secondary" onClick={() => setLimit((n) => Math.min(MAX_LIMIT, n + PAGE))}>
                Show older records
              </button>
            )}
          </>
        ))}
    </div>
  );
}

function ChainBadge({ verified, problems }: { verified: boolean; problems: string[] }): ReactNode {
  if (verified) {
    return (
      <div className="activity-chain">
        <p className="activity-badge verified" role="status">
          Chain verified
        </p>
        <span className="hint">Each record is linked to the one before it, and none was altered or removed.</span>
      </div>
    );
  }
  return (
    <div className="activity-chain broken">
      <p className="activity-badge broken" role="status">
        Chain broken
      </p>
      <p>The log's links do not check out: records may have been altered or removed outside Coffer.</p>
      {problems.length > 0 && (
        <ul aria-label="Chain problems">
          {problems.map((p, i) => (
            <li key={i}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
