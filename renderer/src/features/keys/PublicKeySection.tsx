import { useEffect, useId, useState, type ReactNode } from 'react';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { call, messageOf } from '../../bridge.js';
import { CopyButton, ErrorMessage } from '../../ui/controls.js';

/** An asymmetric key's public key (get-publickey, PEM), to copy: what others verify signatures or encrypt with. */
export function PublicKeySection({ keyInfo }: { keyInfo: KeyInfo }): ReactNode {
  const ids = { heading: useId(), pem: useId() };
  const [pem, setPem] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const keyId = keyInfo.key_id;
  useEffect(() => {
    let live = true;
    setPem(null);
    setError(null);
    call('keys:get-public-key', { key_id: keyId }).then(
      (r) => live && setPem(r.public_key),
      (e: unknown) => live && setError(messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [keyId]);
  return (
    <section className="keys-section" aria-labelledby={ids.heading}>
      <h3 id={ids.heading}>Public key</h3>
      <p className="hint">
        {keyInfo.key_usage === 'SIGN_VERIFY'
          ? 'Anyone with this public key can check signatures made with this key. The private key never leaves the vault.'
          : 'Anyone with this public key can encrypt for this key. The private key never leaves the vault.'}
      </p>
      {pem !== null && (
        <>
          <label htmlFor={ids.pem}>Public key (PEM)</label>
          <textarea id={ids.pem} className="keys-code" readOnly rows={6} value={pem} spellCheck={false} />
          <div className="keys-actions">
            <CopyButton text={pem} label="Copy public key" />
          </div>
        </>
      )}
      <ErrorMessage message={error} />
    </section>
  );
}
