import { useEffect, useState, type ReactNode } from 'react';
import type { ShellReport } from '../../../../shared/ipc-contract.js';
import { call, messageOf } from '../../bridge.js';
import { ErrorMessage } from '../../ui/controls.js';

const MENU_NAMES: Record<ShellReport['platform'], string> = {
  linux: 'Files (Nautilus) scripts, Dolphin and the desktop file type',
  win32: 'File Explorer',
  darwin: 'Finder Quick Actions',
};

/** Right-click "Encrypt / Decrypt with Coffer" for this user: install, remove, and say what changed. */
export function ShellIntegrationSection({ headingId }: { headingId: string }): ReactNode {
  const [report, setReport] = useState<ShellReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void call('shell:status', {}).then(setReport, (e: unknown) => setError(messageOf(e)));
  }, []);

  async function change(action: 'shell:install' | 'shell:uninstall'): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      setReport(await call(action, {}));
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  const changed = report ? [...report.written.map((p) => `Wrote ${p}`), ...report.removed.map((p) => `Removed ${p}`)] : [];
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Right-click integration</h2>
      <p>
        Adds “Encrypt with Coffer” and “Decrypt with Coffer” to the right-click menu
        {report ? ` (${MENU_NAMES[report.platform]})` : ''}, and opens .coffer files in Coffer. Only for you: no administrator
        rights needed.
      </p>
      <p role="status">{report ? (report.installed ? 'Installed.' : 'Not installed.') : 'Checking…'}</p>
      <button type="button" disabled={busy || !report || report.installed} onClick={() => void change('shell:install')}>
        Add to the right-click menu
      </button>{' '}
      <button
        type="button"
        className="secondary"
        disabled={busy || !report?.installed}
        onClick={() => void change('shell:uninstall')}
      >
        Remove from the right-click menu
      </button>
      {changed.length > 0 && (
        <ul aria-label="What changed" className="hint">
          {changed.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      {report?.notes.map((note) => (
        <p key={note} className="hint">
          {note}
        </p>
      ))}
      <ErrorMessage message={error} />
    </section>
  );
}
