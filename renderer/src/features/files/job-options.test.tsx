import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type ContactView } from '../../../../shared/ipc-contract.js';
import { useContactsStore } from '../../state/contacts-store.js';
import { useJobsStore } from '../../state/jobs-store.js';
import { useKeysStore } from '../../state/keys-store.js';
import { useNavigationStore } from '../../state/navigation-store.js';
import { useSettingsStore } from '../../state/settings-store.js';
import { installFakeBridge, type FakeBridge } from '../../test-support/fake-bridge.js';
import { testKey } from '../../test-support/key-info.js';
import { pickOption } from '../../test-support/search-select.js';
import { FilesScreen } from './FilesScreen.js';
import { useJobOptionsStore } from './job-options-store.js';
import { usePendingStore } from './pending-store.js';

const JOB = '0b6c7a9e-1f3d-4c2a-9b8e-2d4f6a8c0e11';
const WORK = testKey('22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'work');

function contact(name: string): ContactView {
  return {
    name,
    fingerprint: `SHA256:${name}xxxxxxxxxxxx`,
    key_spec: 'RSA_3072',
    key_namespace: 'coffer',
    key_name: name,
    added: '0',
  };
}

let stopListening: () => void = () => {};

function setup(contacts: ContactView[] = [contact('Alice'), contact('Bob')]): {
  bridge: FakeBridge;
  user: ReturnType<typeof userEvent.setup>;
} {
  const bridge = installFakeBridge(
    {
      // The fake bridge's drops mint "handle:" and the path.
      'files:classify': ({ handles }) => ({
        files: handles.map((handle) => {
          const path = handle.replace(/^handle:/, '');
          const kind = path.endsWith('.coffer') ? ('coffer' as const) : ('file' as const);
          return { handle, path, name: path.split('/').at(-1)!, kind, size: 10 };
        }),
      }),
      'contacts:list': () => ({ contacts, total: contacts.length }),
      'jobs:start': () => ({ job_id: JOB }),
    },
    { 'report.pdf': '/home/me/report.pdf', 'holiday.jpg.coffer': '/home/me/holiday.jpg.coffer' },
  );
  stopListening = useJobsStore.getState().listen();
  const user = userEvent.setup();
  render(<FilesScreen />);
  return { bridge, user };
}

async function drop(name: string): Promise<void> {
  fireEvent.drop(screen.getByRole('region', { name: 'Drop files or folders here' }), {
    dataTransfer: { files: [new File(['x'], name)] },
  });
  await waitFor(() => expect(screen.getAllByTestId('pending-row')).toHaveLength(1));
}

function started(bridge: FakeBridge): unknown[] {
  return bridge.calls.filter((c) => c.channel === 'jobs:start').map((c) => c.request);
}

beforeEach(() => {
  useKeysStore.setState({ keys: [WORK], loaded: true, error: null });
  useSettingsStore.setState({ settings: { ...DEFAULT_SETTINGS, default_key_id: WORK.key_id }, error: null });
});

afterEach(() => {
  cleanup();
  stopListening();
  useJobsStore.setState({ jobs: {}, order: [], error: null });
  usePendingStore.setState({ items: [], checking: 0, notices: [], error: null });
  useJobOptionsStore.getState().reset();
  useContactsStore.setState({ contacts: [], loaded: false, error: null });
});

describe('recipients on the Files screen', () => {
  it('encrypts for chosen contacts as well as my key, and the job card says for whom', async () => {
    const { bridge, user } = setup();
    await drop('report.pdf');
    const picker = await screen.findByRole('combobox', { name: 'Also encrypt for (recipients)' });
    await pickOption(user, picker, 'Alice');
    await pickOption(user, picker, 'Bob');
    const chosen = within(screen.getByRole('list', { name: 'Recipients' })).getAllByTestId('recipient');
    expect(chosen.map((li) => li.firstChild?.textContent)).toEqual(['Alice', 'Bob']);
    await user.click(screen.getByRole('button', { name: 'Remove recipient Bob' }));
    await waitFor(() => expect(document.activeElement).toBe(picker));
    await user.keyboard('{Escape}');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(started(bridge)).toEqual([
      { action: 'encrypt', inputs: ['handle:/home/me/report.pdf'], key_ids: [WORK.key_id], recipients: ['Alice'] },
    ]);
    expect((await screen.findByTestId('job-options')).textContent).toBe('Also for Alice');
  });

  it('encrypts for the recipients only when asked, with no key of mine', async () => {
    const { bridge, user } = setup();
    await drop('report.pdf');
    await pickOption(user, await screen.findByRole('combobox', { name: 'Also encrypt for (recipients)' }), 'Bob');
    await user.click(screen.getByRole('checkbox', { name: 'Only the recipients can open them (no key of mine)' }));
    expect(screen.queryByRole('combobox', { name: 'Key for encryption' })).toBeNull();
    expect(screen.getByText('No key of mine: only the recipients open these files.')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(started(bridge)).toEqual([
      { action: 'encrypt', inputs: ['handle:/home/me/report.pdf'], key_ids: [], recipients: ['Bob'] },
    ]);
    expect((await screen.findByTestId('job-options')).textContent).toBe('Only for Bob');
  });

  it('goes back to a key of mine when the last recipient is removed', async () => {
    const { user } = setup();
    await drop('report.pdf');
    await pickOption(user, await screen.findByRole('combobox', { name: 'Also encrypt for (recipients)' }), 'Bob');
    await user.click(screen.getByRole('checkbox', { name: 'Only the recipients can open them (no key of mine)' }));
    await user.click(screen.getByRole('button', { name: 'Remove recipient Bob' }));
    expect(screen.getByRole('combobox', { name: 'Key for encryption' })).toBeTruthy();
    expect(useJobOptionsStore.getState().withoutKey).toBe(false);
  });

  it('sends people to Contacts when there is nobody to choose', async () => {
    setup([]);
    await drop('report.pdf');
    const go = await screen.findByRole('button', { name: 'Open Contacts' });
    fireEvent.click(go);
    expect(useNavigationStore.getState().screen).toBe('contacts');
    useNavigationStore.setState({ screen: 'files' });
  });
});

describe('the ESDK options on the Files screen', () => {
  it('signs and keeps required context pairs out of the files, as --signed and required context do', async () => {
    const { bridge, user } = setup();
    await drop('report.pdf');
    await user.click(screen.getByText('More options'));
    await user.click(screen.getByRole('checkbox', { name: /^Sign the files/ }));
    const context = screen.getByRole('group', { name: 'Encryption context' });
    await user.click(within(context).getByRole('button', { name: 'Add a pair' }));
    expect(document.activeElement).toBe(within(context).getByLabelText('Encryption context: name 1'));
    await user.keyboard('case');
    await user.type(within(context).getByLabelText('Encryption context: value 1'), '42');
    await user.click(within(context).getByRole('checkbox', { name: 'Required 1: kept out of the file' }));
    await user.click(within(context).getByRole('button', { name: 'Add a pair' }));
    await user.keyboard('team');
    await user.type(within(context).getByLabelText('Encryption context: value 2'), 'legal');
    expect(screen.getByText('More options (signed, 2 context pairs)')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(started(bridge)).toEqual([
      {
        action: 'encrypt',
        inputs: ['handle:/home/me/report.pdf'],
        key_ids: [WORK.key_id],
        algorithm_suite: 0x0578,
        encryption_context: { case: '42', team: 'legal' },
        required_context_keys: ['case'],
      },
    ]);
    expect((await screen.findByTestId('job-options')).textContent).toBe(
      'Signed · 2 context pairs, 1 required (kept out of the files)',
    );
  });

  it('opens legacy files and gives required pairs back when decrypting, and a nameless pair stops Start in words', async () => {
    const { bridge, user } = setup();
    await drop('holiday.jpg.coffer');
    expect(screen.queryByRole('combobox', { name: 'Also encrypt for (recipients)' })).toBeNull();
    await user.click(screen.getByText('More options'));
    expect(screen.queryByRole('checkbox', { name: /^Sign the files/ })).toBeNull();
    await user.click(screen.getByRole('checkbox', { name: 'Also open legacy files (AWS Encryption SDK 1.x, message format 1)' }));
    const back = screen.getByRole('group', { name: 'Context to give back' });
    await user.click(within(back).getByRole('button', { name: 'Add a pair' }));
    await user.type(within(back).getByLabelText('Context to give back: value 1'), '42');
    expect(screen.getByTestId('start-reason').textContent).toBe('Context to give back: Context pair 1 has a value but no name.');
    expect(screen.getByRole('button', { name: 'Start' })).toHaveProperty('disabled', true);
    await user.type(within(back).getByLabelText('Context to give back: name 1'), 'case');
    await user.click(screen.getByRole('button', { name: 'Start' }));
    expect(started(bridge)).toEqual([
      {
        action: 'decrypt',
        inputs: ['handle:/home/me/holiday.jpg.coffer'],
        allow_legacy_format: true,
        encryption_context: { case: '42' },
      },
    ]);
    expect((await screen.findByTestId('job-options')).textContent).toBe('1 context pair given back · Legacy files allowed');
  });
});
