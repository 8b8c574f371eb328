import { useId, useState, type ReactNode } from 'react';
import { DecryptingSection } from './DecryptingSection.js';
import { KeyStoresSection } from './KeyStoresSection.js';
import { RollbackSection } from './RollbackSection.js';
import { ShellIntegrationSection } from './ShellIntegrationSection.js';
import { ProtectionActions } from './ProtectionActions.js';
import type { InvokeRequest } from '../../../../shared/ipc-contract.js';
import { call, messageOf } from '../../bridge.js';
import { useKeysStore } from '../../state/keys-store.js';
import { useSettingsStore } from '../../state/settings-store.js';
import { useVaultStore } from '../../state/vault-store.js';
import { ErrorMessage } from '../../ui/controls.js';
import { ENABLED, encryptsFiles, KeyPicker, keyOption, useKeysLoaded } from '../../ui/KeyPicker.js';
import '../text/text.css';
import './settings.css';
import { DEFAULT_FRAME_LENGTH } from '../../../../shared/file-format.js';

const KiB = 1024;
/** The file format's frame sizes offered; 256 KiB is what encryption uses when none is set. */
export const FRAME_LENGTHS = [
  { value: 64 * KiB, label: '64 KiB' },
  { value: 256 * KiB, label: '256 KiB (default)' },
  { value: 1024 * KiB, label: '1 MiB' },
  { value: 4096 * KiB, label: '4 MiB' },
] as const;

const THEMES = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
] as const;

/** The app's preferences; each change is saved at once through the settings store. */
export function SettingsScreen(): ReactNode {
  useKeysLoaded();
  const ids = {
    protection: useId(),
    files: useId(),
    removeWarning: useId(),
    outDirHint: useId(),
    appearance: useId(),
    shell: useId(),
    keyStores: useId(),
    decrypting: useId(),
    rollback: useId(),
  };
  const { settings, error, update } = useSettingsStore();
  const status = useVaultStore((s) => s.status);
  const keys = useKeysStore((s) => s.keys);
  const [note, setNote] = useState<string | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  async function save(changes: InvokeRequest<'settings:set'>): Promise<void> {
    setNote(null);
    setLocalError(null);
    await update(changes);
    if (!useSettingsStore.getState().error) setNote('Settings saved.');
  }

  // The folder comes from Coffer's folder dialog, by handle: a typed path could name any folder.
  async function chooseOutDir(): Promise<void> {
    try {
      const { files } = await call('files:choose', { kind: 'folder' });
      const chosen = files[0];
      if (chosen) await save({ out_dir: chosen.handle });
    } catch (e) {
      setLocalError(messageOf(e));
    }
  }

  // The default key encrypts files: AES_256 keys only.
  const enabled = keys.filter((k) => k.key_state === ENABLED && encryptsFiles(k));
  const defaultKey = settings.default_key_id;
  const defaultNotEnabled = defaultKey !== null && !enabled.some((k) => k.key_id === defaultKey);
  const staleKey = defaultNotEnabled ? keys.find((k) => k.key_id === defaultKey) : undefined;
  const frame = settings.frame_length ?? DEFAULT_FRAME_LENGTH;
  const customFrame = !FRAME_LENGTHS.some((f) => f.value === frame);

  return (
    <div className="settings-screen">
      <h1>Settings</h1>
      <p role="status" className="hint settings-note">
        {note}
      </p>
      <ErrorMessage message={error ?? localError} />

      <section className="card" aria-labelledby={ids.protection}>
        <h2 id={ids.protection}>Protection</h2>
        <p>
          {status?.protection === 'keychain'
            ? "This vault is protected by this computer's keychain: it opens without a passphrase while you are signed in."
            : status?.protection === 'passphrase'
              ? 'This vault is protected by a passphrase, asked each time Coffer starts.'
              : status?.protection === 'tpm'
                ? "This vault is sealed by this computer's TPM 2.0 chip: it opens without a passphrase, and on no other computer."
                : 'The protection of this vault is not known yet.'}
        </p>
        <p>
          If the keychain entry is lost, the TPM is cleared, you move to a new computer or you forget the passphrase, the recovery
          code shown when the vault was created opens it again: run <code>coffer recover</code> and give that code. Back your keys
          up regularly with <code>coffer backup --out &lt;file&gt;</code>, and keep the backup and the recovery code away from
          this computer.
        </p>
        {status?.vault_dir && <p className="hint">Vault folder: {status.vault_dir}</p>}
        <ProtectionActions />
      </section>

      <section className="card" aria-labelledby={ids.files}>
        <h2 id={ids.files}>Encrypting files</h2>
        <KeyPicker
          label="Default key"
          keyId={defaultKey ?? ''}
          keys={enabled}
          onChange={(id) => void save({ default_key_id: id === '' ? null : id })}
          leading={[
            { value: '', label: 'None (ask each time)' },
            ...(defaultNotEnabled && defaultKey
              ? [staleKey ? keyOption(staleKey, ' (not enabled)') : { value: defaultKey, label: `${defaultKey} (not found)` }]
              : []),
          ]}
        />
        {enabled.length === 0 && <p className="hint">No enabled key yet: create one on the Keys screen to choose it here.</p>}

        <div className="settings-folder">
          <label>
            Default output folder
            <input
              type="text"
              readOnly
              spellCheck={false}
              value={settings.out_dir ?? ''}
              placeholder="Beside the original"
              aria-describedby={ids.outDirHint}
            />
          </label>
          <div className="text-actions">
            <button type="button" className="secondary" onClick={() => void chooseOutDir()}>
              Choose folder…
            </button>
            <button
              type="button"
              className="secondary"
              disabled={settings.out_dir === null}
              onClick={() => void save({ out_dir: null })}
            >
              Beside the original
            </button>
          </div>
          <p id={ids.outDirHint} className="hint">
            Choose a folder for every result, or write each result beside its original.
          </p>
        </div>

        <label>
          Frame length
          <select value={String(frame)} onChange={(e) => void save({ frame_length: Number(e.target.value) })}>
            {customFrame && <option value={String(frame)}>{`${frame} bytes`}</option>}
            {FRAME_LENGTHS.map((f) => (
              <option key={f.value} value={String(f.value)}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <p className="hint">
          Files are encrypted in frames of this size. Larger frames are a little faster on big files; smaller ones let previews
          read less.
        </p>

        <label className="settings-check">
          <input
            type="checkbox"
            checked={settings.remove_originals}
            aria-describedby={ids.removeWarning}
            onChange={(e) => void save({ remove_originals: e.target.checked })}
          />
          Remove originals after a verified encryption
        </label>
        <p id={ids.removeWarning} className={settings.remove_originals ? 'settings-warning on' : 'settings-warning'}>
          Warning: the original is deleted once its encrypted copy has been read back and checked. From then on the file can only
          be opened with your key, so keep the recovery code and a backup of the vault.
        </p>
      </section>

      <DecryptingSection headingId={ids.decrypting} save={save} />

      <section className="card" aria-labelledby={ids.appearance}>
        <h2 id={ids.appearance}>Appearance</h2>
        <fieldset>
          <legend>Theme</legend>
          {THEMES.map((t) => (
            <label key={t.value}>
              <input
                type="radio"
                name="theme"
                value={t.value}
                checked={settings.theme === t.value}
                onChange={() => void save({ theme: t.value })}
              />
              {t.label}
            </label>
          ))}
        </fieldset>
      </section>

      <RollbackSection headingId={ids.rollback} />

      <KeyStoresSection headingId={ids.keyStores} />

      <ShellIntegrationSection headingId={ids.shell} />
    </div>
  );
}
