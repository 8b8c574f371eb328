import { useState, type FormEvent, type ReactNode } from 'react';
import { useVaultStore } from '../../state/vault-store.js';
import { ErrorMessage, PasswordField } from '../../ui/controls.js';

/** A passphrase vault, or one whose keychain could not be reached, waits here. */
export function UnlockScreen(): ReactNode {
  const { status, unlock, error } = useVaultStore();
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    if (await unlock(passphrase)) setPassphrase('');
    setBusy(false);
  }

  if (status?.protection !== 'passphrase') {
    return (
      <main className="centered narrow">
        <h1>The vault could not be opened</h1>
        <ErrorMessage message={status?.problem?.message ?? error} />
      </main>
    );
  }
  return (
    <main className="centered narrow">
      <h1>Unlock your vault</h1>
      <form onSubmit={(e) => void submit(e)} aria-label="Unlock the vault">
        <PasswordField label="Passphrase" value={passphrase} onChange={setPassphrase} fresh={false} autoFocus />
        <button type="submit" disabled={busy || passphrase.length === 0}>
          {busy ? 'Unlocking…' : 'Unlock'}
        </button>
      </form>
      <ErrorMessage message={error} />
    </main>
  );
}
