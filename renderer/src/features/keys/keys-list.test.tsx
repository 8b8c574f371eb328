import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { installFakeBridge } from '../../test-support/fake-bridge.js';
import { KeysScreen } from './KeysScreen.js';
import { keyInfo, listOf, resetKeysStore } from './test-fixtures.js';

afterEach(() => {
  cleanup();
  resetKeysStore();
});

describe('keys list', () => {
  it('shows every key with its alias, key spec and usage, state in words, rotation and creation date', async () => {
    const keys = [
      keyInfo({ key_alias: 'photos', key_rotation_enabled: 'true', rotation_interval: 90 }),
      keyInfo({ key_alias: 'taxes', key_state: '3' }),
      keyInfo({ key_alias: 'old', key_state: '4', scheduled_deletion_date: String(Date.UTC(2030, 5, 1)) }),
      keyInfo({ key_alias: 'mine', key_state: '5', origin: 'external', key_namespace: 'acme-backup', key_name: 'nightly/2026' }),
      keyInfo({ key_alias: 'signer', key_spec: 'EC_P384', key_usage: 'SIGN_VERIFY' }),
    ];
    const bridge = installFakeBridge({ 'keys:list': () => listOf(keys) });
    render(<KeysScreen />);
    const table = await screen.findByRole('table', { name: 'Keys' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(5);
    const cells = rows.map((row) =>
      within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    );
    expect(rows[0]?.textContent).toContain('photos');
    expect(cells[0]?.[0]).toBe('AES_256ENCRYPT_DECRYPT');
    expect(cells[0]?.[1]).toBe('Enabled');
    expect(cells[0]?.[2]).toBe('On, every 90 days');
    expect(cells[0]?.[3]).toBe(
      new Date(Date.UTC(2025, 0, 15)).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }),
    );
    expect(cells[1]?.[1]).toBe('Disabled');
    expect(cells[1]?.[2]).toBe('Off');
    expect(cells[2]?.[1]).toMatch(/^Pending deletion on /);
    expect(cells[3]?.[1]).toBe('Pending import');
    expect(cells[3]?.[2]).toBe('Not available (imported)');
    // Another tool's names show under the alias; an asymmetric key shows its spec and usage, and no rotation.
    expect(rows[3]?.querySelector('th')?.textContent).toContain('acme-backup / nightly/2026');
    expect(rows[0]?.querySelector('th')?.textContent).not.toContain('coffer');
    expect(cells[4]?.[0]).toBe('EC_P384SIGN_VERIFY');
    expect(cells[4]?.[2]).toBe('Not available (asymmetric)');
    expect(bridge.calls[0]).toEqual({ channel: 'keys:list', request: { limit: 1000 } });
    // One "Create key" button when there are keys.
    expect(screen.getAllByRole('button', { name: 'Create key' })).toHaveLength(1);
  });

  it('shows the empty state with a create button that opens the form', async () => {
    installFakeBridge({ 'keys:list': () => listOf([]) });
    const user = userEvent.setup();
    render(<KeysScreen />);
    expect(await screen.findByText('No keys yet: create one to protect your files')).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Create key' }));
    const dialog = screen.getByRole('dialog', { name: 'Create a key' });
    expect(document.activeElement).toBe(within(dialog).getByLabelText('Alias'));
  });

  it('shows a failed load in words, with a way to try again', async () => {
    let fail = true;
    installFakeBridge({
      'keys:list': () => {
        if (fail) throw { code: 'COFFER.2001', message: 'The vault is locked: unlock it first.' };
        return listOf([keyInfo({ key_alias: 'back' })]);
      },
    });
    const user = userEvent.setup();
    render(<KeysScreen />);
    expect((await screen.findByRole('alert')).textContent).toBe('The vault is locked: unlock it first.');
    fail = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('button', { name: 'back' })).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('opens the details of a selected row, by mouse or keyboard, and Escape closes them', async () => {
    const keys = [keyInfo({ key_alias: 'photos', key_description: 'Holiday pictures' }), keyInfo({ key_alias: 'taxes' })];
    installFakeBridge({ 'keys:list': () => listOf(keys) });
    const user = userEvent.setup();
    render(<KeysScreen />);
    await user.click(await screen.findByRole('button', { name: 'photos' }));
    const details = screen.getByRole('region', { name: 'Key details' });
    expect(within(details).getByRole('heading', { level: 2 }).textContent).toBe('photos');
    expect(document.activeElement).toBe(within(details).getByRole('heading', { level: 2 }));
    expect(within(details).getByText(keys[0]!.key_id)).toBeTruthy();
    expect((within(details).getByLabelText('Key description') as HTMLInputElement).value).toBe('Holiday pictures');
    expect(screen.getByRole('row', { current: true }).textContent).toContain('photos');

    // Keyboard: focus the other alias button and press Enter.
    screen.getByRole('button', { name: 'taxes' }).focus();
    await user.keyboard('{Enter}');
    expect(within(screen.getByRole('region', { name: 'Key details' })).getByRole('heading', { level: 2 }).textContent).toBe(
      'taxes',
    );

    await user.keyboard('{Escape}');
    expect(screen.queryByRole('region', { name: 'Key details' })).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'taxes' })));
  });
});
