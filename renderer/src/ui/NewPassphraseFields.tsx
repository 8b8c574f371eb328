import type { ReactNode } from 'react';
import { PasswordField } from './controls.js';

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
      <PasswordField
        label={props.label ?? 'Passphrase (at least 8 characters)'}
        value={props.passphrase}
        onChange={props.onPassphrase}
        fresh
      />
      <PasswordField
        label={props.repeatLabel ?? 'Repeat it'}
        value={props.repeat}
        onChange={props.onRepeat}
        fresh
        invalid={mismatch}
      />
      {mismatch && <p className="error">The two passphrases differ.</p>}
    </>
  );
}
