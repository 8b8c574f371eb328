import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../../shared/ipc-contract.js';
import { useKeysStore } from '../../state/keys-store.js';
import { useSettingsStore } from '../../state/settings-store.js';
import { installFakeBridge } from '../../test-support/fake-bridge.js';
import { testKey as baseKey } from '../../test-support/key-info.js';
import { optionLabels, pickOption } from '../../test-support/search-select.js';
import { TextScreen } from './TextScreen.js';

const aes = baseKey('11111111-1111-4111-8111-111111111111', 'notes');
const rsaBox = baseKey('22222222-2222-4222-8222-222222222222', 'rsa-box', '2', { key_spec: 'RSA_3072' });
const ecSigner = baseKey('33333333-3333-4333-8333-333333333333', 'release-signing', '2', {
  key_spec: 'EC_P384',
  key_usage: 'SIGN_VERIFY',
});
const rsaSigner = baseKey('44444444-4444-4444-8444-444444444444', 'rsa-signing', '2', {
  key_spec: 'RSA_2048',
  key_usage: 'SIGN_VERIFY',
});

const b64 = (text: string): string => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

beforeEach(() => {
  useKeysStore.setState({ keys: [aes, rsaBox, ecSigner, rsaSigner], loaded: true, error: null });
  useSettingsStore.setState({ settings: { ...DEFAULT_SETTINGS }, error: null });
});
afterEach(() => cleanup());

/** A signer that "signs" by naming key, algorithm and message: verification is equality, as a real one's outcome. */
function fakeSigner(): Parameters<typeof installFakeBridge>[0] {
  const sig = (r: { key_id: string; signing_algorithm: string; message_type?: string; message: string }) =>
    b64(`${r.key_id}|${r.signing_algorithm}|${r.message_type}|${r.message}`);
  return {
    'keys:sign': (r) => ({ key_id: r.key_id, signature: sig(r) }),
    'keys:validate-signature': (r) => ({ key_id: r.key_id, signature_valid: String(sig(r) === r.signature) }),
    'keys:sign-file': (r) => ({ key_id: r.key_id, signature: b64(`file|${r.key_id}`), file_name: 'contract.pdf', digest: 'ab' }),
    'keys:validate-file-signature': () => ({ file_name: null }),
  };
}

describe('Sign and verify on the Text screen', () => {
  it('offers only SIGN_VERIFY keys and only the algorithms their spec signs with', async () => {
    installFakeBridge(fakeSigner());
    const user = userEvent.setup();
    render(<TextScreen />);
    const panel = screen.getByRole('region', { name: 'Sign and verify' });
    const picker = within(panel).getByRole('combobox', { name: 'Signing key' });
    expect(await optionLabels(user, picker)).toEqual(['release-signing', 'rsa-signing']);
    const algorithm = within(panel).getByLabelText('Signing algorithm') as HTMLSelectElement;
    expect([...algorithm.options].map((o) => o.value)).toEqual(['ECDSA_SHA_384']);
    await pickOption(user, picker, 'rsa-signing');
    expect([...algorithm.options].map((o) => o.value)).toEqual([
      'RSASSA_PSS_SHA_256',
      'RSASSA_PSS_SHA_384',
      'RSASSA_PSS_SHA_512',
      'RSASSA_PKCS1_V1_5_SHA_256',
      'RSASSA_PKCS1_V1_5_SHA_384',
      'RSASSA_PKCS1_V1_5_SHA_512',
    ]);
    // The encrypt picker has no signing key, and the AES one and the RSA ENCRYPT_DECRYPT one.
    expect(await optionLabels(user, screen.getByRole('combobox', { name: 'Key' }))).toEqual(['notes', 'rsa-box']);
  });

  it('signs text (RAW), verifies it as valid, then a changed message as not valid', async () => {
    const bridge = installFakeBridge(fakeSigner());
    const user = userEvent.setup();
    render(<TextScreen />);
    const panel = screen.getByRole('region', { name: 'Sign and verify' });
    await user.type(within(panel).getByLabelText('Message'), 'release 1.2.0');
    await user.click(within(panel).getByRole('button', { name: 'Sign' }));
    const signature = within(panel).getByLabelText('Signature (Base64)') as HTMLTextAreaElement;
    expect(await within(panel).findByText('Signed the message: the signature is below.')).toBeTruthy();
    expect(bridge.calls.find((c) => c.channel === 'keys:sign')?.request).toEqual({
      key_id: ecSigner.key_id,
      signing_algorithm: 'ECDSA_SHA_384',
      message_type: 'RAW',
      message: b64('release 1.2.0'),
    });
    expect(signature.value).not.toBe('');

    await user.click(within(panel).getByRole('button', { name: 'Verify signature' }));
    expect((await within(panel).findByText(/^Valid:/)).className).toBe('text-valid');
    await user.type(within(panel).getByLabelText('Message'), '1');
    await user.click(within(panel).getByRole('button', { name: 'Verify signature' }));
    expect((await within(panel).findByText(/^Not valid:/)).className).toBe('text-invalid');
  });

  it('checks a DIGEST is the hash size in Base64 before asking, and signs a file main picks', async () => {
    const bridge = installFakeBridge(fakeSigner());
    const user = userEvent.setup();
    render(<TextScreen />);
    const panel = screen.getByRole('region', { name: 'Sign and verify' });
    await user.click(within(panel).getByRole('radio', { name: /DIGEST: its SHA384 digest/ }));
    await user.type(within(panel).getByLabelText('Message'), b64('too short'));
    expect(within(panel).getByRole('button', { name: 'Sign' })).toHaveProperty('disabled', true);
    expect(within(panel).getByText(/give the message's SHA384 digest \(48 bytes\) in Base64/)).toBeTruthy();
    await user.clear(within(panel).getByLabelText('Message'));
    await user.type(within(panel).getByLabelText('Message'), btoa('x'.repeat(48)));
    await user.click(within(panel).getByRole('button', { name: 'Sign' }));
    expect(bridge.calls.find((c) => c.channel === 'keys:sign')?.request).toMatchObject({ message_type: 'DIGEST' });

    await user.click(within(panel).getByRole('button', { name: 'Sign a file…' }));
    expect(await within(panel).findByText('Signed contract.pdf: the signature is below.')).toBeTruthy();
    // No path crosses: the request names only the key and the algorithm.
    expect(bridge.calls.find((c) => c.channel === 'keys:sign-file')?.request).toEqual({
      key_id: ecSigner.key_id,
      signing_algorithm: 'ECDSA_SHA_384',
    });
    await user.click(within(panel).getByRole('button', { name: 'Verify a file…' }));
    expect(await within(panel).findByText('No file was chosen: nothing was signed or checked.')).toBeTruthy();
  });
});

describe('RSA encrypt-data on the Text screen', () => {
  it('uses RSAES_OAEP_SHA_256 with its size limit, without context, and decrypts with the chosen RSA key', async () => {
    const bridge = installFakeBridge({
      'data:encrypt': (r) => ({ key_id: r.key_id, key_version: 1, cipher_text: b64(`rsa:${r.plain_text}`) }),
      'data:decrypt': (r) => ({
        key_id: r.key_id ?? '',
        key_version: 1,
        plain_text: atob(r.cipher_text).slice(4),
        plain_text_base64: '',
      }),
    });
    const user = userEvent.setup();
    render(<TextScreen />);
    await pickOption(user, screen.getByRole('combobox', { name: 'Key' }), 'rsa-box');
    expect(screen.getByText(/Algorithm: RSAES_OAEP_SHA_256 .* An RSA_3072 key encrypts at most 318 bytes/)).toBeTruthy();
    await user.click(screen.getByLabelText('Plaintext'));
    await user.paste('x'.repeat(319));
    expect(screen.getByText(/an RSA_3072 key encrypts at most 318 bytes with RSAES_OAEP_SHA_256/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Encrypt' })).toHaveProperty('disabled', true);
    await user.clear(screen.getByLabelText('Plaintext'));
    await user.type(screen.getByLabelText('Plaintext'), 'safe code 4711');
    await user.click(screen.getByRole('button', { name: 'Add context pair' }));
    await user.keyboard('purpose');
    expect(screen.getByText(/ciphertexts carry no encryption context/)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: /Remove context pair 1/ }));
    await user.click(screen.getByRole('button', { name: 'Encrypt' }));
    expect(await screen.findByText('Encrypted with rsa-box, version 1, RSAES_OAEP_SHA_256.')).toBeTruthy();
    expect(bridge.calls.find((c) => c.channel === 'data:encrypt')?.request).toEqual({
      key_id: rsaBox.key_id,
      plain_text: 'safe code 4711',
      encryption_algorithm: 'RSAES_OAEP_SHA_256',
    });

    await user.click(screen.getByRole('button', { name: 'Decrypt it' }));
    expect(screen.getByRole('combobox', { name: 'RSA key (RSA ciphertexts only)' })).toHaveProperty('value', 'rsa-box');
    await user.click(screen.getByRole('button', { name: 'Decrypt' }));
    expect(((await screen.findByLabelText('Decrypted plaintext')) as HTMLTextAreaElement).value).toBe('safe code 4711');
    expect(bridge.calls.find((c) => c.channel === 'data:decrypt')?.request).toEqual({
      cipher_text: b64('rsa:safe code 4711'),
      key_id: rsaBox.key_id,
      encryption_algorithm: 'RSAES_OAEP_SHA_256',
    });
  });
});
