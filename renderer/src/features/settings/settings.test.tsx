import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type KeyStoreView, type Settings } from '../../../../shared/ipc-contract.js';
import { useKeysStore } from '../../state/keys-store.js';
import { useSettingsStore } from '../../state/settings-store.js';
import { useVaultStore } from '../../state/vault-store.js';
import { installFakeBridge } from '../../test-support/fake-bridge.js';
import { optionLabels, pickOption } from '../../test-support/search-select.js';
import { testKey } from '../text/test-keys.js';
import { SettingsScreen } from './SettingsScreen.js';

const alpha = testKey('11111111-1111-4111-8111-111111111111', 'alpha');
const beta = testKey('22222222-2222-4222-8222-222222222222', 'beta');
const off = testKey('33333333-3333-4333-8333-333333333333', 'switched-off', '1');
const vault = {
  state: 'unlocked' as const,
  protection: 'keychain' as const,
  vault_dir: '/home/me/.config/Coffer',
  vault_id: 'v1',
  problem: null,
};

const notInstalled = { platform: 'linux' as const, installed: false, written: [], removed: [], notes: [] };

/** The handle Coffer's folder dialog grants in these tests. */
const FOLDER_HANDLE = 'FFFFFFFFFFFFFFFFFFFFFF';

/** settings:set merging like main's store (a folder's handle stored as its path); every request kept in `bridge.calls`. */
function settingsFake(initial: Settings = DEFAULT_SETTINGS) {
  let current = initial;
  return installFakeBridge({
    'settings:get': () => current,
    'settings:set': ({ out_dir, ...changes }) =>
      (current = {
        ...current,
        ...changes,
        ...(out_dir === undefined ? {} : { out_dir: out_dir === FOLDER_HANDLE ? '/home/me/Encrypted' : null }),
      }),
    'files:choose': () => ({ files: [{ handle: FOLDER_HANDLE, path: '/home/me/Encrypted', name: 'Encrypted' }] }),
    'shell:status': () => notInstalled,
    'keystores:list': () => ({ keystores: [], total: 0 }),
    'vault:rollback-generations': () => ({ generations: [] }),
  });
}
const sets = (bridge: ReturnType<typeof settingsFake>): unknown[] =>
  bridge.calls.filter((c) => c.channel === 'settings:set').map((c) => c.request);

beforeEach(() => {
  useKeysStore.setState({ keys: [alpha, beta, off], loaded: true, error: null });
  useSettingsStore.setState({ settings: DEFAULT_SETTINGS, error: null });
  useVaultStore.setState({ status: vault, error: null, recoveryCode: null });
});
afterEach(() => cleanup());

describe('Settings screen', () => {
  it('shows the protection and how to recover and back up', () => {
    settingsFake();
    render(<SettingsScreen />);
    expect(screen.getByText(/protected by this computer's keychain/)).toBeTruthy();
    expect(screen.getByText('coffer recover')).toBeTruthy();
    expect(screen.getByText(/coffer backup/)).toBeTruthy();
    cleanup();
    useVaultStore.setState({ status: { ...vault, protection: 'passphrase' } });
    render(<SettingsScreen />);
    expect(screen.getByText(/protected by a passphrase/)).toBeTruthy();
    cleanup();
    useVaultStore.setState({ status: { ...vault, protection: 'tpm' } });
    render(<SettingsScreen />);
    expect(screen.getByText(/sealed by this computer's TPM 2.0 chip/)).toBeTruthy();
    expect(screen.queryByText(/not known yet/)).toBeNull();
  });

  it('saves the default key, chosen among enabled keys', async () => {
    const bridge = settingsFake();
    const user = userEvent.setup();
    render(<SettingsScreen />);
    const select = screen.getByRole('combobox', { name: 'Default key' }) as HTMLInputElement;
    expect(await optionLabels(user, select)).toEqual(['None (ask each time)', 'alpha', 'beta']);
    await pickOption(user, select, 'beta');
    await waitFor(() => expect(select.value).toBe('beta'));
    expect(sets(bridge)).toEqual([{ default_key_id: beta.key_id }]);
    expect(useSettingsStore.getState().settings.default_key_id).toBe(beta.key_id);
    expect(screen.getByText('Settings saved.')).toBeTruthy();
    await pickOption(user, select, 'None (ask each time)');
    await waitFor(() => expect(sets(bridge)).toEqual([{ default_key_id: beta.key_id }, { default_key_id: null }]));
  });

  it('saves the theme', async () => {
    const bridge = settingsFake();
    const user = userEvent.setup();
    render(<SettingsScreen />);
    expect(screen.getByRole('radio', { name: 'System' })).toHaveProperty('checked', true);
    await user.click(screen.getByRole('radio', { name: 'Dark' }));
    await waitFor(() => expect(screen.getByRole('radio', { name: 'Dark' })).toHaveProperty('checked', true));
    expect(sets(bridge)).toEqual([{ theme: 'dark' }]);
    expect(useSettingsStore.getState().settings.theme).toBe('dark');
  });

  it('saves the frame length, showing 256 KiB when none is set', async () => {
    const bridge = settingsFake();
    const user = userEvent.setup();
    render(<SettingsScreen />);
    const select = screen.getByRole('combobox', { name: 'Frame length' }) as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['64 KiB', '256 KiB (default)', '1 MiB', '4 MiB']);
    expect(select.options[select.selectedIndex]?.textContent).toBe('256 KiB (default)');
    await user.selectOptions(select, '1 MiB');
    await waitFor(() => expect(select.value).toBe(String(1024 * 1024)));
    expect(select.options[select.selectedIndex]?.textContent).toBe('1 MiB');
    expect(sets(bridge)).toEqual([{ frame_length: 1024 * 1024 }]);
  });

  it('saves "remove originals" and shows its warning', async () => {
    const bridge = settingsFake();
    const user = userEvent.setup();
    render(<SettingsScreen />);
    const box = screen.getByRole('checkbox', { name: 'Remove originals after a verified encryption' });
    expect(box).toHaveProperty('checked', false);
    const warning = document.getElementById(box.getAttribute('aria-describedby') ?? '');
    expect(warning?.textContent).toMatch(/^Warning: the original is deleted/);
    await user.click(box);
    await waitFor(() => expect(box).toHaveProperty('checked', true));
    expect(sets(bridge)).toEqual([{ remove_originals: true }]);
    expect(warning?.className).toMatch(/\bon\b/);
  });

  it("sets the output folder from Coffer's folder dialog (by handle, never a typed path), or beside the original", async () => {
    const bridge = settingsFake({ ...DEFAULT_SETTINGS, out_dir: '/old' });
    useSettingsStore.setState({ settings: { ...DEFAULT_SETTINGS, out_dir: '/old' } });
    const user = userEvent.setup();
    render(<SettingsScreen />);
    const field = screen.getByRole('textbox', { name: 'Default output folder' });
    expect(field).toHaveProperty('value', '/old');
    expect(field).toHaveProperty('readOnly', true);
    await user.type(field, '/home/me/Vaulted{Enter}');
    expect(sets(bridge)).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Beside the original' }));
    await waitFor(() => expect(field).toHaveProperty('value', ''));
    await user.click(screen.getByRole('button', { name: 'Choose folder…' }));
    await waitFor(() => expect(field).toHaveProperty('value', '/home/me/Encrypted'));
    expect(sets(bridge)).toEqual([{ out_dir: null }, { out_dir: FOLDER_HANDLE }]);
  });

  it('shows a refused change in plain words', async () => {
    installFakeBridge({
      'settings:set': () => {
        throw { code: 'COFFER.1010', message: 'The settings file could not be written: the disk is full.' };
      },
      'shell:status': () => notInstalled,
      'keystores:list': () => ({ keystores: [], total: 0 }),
      'vault:rollback-generations': () => ({ generations: [] }),
    });
    const user = userEvent.setup();
    render(<SettingsScreen />);
    await user.click(screen.getByRole('radio', { name: 'Light' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The settings file could not be written: the disk is full.');
    expect(screen.getByRole('radio', { name: 'System' })).toHaveProperty('checked', true);
  });

  it('offers the right-click integration with its current state', async () => {
    settingsFake();
    render(<SettingsScreen />);
    expect(await screen.findByText('Not installed.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add to the right-click menu' })).toHaveProperty('disabled', false);
  });

  it("points a key store at the module chosen in Coffer's dialog (by handle), and says why one is refused", async () => {
    const store: KeyStoreView = {
      keystore_id: '44444444-4444-4444-8444-444444444444',
      keystore_alias: 'desk',
      keystore_type: 'PKCS11',
      pkcs11_module: '/opt/source-machine/libsofthsm2.so',
      token_label: 'desk-token',
      token_serial: '0a1b2c3d4e5f6a7b',
      token_model: 'SoftHSM v2',
      pin_storage: 'keychain',
      key_count: 1,
      pending_token_cleanup: [],
      create_time: '0',
    };
    const MODULE_HANDLE = 'MMMMMMMMMMMMMMMMMMMMMM';
    let refuse = true;
    const bridge = installFakeBridge({
      'settings:get': () => DEFAULT_SETTINGS,
      'shell:status': () => notInstalled,
      'vault:rollback-generations': () => ({ generations: [] }),
      'keystores:list': () => ({ keystores: [store], total: 1 }),
      'files:choose': () => ({
        files: [{ handle: MODULE_HANDLE, path: '/usr/lib/softhsm/libsofthsm2.so', name: 'libsofthsm2.so' }],
      }),
      'keystores:set-module': () => {
        if (refuse) {
          throw {
            code: 'COFFER.9002',
            message: 'Key store desk: the PKCS#11 module does not see the token labelled "desk-token".',
          };
        }
        store.pkcs11_module = '/usr/lib/softhsm/libsofthsm2.so';
        return { key_store_info: store };
      },
    });
    const user = userEvent.setup();
    render(<SettingsScreen />);
    const change = await screen.findByRole('button', { name: 'Change module of desk' });
    await user.click(change);
    expect((await screen.findByRole('alert')).textContent).toMatch(/does not see the token labelled "desk-token"/);

    refuse = false;
    await user.click(change);
    expect(
      (await screen.findByText(/Key store desk now uses the module \/usr\/lib\/softhsm\/libsofthsm2\.so/)).getAttribute('role'),
    ).toBe('status');
    expect(bridge.calls.filter((c) => c.channel === 'keystores:set-module').map((c) => c.request)).toEqual([
      { keystore_id: store.keystore_id, module_file: MODULE_HANDLE },
      { keystore_id: store.keystore_id, module_file: MODULE_HANDLE },
    ]);
    await waitFor(() =>
      expect(screen.getByRole('list', { name: 'Key stores' }).textContent).toContain('/usr/lib/softhsm/libsofthsm2.so'),
    );
  });

  it("names a store's deleted keys still in its token, and Retry cleanup asks for that store and says what came of it", async () => {
    const gone = ['55555555-5555-4555-8555-555555555555', '66666666-6666-4666-8666-666666666666'];
    const store: KeyStoreView = {
      keystore_id: '44444444-4444-4444-8444-444444444444',
      keystore_alias: 'desk',
      keystore_type: 'PKCS11',
      pkcs11_module: '/usr/lib/softhsm/libsofthsm2.so',
      token_label: 'desk-token',
      token_serial: '0a1b2c3d4e5f6a7b',
      token_model: 'SoftHSM v2',
      pin_storage: 'keychain',
      key_count: 0,
      pending_token_cleanup: gone,
      create_time: '0',
    };
    let tokenBack = false;
    const bridge = installFakeBridge({
      'settings:get': () => DEFAULT_SETTINGS,
      'shell:status': () => notInstalled,
      'vault:rollback-generations': () => ({ generations: [] }),
      'keystores:list': () => ({ keystores: [store], total: 1 }),
      'keystores:retry-cleanup': () => {
        if (!tokenBack) {
          return {
            keystore_id: store.keystore_id,
            keystore_alias: 'desk',
            destroyed: [],
            pending: gone.map((key_id) => ({ key_id, problem: 'Key store desk: no token labelled "desk-token" is present.' })),
          };
        }
        store.pending_token_cleanup = [];
        return { keystore_id: store.keystore_id, keystore_alias: 'desk', destroyed: gone, pending: [] };
      },
    });
    const user = userEvent.setup();
    render(<SettingsScreen />);
    const retry = await screen.findByRole('button', { name: 'Retry cleanup of desk' });
    const list = screen.getByRole('list', { name: 'Key stores' });
    expect(list.textContent).toContain(`The token still holds the objects of 2 deleted keys (${gone[0]}, ${gone[1]})`);
    await user.click(retry);
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Key store desk: 2 deleted keys still have objects in the token: Key store desk: no token labelled "desk-token" is present.',
    );

    tokenBack = true;
    await user.click(retry);
    expect((await screen.findByText(/the token objects of 2 deleted keys were destroyed/)).getAttribute('role')).toBe('status');
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Retry cleanup of desk' })).toBeNull());
    expect(bridge.calls.filter((c) => c.channel === 'keystores:retry-cleanup').map((c) => c.request)).toEqual([
      { keystore_id: store.keystore_id },
      { keystore_id: store.keystore_id },
    ]);
  });
});
