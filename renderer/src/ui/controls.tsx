import { useState, type ReactNode } from 'react';

/** Small shared pieces: they keep screens presentational and consistent. */
export function ProgressBar({ value, max, label }: { value: number; max: number; label: string }): ReactNode {
  const percent = max > 0 ? Math.min(100, Math.floor((value / max) * 100)) : 0;
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
      <div className="progress-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}

export function ErrorMessage({ message }: { message: string | null | undefined }): ReactNode {
  return message ? (
    <p className="error" role="alert">
      {message}
    </p>
  ) : null;
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }): ReactNode {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** Copies text to the clipboard and says so for a moment. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }): ReactNode {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="secondary"
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        });
      }}
    >
      {copied ? 'Copied' : label}
    </button>
  );
}

/**
 * A form's submit button, disabled while busy or while `reason` says what is missing; the reason
 * is shown beside it unless the form already shows it elsewhere under `reasonId`.
 */
export function SubmitRow({
  label,
  busyLabel,
  busy,
  reason,
  reasonId,
  reasonShownElsewhere = false,
}: {
  label: string;
  busyLabel: string;
  busy: boolean;
  reason: string | null;
  reasonId: string;
  reasonShownElsewhere?: boolean;
}): ReactNode {
  return (
    <div className="text-actions">
      <button type="submit" disabled={reason !== null || busy} aria-describedby={reason ? reasonId : undefined}>
        {busy ? busyLabel : label}
      </button>
      {reason && !reasonShownElsewhere && (
        <span id={reasonId} className="hint">
          {reason}
        </span>
      )}
    </div>
  );
}

/** A labelled password input: new passphrases ask the browser for a fresh one, others fill. */
export function PasswordField({
  label,
  value,
  onChange,
  fresh,
  invalid,
  autoFocus,
}: {
  label: ReactNode;
  value: string;
  onChange: (value: string) => void;
  fresh: boolean;
  invalid?: boolean;
  autoFocus?: boolean;
}): ReactNode {
  return (
    <label>
      {label}
      <input
        type="password"
        autoComplete={fresh ? 'new-password' : 'current-password'}
        autoFocus={autoFocus}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={invalid}
      />
    </label>
  );
}
