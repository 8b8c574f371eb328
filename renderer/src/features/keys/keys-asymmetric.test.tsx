import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { KeyState } from '../../../../shared/key-types.js';
import { installFakeBridge, type FakeHandlers } from '../../test-support/fake-bridge.js';
import { KeysScreen } from './KeysScreen.js';
import { keyInfo, listOf, resetKeysStore, setState } from './test-fixtures.js';

afterEach(() => {
  cleanup();
  resetKeysStore();
});

const PEM = '-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAE\n-----END PUBLIC KEY-----\n';

async function openCreate(handlers: FakeHandlers = {}) {
  const keys = [keyInfo({ key_alias: 'existing' })];
  const bridge = installFakeBridge({
    'keys:list': () => listOf(keys),
    'keys:create': (r) => {
      const created = keyInfo({ key_alias: r.key_alias, key_spec: r.key_spec ?? 'AES_256' });
      keys.push(created);
      return { key_info: { key_id: created.key_id, domain_id: 'local' } };
    },
    'keys:get-public-key': ({ key_id }) => ({ key_id, public_key: PEM }),
    ...handlers,
  });
  const user = userEvent.setup();
  render(<KeysScreen />);
  await user.click(await screen.findByRole('button', { name: 'Create key' }));
  return { bridge, user, dialog: screen.getByRole('dialog', { name: 'Create a key' }) };
}

async function openDetails(keys: KeyInfo[], handlers: FakeHandlers = {}) {
  const bridge = installFakeBridge({ 'keys:list': () => listOf(keys), ...handlers });
  const user = userEvent.setup();
  render(<KeysScreen />);
  await user.click(await screen.findByRole('button', { name: keys[0]!.key_alias }));
  return { bridge, user, details: () => screen.getByRole('region', { name: 'Key details' }) };
}

function usageOptions(dialog: HTMLElement): string[] {
  const usage = within(dialog).getByLabelText('Key usage') as HTMLSelectElement;
  return [...usage.options].map((o) => o.value);
}

describe('creating asymmetric keys', () => {
  it('offers only the usages a spec allows: AES encrypts, EC signs, RSA does either', async () => {
    const { user, dialog } = await openCreate();
    const spec = within(dialog).getByLabelText('Key spec');
    const usage = within(dialog).getByLabelText('Key usage') as HTMLSelectElement;
    expect(usageOptions(dialog)).toEqual(['ENCRYPT_DECRYPT']);
    expect(usage.disabled).toBe(true);
    await user.selectOptions(spec, 'EC_P256');
    expect(usageOptions(dialog)).toEqual(['SIGN_VERIFY']);
    expect(usage.disabled).toBe(true);
    expect(within(dialog).getByText(/signs and checks signatures \(SIGN_VERIFY only\)/)).toBeTruthy();
    await user.selectOptions(spec, 'RSA_4096');
    expect(usageOptions(dialog)).toEqual(['ENCRYPT_DECRYPT', 'SIGN_VERIFY']);
    expect(usage.disabled).toBe(false);
    // SIGN_VERIFY was kept from EC; back to AES it becomes ENCRYPT_DECRYPT again.
    expect(usage.value).toBe('SIGN_VERIFY');
    await user.selectOptions(spec, 'AES_256');
    expect(usage.value).toBe('ENCRYPT_DECRYPT');
  });

  it('sends key_spec and key_usage for an EC_P384 signing key, then shows its public key and no rotation', async () => {
    const { bridge, user, dialog } = await openCreate();
    await user.type(within(dialog).getByLabelText('Alias'), 'release-signing');
    await user.selectOptions(within(dialog).getByLabelText('Key spec'), 'EC_P384');
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(bridge.calls.find((c) => c.channel === 'keys:create')?.request).toEqual({
      key_alias: 'release-signing',
      origin: 'kms',
      exportable: false,
      key_spec: 'EC_P384',
      key_usage: 'SIGN_VERIFY',
    });
    const details = await screen.findByRole('region', { name: 'Key details' });
    const publicKey = await within(details).findByLabelText('Public key (PEM)');
    expect((publicKey as HTMLTextAreaElement).value).toBe(PEM);
    await user.click(within(details).getByRole('button', { name: 'Copy public key' }));
    expect(await navigator.clipboard.readText()).toBe(PEM);
    const rotation = within(details).getByRole('region', { name: 'Rotation' });
    expect(rotation.textContent).toMatch(/Asymmetric keys do not rotate/);
    expect(within(rotation).queryByRole('button')).toBeNull();
  });

  it("an imported AES key may take another tool's namespace and key name, checked before sending", async () => {
    const { bridge, user, dialog } = await openCreate();
    await user.type(within(dialog).getByLabelText('Alias'), 'acme');
    expect(within(dialog).queryByRole('checkbox', { name: /Another tool/ })).toBeNull();
    await user.click(within(dialog).getByRole('radio', { name: /Imported/ }));
    await user.click(within(dialog).getByRole('checkbox', { name: /Another tool/ }));
    await user.type(within(dialog).getByLabelText('Key namespace'), 'coffer');
    await user.type(within(dialog).getByLabelText('Key name'), 'nightly/2026');
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(within(dialog).getByText(/The key namespace "coffer" is reserved/)).toBeTruthy();
    expect(bridge.calls.filter((c) => c.channel === 'keys:create')).toEqual([]);
    await user.clear(within(dialog).getByLabelText('Key namespace'));
    await user.type(within(dialog).getByLabelText('Key namespace'), 'acme-backup');
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(bridge.calls.find((c) => c.channel === 'keys:create')?.request).toEqual({
      key_alias: 'acme',
      origin: 'external',
      exportable: false,
      key_namespace: 'acme-backup',
      key_name: 'nightly/2026',
    });
  });
  it("an imported RSA encryption key may take another tool's names (its raw RSA keyring's); a signing key may not", async () => {
    const { bridge, user, dialog } = await openCreate();
    await user.type(within(dialog).getByLabelText('Alias'), 'partner');
    await user.click(within(dialog).getByRole('radio', { name: /Imported/ }));
    await user.selectOptions(within(dialog).getByLabelText('Key spec'), 'RSA_3072');
    await user.selectOptions(within(dialog).getByLabelText('Key usage'), 'SIGN_VERIFY');
    expect(within(dialog).queryByRole('checkbox', { name: /Another tool/ })).toBeNull();
    await user.selectOptions(within(dialog).getByLabelText('Key usage'), 'ENCRYPT_DECRYPT');
    await user.click(within(dialog).getByRole('checkbox', { name: /Another tool/ }));
    await user.type(within(dialog).getByLabelText('Key namespace'), 'partner-corp');
    await user.type(within(dialog).getByLabelText('Key name'), 'rsa/2026');
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(bridge.calls.find((c) => c.channel === 'keys:create')?.request).toEqual({
      key_alias: 'partner',
      origin: 'external',
      exportable: false,
      key_spec: 'RSA_3072',
      key_usage: 'ENCRYPT_DECRYPT',
      key_namespace: 'partner-corp',
      key_name: 'rsa/2026',
    });
  });
});

describe('asymmetric key details', () => {
  it('show spec, usage and names, and import a private key as Huawei takes it (both wrapped parts)', async () => {
    const key = keyInfo({
      key_alias: 'partner-rsa',
      key_spec: 'RSA_2048',
      key_usage: 'ENCRYPT_DECRYPT',
      origin: 'external',
      key_state: '5',
      key_namespace: 'partner-corp',
      key_name: 'rsa-2026',
    });
    const { bridge, user, details } = await openDetails([key], {
      'keys:import-parameters': ({ key_id }) => ({
        key_id,
        import_token: 'VE9LRU4=',
        public_key: 'UFVCTElD',
        expiration_time: String(Date.now() + 86_400_000),
        wrapping_algorithm: 'RSAES_OAEP_SHA_256',
      }),
      'keys:import-material': ({ key_id }) => {
        setState(key, KeyState.Enabled);
        return { key_id, key_state: '2' };
      },
      'keys:get-public-key': ({ key_id }) => ({ key_id, public_key: PEM }),
    });
    const facts = details().querySelector('dl')!.textContent!;
    expect(facts).toContain('Key specRSA_2048');
    expect(facts).toContain('Key usageENCRYPT_DECRYPT');
    expect(facts).toContain('Key namespacepartner-corp');
    expect(facts).toContain('Key namersa-2026');
    // No public key before the key pair is imported.
    expect(within(details()).queryByLabelText('Public key (PEM)')).toBeNull();

    const section = within(details()).getByRole('region', { name: 'Import key material' });
    await user.click(within(section).getByRole('button', { name: 'Get import parameters' }));
    await user.click(await within(section).findByLabelText('Wrapped temporary key (Base64)'));
    await user.paste('dGVtcG9yYXJ5');
    const importButton = within(section).getByRole('button', { name: 'Import private key' });
    expect(importButton).toHaveProperty('disabled', true);
    await user.click(within(section).getByLabelText('Wrapped private key (Base64)'));
    await user.paste('cHJpdmF0ZQ==');
    await user.click(importButton);
    expect(bridge.calls.filter((c) => c.channel === 'keys:import-material').map((c) => c.request)).toEqual([
      {
        key_id: key.key_id,
        import_token: 'VE9LRU4=',
        encrypted_key_material: 'dGVtcG9yYXJ5',
        encrypted_privatekey: 'cHJpdmF0ZQ==',
      },
    ]);
    expect(((await within(details()).findByLabelText('Public key (PEM)')) as HTMLTextAreaElement).value).toBe(PEM);
  });
});
