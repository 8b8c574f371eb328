import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../../../shared/kms-responses.js';
import { DAY_MS, KeyState } from '../../../../shared/key-types.js';
import { installFakeBridge, type FakeHandlers } from '../../test-support/fake-bridge.js';
import { formatDate } from '../../ui/format.js';
import { formatDateTime } from './key-format.js';
import { KeysScreen } from './KeysScreen.js';
import { keyInfo, listOf, resetKeysStore, rotationOf, setState } from './test-fixtures.js';

afterEach(() => {
  cleanup();
  resetKeysStore();
});

/** Renders the screen over a live list (handlers change `keys`) and opens the first key's details. */
async function openDetails(keys: KeyInfo[], handlers: FakeHandlers = {}) {
  const bridge = installFakeBridge({ 'keys:list': () => listOf(keys), ...handlers });
  const user = userEvent.setup();
  render(<KeysScreen />);
  await user.click(await screen.findByRole('button', { name: keys[0]!.key_alias }));
  const details = () => screen.getByRole('region', { name: 'Key details' });
  return { bridge, user, details };
}

function requestsOf(bridge: { calls: { channel: string; request: unknown }[] }, channel: string): unknown[] {
  return bridge.calls.filter((c) => c.channel === channel).map((c) => c.request);
}

describe('key details', () => {
  it('disables and enables a key, reloading the list and keeping the selection', async () => {
    const key = keyInfo({ key_alias: 'photos' });
    const keys = [keyInfo({ key_alias: 'other' }), key];
    keys.reverse();
    const { bridge, user, details } = await openDetails(keys, {
      'keys:disable': ({ key_id }) => {
        setState(
          keys.find((k) => k.key_id === key_id)!,
          KeyState.Disabled,
        );
        return { key_info: { key_id, key_state: '3' } };
      },
      'keys:enable': ({ key_id }) => {
        setState(
          keys.find((k) => k.key_id === key_id)!,
          KeyState.Enabled,
        );
        return { key_info: { key_id, key_state: '2' } };
      },
    });
    const listLoads = () => requestsOf(bridge, 'keys:list').length;
    const before = listLoads();
    const toggle = within(details()).getByRole('button', { name: 'Disable key' });
    await user.click(toggle);
    expect(await within(details()).findByRole('button', { name: 'Enable key' })).toBe(toggle);
    expect(document.activeElement).toBe(toggle);
    expect(requestsOf(bridge, 'keys:disable')).toEqual([{ key_id: key.key_id }]);
    expect(listLoads()).toBe(before + 1);
    expect(within(screen.getByRole('row', { current: true })).getByText('Disabled')).toBeTruthy();
    expect(within(details()).getByRole('heading', { level: 2 }).textContent).toBe('photos');
    expect(screen.getByRole('status').textContent).toMatch(/"photos" is disabled/);

    await user.click(toggle);
    expect(await within(details()).findByRole('button', { name: 'Disable key' })).toBe(toggle);
    expect(requestsOf(bridge, 'keys:enable')).toEqual([{ key_id: key.key_id }]);
    expect(within(screen.getByRole('row', { current: true })).getByText('Enabled')).toBeTruthy();
  });

  it('shows a refusal from the KMS as its sentence', async () => {
    const key = keyInfo({ key_alias: 'photos' });
    const { user, details } = await openDetails([key], {
      'keys:disable': () => {
        throw { code: 'KMS.1301', message: `Key ${key.key_id} is already disabled.` };
      },
    });
    await user.click(within(details()).getByRole('button', { name: 'Disable key' }));
    expect((await within(details()).findByRole('alert')).textContent).toBe(`Key ${key.key_id} is already disabled.`);
  });

  it('renames a key and keeps it selected', async () => {
    const key = keyInfo({ key_alias: 'photos' });
    const keys = [key];
    const { bridge, user, details } = await openDetails(keys, {
      'keys:update-alias': ({ key_id, key_alias }) => {
        key.key_alias = key_alias;
        return { key_info: { key_id, key_alias } };
      },
    });
    const field = within(details()).getByLabelText('Key alias');
    await user.clear(field);
    await user.type(field, 'bad alias');
    expect(within(details()).getByRole('button', { name: 'Save alias' })).toHaveProperty('disabled', true);
    await user.clear(field);
    await user.type(field, 'pictures{Enter}');
    expect(requestsOf(bridge, 'keys:update-alias')).toEqual([{ key_id: key.key_id, key_alias: 'pictures' }]);
    expect(await screen.findByRole('button', { name: 'pictures' })).toBeTruthy();
    expect(within(details()).getByRole('heading', { level: 2 }).textContent).toBe('pictures');
  });

  it('enables rotation with an interval, refuses an out-of-range one, and rotates now', async () => {
    const key = keyInfo({ key_alias: 'photos' });
    const keys = [key];
    const { bridge, user, details } = await openDetails(keys, {
      'keys:enable-rotation': ({ rotation_interval }) => {
        key.key_rotation_enabled = 'true';
        key.rotation_interval = rotation_interval ?? 365;
        return rotationOf(key, { next_rotation_time: String(Date.UTC(2025, 3, 15)) });
      },
      'keys:rotation-status': () => rotationOf(key, { next_rotation_time: String(Date.UTC(2025, 3, 15)) }),
      'keys:rotate': () => {
        key.key_versions = [...key.key_versions, key.key_versions.length + 1];
        key.key_version = key.key_versions.length;
        key.number_of_rotations += 1;
        key.last_rotation_time = String(Date.UTC(2025, 1, 1, 12));
        return rotationOf(key);
      },
    });
    const rotation = () => within(details()).getByRole('region', { name: 'Rotation' });
    expect(within(rotation()).getByText('Off')).toBeTruthy();
    expect(within(rotation()).getByText('Never')).toBeTruthy();
    const interval = within(rotation()).getByLabelText(/^Rotation interval \(days/);
    expect((interval as HTMLInputElement).value).toBe('365');
    await user.clear(interval);
    await user.type(interval, '20');
    expect(within(rotation()).getByText('The rotation interval must be a whole number of days from 30 to 365.')).toBeTruthy();
    expect(within(rotation()).getByRole('button', { name: 'Enable rotation' })).toHaveProperty('disabled', true);
    await user.keyboard('{Enter}');
    expect(requestsOf(bridge, 'keys:enable-rotation')).toEqual([]);

    await user.clear(interval);
    await user.type(interval, '90{Enter}');
    expect(requestsOf(bridge, 'keys:enable-rotation')).toEqual([{ key_id: key.key_id, rotation_interval: 90 }]);
    expect(await within(rotation()).findByText('On, every 90 days')).toBeTruthy();
    expect(within(rotation()).getByRole('button', { name: 'Change interval' })).toBeTruthy();
    expect(within(rotation()).getByRole('button', { name: 'Disable rotation' })).toBeTruthy();
    expect(within(rotation()).getByText(formatDate(String(Date.UTC(2025, 3, 15))))).toBeTruthy();
    expect(within(screen.getByRole('row', { current: true })).getByText('On, every 90 days')).toBeTruthy();

    await user.click(within(rotation()).getByRole('button', { name: 'Rotate now' }));
    expect(requestsOf(bridge, 'keys:rotate')).toEqual([{ key_id: key.key_id }]);
    expect(await screen.findByText('Key rotated: new version 2 now encrypts new data.')).toBeTruthy();
    expect(within(rotation()).getByText('1, 2')).toBeTruthy();
    expect(within(rotation()).getByText(formatDateTime(String(Date.UTC(2025, 1, 1, 12))))).toBeTruthy();
    expect(within(rotation()).queryByText('Never')).toBeNull();
  });

  it('changes the interval and disables rotation', async () => {
    const key = keyInfo({ key_alias: 'photos', key_rotation_enabled: 'true', rotation_interval: 180 });
    const { bridge, user, details } = await openDetails([key], {
      'keys:rotation-status': () => rotationOf(key),
      'keys:update-rotation-interval': ({ rotation_interval }) => {
        key.rotation_interval = rotation_interval;
        return rotationOf(key);
      },
      'keys:disable-rotation': () => {
        key.key_rotation_enabled = 'false';
        return rotationOf(key);
      },
    });
    const rotation = within(details()).getByRole('region', { name: 'Rotation' });
    const interval = within(rotation).getByLabelText(/^Rotation interval/);
    await user.clear(interval);
    await user.type(interval, '60');
    await user.click(within(rotation).getByRole('button', { name: 'Change interval' }));
    expect(requestsOf(bridge, 'keys:update-rotation-interval')).toEqual([{ key_id: key.key_id, rotation_interval: 60 }]);
    expect(await within(rotation).findByText('On, every 60 days')).toBeTruthy();
    await user.click(within(rotation).getByRole('button', { name: 'Disable rotation' }));
    expect(requestsOf(bridge, 'keys:disable-rotation')).toEqual([{ key_id: key.key_id }]);
    expect(await within(rotation).findByRole('button', { name: 'Enable rotation' })).toBeTruthy();
    expect(document.activeElement).toBe(interval);
  });

  it('keeps the deletion confirmation disabled until the alias is typed, then schedules with pending_days', async () => {
    const key = keyInfo({ key_alias: 'photos' });
    const when = Date.now() + 45 * DAY_MS;
    const { bridge, user, details } = await openDetails([key], {
      'keys:schedule-deletion': ({ key_id, pending_days }) => {
        setState(key, KeyState.PendingDeletion);
        key.scheduled_deletion_date = String(Date.now() + pending_days * DAY_MS);
        return { key_id, key_state: '4', scheduled_deletion_date: key.scheduled_deletion_date };
      },
    });
    const opener = within(details()).getByRole('button', { name: 'Delete key…' });
    await user.click(opener);
    const dialog = screen.getByRole('alertdialog', { name: 'Delete the key "photos"?' });
    expect(within(dialog).getByText(/will be lost for good/).textContent).toMatch(
      /Every file and every piece of data encrypted only/,
    );
    expect(screen.queryByRole('region', { name: 'Key details' })).toBeNull();

    const days = within(dialog).getByLabelText('Waiting period (days)');
    expect((days as HTMLInputElement).value).toBe('30');
    const confirm = within(dialog).getByRole('button', { name: 'Schedule deletion' });
    const typed = within(dialog).getByLabelText("Type the key's alias to confirm");
    expect(confirm).toHaveProperty('disabled', true);
    await user.type(typed, 'photo');
    expect(confirm).toHaveProperty('disabled', true);
    await user.type(typed, 'S');
    expect(confirm).toHaveProperty('disabled', true);
    await user.keyboard('{Enter}');
    expect(requestsOf(bridge, 'keys:schedule-deletion')).toEqual([]);
    await user.keyboard('{Backspace}s');
    expect(confirm).toHaveProperty('disabled', false);

    await user.clear(days);
    await user.type(days, '5');
    expect(within(dialog).getByText('The waiting period must be a whole number of days from 7 to 1096.')).toBeTruthy();
    expect(confirm).toHaveProperty('disabled', true);
    await user.clear(days);
    await user.type(days, '45');
    expect(within(dialog).getByText(formatDate(String(when)))).toBeTruthy();
    await user.click(confirm);

    expect(requestsOf(bridge, 'keys:schedule-deletion')).toEqual([{ key_id: key.key_id, pending_days: 45 }]);
    expect(await screen.findByText(/"photos" is scheduled for deletion on/)).toBeTruthy();
    expect(screen.queryByRole('alertdialog')).toBeNull();
    const cancel = within(details()).getByRole('button', { name: 'Cancel deletion' });
    expect(document.activeElement).toBe(cancel);
    expect(within(details()).getByText('Pending deletion')).toBeTruthy();
    expect(within(details()).getAllByText(formatDate(String(when))).length).toBeGreaterThan(0);
  });

  it('closes the deletion dialog on Escape without deleting', async () => {
    const key = keyInfo({ key_alias: 'photos' });
    const { bridge, user, details } = await openDetails([key]);
    await user.click(within(details()).getByRole('button', { name: 'Delete key…' }));
    expect(document.activeElement).toBe(screen.getByLabelText('Waiting period (days)'));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(document.activeElement).toBe(within(details()).getByRole('button', { name: 'Delete key…' }));
    expect(requestsOf(bridge, 'keys:schedule-deletion')).toEqual([]);
  });

  it('cancels a pending deletion, showing the date first', async () => {
    const date = String(Date.UTC(2030, 5, 1));
    const key = keyInfo({ key_alias: 'old', key_state: '4', scheduled_deletion_date: date });
    const { bridge, user, details } = await openDetails([key], {
      'keys:cancel-deletion': ({ key_id }) => {
        setState(key, KeyState.Disabled);
        key.scheduled_deletion_date = '';
        return { key_id, key_state: '3' };
      },
    });
    expect(within(details()).getByText(/will be destroyed for good on/).textContent).toContain(formatDate(date));
    expect(within(details()).getByLabelText('Key alias')).toHaveProperty('disabled', true);
    expect(within(details()).queryByRole('button', { name: /Disable key|Enable key/ })).toBeNull();
    await user.click(within(details()).getByRole('button', { name: 'Cancel deletion' }));
    expect(requestsOf(bridge, 'keys:cancel-deletion')).toEqual([{ key_id: key.key_id }]);
    expect(await within(details()).findByRole('button', { name: 'Enable key' })).toBeTruthy();
    expect(within(details()).getByRole('button', { name: 'Delete key…' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toMatch(/Deletion cancelled/);
  });

  it('imports key material: shows the parameters, then sends the pasted material with the token', async () => {
    const key = keyInfo({ key_alias: 'byok', origin: 'external', key_state: '5' });
    const expires = String(Date.now() + 86_400_000);
    const { bridge, user, details } = await openDetails([key], {
      'keys:import-parameters': ({ key_id }) => ({
        key_id,
        import_token: 'VE9LRU4tMTIz',
        public_key: 'TUlJQklqQU5CZ2txaGtpRzl3MEJBUUVGQUFPQw==',
        expiration_time: expires,
        wrapping_algorithm: 'RSAES_OAEP_SHA_256',
      }),
      'keys:import-material': ({ key_id }) => {
        setState(key, KeyState.Enabled);
        key.key_version = 1;
        key.key_versions = [1];
        return { key_id, key_state: '2' };
      },
    });
    const section = within(details()).getByRole('region', { name: 'Import key material' });
    expect(within(section).getByRole('button', { name: 'Import key material' })).toHaveProperty('disabled', true);
    expect(within(details()).queryByRole('region', { name: 'Rotation' })).toBeNull();

    await user.click(within(section).getByRole('button', { name: 'Get import parameters' }));
    expect(requestsOf(bridge, 'keys:import-parameters')).toEqual([{ key_id: key.key_id }]);
    expect((await within(section).findByLabelText('Wrapping public key (Base64)')).textContent).toBe(
      'TUlJQklqQU5CZ2txaGtpRzl3MEJBUUVGQUFPQw==',
    );
    expect((within(section).getByLabelText('Import token') as HTMLTextAreaElement).value).toBe('VE9LRU4tMTIz');
    expect(within(section).getByText(/expire on/).textContent).toMatch(/RSAES_OAEP_SHA_256/);
    await user.click(within(section).getByRole('button', { name: 'Copy public key' }));
    expect(await navigator.clipboard.readText()).toBe('TUlJQklqQU5CZ2txaGtpRzl3MEJBUUVGQUFPQw==');

    const wrapped = within(section).getByLabelText('Wrapped key material (Base64)');
    await user.type(wrapped, 'not base64!');
    await user.click(within(section).getByRole('button', { name: 'Import key material' }));
    expect(within(section).getByText(/This is not Base64 text/)).toBeTruthy();
    expect(requestsOf(bridge, 'keys:import-material')).toEqual([]);

    await user.clear(wrapped);
    await user.click(wrapped);
    await user.paste('d3JhcHBlZC1r\nZXktbWF0ZXJpYWw=');
    await user.click(within(section).getByRole('button', { name: 'Import key material' }));
    expect(requestsOf(bridge, 'keys:import-material')).toEqual([
      { key_id: key.key_id, import_token: 'VE9LRU4tMTIz', encrypted_key_material: 'd3JhcHBlZC1rZXktbWF0ZXJpYWw=' },
    ]);
    expect(await screen.findByText('Key material imported: the key is enabled and ready to use.')).toBeTruthy();
    expect(within(details()).queryByRole('region', { name: 'Import key material' })).toBeNull();
    expect(within(details()).getByText('Enabled')).toBeTruthy();
    expect(document.activeElement).toBe(within(details()).getByRole('heading', { level: 2 }));
  });

  it('exports key material only for an exportable key, behind a warning, with a copy button', async () => {
    const exportable = keyInfo({ key_alias: 'portable', exportable: true });
    const sealed = keyInfo({ key_alias: 'sealed' });
    const { bridge, user, details } = await openDetails([exportable, sealed], {
      'keys:export-material': ({ key_id }) => ({
        key_id,
        key_version: 1,
        key_material: 'c2VjcmV0LW1hdGVyaWFsLTMyLWJ5dGVzLWxvbmctISE=',
      }),
    });
    const section = () => within(details()).getByRole('region', { name: 'Export key material' });
    expect(within(section()).getByText(/Anyone who gets this material can decrypt everything/)).toBeTruthy();
    expect(within(section()).queryByLabelText(/Key material \(Base64\)/)).toBeNull();
    await user.click(within(section()).getByRole('button', { name: 'Show key material' }));
    expect(requestsOf(bridge, 'keys:export-material')).toEqual([{ key_id: exportable.key_id }]);
    const field = await within(section()).findByLabelText('Key material (Base64), version 1');
    expect((field as HTMLTextAreaElement).value).toBe('c2VjcmV0LW1hdGVyaWFsLTMyLWJ5dGVzLWxvbmctISE=');
    await user.click(within(section()).getByRole('button', { name: 'Copy key material' }));
    expect(await navigator.clipboard.readText()).toBe('c2VjcmV0LW1hdGVyaWFsLTMyLWJ5dGVzLWxvbmctISE=');
    await user.click(within(section()).getByRole('button', { name: 'Hide key material' }));
    expect(within(section()).queryByLabelText(/Key material \(Base64\)/)).toBeNull();

    await user.click(screen.getByRole('button', { name: 'sealed' }));
    expect(within(section()).getByText(/not exportable/)).toBeTruthy();
    expect(within(section()).queryByRole('button', { name: 'Show key material' })).toBeNull();
    expect(requestsOf(bridge, 'keys:export-material')).toHaveLength(1);
  });
});
