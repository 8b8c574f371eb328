import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../../shared/ipc-contract.js';
import { App } from '../../App.js';
import { useVaultStore } from '../../state/vault-store.js';
import { installFakeBridge } from '../../test-support/fake-bridge.js';

const none = { state: 'none' as const, protection: null, vault_dir: '/home/me/.config/Coffer', vault_id: null, problem: null };
const open = { ...none, state: 'unlocked' as const, protection: 'keychain' as const, vault_id: 'v1' };

afterEach(() => {
  cleanup();
  useVaultStore.setState({ status: null, error: null, recoveryCode: null });
});

describe('first run', () => {
  it('creates the vault, shows the recovery code once, and goes on only once the user confirms keeping it', async () => {
    let created = false;
    const bridge = installFakeBridge({
      'vault:status': () => (created ? open : none),
      'vault:create': () => {
        created = true;
        return { vault_id: 'v1', protection: 'keychain', recovery_code: 'ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789' };
      },
      'settings:get': () => DEFAULT_SETTINGS,
      'keys:list': () => ({ keys: [], key_details: [], total: 0, truncated: 'false', next_marker: '' }),
    });
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByRole('button', { name: 'Create my vault' }));
    expect(bridge.calls.find((c) => c.channel === 'vault:create')?.request).toEqual({ protection: 'keychain' });
    expect(await screen.findByLabelText('Recovery code')).toHaveProperty(
      'textContent',
      'ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789',
    );
    const next = screen.getByRole('button', { name: 'Continue' });
    expect(next).toHaveProperty('disabled', true);
    await user.click(screen.getByRole('checkbox'));
    await user.click(next);
    await waitFor(() => expect(screen.getByRole('navigation', { name: 'Screens' })).toBeTruthy());
    expect(screen.queryByLabelText('Recovery code')).toBeNull();
  });

  it('asks for a passphrase twice in passphrase mode and says when they differ', async () => {
    installFakeBridge({
      'vault:status': () => none,
      'settings:get': () => DEFAULT_SETTINGS,
    });
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByRole('radio', { name: /a passphrase/ }));
    await user.type(screen.getByLabelText(/^Passphrase/), 'correct horse');
    await user.type(screen.getByLabelText('Repeat it'), 'correct hose');
    expect(screen.getByText('The two passphrases differ.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Create my vault' })).toHaveProperty('disabled', true);
  });

  it('shows a refusal in plain words', async () => {
    installFakeBridge({
      'vault:status': () => none,
      'vault:create': () => {
        throw { code: 'COFFER.1003', message: 'The OS keychain could not be reached. Use a passphrase instead.' };
      },
      'settings:get': () => DEFAULT_SETTINGS,
    });
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByRole('button', { name: 'Create my vault' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/keychain could not be reached/);
  });

  it('offers the TPM where one answers, creates the vault sealed by it, and says what the code is for', async () => {
    let created = false;
    const bridge = installFakeBridge({
      'vault:status': () => (created ? { ...open, protection: 'tpm' } : none),
      'tpm:status': () => ({ available: true }),
      'vault:create': () => {
        created = true;
        return { vault_id: 'v1', protection: 'tpm', recovery_code: 'ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345-6789' };
      },
      'settings:get': () => DEFAULT_SETTINGS,
    });
    const user = userEvent.setup();
    render(<App />);
    await user.click(await screen.findByRole('radio', { name: /TPM 2.0/ }));
    expect(screen.queryByText(/not offered/)).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Create my vault' }));
    expect(bridge.calls.find((c) => c.channel === 'vault:create')?.request).toEqual({ protection: 'tpm' });
    expect(await screen.findByText(/TPM is cleared or replaced/)).toBeTruthy();
  });

  it('says the TPM is not offered when none answers', async () => {
    installFakeBridge({
      'vault:status': () => none,
      'tpm:status': () => ({ available: false }),
      'settings:get': () => DEFAULT_SETTINGS,
    });
    render(<App />);
    expect(await screen.findByText(/No TPM 2.0 chip answered on this computer/)).toBeTruthy();
    expect(screen.getAllByRole('radio').map((r) => r.closest('label')?.textContent)).toEqual([
      expect.stringMatching(/keychain/),
      expect.stringMatching(/a passphrase/),
    ]);
  });
});
