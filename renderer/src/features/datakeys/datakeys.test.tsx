import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../../shared/ipc-contract.js';
import { useKeysStore } from '../../state/keys-store.js';
import { useSettingsStore } from '../../state/settings-store.js';
import { installFakeBridge } from '../../test-support/fake-bridge.js';
import { testKey } from '../text/test-keys.js';
import { DataKeysScreen } from './DataKeysScreen.js';
import { hexToBase64 } from './encoding.js';

const alpha = testKey('11111111-1111-4111-8111-111111111111', 'alpha');
const DEK = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const WRAPPED = '0102' + 'ab'.repeat(60);
const value = (label: string): string => (screen.getByLabelText(label) as HTMLTextAreaElement).value;
const section = (name: string): HTMLElement => screen.getByRole('region', { name });

beforeEach(() => {
  useKeysStore.setState({ keys: [alpha], loaded: true, error: null });
  useSettingsStore.setState({ settings: DEFAULT_SETTINGS, error: null });
});
afterEach(() => cleanup());

describe('hexToBase64', () => {
  it('converts hex to standard Base64 and refuses anything else', () => {
    expect(hexToBase64('')).toBe('');
    expect(hexToBase64('ff')).toBe('/w==');
    expect(hexToBase64('FBFF00')).toBe('+/8A');
    expect(hexToBase64(DEK)).toBe('ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=');
    expect(() => hexToBase64('abc')).toThrow(/not hex/);
    expect(() => hexToBase64('zz')).toThrow(/not hex/);
  });
});

describe('Data keys screen', () => {
  it('creates a 256-bit data key by default and shows both halves in hex and Base64', async () => {
    const bridge = installFakeBridge({
      'datakey:create': (r) => ({ key_id: r.key_id, key_version: 3, plain_text: DEK, cipher_text: WRAPPED }),
    });
    const user = userEvent.setup();
    render(<DataKeysScreen />);
    expect(screen.getByLabelText('Data key length in bits')).toHaveProperty('value', '256');
    await user.click(screen.getByRole('button', { name: 'Add context pair' }));
    await user.keyboard('file');
    await user.type(screen.getByLabelText('Context value 1'), 'a.bin');
    await user.click(screen.getByRole('button', { name: 'Create data key' }));

    expect(await screen.findByLabelText('Plaintext data key (hex)')).toHaveProperty('value', DEK);
    expect(bridge.calls.map((c) => c.request)).toEqual([
      { key_id: alpha.key_id, datakey_length: 256, encryption_context: { file: 'a.bin' } },
    ]);
    expect(value('Plaintext data key (Base64)')).toBe('ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=');
    expect(value('Encrypted data key (hex)')).toBe(WRAPPED);
    expect(value('Encrypted data key (Base64)')).toBe(hexToBase64(WRAPPED));
    for (const name of [
      'Copy plaintext data key as hex',
      'Copy plaintext data key as Base64',
      'Copy encrypted data key as hex',
      'Copy encrypted data key as Base64',
    ]) {
      expect(screen.getByRole('button', { name })).toBeTruthy();
    }
    expect(screen.getByText('Made with alpha, version 3.')).toBeTruthy();
  });

  it('creates without plaintext through its own channel, with the length given', async () => {
    const bridge = installFakeBridge({
      'datakey:create-without-plaintext': (r) => ({ key_id: r.key_id, key_version: 1, cipher_text: WRAPPED }),
    });
    const user = userEvent.setup();
    render(<DataKeysScreen />);
    const bits = screen.getByLabelText('Data key length in bits');
    await user.clear(bits);
    await user.type(bits, '128');
    await user.click(screen.getByRole('checkbox', { name: 'Also return the plaintext data key' }));
    await user.click(screen.getByRole('button', { name: 'Create data key' }));
    expect(await screen.findByLabelText('Encrypted data key (hex)')).toHaveProperty('value', WRAPPED);
    expect(bridge.calls).toEqual([
      { channel: 'datakey:create-without-plaintext', request: { key_id: alpha.key_id, datakey_length: 128 } },
    ]);
    expect(screen.queryByLabelText('Plaintext data key (hex)')).toBeNull();
  });

  it('decrypts a data key it created, showing the key, its length and digest', async () => {
    const bridge = installFakeBridge({
      'datakey:create': (r) => ({ key_id: r.key_id, key_version: 1, plain_text: DEK, cipher_text: WRAPPED }),
      'datakey:decrypt': (r) => {
        if (r.cipher_text !== WRAPPED) throw { code: 'KMS.2201', message: 'The cipher_text is not a Coffer ciphertext.' };
        return { key_id: alpha.key_id, key_version: 1, data_key: DEK, datakey_length: '32', datakey_dgst: 'ee'.repeat(32) };
      },
    });
    const user = userEvent.setup();
    render(<DataKeysScreen />);
    await user.click(screen.getByRole('button', { name: 'Create data key' }));
    await user.click(await screen.findByRole('button', { name: 'Decrypt it' }));
    expect(value('Encrypted data key to decrypt (hex)')).toBe(WRAPPED);
    await user.click(screen.getByRole('button', { name: 'Decrypt data key' }));

    expect(await screen.findByLabelText('Decrypted data key (hex)')).toHaveProperty('value', DEK);
    expect(bridge.calls.find((c) => c.channel === 'datakey:decrypt')?.request).toEqual({ cipher_text: WRAPPED });
    expect(value('Decrypted data key (Base64)')).toBe(hexToBase64(DEK));
    expect(value('SHA-256 of the data key (hex)')).toBe('ee'.repeat(32));
    expect(within(section('Decrypt a data key')).getByText(/32 bytes/)).toBeTruthy();
  });

  it('shows a refusal as the bridge words it', async () => {
    installFakeBridge({
      'datakey:decrypt': () => {
        throw { code: 'KMS.2201', message: 'The cipher_text is not valid hex (an even number of the digits 0-9 and a-f).' };
      },
    });
    const user = userEvent.setup();
    render(<DataKeysScreen />);
    await user.type(screen.getByLabelText('Encrypted data key to decrypt (hex)'), 'xyz');
    await user.click(screen.getByRole('button', { name: 'Decrypt data key' }));
    expect((await within(section('Decrypt a data key')).findByRole('alert')).textContent).toBe(
      'The cipher_text is not valid hex (an even number of the digits 0-9 and a-f).',
    );
  });

  it('encrypts a data key given in hex, its length in bytes taken from the hex', async () => {
    const bridge = installFakeBridge({
      'datakey:encrypt': (r) => ({
        key_id: r.key_id,
        key_version: 2,
        cipher_text: WRAPPED,
        datakey_length: String(r.datakey_plain_length),
      }),
    });
    const user = userEvent.setup();
    render(<DataKeysScreen />);
    await user.type(screen.getByLabelText('Data key to encrypt (hex)'), DEK);
    await user.click(screen.getByRole('button', { name: 'Encrypt data key' }));
    expect(await screen.findByLabelText('Wrapped data key (hex)')).toHaveProperty('value', WRAPPED);
    expect(value('Wrapped data key (Base64)')).toBe(hexToBase64(WRAPPED));
    expect(bridge.calls.map((c) => c.request)).toEqual([{ key_id: alpha.key_id, plain_text: DEK, datakey_plain_length: 32 }]);
  });

  it('generates random bytes of the length asked, in hex and Base64', async () => {
    const bridge = installFakeBridge({
      'random:generate': (r) => ({ random_data: 'a5'.repeat(Number(r.random_data_length) / 8) }),
    });
    const user = userEvent.setup();
    render(<DataKeysScreen />);
    const bits = screen.getByLabelText('Random length in bits');
    await user.clear(bits);
    await user.type(bits, '64');
    await user.click(screen.getByRole('button', { name: 'Generate random bytes' }));
    expect(await screen.findByLabelText('Random bytes (hex)')).toHaveProperty('value', 'a5a5a5a5a5a5a5a5');
    expect(value('Random bytes (Base64)')).toBe('paWlpaWlpaU=');
    expect(bridge.calls).toEqual([{ channel: 'random:generate', request: { random_data_length: 64 } }]);
    expect(screen.getByRole('button', { name: 'Copy random bytes as Base64' })).toBeTruthy();
  });

  it('without an enabled key, says what to do and still generates random bytes', async () => {
    useKeysStore.setState({ keys: [testKey('k2', 'off', '1')], loaded: true, error: null });
    installFakeBridge({ 'random:generate': () => ({ random_data: '00ff' }) });
    const user = userEvent.setup();
    render(<DataKeysScreen />);
    expect(screen.getByText(/No enabled key: create a key on the Keys screen/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Create data key' })).toHaveProperty('disabled', true);
    await user.click(screen.getByRole('button', { name: 'Generate random bytes' }));
    expect(await screen.findByLabelText('Random bytes (Base64)')).toHaveProperty('value', 'AP8=');
  });
});
