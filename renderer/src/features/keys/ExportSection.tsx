import { useId, useState, type ReactNode } from 'react';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { call } from '../../bridge.js';
import { CopyButton, ErrorMessage } from '../../ui/controls.js';
import { STATE } from './key-format.js';
import { useAction } from './use-action.js';

/** The plain key material of an exportable key, shown only on request and hidden again on demand. */
export function ExportSection({ keyInfo }: { keyInfo: KeyInfo }): ReactNode {
  const ids = { heading: useId(), warning: useId() };
  const [material, setMaterial] = useState<{ version: number; text: string } | null>(null);
  const { busy, error, run } = useAction();
  const usable = keyInfo.key_state === STATE.enabled || keyInfo.key_state === STATE.disabled;

  async function show(): Promise<void> {
    const result = await run(() => call('keys:export-material', { key_id: keyInfo.key_id }));
    if (result) setMaterial({ version: result.key_version, text: result.key_material });
  }

  return (
    <section className="keys-section" aria-labelledby={ids.heading}>
      <h3 id={ids.heading}>Export key material</h3>
      {!keyInfo.exportable ? (
        <p className="hint">
          This key is not exportable: its material never leaves the vault. That was a permanent choice made when the key was
          created.
        </p>
      ) : !usable ? (
        <p className="hint">Key material can be exported only while the key is enabled or disabled.</p>
      ) : (
        <>
          <p className="keys-warning" id={ids.warning}>
            Anyone who gets this material can decrypt everything this key protects, without Coffer. Copy it only into a place as
            safe as this vault, never into email, chats or notes that sync.
          </p>
          {material ? (
            <>
              <label>
                Key material (Base64), version {material.version}
                <textarea className="keys-code" readOnly rows={2} value={material.text} />
              </label>
              <div className="keys-actions">
                <CopyButton text={material.text} label="Copy key material" />
                <button type="button" className="secondary" onClick={() => setMaterial(null)}>
                  Hide key material
                </button>
              </div>
            </>
          ) : (
            <div className="keys-actions">
              <button
                type="button"
                className="secondary"
                disabled={busy}
                aria-describedby={ids.warning}
                onClick={() => void show()}
              >
                Show key material
              </button>
            </div>
          )}
        </>
      )}
      <ErrorMessage message={error} />
    </section>
  );
}
