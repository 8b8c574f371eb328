import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import type { InvokeResponses } from '../../../../shared/ipc-contract.js';
import { call } from '../../bridge.js';
import { useKeysStore } from '../../state/keys-store.js';
import { CopyButton, ErrorMessage } from '../../ui/controls.js';
import { Fingerprint } from '../../ui/Fingerprint.js';
import { ENABLED, KeyPicker, keyLabel, useKeysLoaded } from '../../ui/KeyPicker.js';
import { useAction } from '../keys/use-action.js';

/** Files can be encrypted for a person through an RSA key of theirs with key usage ENCRYPT_DECRYPT. */
export function isSharingKey(key: KeyInfo): boolean {
  return key.key_spec.startsWith('RSA_') && key.key_usage === 'ENCRYPT_DECRYPT';
}

/** The key spec "Create my encryption key" makes: as strong as most peers' defaults, quick to make. */
export const SHARING_KEY_SPEC = 'RSA_3072';

type PublicKeyFile = InvokeResponses['keys:public-key-file'];

/**
 * One RSA encryption key's public key file, to send to people who want to encrypt files for its
 * holder: its fingerprint, copied to the clipboard, or saved where main's save dialog says.
 */
export function PublicKeyActions({ keyInfo }: { keyInfo: KeyInfo }): ReactNode {
  const [file, setFile] = useState<PublicKeyFile | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const loading = useAction();
  const saving = useAction();
  const enabled = keyInfo.key_state === ENABLED;
  const { run: load } = loading;

  useEffect(() => {
    setFile(null);
    setSaved(null);
    if (!enabled) return;
    let current = true;
    void load(() => call('keys:public-key-file', { key_id: keyInfo.key_id })).then((answer) => {
      if (current && answer) setFile(answer);
    });
    return () => {
      current = false;
    };
  }, [keyInfo.key_id, enabled, load]);

  async function save(): Promise<void> {
    setSaved(null);
    const answer = await saving.run(() => call('contacts:save-public-key-file', { key_id: keyInfo.key_id }));
    if (answer?.path) setSaved(answer.path);
  }

  if (!enabled) return <p className="hint">Enable this key to share its public key.</p>;
  return (
    <div className="public-key-actions">
      {file ? (
        <>
          <p className="public-key-fingerprint">
            <span>Fingerprint of “{keyLabel(keyInfo)}”: </span>
            <Fingerprint value={file.fingerprint} />
          </p>
          <div className="keys-actions">
            <CopyButton text={file.text} label="Copy my public key" />
            <button type="button" className="secondary" disabled={saving.busy} onClick={() => void save()}>
              Save to a file…
            </button>
          </div>
        </>
      ) : (
        !loading.error && <p className="hint">Reading the public key…</p>
      )}
      <p className="ok" role="status">
        {saved ? `Saved to ${saved}.` : ''}
      </p>
      <ErrorMessage message={loading.error ?? saving.error} />
    </div>
  );
}

/** No RSA encryption key yet: make one here, so there is something to share. */
function CreateSharingKey({ disabledOnes }: { disabledOnes: number }): ReactNode {
  const aliasId = useId();
  const [alias, setAlias] = useState('my-encryption-key');
  const { busy, error, run } = useAction();

  async function create(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (busy) return;
    await run(async () => {
      await call('keys:create', {
        key_alias: alias,
        key_spec: SHARING_KEY_SPEC,
        key_usage: 'ENCRYPT_DECRYPT',
        key_description: 'Files others encrypt for me',
      });
      await useKeysStore.getState().load();
    });
  }

  return (
    <form onSubmit={(e) => void create(e)} noValidate>
      <p>
        {disabledOnes > 0
          ? 'Your RSA encryption keys are all disabled: enable one on the Keys screen, or create another here.'
          : 'You have no RSA encryption key yet. Create one to receive files: its private half never leaves this vault.'}
      </p>
      <label htmlFor={aliasId}>Alias for the new key</label>
      <div className="keys-inline">
        <input id={aliasId} value={alias} autoComplete="off" spellCheck={false} onChange={(e) => setAlias(e.target.value)} />
        <button type="submit" disabled={busy || alias.trim() === ''}>
          {busy ? 'Creating…' : 'Create my encryption key'}
        </button>
      </div>
      <ErrorMessage message={error} />
    </form>
  );
}

/** Contacts' "Share my public key": the user's RSA encryption key (one of them) to copy or save. */
export function ShareMyPublicKey(): ReactNode {
  useKeysLoaded();
  const headingId = useId();
  const keys = useKeysStore((s) => s.keys);
  const loaded = useKeysStore((s) => s.loaded);
  const [chosen, setChosen] = useState('');
  const all = keys.filter(isSharingKey);
  const usable = all.filter((k) => k.key_state === ENABLED);
  const key = usable.find((k) => k.key_id === chosen) ?? usable[0];

  return (
    <section className="card contacts-share" aria-labelledby={headingId}>
      <h2 id={headingId}>Share my public key</h2>
      <p className="hint">
        Send your public key file to people who want to encrypt files for you: they add it on their Contacts screen, and what they
        encrypt opens only in your vault. It holds no secret.
      </p>
      {!loaded ? (
        <p className="hint">Loading your keys…</p>
      ) : !key ? (
        <CreateSharingKey disabledOnes={all.length} />
      ) : (
        <>
          {usable.length > 1 && <KeyPicker label="Key to share" keyId={key.key_id} keys={usable} onChange={setChosen} />}
          <PublicKeyActions keyInfo={key} />
        </>
      )}
    </section>
  );
}

/** The Keys screen's section for an RSA encryption key: its public key file to send. */
export function MyPublicKeySection({ keyInfo }: { keyInfo: KeyInfo }): ReactNode {
  const headingId = useId();
  return (
    <section className="keys-section" aria-labelledby={headingId}>
      <h3 id={headingId}>My public key</h3>
      <p className="hint">
        Send it to people who want to encrypt files for you: they add it on their Contacts screen. It holds no secret.
      </p>
      <PublicKeyActions keyInfo={keyInfo} />
    </section>
  );
}
