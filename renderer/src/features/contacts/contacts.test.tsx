import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContactView } from '../../../../shared/ipc-contract.js';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { useContactsStore } from '../../state/contacts-store.js';
import { installFakeBridge, type FakeHandlers } from '../../test-support/fake-bridge.js';
import { fingerprintGroups } from '../../ui/Fingerprint.js';
import { KeysScreen } from '../keys/KeysScreen.js';
import { keyInfo, listOf, resetKeysStore } from '../keys/test-fixtures.js';
import { ContactsScreen } from './ContactsScreen.js';

afterEach(() => {
  cleanup();
  resetKeysStore();
  useContactsStore.setState({ contacts: [], loaded: false, error: null });
});

const ALICE_FP = 'SHA256:q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c';
const BOB_FP = 'SHA256:Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5';
const PUBLIC_KEY_TEXT = '{"format":"coffer-public-key","version":1,"fingerprint":"SHA256:..."}';

function contact(name: string, fingerprint: string): ContactView {
  return {
    name,
    fingerprint,
    key_spec: 'RSA_3072',
    key_namespace: 'coffer',
    key_name: 'k',
    added: String(Date.UTC(2026, 10, 2)),
  };
}

/** Contacts over a live list that contacts:add and contacts:remove change, as the vault does. */
function renderContacts(handlers: FakeHandlers = {}, keys: KeyInfo[] = []) {
  const contacts: ContactView[] = [contact('Alice', ALICE_FP)];
  const bridge = installFakeBridge({
    'keys:list': () => listOf(keys),
    'contacts:list': () => ({ contacts: [...contacts], total: contacts.length }),
    'contacts:add': ({ name }) => {
      const added = contact(name, BOB_FP);
      contacts.push(added);
      return { contact: added };
    },
    'contacts:remove': ({ name }) => {
      const index = contacts.findIndex((c) => c.name === name);
      const [removed] = contacts.splice(index, 1);
      return { contact: removed!, removed: true as const };
    },
    ...handlers,
  });
  const user = userEvent.setup();
  render(<ContactsScreen />);
  return { bridge, user, contacts };
}

function requestsOf(bridge: { calls: { channel: string; request: unknown }[] }, channel: string): unknown[] {
  return bridge.calls.filter((c) => c.channel === channel).map((c) => c.request);
}

const rsaKey = (over: Partial<KeyInfo> = {}) => keyInfo({ key_spec: 'RSA_3072', key_usage: 'ENCRYPT_DECRYPT', ...over });

describe('contacts', () => {
  it('lists each contact with the fingerprint in monospace groups of four that read back as the fingerprint exactly', async () => {
    renderContacts();
    const table = await screen.findByRole('table', { name: 'Your contacts' });
    const row = within(table).getAllByTestId('contact-row')[0]!;
    expect(within(row).getByRole('rowheader').textContent).toBe('Alice');
    const fingerprint = within(row).getByTestId('fingerprint');
    expect(fingerprint.tagName).toBe('CODE');
    expect(fingerprint.textContent).toBe(ALICE_FP);
    const groups = [...fingerprint.querySelectorAll('.fingerprint-group')].map((g) => g.textContent);
    expect(groups).toEqual(['SHA256:', ...fingerprintGroups(ALICE_FP).groups]);
    expect(groups.slice(1, -1).every((g) => g?.length === 4)).toBe(true);
    expect(within(row).getByText('RSA 3072')).toBeTruthy();
  });

  it('adds a contact from pasted text, then lists them and says their fingerprint', async () => {
    const { bridge, user } = renderContacts();
    await screen.findByRole('table', { name: 'Your contacts' });
    const add = screen.getByRole('button', { name: 'Add contact' });
    expect(add).toHaveProperty('disabled', true);
    await user.type(screen.getByLabelText('Their name'), 'Bob');
    expect(screen.getByText('Choose or paste their public key file.')).toBeTruthy();
    await user.click(screen.getByLabelText("Or paste the file's text"));
    await user.paste(PUBLIC_KEY_TEXT);
    await user.click(add);
    expect(requestsOf(bridge, 'contacts:add')).toEqual([{ name: 'Bob', public_key_file: PUBLIC_KEY_TEXT }]);
    expect(await screen.findByText(`Added Bob, fingerprint ${BOB_FP}.`)).toBeTruthy();
    const rows = screen.getAllByTestId('contact-row');
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['Alice', 'Bob']);
    expect((screen.getByLabelText('Their name') as HTMLInputElement).value).toBe('');
  });

  it("says what is wrong with a name before asking, and shows the vault's refusal of a damaged key in its words", async () => {
    const damaged = 'This is not a usable Coffer public key file: it is not JSON (it was cut short or altered).';
    const { user } = renderContacts({
      'contacts:add': () => {
        throw { code: 'COFFER.8004', message: damaged };
      },
    });
    await screen.findByRole('table', { name: 'Your contacts' });
    await user.type(screen.getByLabelText('Their name'), '-bob');
    expect(screen.getByLabelText('Their name').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/^The name must be 1 to 64 letters/)).toBeTruthy();
    await user.clear(screen.getByLabelText('Their name'));
    await user.type(screen.getByLabelText('Their name'), 'Bob');
    await user.click(screen.getByLabelText("Or paste the file's text"));
    await user.paste('{"format":"coffer-pub');
    await user.click(screen.getByRole('button', { name: 'Add contact' }));
    expect((await screen.findByRole('alert')).textContent).toBe(damaged);
    expect(screen.getAllByTestId('contact-row')).toHaveLength(1);
  });

  it("reads a public key file through main's dialog (no path from the page), shows what it holds, and names a damaged one", async () => {
    let answer: () => { file: { file_name: string; text: string; fingerprint: string; key_spec: string } | null } = () => ({
      file: { file_name: 'bob.coffer-public-key', text: PUBLIC_KEY_TEXT, fingerprint: BOB_FP, key_spec: 'RSA_3072' },
    });
    const { bridge, user } = renderContacts({ 'contacts:open-key-file': () => answer() });
    await screen.findByRole('table', { name: 'Your contacts' });
    await user.click(screen.getByRole('button', { name: 'Choose their public key file…' }));
    expect(requestsOf(bridge, 'contacts:open-key-file')).toEqual([{}]);
    expect(((await screen.findByLabelText("Or paste the file's text")) as HTMLTextAreaElement).value).toBe(PUBLIC_KEY_TEXT);
    expect(screen.getByText(/Read bob.coffer-public-key: an RSA 3072 key, fingerprint/).textContent).toContain(BOB_FP);

    answer = () => {
      throw {
        code: 'COFFER.8004',
        message: 'This is not a usable Coffer public key file: its fingerprint does not match its key.',
      };
    };
    await user.click(screen.getByRole('button', { name: 'Choose their public key file…' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/fingerprint does not match/);
  });

  it('removes a contact only once confirmed, and focus lands on the list', async () => {
    const { bridge, user } = renderContacts();
    await screen.findByRole('table', { name: 'Your contacts' });
    await user.click(screen.getByRole('button', { name: 'Remove Alice…' }));
    let dialog = screen.getByRole('alertdialog', { name: 'Remove the contact "Alice"?' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(requestsOf(bridge, 'contacts:remove')).toEqual([]);
    expect(screen.getAllByTestId('contact-row')).toHaveLength(1);

    await user.click(screen.getByRole('button', { name: 'Remove Alice…' }));
    dialog = screen.getByRole('alertdialog', { name: 'Remove the contact "Alice"?' });
    await user.click(within(dialog).getByRole('button', { name: 'Remove contact' }));
    expect(requestsOf(bridge, 'contacts:remove')).toEqual([{ name: 'Alice' }]);
    expect(await screen.findByText('No contacts yet')).toBeTruthy();
    expect(screen.getByText('Removed Alice.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Your contacts' })));
  });
});

describe('my public key', () => {
  const file = { key_id: '', fingerprint: ALICE_FP, text: '{"format":"coffer-public-key"}\n' };

  it('copies my public key and saves it where the save dialog says', async () => {
    const mine = rsaKey({ key_alias: 'me' });
    const { bridge, user } = renderContacts(
      {
        'keys:public-key-file': ({ key_id }) => ({ ...file, key_id }),
        'contacts:save-public-key-file': ({ key_id }) => ({
          key_id,
          fingerprint: ALICE_FP,
          path: '/home/me/me.coffer-public-key',
        }),
      },
      [keyInfo({ key_alias: 'files' }), mine],
    );
    const share = await screen.findByRole('region', { name: 'Share my public key' });
    expect((await within(share).findByTestId('fingerprint')).textContent).toBe(ALICE_FP);
    expect(requestsOf(bridge, 'keys:public-key-file')).toEqual([{ key_id: mine.key_id }]);
    await user.click(within(share).getByRole('button', { name: 'Copy my public key' }));
    expect(await navigator.clipboard.readText()).toBe(file.text);
    await user.click(within(share).getByRole('button', { name: 'Save to a file…' }));
    expect(requestsOf(bridge, 'contacts:save-public-key-file')).toEqual([{ key_id: mine.key_id }]);
    expect(await within(share).findByText('Saved to /home/me/me.coffer-public-key.')).toBeTruthy();
  });

  it('offers to create an RSA encryption key when I have none, then shares it', async () => {
    const keys = [keyInfo({ key_alias: 'files' }), rsaKey({ key_alias: 'signing', key_usage: 'SIGN_VERIFY' })];
    const { bridge, user } = renderContacts(
      {
        'keys:create': (request) => {
          keys.push(rsaKey({ key_alias: request.key_alias }));
          return { key_info: { key_id: keys.at(-1)!.key_id, domain_id: 'local' } };
        },
        'keys:public-key-file': ({ key_id }) => ({ ...file, key_id }),
      },
      keys,
    );
    const share = await screen.findByRole('region', { name: 'Share my public key' });
    expect(await within(share).findByText(/You have no RSA encryption key yet/)).toBeTruthy();
    await user.clear(within(share).getByLabelText('Alias for the new key'));
    await user.type(within(share).getByLabelText('Alias for the new key'), 'me');
    await user.click(within(share).getByRole('button', { name: 'Create my encryption key' }));
    expect(requestsOf(bridge, 'keys:create')).toEqual([
      { key_alias: 'me', key_spec: 'RSA_3072', key_usage: 'ENCRYPT_DECRYPT', key_description: 'Files others encrypt for me' },
    ]);
    expect((await within(share).findByTestId('fingerprint')).textContent).toBe(ALICE_FP);
  });

  it("is on an RSA encryption key's details on the Keys screen, and not on a symmetric key's", async () => {
    const mine = rsaKey({ key_alias: 'me' });
    const keys = [mine, keyInfo({ key_alias: 'files' })];
    const bridge = installFakeBridge({
      'keys:list': () => listOf(keys),
      'keys:public-key-file': ({ key_id }) => ({ ...file, key_id }),
    });
    const user = userEvent.setup();
    render(<KeysScreen />);
    await user.click(await screen.findByRole('button', { name: 'me' }));
    const details = screen.getByRole('region', { name: 'Key details' });
    const section = within(details).getByRole('region', { name: 'My public key' });
    expect((await within(section).findByTestId('fingerprint')).textContent).toBe(ALICE_FP);
    expect(requestsOf(bridge, 'keys:public-key-file')).toEqual([{ key_id: mine.key_id }]);
    await user.click(within(section).getByRole('button', { name: 'Copy my public key' }));
    expect(await navigator.clipboard.readText()).toBe(file.text);

    await user.click(screen.getByRole('button', { name: 'files' }));
    expect(
      within(screen.getByRole('region', { name: 'Key details' })).queryByRole('region', { name: 'My public key' }),
    ).toBeNull();
  });
});
