import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { call } from '../../bridge.js';
import { useVaultStore } from '../../state/vault-store.js';
import { ErrorMessage } from '../../ui/controls.js';
import { NewPassphraseFields } from '../../ui/NewPassphraseFields.js';

/** First run: create the vault, sealed by the OS keychain or, where there is none, a passphrase. */
export function FirstRun(): ReactNode {
  const { create, error, status } = useVaultStore();
  const [mode, setMode] = useState<'keychain' | 'passphrase' | 'tpm'>('keychain');
  // The TPM is offered only where tpm2-tools can reach one; null while that is being asked.
  const [tpm, setTpm] = useState<boolean | null>(null);
  useEffect(() => {
    call('tpm:status', {}).then(
      (answer) => setTpm(answer.available),
      () => setTpm(false),
    );
  }, []);
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const mismatch = mode === 'passphrase' && repeat.length > 0 && passphrase !== repeat;

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (mismatch) return;
    setBusy(true);
    await create(mode, mode === 'passphrase' ? passphrase : undefined);
    setBusy(false);
  }

  return (
    <main className="centered narrow">
      <h1>Welcome to Coffer</h1>
      <p>
        Coffer keeps your keys in a vault on this computer. Create it once; the keys you make then protect your files and secrets.
      </p>
      <form onSubmit={(e) => void submit(e)} aria-label="Create the vault">
        <fieldset>
          <legend>Protect the vault with</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'keychain'} onChange={() => setMode('keychain')} /> this computer's
            keychain (recommended)
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'passphrase'} onChange={() => setMode('passphrase')} /> a
            passphrase, asked at every start
          </label>
          {tpm === true && (
            <label>
              <input type="radio" name="mode" checked={mode === 'tpm'} onChange={() => setMode('tpm')} /> this computer's TPM 2.0
              chip (the vault opens only on this machine)
            </label>
          )}
        </fieldset>
        {tpm === false && <p className="hint">No TPM 2.0 chip answered on this computer, so it is not offered.</p>}
        {mode === 'passphrase' && (
          <NewPassphraseFields passphrase={passphrase} repeat={repeat} onPassphrase={setPassphrase} onRepeat={setRepeat} />
        )}
        <button type="submit" disabled={busy || mismatch || (mode === 'passphrase' && passphrase.length < 8)}>
          {busy ? 'Creating…' : 'Create my vault'}
        </button>
      </form>
      <ErrorMessage message={error} />
      <p className="hint">Vault folder: {status?.vault_dir}</p>
    </main>
  );
}
