import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { FileRef } from '../../../../shared/file-handle.js';
import { call, messageOf } from '../../bridge.js';
import { useKeysStore } from '../../state/keys-store.js';
import { useVaultStore } from '../../state/vault-store.js';
import { ErrorMessage, PasswordField } from '../../ui/controls.js';
import { NewPassphraseFields } from '../../ui/NewPassphraseFields.js';

/**
 * What Settings can do to the vault's protection: set or change the passphrase, move a passphrase
 * or TPM vault to the keychain, seal it with the TPM where there is one, and back up or restore
 * every key. Each form reports in plain words.
 */
export function ProtectionActions(): ReactNode {
  const status = useVaultStore((s) => s.status);
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const [backupPassphrase, setBackupPassphrase] = useState('');
  const [restoreFile, setRestoreFile] = useState<FileRef | null>(null);
  const [restorePassphrase, setRestorePassphrase] = useState('');
  const [force, setForce] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A vault not yet sealed by the TPM is offered it where tpm2-tools reaches one, as first run does
  // (asked once: whether this machine has a TPM does not change with the vault's protection).
  const [tpmAvailable, setTpmAvailable] = useState(false);
  const protection = status?.protection;
  useEffect(() => {
    let live = true;
    call('tpm:status', {}).then(
      (answer) => live && setTpmAvailable(answer.available),
      () => live && setTpmAvailable(false),
    );
    return () => {
      live = false;
    };
  }, []);

  async function run(work: () => Promise<string>): Promise<void> {
    setError(null);
    setMessage(null);
    try {
      setMessage(await work());
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  function changePassphrase(event: FormEvent): void {
    event.preventDefault();
    void run(async () => {
      useVaultStore.setState({ status: await call('vault:change-protection', { protection: 'passphrase', passphrase }) });
      setPassphrase('');
      setRepeat('');
      return 'The vault is now protected by the new passphrase.';
    });
  }

  /** Keychain or TPM: nothing to type, so one click switches and says what protects the vault now. */
  function switchTo(protection: 'keychain' | 'tpm', done: string): void {
    void run(async () => {
      useVaultStore.setState({ status: await call('vault:change-protection', { protection }) });
      return done;
    });
  }

  // Where the backup goes is asked by main's save dialog: the window never names the path.
  function backUp(event: FormEvent): void {
    event.preventDefault();
    void run(async () => {
      const done = await call('vault:backup', { passphrase: backupPassphrase });
      if (done.cancelled) return 'No backup was written: the save dialog was cancelled.';
      setBackupPassphrase('');
      const extras = [
        done.contacts ? `${done.contacts} contact(s)` : '',
        done.key_stores ? `${done.key_stores} key store(s)` : '',
      ].filter(Boolean);
      const noPin = done.key_stores_without_pin.length
        ? ` The PIN of ${done.key_stores_without_pin.join(', ')} is not in the backup: it is asked for after a restore.`
        : '';
      return `Backed up ${done.keys} key(s), ${done.key_versions} version(s)${extras.map((e) => `, ${e}`).join('')}, to ${done.backup}.${noPin}`;
    });
  }

  async function chooseBackup(): Promise<void> {
    try {
      const { files } = await call('files:choose', { kind: 'file' });
      if (files[0]) setRestoreFile(files[0]);
    } catch (caught) {
      setError(messageOf(caught));
    }
  }

  function restore(event: FormEvent): void {
    event.preventDefault();
    if (!restoreFile) return;
    void run(async () => {
      const done = await call('vault:restore', { file: restoreFile.handle, passphrase: restorePassphrase, force });
      setRestorePassphrase('');
      await useKeysStore.getState().load();
      const contacts = done.contacts_added.length + done.contacts_replaced.length;
      return (
        `Restored ${done.restored.length} key(s)${done.replaced.length ? `, ${done.replaced.length} replaced` : ''}` +
        `${contacts ? `, ${contacts} contact(s)` : ''}${done.key_stores_added.length ? `, key store(s) ${done.key_stores_added.join(', ')}` : ''}.`
      );
    });
  }

  return (
    <div className="settings-protection-actions">
      <form
        onSubmit={changePassphrase}
        aria-label={status?.protection === 'passphrase' ? 'Change the passphrase' : 'Use a passphrase instead'}
      >
        <h3>
          {status?.protection === 'passphrase'
            ? 'Change the passphrase'
            : status?.protection === 'tpm'
              ? 'Use a passphrase instead of the TPM'
              : 'Use a passphrase instead of the keychain'}
        </h3>
        <NewPassphraseFields
          passphrase={passphrase}
          repeat={repeat}
          onPassphrase={setPassphrase}
          onRepeat={setRepeat}
          label="New passphrase (at least 8 characters)"
          repeatLabel="Repeat the new passphrase"
        />
        <button type="submit" disabled={passphrase.length < 8 || passphrase !== repeat}>
          Save passphrase
        </button>
      </form>
      {(status?.protection === 'passphrase' || status?.protection === 'tpm') && (
        <p>
          <button
            type="button"
            className="secondary"
            onClick={() => switchTo('keychain', "The vault is now protected by this computer's keychain.")}
          >
            Use the keychain instead
          </button>
        </p>
      )}
      {tpmAvailable && protection !== 'tpm' && (
        <p>
          <button
            type="button"
            className="secondary"
            onClick={() =>
              switchTo('tpm', "The vault is now sealed by this computer's TPM 2.0 chip: it opens only on this computer.")
            }
          >
            Seal it with this computer's TPM instead
          </button>
        </p>
      )}
      <form onSubmit={backUp} aria-label="Back up every key">
        <h3>Back up every key</h3>
        <PasswordField label="Backup passphrase" value={backupPassphrase} onChange={setBackupPassphrase} fresh />
        <p className="hint">Back up… asks where to save the backup (a new file).</p>
        <button type="submit" disabled={backupPassphrase.length === 0}>
          Back up…
        </button>
      </form>
      <form onSubmit={restore} aria-label="Restore keys from a backup">
        <h3>Restore keys from a backup</h3>
        <p className="restore-file">
          <span>Backup file: {restoreFile ? <span title={restoreFile.path}>{restoreFile.name}</span> : 'none chosen'}</span>{' '}
          <button type="button" className="secondary" onClick={() => void chooseBackup()}>
            Choose backup file…
          </button>
        </p>
        <PasswordField label="Passphrase of the backup" value={restorePassphrase} onChange={setRestorePassphrase} fresh={false} />
        <label className="confirm">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Replace keys that already exist
          here
        </label>
        <button type="submit" disabled={!restoreFile || restorePassphrase.length === 0}>
          Restore
        </button>
      </form>
      {message && <p role="status">{message}</p>}
      <ErrorMessage message={error} />
    </div>
  );
}
