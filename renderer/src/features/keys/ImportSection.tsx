import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { InvokeResponses } from '../../../../shared/ipc-contract.js';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { call } from '../../bridge.js';
import { CopyButton, ErrorMessage } from '../../ui/controls.js';
import { cleanBase64, formatDateTime, isBase64 } from './key-format.js';
import { useAction } from './use-action.js';

type ImportParameters = InvokeResponses['keys:import-parameters'];

/**
 * Bringing your own key material to a Pending-import key: get a wrapping public key and a token,
 * wrap the 32-byte key outside Coffer, paste the result back.
 */
export function ImportSection({
  keyInfo,
  onImported,
}: {
  keyInfo: KeyInfo;
  onImported: (message: string) => Promise<void>;
}): ReactNode {
  const ids = { heading: useId(), wrapped: useId(), wrappedError: useId(), privateKey: useId(), privateKeyHelp: useId() };
  // An asymmetric key's private key comes as Huawei's import-key-material takes it: a temporary AES key wrapped
  // by the import public key, and the PKCS#8 private key wrapped under it (RFC 5649).
  const asymmetric = keyInfo.key_spec !== 'AES_256';
  const [privateKey, setPrivateKey] = useState('');
  const [params, setParams] = useState<ImportParameters | null>(null);
  const [wrapped, setWrapped] = useState('');
  const [wrappedError, setWrappedError] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const expired = params !== null && Number(params.expiration_time) <= Date.now();

  async function getParameters(): Promise<void> {
    const result = await run(() => call('keys:import-parameters', { key_id: keyInfo.key_id }));
    if (result) setParams(result);
  }

  async function importMaterial(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!params || busy) return;
    const material = cleanBase64(wrapped);
    if (!isBase64(material)) {
      setWrappedError('This is not Base64 text: paste the wrapped key material exactly as your tool printed it.');
      return;
    }
    const wrappedPrivateKey = cleanBase64(privateKey);
    if (asymmetric && !isBase64(wrappedPrivateKey)) {
      setWrappedError('The wrapped private key is not Base64 text: paste it exactly as your tool printed it.');
      return;
    }
    setWrappedError(null);
    await run(async () => {
      await call('keys:import-material', {
        key_id: keyInfo.key_id,
        import_token: params.import_token,
        encrypted_key_material: material,
        ...(asymmetric ? { encrypted_privatekey: wrappedPrivateKey } : {}),
      });
      await onImported(
        asymmetric
          ? 'Private key imported: the key is enabled and ready to use.'
          : 'Key material imported: the key is enabled and ready to use.',
      );
    });
  }

  return (
    <section className="keys-section" aria-labelledby={ids.heading}>
      <h3 id={ids.heading}>Import key material</h3>
      {asymmetric ? (
        <p>
          This key has no key pair yet. Get the import parameters, then outside Coffer: wrap a new 256-bit temporary key with the
          public key below (RSAES_OAEP_SHA_256), and wrap your {keyInfo.key_spec} private key (PKCS#8 DER) under that temporary
          key with AES key wrap with padding (<code>openssl enc -id-aes256-wrap-pad</code>). Paste both here.
        </p>
      ) : (
        <p>
          This key has no material yet. Get the import parameters, wrap your 256-bit key with the public key below outside Coffer,
          then paste the wrapped result here.
        </p>
      )}
      <div className="keys-actions">
        <button type="button" disabled={busy} onClick={() => void getParameters()}>
          Get import parameters
        </button>
      </div>
      {params && (
        <div className="keys-import-params">
          <label>
            Wrapping public key (Base64)
            <textarea className="keys-code" readOnly rows={4} value={params.public_key} />
          </label>
          <CopyButton text={params.public_key} label="Copy public key" />
          <label>
            Import token
            <textarea className="keys-code" readOnly rows={3} value={params.import_token} />
          </label>
          <CopyButton text={params.import_token} label="Copy import token" />
          <p className={expired ? 'error' : 'hint'}>
            Wrapping algorithm: <code>{params.wrapping_algorithm}</code>.{' '}
            {expired
              ? `These parameters expired on ${formatDateTime(params.expiration_time)}: get new ones.`
              : `The public key and token expire on ${formatDateTime(params.expiration_time)}; after that, get new ones.`}
          </p>
        </div>
      )}
      <form onSubmit={(e) => void importMaterial(e)} noValidate>
        <label htmlFor={ids.wrapped}>{asymmetric ? 'Wrapped temporary key (Base64)' : 'Wrapped key material (Base64)'}</label>
        <textarea
          id={ids.wrapped}
          className="keys-code"
          rows={4}
          value={wrapped}
          spellCheck={false}
          disabled={!params}
          aria-invalid={wrappedError !== null}
          aria-describedby={wrappedError ? ids.wrappedError : undefined}
          onChange={(e) => setWrapped(e.target.value)}
        />
        {asymmetric && (
          <>
            <label htmlFor={ids.privateKey}>Wrapped private key (Base64)</label>
            <textarea
              id={ids.privateKey}
              className="keys-code"
              rows={4}
              value={privateKey}
              spellCheck={false}
              disabled={!params}
              aria-describedby={ids.privateKeyHelp}
              onChange={(e) => setPrivateKey(e.target.value)}
            />
            <p className="hint" id={ids.privateKeyHelp}>
              Huawei&apos;s encrypted_privatekey: the PKCS#8 private key wrapped under the temporary key.
            </p>
          </>
        )}
        {wrappedError && (
          <p className="error" id={ids.wrappedError}>
            {wrappedError}
          </p>
        )}
        <div className="keys-actions">
          <button
            type="submit"
            disabled={!params || expired || busy || wrapped.trim() === '' || (asymmetric && privateKey.trim() === '')}
          >
            {asymmetric ? 'Import private key' : 'Import key material'}
          </button>
        </div>
      </form>
      <ErrorMessage message={error} />
    </section>
  );
}
