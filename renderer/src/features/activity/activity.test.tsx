import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditRecordView } from '../../../../shared/kms-responses.js';
import { useKeysStore } from '../../state/keys-store.js';
import { installFakeBridge } from '../../test-support/fake-bridge.js';
import { optionLabels, pickOption } from '../../test-support/search-select.js';
import { testKey } from '../text/test-keys.js';
import { ActivityScreen } from './ActivityScreen.js';

const alpha = testKey('11111111-1111-4111-8111-111111111111', 'alpha');
const beta = testKey('22222222-2222-4222-8222-222222222222', 'beta');

function record(seq: number, operation: string, key_id: string | null, failure?: string): AuditRecordView {
  return {
    seq,
    time: new Date(Date.UTC(2025, 0, 1, 12, seq)).toISOString(),
    operation,
    key_id,
    key_version: key_id ? 1 : null,
    outcome: failure ? 'failure' : 'success',
    error_code: failure ?? null,
    detail: failure ? 'The encryption context does not match.' : null,
  };
}

/** Oldest first, as the vault keeps them. */
const LOG = [
  record(1, 'create-key', alpha.key_id),
  record(2, 'create-key', beta.key_id),
  record(3, 'encrypt-data', alpha.key_id),
  record(4, 'decrypt-data', alpha.key_id, 'KMS.0208'),
  record(5, 'encrypt-data', beta.key_id),
];

/** Answers like main: key filter and limit applied there, newest kept. */
function auditFake(records: AuditRecordView[], chain: { chain_verified: boolean; problems: string[] }) {
  return {
    'audit:list': (r: { limit?: number; key_id?: string }) => {
      let out = r.key_id ? records.filter((x) => x.key_id === r.key_id) : records;
      if (r.limit !== undefined) out = out.slice(-r.limit);
      return { records: out, total: records.length, ...chain };
    },
  };
}

const rows = (): string[][] =>
  within(screen.getByRole('table', { name: 'Audit records' }))
    .getAllByRole('row')
    .slice(1)
    .map((row) =>
      within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent ?? ''),
    );

beforeEach(() => useKeysStore.setState({ keys: [alpha, beta], loaded: true, error: null }));
afterEach(() => cleanup());

describe('Activity screen', () => {
  it('lists records newest first, with key names and failures highlighted with their code', async () => {
    installFakeBridge(auditFake(LOG, { chain_verified: true, problems: [] }));
    render(<ActivityScreen />);
    await screen.findByRole('table', { name: 'Audit records' });
    expect(rows().map((r) => r[1])).toEqual(['encrypt-data', 'decrypt-data', 'encrypt-data', 'create-key', 'create-key']);
    expect(rows()[0]?.[2]).toBe('beta (version 1)');
    const failed = screen.getAllByRole('row')[2]!;
    expect(failed.className).toBe('activity-failed');
    expect(within(failed).getByText('KMS.0208')).toBeTruthy();
    expect(rows()[1]?.[3]).toBe('Failed KMS.0208');
    expect(rows()[1]?.[4]).toBe('The encryption context does not match.');
    expect(rows()[0]?.[3]).toBe('Succeeded');
    expect(screen.getAllByRole('row')[1]!.className).toBe('');
    expect(screen.getByText('Showing 5 of 5 records.')).toBeTruthy();
  });

  it('shows "Chain verified" when the chain checks out', async () => {
    installFakeBridge(auditFake(LOG, { chain_verified: true, problems: [] }));
    render(<ActivityScreen />);
    expect((await screen.findByRole('status')).textContent).toBe('Chain verified');
    expect(screen.queryByText('Chain broken')).toBeNull();
  });

  it('shows "Chain broken" with its problems listed', async () => {
    const problems = ['Record 3 does not link to record 2.', 'Record 5 was altered.'];
    installFakeBridge(auditFake(LOG, { chain_verified: false, problems }));
    render(<ActivityScreen />);
    expect((await screen.findByRole('status')).textContent).toBe('Chain broken');
    const list = screen.getByRole('list', { name: 'Chain problems' });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(problems);
    expect(screen.queryByText('Chain verified')).toBeNull();
  });

  it('filters by key (asking main for that key) and by operation', async () => {
    const bridge = installFakeBridge(auditFake(LOG, { chain_verified: true, problems: [] }));
    const user = userEvent.setup();
    render(<ActivityScreen />);
    await screen.findByRole('table', { name: 'Audit records' });
    const keySelect = screen.getByRole('combobox', { name: 'Key' });
    expect(await optionLabels(user, keySelect)).toEqual(['All keys', 'alpha', 'beta']);

    await pickOption(user, keySelect, 'alpha');
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(bridge.calls.at(-1)?.request).toEqual({ limit: 500, key_id: alpha.key_id });
    expect(rows().map((r) => r[1])).toEqual(['decrypt-data', 'encrypt-data', 'create-key']);

    await user.selectOptions(screen.getByRole('combobox', { name: 'Operation' }), 'encrypt-data');
    expect(rows().map((r) => [r[1], r[2]])).toEqual([['encrypt-data', 'alpha (version 1)']]);
    expect(screen.getByText('Showing 1 of 5 records.')).toBeTruthy();

    await pickOption(user, keySelect, 'All keys');
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(rows().map((r) => r[2])).toEqual(['beta (version 1)', 'alpha (version 1)']);
    expect(bridge.calls.at(-1)?.request).toEqual({ limit: 500 });
  });

  it('says when filters match nothing and clears them', async () => {
    installFakeBridge(auditFake(LOG, { chain_verified: true, problems: [] }));
    const user = userEvent.setup();
    render(<ActivityScreen />);
    await screen.findByRole('table', { name: 'Audit records' });
    await user.selectOptions(screen.getByRole('combobox', { name: 'Operation' }), 'decrypt-data');
    await pickOption(user, screen.getByRole('combobox', { name: 'Key' }), 'beta');
    expect(await screen.findByText('No records match these filters')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Show all activity' }));
    await waitFor(() => expect(rows()).toHaveLength(5));
  });

  it('has an empty state that says what to do', async () => {
    installFakeBridge(auditFake([], { chain_verified: true, problems: [] }));
    render(<ActivityScreen />);
    expect(await screen.findByText('No activity yet')).toBeTruthy();
    expect(screen.getByText(/Create a key on the Keys screen/)).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('shows a failure to read the log in its own words', async () => {
    installFakeBridge({
      'audit:list': () => {
        throw { code: 'COFFER.1002', message: 'The vault is locked: unlock it first.' };
      },
    });
    render(<ActivityScreen />);
    expect((await screen.findByRole('alert')).textContent).toBe('The vault is locked: unlock it first.');
  });
});
