import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode, type RefObject } from 'react';
import type { ContactView, PublicKeyFileView } from '../../../../shared/ipc-contract.js';
import { call } from '../../bridge.js';
import { useContactsStore } from '../../state/contacts-store.js';
import { EmptyState, ErrorMessage } from '../../ui/controls.js';
import { Dialog } from '../../ui/Dialog.js';
import { Fingerprint } from '../../ui/Fingerprint.js';
import { formatDate } from '../../ui/format.js';
import { useAction } from '../keys/use-action.js';
import { ShareMyPublicKey } from './MyPublicKey.js';
import './contacts.css';

/** The rule the core applies to a contact's name (contact-operations.ts), said before it refuses. */
const CONTACT_NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._@+-]{0,63}$/u;
export const NAME_RULE = "1 to 64 letters, digits, spaces, '.', '_', '@', '+' or '-', starting with a letter or digit.";

/** Add a contact from their public key file: chosen through main's open dialog, or its text pasted. */
function AddContact({ onAdded }: { onAdded: (contact: ContactView) => void }): ReactNode {
  const ids = { heading: useId(), name: useId(), nameHelp: useId(), text: useId(), chosen: useId() };
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const [chosen, setChosen] = useState<PublicKeyFileView | null>(null);
  const choosing = useAction();
  const adding = useAction();
  const nameProblem = name !== '' && !CONTACT_NAME.test(name) ? `The name must be ${NAME_RULE}` : null;
  const missing = name === '' ? 'Give their name.' : text.trim() === '' ? 'Choose or paste their public key file.' : null;

  async function chooseFile(): Promise<void> {
    const answer = await choosing.run(() => call('contacts:open-key-file', {}));
    if (!answer?.file) return;
    setChosen(answer.file);
    setText(answer.file.text);
    adding.setError(null);
  }

  async function add(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (missing || nameProblem || adding.busy) return;
    const answer = await adding.run(() => call('contacts:add', { name, public_key_file: text }));
    if (!answer) return;
    setName('');
    setText('');
    setChosen(null);
    onAdded(answer.contact);
  }

  return (
    <section className="card" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Add a contact</h2>
      <p className="hint">
        Ask them for their public key file (Share my public key, or coffer get-publickey --out). Then compare its fingerprint with
        the one they see, over the phone or in person.
      </p>
      <form onSubmit={(e) => void add(e)} noValidate className="contacts-add">
        <label htmlFor={ids.name}>Their name</label>
        <input
          id={ids.name}
          value={name}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={nameProblem !== null}
          aria-describedby={ids.nameHelp}
          onChange={(e) => setName(e.target.value)}
        />
        <p id={ids.nameHelp} className={nameProblem ? 'error' : 'hint'}>
          {nameProblem ?? `The name you will choose them by on the Files screen: ${NAME_RULE}`}
        </p>
        <div className="keys-actions">
          <button type="button" className="secondary" disabled={choosing.busy} onClick={() => void chooseFile()}>
            Choose their public key file…
          </button>
        </div>
        <ErrorMessage message={choosing.error} />
        {chosen && chosen.text === text && (
          <p id={ids.chosen} className="hint" role="status">
            Read {chosen.file_name}: an {chosen.key_spec.replace('_', ' ')} key, fingerprint{' '}
            <Fingerprint value={chosen.fingerprint} />
          </p>
        )}
        <label htmlFor={ids.text}>Or paste the file&apos;s text</label>
        <textarea
          id={ids.text}
          className="text-mono"
          rows={5}
          spellCheck={false}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <ErrorMessage message={adding.error} />
        <div className="text-actions">
          <button type="submit" disabled={missing !== null || nameProblem !== null || adding.busy}>
            {adding.busy ? 'Adding…' : 'Add contact'}
          </button>
          {missing && <span className="hint">{missing}</span>}
        </div>
      </form>
    </section>
  );
}

function RemoveContactDialog({
  contact,
  onClose,
  onRemoved,
}: {
  contact: ContactView;
  onClose: () => void;
  onRemoved: () => Promise<void>;
}): ReactNode {
  const { busy, error, run } = useAction();
  return (
    <Dialog title={`Remove the contact "${contact.name}"?`} onClose={onClose} tone="danger">
      <p>
        Coffer will no longer encrypt files for {contact.name}. Files already encrypted for them stay readable by them. To encrypt
        for them again, you will need their public key file again.
      </p>
      <ErrorMessage message={error} />
      <div className="keys-actions">
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await call('contacts:remove', { name: contact.name });
              await onRemoved();
            })
          }
        >
          {busy ? 'Removing…' : 'Remove contact'}
        </button>
        <button type="button" className="secondary" data-autofocus onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

function ContactList({
  onRemove,
  headingRef,
}: {
  onRemove: (contact: ContactView) => void;
  headingRef: RefObject<HTMLHeadingElement | null>;
}): ReactNode {
  const headingId = useId();
  const { contacts, loaded, error } = useContactsStore();
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId} ref={headingRef} tabIndex={-1}>
        Your contacts
      </h2>
      <ErrorMessage message={error} />
      {!loaded ? (
        <p className="hint">Loading your contacts…</p>
      ) : contacts.length === 0 ? (
        <EmptyState title="No contacts yet">
          <p>Add someone from their public key file, and you can encrypt files for them on the Files screen.</p>
        </EmptyState>
      ) : (
        <div className="contacts-table-wrap">
          <table aria-labelledby={headingId}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Fingerprint</th>
                <th scope="col">Key</th>
                <th scope="col">Added</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {contacts.map((contact) => (
                <tr key={contact.name} data-testid="contact-row">
                  <th scope="row">{contact.name}</th>
                  <td>
                    <Fingerprint value={contact.fingerprint} />
                  </td>
                  <td className="nowrap">{contact.key_spec.replace('_', ' ')}</td>
                  <td className="nowrap">{formatDate(contact.added)}</td>
                  <td>
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={`Remove ${contact.name}…`}
                      onClick={() => onRemove(contact)}
                    >
                      Remove…
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The people files can be encrypted for, adding and removing them, and sharing my own public key. */
export function ContactsScreen(): ReactNode {
  const [removing, setRemoving] = useState<ContactView | null>(null);
  const [notice, setNotice] = useState('');
  // After a removal the row and its button are gone: focus goes to the list's heading.
  const listHeadingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    void useContactsStore.getState().load();
  }, []);

  return (
    <div className="contacts-screen">
      <h1>Contacts</h1>
      <p className="hint">People you can encrypt files for: only their own Coffer opens what you encrypt for them.</p>
      <p className="ok" role="status">
        {notice}
      </p>
      <ShareMyPublicKey />
      <ContactList onRemove={setRemoving} headingRef={listHeadingRef} />
      <AddContact
        onAdded={(contact) => {
          setNotice(`Added ${contact.name}, fingerprint ${contact.fingerprint}.`);
          void useContactsStore.getState().load();
        }}
      />
      {removing && (
        <RemoveContactDialog
          contact={removing}
          onClose={() => setRemoving(null)}
          onRemoved={async () => {
            setNotice(`Removed ${removing.name}.`);
            setRemoving(null);
            await useContactsStore.getState().load();
            requestAnimationFrame(() => listHeadingRef.current?.focus());
          }}
        />
      )}
    </div>
  );
}
