import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { DAY_MS } from '../../../../shared/key-types.js';
import { call, messageOf } from '../../bridge.js';
import { ErrorMessage } from '../../ui/controls.js';
import { formatDate } from '../../ui/format.js';
import { Dialog } from '../../ui/Dialog.js';
import { DEFAULT_PENDING_DAYS, daysProblem, LIMITS } from './key-format.js';

/**
 * Scheduling a deletion: the one irreversible act of this screen. The warning says what is lost,
 * and the button stays disabled until the key's alias is typed exactly.
 */
export function DeleteKeyDialog({
  keyInfo,
  onClose,
  onScheduled,
}: {
  keyInfo: KeyInfo;
  onClose: () => void;
  onScheduled: (message: string) => Promise<void>;
}): ReactNode {
  const ids = { warning: useId(), days: useId(), daysError: useId(), confirm: useId(), confirmHelp: useId() };
  const [days, setDays] = useState(String(DEFAULT_PENDING_DAYS));
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const daysError = daysProblem(days, LIMITS.pendingDaysMin, LIMITS.pendingDaysMax, 'The waiting period');
  const matches = typed === keyInfo.key_alias;
  const when = daysError ? null : formatDate(String(Date.now() + Number(days) * DAY_MS));

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!matches || daysError || busy) return;
    setBusy(true);
    setError(null);
    try {
      const result = await call('keys:schedule-deletion', { key_id: keyInfo.key_id, pending_days: Number(days) });
      await onScheduled(
        `Key "${keyInfo.key_alias}" is scheduled for deletion on ${formatDate(result.scheduled_deletion_date)}. You can cancel until then.`,
      );
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Delete the key "${keyInfo.key_alias}"?`} onClose={onClose} tone="danger">
      <div className="keys-warning" id={ids.warning}>
        <p>
          <strong>This cannot be undone once the waiting period ends.</strong>
        </p>
        <p>
          When the date passes, Coffer destroys this key&apos;s material for good. Every file and every piece of data encrypted
          only under this key will be lost for good: nobody, not you and not Coffer, will ever be able to decrypt it again.
        </p>
        <p>
          Before you go on, decrypt or re-encrypt under another key anything you still need. Until the date, you can cancel the
          deletion; meanwhile the key cannot be used.
        </p>
      </div>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label htmlFor={ids.days}>Waiting period (days)</label>
        <input
          id={ids.days}
          type="number"
          inputMode="numeric"
          min={LIMITS.pendingDaysMin}
          max={LIMITS.pendingDaysMax}
          step={1}
          value={days}
          aria-invalid={daysError !== null}
          aria-describedby={daysError ? ids.daysError : undefined}
          onChange={(e) => setDays(e.target.value)}
        />
        {daysError ? (
          <p className="error" id={ids.daysError}>
            {daysError}
          </p>
        ) : (
          <p className="hint">
            The key will be destroyed on <strong>{when}</strong>.
          </p>
        )}
        <label htmlFor={ids.confirm}>Type the key&apos;s alias to confirm</label>
        <p className="hint" id={ids.confirmHelp}>
          Type <code className="keys-code-inline">{keyInfo.key_alias}</code> exactly.
        </p>
        <input
          id={ids.confirm}
          value={typed}
          autoComplete="off"
          spellCheck={false}
          aria-describedby={`${ids.confirmHelp} ${ids.warning}`}
          onChange={(e) => setTyped(e.target.value)}
        />
        <ErrorMessage message={error} />
        <div className="keys-actions">
          <button type="submit" className="danger" disabled={!matches || daysError !== null || busy}>
            {busy ? 'Scheduling…' : 'Schedule deletion'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
