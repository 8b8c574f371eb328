import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../../shared/ipc-contract.js';
import { useKeysStore } from '../../state/keys-store.js';
import { useSettingsStore } from '../../state/settings-store.js';
import { installFakeBridge } from '../../test-support/fake-bridge.js';
import { readContext, newPair } from './context.js';
import { optionLabels, pickOption } from '../../test-support/search-select.js';
import { testKey } from './test-keys.js';
import { TextScreen } from './TextScreen.js';

const alpha = testKey('11111111-1111-4111-8111-111111111111', 'alpha');
const beta = testKey('22222222-2222-4222-8222-222222222222', 'beta');
const off = testKey('33333333-3333-4333-8333-333333333333', 'switched-off', '1');

const b64 = (text: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const unb64 = (text: string): string => new TextDecoder().decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)));

/** A reversible "cipher" that binds the context, refusing a different one as the vault does. */
function fakeKms(): Parameters<typeof installFakeBridge>[0] {
  return {
    'data:encrypt': (r) => ({
      key_id: r.key_id,
      key_version: 1,
      cipher_text: b64(JSON.stringify({ k: r.key_id, p: r.plain_text, c: r.encryption_context ?? {} })),
    }),
    'data:decrypt': (r) => {
      const sealed = JSON.parse(unb64(r.cipher_text)) as { k: string; p: string; c: Record<string, string> };
      if (JSON.stringify(sealed.c) !== JSON.stringify(r.encryption_context ?? {})) {
        throw {
          code: 'KMS.0208',
          message:
            'The encryption context does not match: this ciphertext was made with an encryption context of 1 pair(s), and none was given. Give exactly the same pairs (names and values are case-sensitive).',
        };
      }
      return { key_id: sealed.k, key_version: 1, plain_text: sealed.p, plain_text_base64: b64(sealed.p) };
    },
  };
}

beforeEach(() => {
  useKeysStore.setState({ keys: [alpha, beta, off], loaded: true, error: null });
  useSettingsStore.setState({ settings: { ...DEFAULT_SETTINGS, default_key_id: beta.key_id }, error: null });
});
afterEach(() => cleanup());

describe('encryption context rows', () => {
  it('ignores blank rows and names the problems', () => {
    expect(readContext([newPair('', '')])).toEqual({ context: undefined, problem: null });
    expect(readContext([newPair('a', '1'), newPair('', ''), newPair('b', '')]).context).toEqual({ a: '1', b: '' });
    expect(readContext([newPair('', 'x')]).problem).toBe('Context pair 1 has a value but no name.');
    expect(readContext([newPair('a', '1'), newPair('a', '2')]).problem).toMatch(/"a" appears twice/);
  });
});

describe('Text screen', () => {
  it('offers only enabled keys and starts on the default key', async () => {
    installFakeBridge(fakeKms());
    const user = userEvent.setup();
    render(<TextScreen />);
    const picker = screen.getByRole('combobox', { name: 'Key' });
    expect(picker).toHaveProperty('value', 'beta');
    expect(await optionLabels(user, picker)).toEqual(['alpha', 'beta']);
  });

  it('finds a key by typing part of its alias or id', async () => {
    installFakeBridge(fakeKms());
    const user = userEvent.setup();
    render(<TextScreen />);
    const picker = screen.getByRole('combobox', { name: 'Key' });
    await user.click(picker);
    await user.keyboard('alp');
    expect(screen.getAllByRole('option').map((o) => o.querySelector('.search-select-label')?.textContent)).toEqual(['alpha']);
    await user.keyboard('{Enter}');
    expect(picker).toHaveProperty('value', 'alpha');
    expect(picker.getAttribute('aria-expanded')).toBe('false');
    await user.click(picker);
    await user.keyboard(beta.key_id.slice(0, 8));
    await user.keyboard('{ArrowDown}{Enter}');
    expect(picker).toHaveProperty('value', 'beta');
  });

  it('encrypts with the exact request, context included, and shows the ciphertext', async () => {
    const bridge = installFakeBridge(fakeKms());
    const user = userEvent.setup();
    render(<TextScreen />);
    await pickOption(user, screen.getByRole('combobox', { name: 'Key' }), 'alpha');
    await user.type(screen.getByLabelText('Plaintext'), 'the launch code');
    await user.click(screen.getByRole('button', { name: 'Add context pair' }));
    expect(document.activeElement).toBe(screen.getByLabelText('Context name 1'));
    await user.keyboard('purpose');
    await user.type(screen.getByLabelText('Context value 1'), 'backup');
    await user.click(screen.getByRole('button', { name: 'Add context pair' }));
    await user.type(screen.getByLabelText('Context name 2'), 'team');
    await user.type(screen.getByLabelText('Context value 2'), 'Ops');
    await user.click(screen.getByRole('button', { name: 'Encrypt' }));

    const output = await screen.findByLabelText('Ciphertext (Base64)');
    expect(bridge.calls.filter((c) => c.channel === 'data:encrypt').map((c) => c.request)).toEqual([
      { key_id: alpha.key_id, plain_text: 'the launch code', encryption_context: { purpose: 'backup', team: 'Ops' } },
    ]);
    expect((output as HTMLTextAreaElement).value).toBe(
      b64(JSON.stringify({ k: alpha.key_id, p: 'the launch code', c: { purpose: 'backup', team: 'Ops' } })),
    );
    expect(screen.getByRole('button', { name: 'Copy ciphertext' })).toBeTruthy();
    expect(screen.getByText('Encrypted with alpha, version 1.')).toBeTruthy();
  });

  it('leaves encryption_context out when there are no pairs, and removes a row', async () => {
    const bridge = installFakeBridge(fakeKms());
    const user = userEvent.setup();
    render(<TextScreen />);
    await user.click(screen.getByRole('button', { name: 'Add context pair' }));
    await user.keyboard('gone');
    await user.click(screen.getByRole('button', { name: 'Remove context pair 1' }));
    expect(screen.queryByLabelText('Context name 1')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Add context pair' }));
    await user.type(screen.getByLabelText('Plaintext'), 'x');
    await user.click(screen.getByRole('button', { name: 'Encrypt' }));
    await screen.findByLabelText('Ciphertext (Base64)');
    expect(bridge.calls.find((c) => c.channel === 'data:encrypt')?.request).toEqual({ key_id: beta.key_id, plain_text: 'x' });
  });

  it('counts UTF-8 bytes and blocks Encrypt past 4096', async () => {
    installFakeBridge(fakeKms());
    const user = userEvent.setup();
    render(<TextScreen />);
    const field = screen.getByLabelText('Plaintext');
    const button = screen.getByRole('button', { name: 'Encrypt' });
    expect(button).toHaveProperty('disabled', true);
    await user.type(field, 'é€😀');
    // Three characters, four UTF-16 units, nine UTF-8 bytes (2 + 3 + 4).
    expect(screen.getByText('9 / 4096 bytes')).toBeTruthy();
    expect(button).toHaveProperty('disabled', false);

    await user.clear(field);
    await user.click(field);
    await user.paste('a'.repeat(4096));
    expect(screen.getByText('4096 / 4096 bytes').className).not.toMatch(/over/);
    expect(button).toHaveProperty('disabled', false);
    expect(screen.queryByRole('alert')).toBeNull();

    await user.type(field, 'b');
    const counter = screen.getByText('4097 / 4096 bytes');
    expect(counter.className).toMatch(/\bover\b/);
    expect(button).toHaveProperty('disabled', true);
    expect(screen.getByRole('alert').textContent).toBe(
      'The text is 4097 bytes; Encrypt takes at most 4096. Shorten it, or use a data key for larger data.',
    );
    expect(button.getAttribute('aria-describedby')).toBe(screen.getByRole('alert').id);

    // 2049 two-byte characters: 2049 characters but 4098 bytes.
    await user.clear(field);
    await user.click(field);
    await user.paste('é'.repeat(2049));
    expect(screen.getByText('4098 / 4096 bytes')).toBeTruthy();
    expect(button).toHaveProperty('disabled', true);
  });

  it('decrypts back what it encrypted, with the same context', async () => {
    const bridge = installFakeBridge(fakeKms());
    const user = userEvent.setup();
    render(<TextScreen />);
    await user.type(screen.getByLabelText('Plaintext'), 'round trip ✓');
    await user.click(screen.getByRole('button', { name: 'Add context pair' }));
    await user.keyboard('purpose');
    await user.type(screen.getByLabelText('Context value 1'), 'test');
    await user.click(screen.getByRole('button', { name: 'Encrypt' }));
    const ciphertext = ((await screen.findByLabelText('Ciphertext (Base64)')) as HTMLTextAreaElement).value;

    await user.click(screen.getByLabelText('Ciphertext to decrypt'));
    await user.paste(ciphertext);
    await user.click(screen.getByRole('button', { name: 'Decrypt' }));
    const plain = await screen.findByLabelText('Decrypted plaintext');
    expect((plain as HTMLTextAreaElement).value).toBe('round trip ✓');
    expect(bridge.calls.find((c) => c.channel === 'data:decrypt')?.request).toEqual({
      cipher_text: ciphertext,
      encryption_context: { purpose: 'test' },
    });
    expect(screen.getByRole('button', { name: 'Copy plaintext' })).toBeTruthy();
  });

  it('"Decrypt it" hands the ciphertext to the Decrypt panel', async () => {
    installFakeBridge(fakeKms());
    const user = userEvent.setup();
    render(<TextScreen />);
    await user.type(screen.getByLabelText('Plaintext'), 'hand over');
    await user.click(screen.getByRole('button', { name: 'Encrypt' }));
    const ciphertext = ((await screen.findByLabelText('Ciphertext (Base64)')) as HTMLTextAreaElement).value;
    await user.click(screen.getByRole('button', { name: 'Decrypt it' }));
    expect((screen.getByLabelText('Ciphertext to decrypt') as HTMLTextAreaElement).value).toBe(ciphertext);
  });

  it('shows the KMS.0208 sentence when the context does not match', async () => {
    installFakeBridge(fakeKms());
    const user = userEvent.setup();
    render(<TextScreen />);
    await user.type(screen.getByLabelText('Plaintext'), 'bound');
    await user.click(screen.getByRole('button', { name: 'Add context pair' }));
    await user.keyboard('purpose');
    await user.type(screen.getByLabelText('Context value 1'), 'a');
    await user.click(screen.getByRole('button', { name: 'Encrypt' }));
    await user.click(await screen.findByRole('button', { name: 'Decrypt it' }));
    await user.click(screen.getByRole('button', { name: 'Remove context pair 1' }));
    await user.click(screen.getByRole('button', { name: 'Decrypt' }));

    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(
      'The encryption context does not match: this ciphertext was made with an encryption context of 1 pair(s), and none was given. Give exactly the same pairs (names and values are case-sensitive).',
    );
    expect(screen.queryByLabelText('Decrypted plaintext')).toBeNull();
  });

  it('says when the plaintext is binary and offers its Base64', async () => {
    installFakeBridge({
      'data:decrypt': () => ({ key_id: alpha.key_id, key_version: 1, plain_text: null, plain_text_base64: '/wD+' }),
    });
    const user = userEvent.setup();
    render(<TextScreen />);
    await user.type(screen.getByLabelText('Ciphertext to decrypt'), 'AAAA');
    await user.click(screen.getByRole('button', { name: 'Decrypt' }));
    expect(await screen.findByText(/binary data, not UTF-8 text/)).toBeTruthy();
    expect((screen.getByLabelText('Decrypted plaintext (Base64)') as HTMLTextAreaElement).value).toBe('/wD+');
    expect(screen.getByRole('button', { name: 'Copy Base64' })).toBeTruthy();
  });

  it('blocks a context with a value but no name, in plain words', async () => {
    installFakeBridge(fakeKms());
    const user = userEvent.setup();
    render(<TextScreen />);
    await user.type(screen.getByLabelText('Plaintext'), 'x');
    await user.click(screen.getByRole('button', { name: 'Add context pair' }));
    await user.type(screen.getByLabelText('Context value 1'), 'orphan');
    expect(screen.getByRole('alert').textContent).toBe('Context pair 1 has a value but no name.');
    expect(screen.getByRole('button', { name: 'Encrypt' })).toHaveProperty('disabled', true);
  });

  it('says what to do when no key is enabled', async () => {
    useKeysStore.setState({ keys: [off], loaded: true, error: null });
    installFakeBridge(fakeKms());
    render(<TextScreen />);
    expect(screen.getByText('No enabled key')).toBeTruthy();
    expect(screen.getByText(/Create a key on the Keys screen, or enable one/)).toBeTruthy();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Decrypt' })).toBeTruthy());
  });
});
