import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useContactsStore, loadContactsOnce } from '../../state/contacts-store.js';
import { useNavigationStore } from '../../state/navigation-store.js';
import { SearchSelect } from '../../ui/SearchSelect.js';
import type { ContextPair } from '../text/context.js';
import { newPair } from '../text/context.js';
import { newEncryptPair, useJobOptionsStore, type EncryptContextPair } from './job-options-store.js';

/** Contacts to encrypt for: a searchable list to add from, and the chosen ones, each removable. */
function Recipients(): ReactNode {
  const contacts = useContactsStore((s) => s.contacts);
  const loaded = useContactsStore((s) => s.loaded);
  const { recipients, withoutKey, set } = useJobOptionsStore();
  const go = useNavigationStore((s) => s.go);
  const listId = useId();
  const onlyId = useId();
  const picker = useRef<HTMLDivElement>(null);
  useEffect(loadContactsOnce, []);

  const options = contacts
    .filter((c) => !recipients.includes(c.name))
    .map((c) => ({ value: c.name, label: c.name, detail: c.fingerprint }));

  const remove = (name: string): void => {
    set({ recipients: recipients.filter((r) => r !== name) });
    // The button is gone with its row: focus goes back to where recipients are added.
    requestAnimationFrame(() => picker.current?.querySelector<HTMLInputElement>('input')?.focus());
  };

  return (
    <div className="job-recipients">
      {loaded && contacts.length === 0 ? (
        <p className="hint">
          To encrypt files for other people, add them on the Contacts screen first.{' '}
          <button type="button" className="secondary small" onClick={() => go('contacts')}>
            Open Contacts
          </button>
        </p>
      ) : (
        <div ref={picker}>
          <SearchSelect
            label="Also encrypt for (recipients)"
            options={options}
            value=""
            onChange={(name) => set({ recipients: [...recipients, name] })}
            placeholder={options.length === 0 ? 'Every contact is chosen' : 'Type to find a contact…'}
            disabled={options.length === 0}
            describedBy={listId}
          />
        </div>
      )}
      <div id={listId}>
        {recipients.length === 0 ? (
          loaded && contacts.length > 0 && <p className="hint">No recipients: only your keys open these files.</p>
        ) : (
          <ul className="recipient-list" aria-label="Recipients">
            {recipients.map((name) => (
              <li key={name} className="recipient" data-testid="recipient">
                <span>{name}</span>
                <button
                  type="button"
                  className="secondary small"
                  aria-label={`Remove recipient ${name}`}
                  onClick={() => remove(name)}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      {recipients.length > 0 && (
        <label className="checkbox-line" htmlFor={onlyId}>
          <input id={onlyId} type="checkbox" checked={withoutKey} onChange={(e) => set({ withoutKey: e.target.checked })} />
          Only the recipients can open them (no key of mine)
        </label>
      )}
    </div>
  );
}

/** Name/value rows; on the encrypt side each can be marked required (kept out of the header). */
function PairsEditor<P extends ContextPair>({
  legend,
  hint,
  pairs,
  onChange,
  create,
  required,
}: {
  legend: string;
  hint: string;
  pairs: readonly P[];
  onChange: (pairs: P[]) => void;
  create: () => P;
  required?: { get: (pair: P) => boolean; with: (pair: P, value: boolean) => P };
}): ReactNode {
  const [focusId, setFocusId] = useState<number | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const nameFields = useRef(new Map<number, HTMLInputElement>());
  useEffect(() => {
    if (focusId === null) return;
    nameFields.current.get(focusId)?.focus();
    setFocusId(null);
  }, [focusId]);
  const change = (id: number, update: (pair: P) => P): void => onChange(pairs.map((p) => (p.id === id ? update(p) : p)));

  return (
    <fieldset className="job-context">
      <legend>{legend}</legend>
      <p className="hint">{hint}</p>
      {pairs.length > 0 && (
        <ul className="job-context-rows">
          {pairs.map((pair, index) => (
            <li key={pair.id} className="job-context-row">
              <label>
                {legend}: name {index + 1}
                <input
                  type="text"
                  spellCheck={false}
                  value={pair.name}
                  ref={(el) => {
                    if (el) nameFields.current.set(pair.id, el);
                    else nameFields.current.delete(pair.id);
                  }}
                  onChange={(e) => change(pair.id, (p) => ({ ...p, name: e.target.value }))}
                />
              </label>
              <label>
                {legend}: value {index + 1}
                <input
                  type="text"
                  spellCheck={false}
                  value={pair.value}
                  onChange={(e) => change(pair.id, (p) => ({ ...p, value: e.target.value }))}
                />
              </label>
              {required && (
                <label className="checkbox-line">
                  <input
                    type="checkbox"
                    checked={required.get(pair)}
                    onChange={(e) => change(pair.id, (p) => required.with(p, e.target.checked))}
                  />
                  Required {index + 1}: kept out of the file
                </label>
              )}
              <button
                type="button"
                className="secondary small"
                aria-label={`Remove pair ${index + 1} of ${legend.toLowerCase()}`}
                onClick={() => {
                  onChange(pairs.filter((p) => p.id !== pair.id));
                  addButton.current?.focus();
                }}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <button
        type="button"
        className="secondary small"
        ref={addButton}
        onClick={() => {
          const pair = create();
          onChange([...pairs, pair]);
          setFocusId(pair.id);
        }}
      >
        Add a pair
      </button>
    </fieldset>
  );
}

/**
 * Who else the files are for, and the options the CLI has: signed files, an encryption context
 * with pairs kept out of the header (encrypting), legacy files and pairs given back (decrypting).
 */
export function JobOptions({ encrypting, reading }: { encrypting: boolean; reading: boolean }): ReactNode {
  const { signed, encryptPairs, allowLegacy, readPairs, set } = useJobOptionsStore();
  const signedId = useId();
  const legacyId = useId();
  if (!encrypting && !reading) return null;
  // Options stay chosen for the next files, so the closed summary says which are on.
  const chosen = [
    encrypting && signed ? 'signed' : '',
    encrypting && encryptPairs.length > 0 ? `${encryptPairs.length} context ${encryptPairs.length === 1 ? 'pair' : 'pairs'}` : '',
    reading && allowLegacy ? 'legacy files allowed' : '',
    reading && readPairs.length > 0 ? `${readPairs.length} ${readPairs.length === 1 ? 'pair' : 'pairs'} to give back` : '',
  ].filter(Boolean);
  return (
    <div className="job-options">
      {encrypting && <Recipients />}
      <details className="job-more">
        <summary>More options{chosen.length > 0 ? ` (${chosen.join(', ')})` : ''}</summary>
        {encrypting && (
          <div className="job-more-group">
            <h3>When encrypting</h3>
            <label className="checkbox-line" htmlFor={signedId}>
              <input id={signedId} type="checkbox" checked={signed} onChange={(e) => set({ signed: e.target.checked })} />
              Sign the files (ECDSA P-384, suite 0x0578): they prove they were not changed after they were written
            </label>
            <PairsEditor<EncryptContextPair>
              legend="Encryption context"
              hint="Name/value pairs bound to each file. A required pair is not written in the file: it must be given back to decrypt."
              pairs={encryptPairs}
              onChange={(pairs) => set({ encryptPairs: pairs })}
              create={newEncryptPair}
              required={{ get: (p) => p.required, with: (p, required) => ({ ...p, required }) }}
            />
          </div>
        )}
        {reading && (
          <div className="job-more-group">
            <h3>When decrypting or verifying</h3>
            <label className="checkbox-line" htmlFor={legacyId}>
              <input
                id={legacyId}
                type="checkbox"
                checked={allowLegacy}
                onChange={(e) => set({ allowLegacy: e.target.checked })}
              />
              Also open legacy files (AWS Encryption SDK 1.x, message format 1)
            </label>
            <PairsEditor<ContextPair>
              legend="Context to give back"
              hint="The required pairs the sender kept out of the files. Files that need them do not open without them."
              pairs={readPairs}
              onChange={(pairs) => set({ readPairs: pairs })}
              create={() => newPair()}
            />
          </div>
        )}
      </details>
    </div>
  );
}
