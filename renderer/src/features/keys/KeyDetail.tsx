import { useEffect, useId, useState, type FormEvent, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { call } from '../../bridge.js';
import { ErrorMessage } from '../../ui/controls.js';
import { isSharingKey, MyPublicKeySection } from '../contacts/MyPublicKey.js';
import { formatDate } from '../../ui/format.js';
import { ExportSection } from './ExportSection.js';
import { ImportSection } from './ImportSection.js';
import { aliasProblem, ASYMMETRIC_ROTATION_NOTE, LIMITS, STATE, stateName } from './key-format.js';
import { PublicKeySection } from './PublicKeySection.js';
import { RotationSection } from './RotationSection.js';
import { useAction } from './use-action.js';
import { storedIn, useKeyStoreNames } from './use-key-store-names.js';

/**
 * Everything about one key and every change to it. Each change goes through the bridge, then
 * `onChanged` reloads the list (the selection stays) and announces what happened.
 */
export function KeyDetail({
  keyInfo,
  headingRef,
  onChanged,
  onClose,
  onDelete,
}: {
  keyInfo: KeyInfo;
  headingRef: RefObject<HTMLHeadingElement | null>;
  onChanged: (message: string) => Promise<void>;
  onClose: () => void;
  onDelete: () => void;
}): ReactNode {
  // Opening a key moves focus to its heading, so keyboard users land in the details.
  useEffect(() => {
    headingRef.current?.focus();
  }, [headingRef]);

  function onKeyDown(event: KeyboardEvent<HTMLElement>): void {
    if (event.key === 'Escape' && !event.defaultPrevented) {
      event.preventDefault();
      onClose();
    }
  }

  const storeNames = useKeyStoreNames();
  const pendingDeletion = keyInfo.key_state === STATE.pendingDeletion;
  const pendingImport = keyInfo.key_state === STATE.pendingImport;
  const asymmetric = keyInfo.key_spec !== 'AES_256';

  return (
    <section className="keys-detail card" aria-label="Key details" onKeyDown={onKeyDown}>
      <div className="keys-detail-head">
        <h2 ref={headingRef} tabIndex={-1}>
          {keyInfo.key_alias}
        </h2>
        <button type="button" className="secondary" onClick={onClose}>
          Close details
        </button>
      </div>
      <dl className="keys-facts">
        <dt>State</dt>
        <dd>
          <span className={`keys-badge state-${keyInfo.key_state}`}>{stateName(keyInfo)}</span>
        </dd>
        {pendingDeletion && (
          <>
            <dt>Deletion date</dt>
            <dd>{formatDate(keyInfo.scheduled_deletion_date)}</dd>
          </>
        )}
        <dt>Key ID</dt>
        <dd>
          <code>{keyInfo.key_id}</code>
        </dd>
        <dt>Key spec</dt>
        <dd>{keyInfo.key_spec}</dd>
        <dt>Key usage</dt>
        <dd>{keyInfo.key_usage}</dd>
        <dt>Key namespace</dt>
        <dd>
          <code>{keyInfo.key_namespace}</code>
        </dd>
        <dt>Key name</dt>
        <dd>
          {keyInfo.key_name ? <code className="keys-break">{keyInfo.key_name}</code> : 'None until the material is imported'}
        </dd>
        <dt>Key material</dt>
        <dd>{keyInfo.origin === 'external' ? 'Imported' : 'Made by Coffer'}</dd>
        <dt>Stored in</dt>
        <dd>{storedIn(keyInfo.keystore_id, storeNames)}</dd>
        <dt>Exportable</dt>
        <dd>{keyInfo.exportable ? 'Yes' : 'No'}</dd>
        <dt>Created</dt>
        <dd>{formatDate(keyInfo.creation_date)}</dd>
        <dt>Tags</dt>
        <dd>
          {Object.keys(keyInfo.tags).length === 0
            ? 'None'
            : Object.entries(keyInfo.tags)
                .map(([k, v]) => `${k} = ${v}`)
                .join(', ')}
        </dd>
      </dl>

      <NamesSection keyInfo={keyInfo} onChanged={onChanged} />
      {!pendingDeletion && !pendingImport && <StateSection keyInfo={keyInfo} onChanged={onChanged} />}
      {asymmetric && !pendingImport && <PublicKeySection keyInfo={keyInfo} />}
      {asymmetric ? (
        <section className="keys-section" aria-label="Rotation">
          <h3>Rotation</h3>
          <p className="hint">{ASYMMETRIC_ROTATION_NOTE}</p>
        </section>
      ) : (
        keyInfo.origin === 'kms' && <RotationSection keyInfo={keyInfo} onChanged={onChanged} />
      )}
      {keyInfo.origin === 'external' && pendingImport && (
        <ImportSection
          keyInfo={keyInfo}
          onImported={async (message) => {
            await onChanged(message);
            headingRef.current?.focus();
          }}
        />
      )}
      {isSharingKey(keyInfo) && <MyPublicKeySection keyInfo={keyInfo} />}
      <ExportSection keyInfo={keyInfo} />
      <DeletionSection keyInfo={keyInfo} onChanged={onChanged} onDelete={onDelete} />
    </section>
  );
}

function NamesSection({ keyInfo, onChanged }: { keyInfo: KeyInfo; onChanged: (message: string) => Promise<void> }): ReactNode {
  const ids = { heading: useId(), alias: useId(), aliasError: useId(), description: useId() };
  const [alias, setAlias] = useState(keyInfo.key_alias);
  const [description, setDescription] = useState(keyInfo.key_description);
  const aliasAction = useAction();
  const descriptionAction = useAction();
  const locked = keyInfo.key_state === STATE.pendingDeletion;
  const aliasError = alias === keyInfo.key_alias ? null : aliasProblem(alias);
  const descriptionTooLong = [...description].length > LIMITS.descriptionMax;

  async function saveAlias(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (aliasError || alias === keyInfo.key_alias || aliasAction.busy) return;
    await aliasAction.run(async () => {
      await call('keys:update-alias', { key_id: keyInfo.key_id, key_alias: alias });
      await onChanged(`Alias changed to "${alias}".`);
    });
  }

  async function saveDescription(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (descriptionTooLong || description === keyInfo.key_description || descriptionAction.busy) return;
    await descriptionAction.run(async () => {
      await call('keys:update-description', { key_id: keyInfo.key_id, key_description: description });
      await onChanged('Description saved.');
    });
  }

  return (
    <section className="keys-section" aria-labelledby={ids.heading}>
      <h3 id={ids.heading}>Alias and description</h3>
      {locked && <p className="hint">Cancel the deletion to change the alias or description.</p>}
      <form onSubmit={(e) => void saveAlias(e)} noValidate className="keys-inline-form">
        <label htmlFor={ids.alias}>Key alias</label>
        <div className="keys-inline">
          <input
            id={ids.alias}
            value={alias}
            disabled={locked}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={aliasError !== null}
            aria-describedby={aliasError ? ids.aliasError : undefined}
            onChange={(e) => setAlias(e.target.value)}
          />
          <button type="submit" disabled={locked || aliasAction.busy || aliasError !== null || alias === keyInfo.key_alias}>
            Save alias
          </button>
        </div>
        {aliasError && (
          <p className="error" id={ids.aliasError}>
            {aliasError}
          </p>
        )}
        <ErrorMessage message={aliasAction.error} />
      </form>
      <form onSubmit={(e) => void saveDescription(e)} noValidate className="keys-inline-form">
        <label htmlFor={ids.description}>Key description</label>
        <div className="keys-inline">
          <input
            id={ids.description}
            value={description}
            disabled={locked}
            aria-invalid={descriptionTooLong}
            onChange={(e) => setDescription(e.target.value)}
          />
          <button
            type="submit"
            disabled={locked || descriptionAction.busy || descriptionTooLong || description === keyInfo.key_description}
          >
            Save description
          </button>
        </div>
        {descriptionTooLong && <p className="error">The description is too long: at most {LIMITS.descriptionMax} characters.</p>}
        <ErrorMessage message={descriptionAction.error} />
      </form>
    </section>
  );
}

function StateSection({ keyInfo, onChanged }: { keyInfo: KeyInfo; onChanged: (message: string) => Promise<void> }): ReactNode {
  const headingId = useId();
  const { busy, error, run } = useAction();
  const enabled = keyInfo.key_state === STATE.enabled;

  async function toggle(): Promise<void> {
    await run(async () => {
      if (enabled) {
        await call('keys:disable', { key_id: keyInfo.key_id });
        await onChanged(
          `Key "${keyInfo.key_alias}" is disabled: nothing can be encrypted or decrypted with it until you enable it.`,
        );
      } else {
        await call('keys:enable', { key_id: keyInfo.key_id });
        await onChanged(`Key "${keyInfo.key_alias}" is enabled.`);
      }
    });
  }

  return (
    <section className="keys-section" aria-labelledby={headingId}>
      <h3 id={headingId}>Use</h3>
      <p className="hint">
        {enabled
          ? 'Enabled: the key encrypts and decrypts. Disable it to stop all use without losing anything.'
          : 'Disabled: files and data under this key cannot be opened until you enable it again. Nothing is lost.'}
      </p>
      <div className="keys-actions">
        {/* One button whose label follows the state, so focus stays on it after the change. */}
        <button type="button" className="secondary" disabled={busy} onClick={() => void toggle()}>
          {enabled ? 'Disable key' : 'Enable key'}
        </button>
      </div>
      <ErrorMessage message={error} />
    </section>
  );
}

function DeletionSection({
  keyInfo,
  onChanged,
  onDelete,
}: {
  keyInfo: KeyInfo;
  onChanged: (message: string) => Promise<void>;
  onDelete: () => void;
}): ReactNode {
  const headingId = useId();
  const { busy, error, run } = useAction();
  const pending = keyInfo.key_state === STATE.pendingDeletion;

  async function cancelDeletion(): Promise<void> {
    await run(async () => {
      const result = await call('keys:cancel-deletion', { key_id: keyInfo.key_id });
      await onChanged(
        result.key_state === STATE.pendingImport
          ? `Deletion cancelled: key "${keyInfo.key_alias}" is back, waiting for its key material.`
          : `Deletion cancelled: key "${keyInfo.key_alias}" is back, disabled. Enable it to use it again.`,
      );
    });
  }

  return (
    <section className="keys-section keys-danger-zone" aria-labelledby={headingId}>
      <h3 id={headingId}>Deletion</h3>
      {pending ? (
        <p className="keys-warning">
          This key will be destroyed for good on <strong>{formatDate(keyInfo.scheduled_deletion_date)}</strong>. Data encrypted
          only under it will then be lost. Until that date you can cancel the deletion.
        </p>
      ) : (
        <p className="hint">Deleting a key destroys it after a waiting period of 7 to 1096 days; you can cancel until then.</p>
      )}
      <div className="keys-actions">
        {/* One button in one place, so focus stays on it when the state flips. */}
        <button
          type="button"
          className={pending ? 'secondary' : 'danger'}
          disabled={busy}
          onClick={pending ? () => void cancelDeletion() : onDelete}
        >
          {pending ? 'Cancel deletion' : 'Delete key…'}
        </button>
      </div>
      <ErrorMessage message={error} />
    </section>
  );
}
