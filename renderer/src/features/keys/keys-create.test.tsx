import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { installFakeBridge } from '../../test-support/fake-bridge.js';
import { KeysScreen } from './KeysScreen.js';
import { keyInfo, listOf, resetKeysStore } from './test-fixtures.js';

afterEach(() => {
  cleanup();
  resetKeysStore();
});

async function openCreate(keys: KeyInfo[] = [keyInfo({ key_alias: 'existing' })], handlers = {}) {
  const bridge = installFakeBridge({ 'keys:list': () => listOf(keys), ...handlers });
  const user = userEvent.setup();
  render(<KeysScreen />);
  await user.click(await screen.findByRole('button', { name: 'Create key' }));
  const dialog = screen.getByRole('dialog', { name: 'Create a key' });
  return { bridge, user, dialog };
}

describe('create key', () => {
  it('sends the exact keys:create request, then selects the new key', async () => {
    const keys = [keyInfo({ key_alias: 'existing' })];
    const created = keyInfo({ key_alias: 'work/contracts', origin: 'external', key_state: '5', exportable: true });
    const { bridge, user, dialog } = await openCreate(keys, {
      'keys:create': () => {
        keys.push(created);
        return { key_info: { key_id: created.key_id, domain_id: 'local' } };
      },
    });
    // The rest of the screen is hidden from assistive tech while the dialog is open.
    expect(screen.queryByRole('table')).toBeNull();

    await user.type(within(dialog).getByLabelText('Alias'), 'work/contracts');
    await user.type(within(dialog).getByLabelText('Description'), 'Signed PDFs');
    await user.click(within(dialog).getByRole('radio', { name: /Imported/ }));
    await user.click(within(dialog).getByRole('checkbox', { name: 'Exportable' }));
    expect(within(dialog).getByRole('checkbox', { name: 'Exportable' }).getAttribute('aria-describedby')).toBeTruthy();
    expect(within(dialog).getByText(/A permanent choice:/)).toBeTruthy();
    await user.click(within(dialog).getByRole('button', { name: 'Add tag' }));
    expect(document.activeElement).toBe(within(dialog).getByLabelText('Tag 1 key'));
    await user.keyboard('project');
    await user.type(within(dialog).getByLabelText('Tag 1 value'), 'legal');
    await user.click(within(dialog).getByRole('button', { name: 'Add tag' }));
    await user.type(within(dialog).getByLabelText('Tag 2 key'), 'year');
    await user.type(within(dialog).getByLabelText('Tag 2 value'), '2025{Enter}');

    expect(bridge.calls.filter((c) => c.channel === 'keys:create').map((c) => c.request)).toEqual([
      {
        key_alias: 'work/contracts',
        key_description: 'Signed PDFs',
        origin: 'external',
        exportable: true,
        tags: { project: 'legal', year: '2025' },
      },
    ]);
    const details = await screen.findByRole('region', { name: 'Key details' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(within(details).getByRole('heading', { level: 2 }).textContent).toBe('work/contracts');
    expect(screen.getByRole('status').textContent).toBe('Key "work/contracts" created.');
    expect(screen.getByRole('row', { current: true }).textContent).toContain('work/contracts');
  });

  it('sends only the alias and defaults for a plain Coffer-made key', async () => {
    const { bridge, user, dialog } = await openCreate([keyInfo()], {
      'keys:create': () => ({ key_info: { key_id: '00000000-0000-4000-8000-999999999999', domain_id: 'local' } }),
    });
    await user.type(within(dialog).getByLabelText('Alias'), 'photos');
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(bridge.calls.find((c) => c.channel === 'keys:create')?.request).toEqual({
      key_alias: 'photos',
      origin: 'kms',
      exportable: false,
    });
  });

  it('refuses an invalid alias inline without calling the bridge', async () => {
    const { bridge, user, dialog } = await openCreate();
    const alias = within(dialog).getByLabelText('Alias');
    await user.type(alias, 'my key');
    expect(within(dialog).getByText(/Use only letters, digits/)).toBeTruthy();
    expect(alias.getAttribute('aria-invalid')).toBe('true');
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(document.activeElement).toBe(alias);

    await user.clear(alias);
    await user.type(alias, 'team/default{Enter}');
    expect(within(dialog).getByText(/cannot end in "\/default"/)).toBeTruthy();

    await user.clear(alias);
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(within(dialog).getByText('Give the key an alias.')).toBeTruthy();

    await user.click(alias);
    await user.paste('a'.repeat(256));
    expect(within(dialog).getByText(/too long/)).toBeTruthy();
    await user.keyboard('{Enter}');

    expect(bridge.calls.some((c) => c.channel === 'keys:create')).toBe(false);
    expect(screen.getByRole('dialog', { name: 'Create a key' })).toBeTruthy();
  });

  it('refuses a tag with a value but no key, without calling the bridge', async () => {
    const { bridge, user, dialog } = await openCreate();
    await user.type(within(dialog).getByLabelText('Alias'), 'ok-alias');
    await user.click(within(dialog).getByRole('button', { name: 'Add tag' }));
    await user.type(within(dialog).getByLabelText('Tag 1 value'), 'orphan{Enter}');
    expect(within(dialog).getByText('Tag 1 has a value but no key.')).toBeTruthy();
    expect(bridge.calls.some((c) => c.channel === 'keys:create')).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Remove tag 1' }));
    expect(within(dialog).queryByLabelText('Tag 1 value')).toBeNull();
  });

  it('shows the KMS.1104 sentence when the alias is taken, and keeps the form', async () => {
    const sentence = 'The alias "existing" already names key 00000000-0000-4000-8000-000000000001: choose another alias.';
    const { user, dialog } = await openCreate(undefined, {
      'keys:create': () => {
        throw { code: 'KMS.1104', message: sentence };
      },
    });
    await user.type(within(dialog).getByLabelText('Alias'), 'existing{Enter}');
    expect((await within(dialog).findByRole('alert')).textContent).toBe(sentence);
    expect((within(dialog).getByLabelText('Alias') as HTMLInputElement).value).toBe('existing');
    expect(within(dialog).getByRole('button', { name: 'Create key' })).toHaveProperty('disabled', false);
  });

  it('closes on Escape and returns focus to the Create key button', async () => {
    const { bridge, user } = await openCreate();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Create key' }));
    expect(bridge.calls.some((c) => c.channel === 'keys:create')).toBe(false);
  });

  it('offers the key stores: a key made in a token is made by Coffer, not exportable, and names its store', async () => {
    const store = {
      keystore_id: 'ks-1',
      keystore_alias: 'desk',
      keystore_type: 'PKCS11' as const,
      pkcs11_module: '/usr/lib/softhsm/libsofthsm2.so',
      token_label: 'desk-token',
      token_serial: '1234',
    };
    const keys = [keyInfo({ key_alias: 'existing' })];
    const created = keyInfo({ key_alias: 'in-token' });
    const { bridge, user, dialog } = await openCreate(keys, {
      'keystores:list': () => ({ keystores: [store] as never, total: 1 }),
      'keys:create': () => {
        keys.push(created);
        return { key_info: { key_id: created.key_id, domain_id: 'local' } };
      },
    });
    const inVault = await within(dialog).findByRole('radio', { name: 'This vault' });
    expect((inVault as HTMLInputElement).checked).toBe(true);
    await user.click(within(dialog).getByRole('radio', { name: /Imported/ }));
    await user.click(within(dialog).getByRole('radio', { name: 'Key store desk (token desk-token)' }));
    expect((within(dialog).getByRole('radio', { name: /Imported/ }) as HTMLInputElement).disabled).toBe(true);
    expect((within(dialog).getByRole('checkbox', { name: 'Exportable' }) as HTMLInputElement).disabled).toBe(true);
    expect(within(dialog).getByText(/generated inside the token and never leaves it/)).toBeTruthy();
    await user.type(within(dialog).getByLabelText('Alias'), 'in-token{Enter}');
    expect(bridge.calls.filter((c) => c.channel === 'keys:create').map((c) => c.request)).toEqual([
      { key_alias: 'in-token', origin: 'kms', exportable: false, keystore_id: 'ks-1' },
    ]);
  });
});
