import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RollbackGenerationView } from '../../../../shared/ipc-contract.js';
import { DEFAULT_SETTINGS } from '../../../../shared/ipc-contract.js';
import { useKeysStore } from '../../state/keys-store.js';
import { useSettingsStore } from '../../state/settings-store.js';
import { installFakeBridge } from '../../test-support/fake-bridge.js';
import { DecryptingSection } from './DecryptingSection.js';
import { RollbackSection } from './RollbackSection.js';

afterEach(cleanup);
beforeEach(() => {
  useKeysStore.setState({ keys: [], loaded: true, error: null });
  useSettingsStore.setState({ settings: DEFAULT_SETTINGS, error: null });
});

const NEWER = '44444444-4444-4444-8444-444444444444';
const lacking: RollbackGenerationView = {
  generation: 6,
  saved: '2026-12-05T10:00:00.000Z',
  lost_keys: [
    { key_id: NEWER, alias: 'newer', version: null },
    { key_id: '55555555-5555-4555-8555-555555555555', alias: 'rotated', version: 2 },
  ],
};

function rollbackFake(generation: RollbackGenerationView) {
  return installFakeBridge({
    'vault:rollback-generations': () => ({ generations: [generation] }),
    'vault:rollback': ({ force }) => {
      if (generation.lost_keys.length > 0 && !force) throw { code: 'COFFER.1019', message: 'needs --force' };
      return {
        restored_generation: generation.generation,
        damaged_file_kept_as: '/home/me/.config/Coffer/vault.damaged-x.json',
        dropped_keys: force ? generation.lost_keys.map((k) => `key ${k.key_id} (alias "${k.alias}")`) : [],
      };
    },
    'keys:list': () => ({ keys: [], key_details: [], total: 0, truncated: 'false', next_marker: '' }),
  });
}

describe('rollback in Settings', () => {
  it('names the keys the generation lacks (alias + id) in a dialog, and drops them only when asked', async () => {
    const bridge = rollbackFake(lacking);
    const user = userEvent.setup();
    render(<RollbackSection headingId="rollback" />);
    await user.click(await screen.findByRole('button', { name: 'Roll back to generation 6' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Drop 2 keys to roll back?' });
    const lost = within(dialog).getByRole('list', { name: 'Keys that would be lost' });
    expect(
      within(lost)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual([`newer (${NEWER})`, 'rotated (55555555-5555-4555-8555-555555555555), version 2']);
    // Nothing was rolled back to ask the question; keeping the vault closes the dialog and does nothing.
    expect(bridge.calls.filter((c) => c.channel === 'vault:rollback')).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Keep the current vault' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(bridge.calls.filter((c) => c.channel === 'vault:rollback')).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Roll back to generation 6' }));
    await user.click(screen.getByRole('button', { name: 'Drop them and roll back' }));
    expect(await screen.findByText(/The vault is back at generation 6/)).toBeTruthy();
    expect(bridge.calls.filter((c) => c.channel === 'vault:rollback').map((c) => c.request)).toEqual([
      { generation: 6, force: true },
    ]);
    expect(screen.queryByRole('alertdialog')).toBeNull();
  });

  it('rolls back at once, without a question, when the generation lacks nothing', async () => {
    const bridge = rollbackFake({ generation: 3, saved: '2026-12-05T10:00:00.000Z', lost_keys: [] });
    const user = userEvent.setup();
    render(<RollbackSection headingId="rollback" />);
    await user.click(await screen.findByRole('button', { name: 'Roll back to generation 3' }));
    expect(await screen.findByText(/The vault is back at generation 3/)).toBeTruthy();
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(bridge.calls.find((c) => c.channel === 'vault:rollback')?.request).toEqual({ generation: 3, force: false });
  });

  it('says when there is nothing to go back to', async () => {
    installFakeBridge({ 'vault:rollback-generations': () => ({ generations: [] }) });
    render(<RollbackSection headingId="rollback" />);
    expect(await screen.findByText('There is no previous generation to go back to yet.')).toBeTruthy();
  });
});

describe('the EDK limit in Settings', () => {
  it('saves a number in 1..65535, clears to the default, and refuses anything else without saving', async () => {
    const saved: unknown[] = [];
    const user = userEvent.setup();
    render(<DecryptingSection headingId="decrypting" save={async (changes) => void saved.push(changes)} />);
    const input = screen.getByLabelText('Most encrypted data keys in a file');
    await user.type(input, '70000');
    await user.click(screen.getByRole('button', { name: 'Save limit' }));
    expect(screen.getByRole('alert').textContent).toMatch(/from 1 to 65535/);
    expect(saved).toEqual([]);
    await user.clear(input);
    await user.type(input, '8');
    await user.click(screen.getByRole('button', { name: 'Save limit' }));
    expect(saved).toEqual([{ max_encrypted_data_keys: 8 }]);
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
