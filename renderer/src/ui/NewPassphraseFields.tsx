import type { ReactNode } from 'react';

/** A new passphrase asked twice, saying at once when the two differ (first run, Settings). */
export function NewPassphraseFields(props: {
  passphrase: string;
  repeat: string;
  onPassphrase: (value: string) => void;
  onRepeat: (value: string) => void;
  label?: string;
  repeatLabel?: string;
}): ReactNode {
  const mismatch = props.repeat.length > 0 && props.passphrase !== props.repeat;
  return (
    <>
      <label>
        {props.label ?? 'Passphrase (at least 8 characters)'}
        <input
          type="password"
          autoComplete="new-password"
          value={props.passphrase}
          onChange={(e) => props.onPassphrase(e.target.value)}
        />
      </label>
      <label>
        {props.repeatLabel ?? 'Repeat it'}
        <input
          type="password"
          autoComplete="new-password"
          value={props.repeat}
          onChange={(e) => props.onRepeat(e.target.value)}
          aria-invalid={mismatch}
        />
      </label>
      {mismatch && <p className="error">The two passphrases differ.</p>}
    </>
  );
}
