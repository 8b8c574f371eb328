import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { useVaultStore } from '../../state/vault-store.js';
import { installFakeBridge } from '../../test-support/fake-bridge.js';
import { ProtectionActions } from './ProtectionActions.js';

const keychain = { state: 'unlocked' as const, protection: 'keychain' as const, vault_dir: '/v', vault_id: 'v1', problem: null };

afterEach(() => {
  cleanup();
  useVaultStore.setState({ status: null });
});

describe('protection actions', () => {
  it('switch a keychain vault to a passphrase, only when both entries match', async () => {
    useVaultStore.setState({ status: keychain });
    const bridge = installFakeBridge({ 'vault:change-protection': () => ({ ...keychain, protection: 'passphrase' }) });
    const user = userEvent.setup();
    render(<ProtectionActions />);
    await user.type(screen.getByLabelText(/^New passphrase/), 'a long passphrase');
    await user.type(screen.getByLabelText('Repeat the new passphrase'), 'a long passphrasE');
    expect(screen.getByRole('button', { name: 'Save passphrase' })).toHaveProperty('disabled', true);
    await user.clear(screen.getByLabelText('Repeat the new passphrase'));
    await user.type(screen.getByLabelText('Repeat the new passphrase'), 'a long passphrase');
    await user.click(screen.getByRole('button', { name: 'Save passphrase' }));
    expect(bridge.calls.at(-1)).toEqual({
      channel: 'vault:change-protection',
      request: { protection: 'passphrase', passphrase: 'a long passphrase' },
    });
    expect((await screen.findByRole('status')).textContent).toMatch(/new passphrase/);
    expect(useVaultStore.getState().status?.protection).toBe('passphrase');
  });

  it('offers a TPM vault a passphrase or the keychain instead, naming the TPM, not the keychain, as what it replaces', async () => {
    const tpm = { ...keychain, protection: 'tpm' as const };
    useVaultStore.setState({ status: tpm });
    const bridge = installFakeBridge({ 'vault:change-protection': () => keychain });
    const user = userEvent.setup();
    render(<ProtectionActions />);
    expect(screen.getByRole('heading', { name: 'Use a passphrase instead of the TPM' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Use the keychain instead' }));
    expect(bridge.calls.at(-1)).toEqual({ channel: 'vault:change-protection', request: { protection: 'keychain' } });
    expect((await screen.findByRole('status')).textContent).toMatch(/keychain/);
    expect(useVaultStore.getState().status?.protection).toBe('keychain');
  });

  it('offers a keychain vault no move to the keychain it already has, nor to a TPM that does not answer', async () => {
    useVaultStore.setState({ status: keychain });
    const bridge = installFakeBridge({ 'tpm:status': () => ({ available: false }) });
    render(<ProtectionActions />);
    expect(screen.getByRole('heading', { name: 'Use a passphrase instead of the keychain' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Use the keychain instead' })).toBeNull();
    await waitFor(() => expect(bridge.calls.map((c) => c.channel)).toContain('tpm:status'));
    expect(screen.queryByRole('button', { name: /TPM/ })).toBeNull();
  });

  it('seals a keychain vault with the TPM where one answers, and then offers it no more', async () => {
    useVaultStore.setState({ status: keychain });
    const bridge = installFakeBridge({
      'tpm:status': () => ({ available: true }),
      'vault:change-protection': () => ({ ...keychain, protection: 'tpm' }),
    });
    const user = userEvent.setup();
    render(<ProtectionActions />);
    await user.click(await screen.findByRole('button', { name: "Seal it with this computer's TPM instead" }));
    expect(bridge.calls.at(-1)).toEqual({ channel: 'vault:change-protection', request: { protection: 'tpm' } });
    expect((await screen.findByRole('status')).textContent).toMatch(/sealed by this computer's TPM 2.0 chip/);
    expect(useVaultStore.getState().status?.protection).toBe('tpm');
    expect(screen.queryByRole('button', { name: "Seal it with this computer's TPM instead" })).toBeNull();
    expect(screen.getByRole('button', { name: 'Use the keychain instead' })).toBeTruthy();
  });

  it("backs up where main's save dialog says and restores the file its open dialog gave, showing refusals in plain words", async () => {
    useVaultStore.setState({ status: keychain });
    const saved = [null, '/b/keys.backup'];
    const bridge = installFakeBridge({
      'vault:backup': () => {
        const backup = saved.shift();
        return backup
          ? {
              cancelled: false,
              backup,
              keys: 3,
              key_versions: 5,
              contacts: 2,
              key_stores: 1,
              key_stores_without_pin: ['hsm1'],
            }
          : { cancelled: true };
      },
      'files:choose': () => ({ files: [{ handle: 'AAAAAAAAAAAAAAAAAAAAAA', path: '/b/keys.backup', name: 'keys.backup' }] }),
      'vault:restore': () => {
        throw {
          code: 'COFFER.1011',
          message:
            'The backup holds 2 key(s) that already exist in this vault. Nothing was restored; add --force to replace them.',
        };
      },
      'keys:list': () => ({ keys: [], key_details: [], total: 0, truncated: 'false', next_marker: '' }),
    });
    const user = userEvent.setup();
    render(<ProtectionActions />);
    // No path field: the window cannot name where a backup goes.
    expect(screen.queryByRole('textbox', { name: /backup file/i })).toBeNull();
    await user.type(screen.getByLabelText('Backup passphrase'), 'backup pass');
    await user.click(screen.getByRole('button', { name: 'Back up…' }));
    expect((await screen.findByRole('status')).textContent).toBe('No backup was written: the save dialog was cancelled.');
    await user.click(screen.getByRole('button', { name: 'Back up…' }));
    expect(bridge.calls.filter((c) => c.channel === 'vault:backup').map((c) => c.request)).toEqual([
      { passphrase: 'backup pass' },
      { passphrase: 'backup pass' },
    ]);
    expect((await screen.findByText(/^Backed up/)).textContent).toBe(
      'Backed up 3 key(s), 5 version(s), 2 contact(s), 1 key store(s), to /b/keys.backup. ' +
        'The PIN of hsm1 is not in the backup: it is asked for after a restore.',
    );
    await user.type(screen.getByLabelText('Passphrase of the backup'), 'backup pass');
    expect(screen.getByRole('button', { name: 'Restore' })).toHaveProperty('disabled', true);
    await user.click(screen.getByRole('button', { name: 'Choose backup file…' }));
    expect(await screen.findByText('keys.backup')).toBeTruthy();
    await user.click(screen.getByRole('checkbox'));
    await user.click(screen.getByRole('button', { name: 'Restore' }));
    expect(bridge.calls.at(-1)).toEqual({
      channel: 'vault:restore',
      request: { file: 'AAAAAAAAAAAAAAAAAAAAAA', passphrase: 'backup pass', force: true },
    });
    expect((await screen.findByRole('alert')).textContent).toMatch(/already exist/);
  });
});
