import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import type { FileRef } from '../../../../shared/file-handle.js';
import type { KeyStoreView, TokenView } from '../../../../shared/ipc-contract.js';
import { call, messageOf } from '../../bridge.js';
import { ErrorMessage, PasswordField } from '../../ui/controls.js';

const PIN_STORAGE: Record<KeyStoreView['pin_storage'], string> = {
  keychain: 'PIN kept in the OS keychain',
  sealed: 'PIN sealed in the vault',
  ask: 'PIN asked for each session',
};

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * Deleted keys whose objects the token still holds (it was absent when they were deleted): what
 * that means, and a retry for when the token is back. Coffer also retries by itself when the
 * vault opens and whenever the store's token is used.
 */
function PendingCleanup({
  store,
  busy,
  onRetry,
}: {
  store: KeyStoreView;
  busy: boolean;
  onRetry: (store: KeyStoreView) => Promise<void>;
}): ReactNode {
  const id = useId();
  const count = store.pending_token_cleanup.length;
  return (
    <div className="pending-cleanup">
      <p id={id}>
        The token still holds the objects of {plural(count, 'deleted key')} (
        {store.pending_token_cleanup.map((keyId, i) => (
          <span key={keyId}>
            {i > 0 && ', '}
            <code>{keyId}</code>
          </span>
        ))}
        ): they could not be destroyed while the token was away. Coffer destroys them when it next reaches the token (when the
        vault opens, or a key of this store is used); with the token plugged in, you can do it now.
      </p>
      <button
        type="button"
        className="secondary"
        disabled={busy}
        aria-describedby={id}
        aria-label={`Retry cleanup of ${store.keystore_alias}`}
        onClick={() => void onRetry(store)}
      >
        Retry cleanup
      </button>
    </div>
  );
}

/**
 * Key stores: PKCS#11 tokens (HSMs, smart cards, YubiKeys) whose keys are CMKs. Add one from its
 * module, chosen in Coffer's open dialog (main loads it: the window never names its path), and
 * the token it finds, with its PIN; a store that keeps no PIN takes it here once a session, and a
 * store restored from another machine is pointed at this machine's module.
 */
export function KeyStoresSection({ headingId }: { headingId: string }): ReactNode {
  const [stores, setStores] = useState<KeyStoreView[] | null>(null);
  const [module, setModule] = useState<FileRef | null>(null);
  const [tokens, setTokens] = useState<TokenView[] | null>(null);
  const [alias, setAlias] = useState('');
  const [tokenLabel, setTokenLabel] = useState('');
  const [pin, setPin] = useState('');
  const [keepPin, setKeepPin] = useState(true);
  const [sessionPins, setSessionPins] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { module: useId(), tokens: useId(), alias: useId() };

  async function refresh(): Promise<void> {
    setStores((await call('keystores:list', {})).keystores);
  }
  useEffect(() => {
    refresh().catch((e: unknown) => setError(messageOf(e)));
  }, []);

  async function run(work: () => Promise<void>): Promise<void> {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await work();
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  const chooseModule = () =>
    run(async () => {
      const [chosen] = (await call('files:choose', { kind: 'file' })).files;
      if (!chosen) return;
      setModule(chosen);
      setTokens(null);
    });

  const findTokens = (file: FileRef) =>
    run(async () => {
      const found = (await call('keystores:tokens', { module_file: file.handle })).tokens;
      setTokens(found);
      if (found[0] && !tokenLabel) setTokenLabel(found[0].label);
    });

  const create = (event: FormEvent) => {
    event.preventDefault();
    if (!module) return;
    void run(async () => {
      const created = await call('keystores:create', {
        keystore_alias: alias,
        module_file: module.handle,
        token_label: tokenLabel,
        pin,
        keep_pin: keepPin,
      });
      setPin('');
      setNotice(
        `Key store ${created.key_store_info.keystore_alias} added (token serial ${created.key_store_info.token_serial}).`,
      );
      await refresh();
    });
  };

  const remove = (store: KeyStoreView) =>
    run(async () => {
      await call('keystores:delete', { keystore_id: store.keystore_id });
      setNotice(`Key store ${store.keystore_alias} removed.`);
      await refresh();
    });

  // A restored store keeps the source machine's module path: the user points it at this machine's module.
  const changeModule = (store: KeyStoreView) =>
    run(async () => {
      const [chosen] = (await call('files:choose', { kind: 'file' })).files;
      if (!chosen) return;
      const changed = await call('keystores:set-module', { keystore_id: store.keystore_id, module_file: chosen.handle });
      setNotice(`Key store ${store.keystore_alias} now uses the module ${changed.key_store_info.pkcs11_module}.`);
      await refresh();
    });

  const retryCleanup = (store: KeyStoreView) =>
    run(async () => {
      const outcome = await call('keystores:retry-cleanup', { keystore_id: store.keystore_id });
      await refresh();
      if (outcome.pending.length > 0) {
        const waiting =
          outcome.pending.length === 1 ? '1 deleted key still has' : `${outcome.pending.length} deleted keys still have`;
        setError(
          `Key store ${outcome.keystore_alias}: ${waiting} objects in the token: ${outcome.pending[0]!.problem.replace(/\.$/, '')}.`,
        );
        return;
      }
      setNotice(
        `Key store ${outcome.keystore_alias}: the token objects of ${plural(outcome.destroyed.length, 'deleted key')} were destroyed.`,
      );
    });

  const givePin = (store: KeyStoreView) =>
    run(async () => {
      await call('keystores:pin', { keystore_id: store.keystore_id, pin: sessionPins[store.keystore_id] ?? '' });
      setSessionPins({ ...sessionPins, [store.keystore_id]: '' });
      setNotice(`The PIN of ${store.keystore_alias} is held until Coffer quits.`);
    });

  const reason = !module
    ? 'Choose the PKCS#11 module.'
    : !tokenLabel
      ? 'Choose a token.'
      : !alias
        ? 'Name the key store.'
        : !pin
          ? 'Enter the token PIN.'
          : null;

  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>Key stores</h2>
      <p>
        Keys generated inside a hardware token (HSM, smart card, YubiKey, or SoftHSM2) through its PKCS#11 module. The key never
        leaves the token: it wraps each file's data key there.
      </p>
      {stores && stores.length === 0 && <p>No key store yet.</p>}
      {stores && stores.length > 0 && (
        <ul aria-label="Key stores" className="key-store-list">
          {stores.map((store) => (
            <li key={store.keystore_id}>
              <strong>{store.keystore_alias}</strong>: token “{store.token_label}” ({store.token_model || 'PKCS#11'}, serial{' '}
              {store.token_serial}), {store.key_count} key(s), {PIN_STORAGE[store.pin_storage]}.{' '}
              <span className="hint">{store.pkcs11_module}</span>{' '}
              {store.pending_token_cleanup.length > 0 && <PendingCleanup store={store} busy={busy} onRetry={retryCleanup} />}
              {store.pin_storage === 'ask' && (
                <span>
                  <PasswordField
                    label={`PIN for ${store.keystore_alias}`}
                    value={sessionPins[store.keystore_id] ?? ''}
                    onChange={(value) => setSessionPins({ ...sessionPins, [store.keystore_id]: value })}
                    fresh={false}
                  />
                  <button type="button" disabled={busy || !sessionPins[store.keystore_id]} onClick={() => void givePin(store)}>
                    Use this PIN
                  </button>{' '}
                </span>
              )}
              <button
                type="button"
                className="secondary"
                disabled={busy}
                aria-label={`Change module of ${store.keystore_alias}`}
                onClick={() => void changeModule(store)}
              >
                Change module…
              </button>{' '}
              <button
                type="button"
                className="secondary"
                disabled={busy || store.key_count > 0}
                title={store.key_count > 0 ? 'Keys still use this store' : undefined}
                onClick={() => void remove(store)}
              >
                Remove {store.keystore_alias}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={create} aria-label="Add a key store">
        <label htmlFor={ids.module}>PKCS#11 module</label>
        <input id={ids.module} readOnly value={module?.path ?? ''} placeholder="/usr/lib/softhsm/libsofthsm2.so" />{' '}
        <button type="button" className="secondary" disabled={busy} onClick={() => void chooseModule()}>
          Choose module…
        </button>{' '}
        <button type="button" className="secondary" disabled={busy || !module} onClick={() => module && void findTokens(module)}>
          Find tokens
        </button>
        {tokens && tokens.length === 0 && <p role="status">The module sees no token: plug one in and try again.</p>}
        {tokens && tokens.length > 0 && (
          <fieldset>
            <legend id={ids.tokens}>Tokens found</legend>
            {tokens.map((token) => (
              <label key={`${token.label}/${token.serial}`}>
                <input
                  type="radio"
                  name="token"
                  checked={tokenLabel === token.label}
                  onChange={() => setTokenLabel(token.label)}
                />{' '}
                {token.label} ({token.manufacturer} {token.model}, serial {token.serial}){token.pinLocked ? ', PIN locked' : ''}
              </label>
            ))}
          </fieldset>
        )}
        <label htmlFor={ids.alias}>Key store name</label>
        <input id={ids.alias} value={alias} onChange={(e) => setAlias(e.target.value)} />
        <PasswordField label="Token PIN" value={pin} onChange={setPin} fresh={false} />
        <label>
          <input type="checkbox" checked={keepPin} onChange={(e) => setKeepPin(e.target.checked)} /> Keep the PIN (in the OS
          keychain, or sealed in the vault); otherwise Coffer asks once a session
        </label>
        <div className="text-actions">
          <button type="submit" disabled={busy || reason !== null}>
            {busy ? 'Checking the token…' : 'Add key store'}
          </button>
          {reason && <span className="hint">{reason}</span>}
        </div>
      </form>
      {notice && <p role="status">{notice}</p>}
      <ErrorMessage message={error} />
    </section>
  );
}
