import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { KeyInfo, RotationStatus } from '../../../../shared/kms-responses.js';
import { call } from '../../bridge.js';
import { ErrorMessage } from '../../ui/controls.js';
import { formatDate } from '../../ui/format.js';
import { daysProblem, formatDateTime, LIMITS, STATE } from './key-format.js';
import { useAction } from './use-action.js';

/** Automatic rotation (on/off, interval), a manual rotation, and where the versions stand. */
export function RotationSection({
  keyInfo,
  onChanged,
}: {
  keyInfo: KeyInfo;
  onChanged: (message: string) => Promise<void>;
}): ReactNode {
  const ids = { heading: useId(), interval: useId(), intervalError: useId(), rotateHelp: useId() };
  const on = keyInfo.key_rotation_enabled === 'true';
  const [interval, setIntervalText] = useState(String(keyInfo.rotation_interval || LIMITS.rotationIntervalDefault));
  const [status, setStatus] = useState<RotationStatus | null>(null);
  const { busy, error, run } = useAction();
  const intervalRef = useRef<HTMLInputElement>(null);
  const intervalError = daysProblem(interval, LIMITS.rotationIntervalMin, LIMITS.rotationIntervalMax, 'The rotation interval');
  const editable = keyInfo.key_state !== STATE.pendingDeletion;
  const keyId = keyInfo.key_id;

  // The next due date is only in the rotation status; the rest comes with the key itself.
  useEffect(() => {
    if (!on || !editable) return;
    let live = true;
    call('keys:rotation-status', { key_id: keyId })
      .then((s) => {
        if (live) setStatus(s);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [keyId, on, editable]);

  async function saveInterval(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (intervalError || busy) return;
    const days = Number(interval);
    await run(async () => {
      const result = on
        ? await call('keys:update-rotation-interval', { key_id: keyId, rotation_interval: days })
        : await call('keys:enable-rotation', { key_id: keyId, rotation_interval: days });
      setStatus(result);
      await onChanged(on ? `Rotation interval changed to ${days} days.` : `Automatic rotation is on: every ${days} days.`);
    });
  }

  async function disable(): Promise<void> {
    await run(async () => {
      setStatus(await call('keys:disable-rotation', { key_id: keyId }));
      await onChanged('Automatic rotation is off.');
    });
    intervalRef.current?.focus();
  }

  async function rotateNow(): Promise<void> {
    await run(async () => {
      const result = await call('keys:rotate', { key_id: keyId });
      setStatus(result);
      await onChanged(`Key rotated: new version ${result.key_version ?? '—'} now encrypts new data.`);
    });
  }

  const versions = keyInfo.key_versions.length > 0 ? keyInfo.key_versions.join(', ') : 'none';
  const next = on && status?.next_rotation_time ? formatDate(status.next_rotation_time) : null;

  return (
    <section className="keys-section" aria-labelledby={ids.heading}>
      <h3 id={ids.heading}>Rotation</h3>
      <dl className="keys-facts">
        <dt>Automatic rotation</dt>
        <dd>{on ? `On, every ${keyInfo.rotation_interval} days` : 'Off'}</dd>
        <dt>Current version</dt>
        <dd>{keyInfo.key_version ?? '—'}</dd>
        <dt>Versions</dt>
        <dd>{versions}</dd>
        <dt>Rotations</dt>
        <dd>{keyInfo.number_of_rotations}</dd>
        <dt>Last rotation</dt>
        <dd>{keyInfo.last_rotation_time ? formatDateTime(keyInfo.last_rotation_time) : 'Never'}</dd>
        {next && (
          <>
            <dt>Next rotation</dt>
            <dd>{next}</dd>
          </>
        )}
      </dl>
      {!editable ? (
        <p className="hint">Rotation cannot change while the key is pending deletion.</p>
      ) : (
        <>
          <form onSubmit={(e) => void saveInterval(e)} noValidate>
            <label htmlFor={ids.interval}>
              Rotation interval (days, {LIMITS.rotationIntervalMin} to {LIMITS.rotationIntervalMax})
            </label>
            <input
              id={ids.interval}
              ref={intervalRef}
              type="number"
              inputMode="numeric"
              min={LIMITS.rotationIntervalMin}
              max={LIMITS.rotationIntervalMax}
              step={1}
              value={interval}
              aria-invalid={intervalError !== null}
              aria-describedby={intervalError ? ids.intervalError : undefined}
              onChange={(e) => setIntervalText(e.target.value)}
            />
            {intervalError && (
              <p className="error" id={ids.intervalError}>
                {intervalError}
              </p>
            )}
            <div className="keys-actions">
              <button type="submit" disabled={busy || intervalError !== null}>
                {on ? 'Change interval' : 'Enable rotation'}
              </button>
              {on && (
                <button type="button" className="secondary" disabled={busy} onClick={() => void disable()}>
                  Disable rotation
                </button>
              )}
            </div>
          </form>
          <div className="keys-actions">
            <button
              type="button"
              className="secondary"
              disabled={busy || keyInfo.key_state !== STATE.enabled}
              aria-describedby={ids.rotateHelp}
              onClick={() => void rotateNow()}
            >
              Rotate now
            </button>
          </div>
          <p className="hint" id={ids.rotateHelp}>
            {keyInfo.key_state === STATE.enabled
              ? 'Rotating adds a new key version for new data; older versions stay, so existing files still open.'
              : 'Only an enabled key can be rotated.'}
          </p>
        </>
      )}
      <ErrorMessage message={error} />
    </section>
  );
}
