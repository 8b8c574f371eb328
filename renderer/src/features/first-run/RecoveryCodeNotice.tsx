import { useState, type ReactNode } from 'react';
import { useVaultStore } from '../../state/vault-store.js';
import { CopyButton } from '../../ui/controls.js';

/** The recovery code, shown once: the user must say they kept it before going on. */
export function RecoveryCodeNotice({ code }: { code: string }): ReactNode {
  const confirm = useVaultStore((s) => s.confirmRecoveryCodeKept);
  const [kept, setKept] = useState(false);
  const protection = useVaultStore((s) => s.status?.protection);
  const lost =
    protection === 'tpm'
      ? "If this computer's TPM is cleared or replaced, or the computer is lost,"
      : "If this computer's keychain or your passphrase is ever lost,";
  return (
    <main className="centered narrow">
      <h1>Your recovery code</h1>
      <p>
        {lost} this code is the <strong>only</strong> way back to your keys and files. It is shown now and never again.
      </p>
      {/* A named group (a bare p cannot carry a name), so screen readers announce what the characters are. */}
      <p className="recovery-code" role="group" aria-label="Recovery code">
        {code}
      </p>
      <CopyButton text={code} label="Copy the code" />
      <label className="confirm">
        <input type="checkbox" checked={kept} onChange={(e) => setKept(e.target.checked)} /> I wrote it down or stored it
        somewhere safe, away from this computer
      </label>
      <button type="button" disabled={!kept} onClick={confirm}>
        Continue
      </button>
    </main>
  );
}
