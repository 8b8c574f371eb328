import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { InvokeRequest, KeyStoreView } from '../../../../shared/ipc-contract.js';
import { call, messageOf } from '../../bridge.js';
import { ErrorMessage } from '../../ui/controls.js';
import { Dialog } from '../../ui/Dialog.js';
import { isAsymmetricSpec, KEY_SPECS, type KeySpec, type KeyUsage } from '../../../../shared/key-specs.js';
import { aliasProblem, keyNameProblem, LIMITS, SPEC_LABELS, tagsOf, tagsProblem, usagesFor, type TagRow } from './key-format.js';

/** The create-key form, in a dialog. Calls onCreated with the new key's id once the KMS accepts it. */
export function CreateKeyDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (keyId: string, alias: string) => Promise<void>;
}): ReactNode {
  const ids = {
    alias: useId(),
    aliasHelp: useId(),
    aliasError: useId(),
    exportHelp: useId(),
    originHelp: useId(),
    storeHelp: useId(),
    spec: useId(),
    usage: useId(),
    typeHelp: useId(),
    namesHelp: useId(),
    namesError: useId(),
  };
  const [alias, setAlias] = useState('');
  const [description, setDescription] = useState('');
  const [origin, setOrigin] = useState<'kms' | 'external'>('kms');
  const [exportable, setExportable] = useState(false);
  const [tags, setTags] = useState<TagRow[]>([]);
  const [spec, setSpec] = useState<KeySpec>('AES_256');
  const [usage, setUsage] = useState<KeyUsage>('ENCRYPT_DECRYPT');
  // Another tool's namespace and key name: only for imported AES and RSA encryption keys (raw keyrings' names).
  const [foreignNames, setForeignNames] = useState(false);
  const [namespace, setNamespace] = useState('');
  const [keyName, setKeyName] = useState('');
  // Where the key is kept: the vault (null) or a key store's token. The choice appears only when stores exist.
  const [stores, setStores] = useState<KeyStoreView[]>([]);
  const [storeId, setStoreId] = useState<string | null>(null);
  useEffect(() => {
    call('keystores:list', {}).then(
      ({ keystores }) => setStores(keystores),
      () => setStores([]),
    );
  }, []);
  const inToken = storeId !== null;
  const asymmetric = isAsymmetricSpec(spec);
  const usages = usagesFor(spec);
  // AES keys as the raw AES keyring names them; RSA encryption keys as the raw RSA keyring does.
  const rawKeyringKey = spec === 'AES_256' || (spec.startsWith('RSA_') && usage === 'ENCRYPT_DECRYPT');
  const namesShown = !inToken && origin === 'external' && rawKeyringKey;
  const namesError = namesShown && foreignNames ? keyNameProblem(namespace, keyName) : null;

  function chooseSpec(next: KeySpec): void {
    setSpec(next);
    // Keep the usage when the new spec allows it; else its only (or first) usage.
    const allowed = usagesFor(next);
    if (!allowed.includes(usage)) setUsage(allowed[0]!);
  }
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nextTag = useRef(1);
  const aliasRef = useRef<HTMLInputElement>(null);
  const tagKeyRefs = useRef(new Map<number, HTMLInputElement>());

  const aliasError = alias.length > 0 || submitted ? aliasProblem(alias) : null;
  const tagError = tagsProblem(tags);
  const descriptionError =
    [...description].length > LIMITS.descriptionMax
      ? `The description is too long: at most ${LIMITS.descriptionMax} characters.`
      : null;

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setSubmitted(true);
    if (aliasProblem(alias)) {
      aliasRef.current?.focus();
      return;
    }
    if (tagError || descriptionError || namesError) return;
    // A token key is generated inside the token and never leaves it: made by Coffer, not exportable.
    const request: InvokeRequest<'keys:create'> = inToken
      ? { key_alias: alias, origin: 'kms', exportable: false, keystore_id: storeId }
      : { key_alias: alias, origin, exportable };
    if (!inToken && spec !== 'AES_256') {
      request.key_spec = spec;
      request.key_usage = usage;
    }
    if (namesShown && foreignNames) {
      request.key_namespace = namespace;
      request.key_name = keyName;
    }
    if (description !== '') request.key_description = description;
    const tagMap = tagsOf(tags);
    if (Object.keys(tagMap).length > 0) request.tags = tagMap;
    setBusy(true);
    setError(null);
    try {
      const created = await call('keys:create', request);
      await onCreated(created.key_info.key_id, alias);
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  }

  function addTag(): void {
    const id = nextTag.current++;
    setTags((rows) => [...rows, { id, key: '', value: '' }]);
    // Focus the new row's key field once it exists.
    setTimeout(() => tagKeyRefs.current.get(id)?.focus(), 0);
  }

  function updateTag(id: number, field: 'key' | 'value', text: string): void {
    setTags((rows) => rows.map((row) => (row.id === id ? { ...row, [field]: text } : row)));
  }

  return (
    <Dialog title="Create a key" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label htmlFor={ids.alias}>Alias</label>
        <input
          id={ids.alias}
          ref={aliasRef}
          data-autofocus
          value={alias}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={aliasError !== null}
          aria-describedby={aliasError ? `${ids.aliasError} ${ids.aliasHelp}` : ids.aliasHelp}
          onChange={(e) => setAlias(e.target.value)}
        />
        <p className="hint" id={ids.aliasHelp}>
          The name you will pick the key by, such as <code>photos</code> or <code>work/contracts</code>: 1 to 255 letters, digits,
          &apos;:&apos;, &apos;/&apos;, &apos;_&apos; or &apos;-&apos;, not ending in &quot;/default&quot;.
        </p>
        {aliasError && (
          <p className="error" id={ids.aliasError}>
            {aliasError}
          </p>
        )}

        <label>
          Description
          <input
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            aria-invalid={descriptionError !== null}
            placeholder="Optional: what this key protects"
          />
        </label>
        {descriptionError && <p className="error">{descriptionError}</p>}

        {stores.length > 0 && (
          <fieldset aria-describedby={ids.storeHelp}>
            <legend>Where the key is kept</legend>
            <label>
              <input type="radio" name="store" checked={storeId === null} onChange={() => setStoreId(null)} />
              This vault
            </label>
            {stores.map((store) => (
              <label key={store.keystore_id}>
                <input
                  type="radio"
                  name="store"
                  checked={storeId === store.keystore_id}
                  onChange={() => setStoreId(store.keystore_id)}
                />
                Key store {store.keystore_alias} (token {store.token_label})
              </label>
            ))}
            <p className="hint" id={ids.storeHelp}>
              {inToken
                ? 'The key is generated inside the token and never leaves it: the vault keeps only a reference. The token must be plugged in whenever the key is used.'
                : 'The key material is kept in the vault, encrypted under its master key.'}
            </p>
          </fieldset>
        )}

        <fieldset aria-describedby={ids.typeHelp}>
          <legend>Key type</legend>
          <label htmlFor={ids.spec}>Key spec</label>
          <select
            id={ids.spec}
            value={inToken ? 'AES_256' : spec}
            disabled={inToken}
            onChange={(e) => chooseSpec(e.target.value as KeySpec)}
          >
            {KEY_SPECS.map((s) => (
              <option key={s} value={s}>
                {SPEC_LABELS[s]}
              </option>
            ))}
          </select>
          <label htmlFor={ids.usage}>Key usage</label>
          <select
            id={ids.usage}
            value={inToken ? 'ENCRYPT_DECRYPT' : usage}
            disabled={inToken || usages.length === 1}
            onChange={(e) => setUsage(e.target.value as KeyUsage)}
          >
            {usages.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
          <p className="hint" id={ids.typeHelp}>
            {inToken
              ? 'Keys in a key store are AES_256 keys.'
              : spec === 'AES_256'
                ? 'AES_256 (ENCRYPT_DECRYPT): encrypts files, text and data keys. Most keys are this.'
                : spec.startsWith('EC_')
                  ? `${spec}: an elliptic-curve key pair that signs and checks signatures (SIGN_VERIFY only). It does not rotate.`
                  : usage === 'SIGN_VERIFY'
                    ? `${spec} SIGN_VERIFY: an RSA key pair that signs and checks signatures. It does not rotate.`
                    : `${spec} ENCRYPT_DECRYPT: an RSA key pair; its public key encrypts small data (RSAES_OAEP_SHA_256) and lets others encrypt files for you. It does not rotate.`}
          </p>
        </fieldset>

        <fieldset aria-describedby={ids.originHelp}>
          <legend>Key material</legend>
          <label>
            <input
              type="radio"
              name="origin"
              checked={inToken || origin === 'kms'}
              disabled={inToken}
              onChange={() => setOrigin('kms')}
            />
            Made by Coffer (recommended)
          </label>
          <label>
            <input
              type="radio"
              name="origin"
              checked={!inToken && origin === 'external'}
              disabled={inToken}
              onChange={() => setOrigin('external')}
            />
            Imported: I will bring my own key material
          </label>
          <p className="hint" id={ids.originHelp}>
            {origin === 'kms'
              ? 'Coffer generates the key material inside the vault; the key is ready at once and can be rotated.'
              : asymmetric
                ? 'The key waits in the "Pending import" state until you import your wrapped private key. Imported keys cannot be rotated.'
                : 'The key waits in the "Pending import" state until you import your wrapped key material. Imported keys cannot be rotated.'}
          </p>
          {namesShown && (
            <div className="keys-checkbox">
              <label>
                <input
                  type="checkbox"
                  checked={foreignNames}
                  onChange={(e) => setForeignNames(e.target.checked)}
                  aria-describedby={ids.namesHelp}
                />
                Another tool&apos;s key: use its key namespace and key name
              </label>
              <p className="hint" id={ids.namesHelp}>
                For a key you also use with an AWS Encryption SDK raw AES or raw RSA keyring: files that name this namespace and
                key name open with it, and files Coffer encrypts under an AES key name it so, for that tool to open.
              </p>
              {foreignNames && (
                <>
                  <label>
                    Key namespace
                    <input
                      value={namespace}
                      autoComplete="off"
                      spellCheck={false}
                      aria-invalid={namesError !== null}
                      aria-describedby={namesError ? ids.namesError : undefined}
                      onChange={(e) => setNamespace(e.target.value)}
                    />
                  </label>
                  <label>
                    Key name
                    <input
                      value={keyName}
                      autoComplete="off"
                      spellCheck={false}
                      aria-invalid={namesError !== null}
                      aria-describedby={namesError ? ids.namesError : undefined}
                      onChange={(e) => setKeyName(e.target.value)}
                    />
                  </label>
                  {namesError && (submitted || namespace !== '' || keyName !== '') && (
                    <p className="error" id={ids.namesError}>
                      {namesError}
                    </p>
                  )}
                </>
              )}
            </div>
          )}
        </fieldset>

        <div className="keys-checkbox">
          <label>
            <input
              type="checkbox"
              checked={!inToken && exportable}
              disabled={inToken}
              onChange={(e) => setExportable(e.target.checked)}
              aria-describedby={ids.exportHelp}
            />
            Exportable
          </label>
          <p className="hint" id={ids.exportHelp}>
            <strong>A permanent choice:</strong> it cannot be changed once the key exists. An exportable key&apos;s material can
            be copied out of the vault (for instance to open your data elsewhere); a non-exportable key&apos;s material never
            leaves it. Leave it off unless you need that.
          </p>
        </div>

        <fieldset>
          <legend>Tags (optional)</legend>
          {tags.length === 0 && <p className="hint">No tags. Tags are labels such as project = taxes.</p>}
          {tags.map((row, index) => (
            <div className="keys-tag-row" key={row.id}>
              <label>
                Tag {index + 1} key
                <input
                  ref={(el) => {
                    if (el) tagKeyRefs.current.set(row.id, el);
                    else tagKeyRefs.current.delete(row.id);
                  }}
                  value={row.key}
                  maxLength={LIMITS.tagKeyMax}
                  onChange={(e) => updateTag(row.id, 'key', e.target.value)}
                />
              </label>
              <label>
                Tag {index + 1} value
                <input
                  value={row.value}
                  maxLength={LIMITS.tagValueMax}
                  onChange={(e) => updateTag(row.id, 'value', e.target.value)}
                />
              </label>
              <button
                type="button"
                className="secondary"
                aria-label={`Remove tag ${index + 1}`}
                onClick={() => setTags((rows) => rows.filter((r) => r.id !== row.id))}
              >
                Remove
              </button>
            </div>
          ))}
          <button type="button" className="secondary" onClick={addTag} disabled={tags.length >= LIMITS.maxTags}>
            Add tag
          </button>
          {tagError && <p className="error">{tagError}</p>}
        </fieldset>

        <ErrorMessage message={error} />
        <div className="keys-actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create key'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
