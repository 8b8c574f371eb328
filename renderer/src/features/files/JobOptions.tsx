import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useContactsStore, loadContactsOnce } from '../../state/contacts-store.js';
import { useNavigationStore } from '../../state/navigation-store.js';
import { ContextPairsEditor, type PairLabels } from '../../ui/ContextPairsEditor.js';
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

/** The Files screen's pair labels name the group, since both groups can be open at once. */
function labelsFor(legend: string): PairLabels {
  return {
    name: (n) => `${legend}: name ${n}`,
    value: (n) => `${legend}: value ${n}`,
    remove: (n) => `Remove pair ${n} of ${legend.toLowerCase()}`,
    add: 'Add a pair',
  };
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
            <ContextPairsEditor<EncryptContextPair>
              legend="Encryption context"
              labels={labelsFor('Encryption context')}
              smallButtons
              hint="Name/value pairs bound to each file. A required pair is not written in the file: it must be given back to decrypt."
              pairs={encryptPairs}
              onChange={(pairs) => set({ encryptPairs: pairs })}
              create={newEncryptPair}
              required={{
                get: (p) => p.required,
                with: (p, required) => ({ ...p, required }),
                label: (n) => `Required ${n}: kept out of the file`,
              }}
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
            <ContextPairsEditor<ContextPair>
              legend="Context to give back"
              labels={labelsFor('Context to give back')}
              smallButtons
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
