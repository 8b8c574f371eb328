import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { testKey } from '../../test-support/key-info.js';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type JobProgressEvent } from '../../../../shared/ipc-contract.js';
import type { FileRef, FileResultView } from '../../../../shared/file-handle.js';
import type { FileResult, KeyInfo } from '../../../../shared/kms-responses.js';
import { useJobsStore } from '../../state/jobs-store.js';
import { useKeysStore } from '../../state/keys-store.js';
import { useSettingsStore } from '../../state/settings-store.js';
import { installFakeBridge, type FakeBridge, type FakeHandlers } from '../../test-support/fake-bridge.js';
import { fileNamed } from '../../test-support/file-name.js';
import { optionLabels, pickOption } from '../../test-support/search-select.js';
import { listOf } from '../keys/test-fixtures.js';
import { FilesScreen } from './FilesScreen.js';
import { usePendingStore } from './pending-store.js';

const JOB = '0b6c7a9e-1f3d-4c2a-9b8e-2d4f6a8c0e11';

function key(key_id: string, key_alias: string, key_state = '2'): KeyInfo {
  return testKey(key_id, key_alias, key_state, { domain_id: 'd' });
}

const KEYS = [
  key('11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa', 'photos'),
  key('22222222-bbbb-4bbb-8bbb-bbbbbbbbbbbb', 'work'),
  key('33333333-cccc-4ccc-8ccc-cccccccccccc', 'old', '3'),
];

/** Sizes and kinds by path, as main's header check would answer. */
const DISK: Record<string, { kind: 'coffer' | 'file' | 'folder' | 'missing'; size: number }> = {
  '/home/me/report.pdf': { kind: 'file', size: 2_000_000 },
  '/home/me/holiday.jpg.coffer': { kind: 'coffer', size: 3_000_000 },
  '/home/me/Photos': { kind: 'folder', size: 0 },
  '/home/me/gone.txt': { kind: 'missing', size: 0 },
};
const DROPPED = {
  'report.pdf': '/home/me/report.pdf',
  'holiday.jpg.coffer': '/home/me/holiday.jpg.coffer',
  Photos: '/home/me/Photos',
  'gone.txt': '/home/me/gone.txt',
};

let stopListening: () => void = () => {};

/** The fake's handles (the fake bridge's drops mint the same): "handle:" and the path. */
const handleOf = (path: string): string => `handle:${path}`;
const pathOf = (handle: string): string => handle.replace(/^handle:/, '');
/** Files as main's dialogs would grant them. */
function refs(paths: string[]): FileRef[] {
  return paths.map((path) => ({ handle: handleOf(path), path, name: path.split('/').at(-1)! }));
}
/** A result as main sends it: with handles for the files it read and wrote. */
function granted(result: FileResult): FileResultView {
  return {
    ...result,
    input_handle: handleOf(result.input),
    ...(result.status === 'ok' && result.output ? { output_handle: handleOf(result.output) } : {}),
  };
}

function setup(handlers: FakeHandlers = {}): FakeBridge {
  const bridge = installFakeBridge(
    {
      'files:classify': ({ handles }) => ({
        files: refs(handles.map(pathOf)).map((ref) => ({ ...ref, ...(DISK[ref.path] ?? { kind: 'file', size: 10 }) })),
      }),
      'jobs:start': () => ({ job_id: JOB }),
      'jobs:cancel': () => ({ cancelled: true }),
      'files:show-in-folder': () => ({ shown: true }),
      ...handlers,
    },
    DROPPED,
  );
  stopListening = useJobsStore.getState().listen();
  const emit = bridge.emit;
  return {
    ...bridge,
    emit: (event, payload) => {
      const p = payload as { result?: FileResult; results?: FileResult[] };
      emit(event, {
        ...payload,
        ...(p.result ? { result: granted(p.result) } : {}),
        ...(p.results ? { results: p.results.map(granted) } : {}),
      });
    },
  };
}

function drop(...names: string[]): void {
  fireEvent.drop(screen.getByRole('region', { name: 'Drop files or folders here' }), {
    dataTransfer: { files: names.map((name) => new File(['x'], name)) },
  });
}

function pendingRow(name: string): HTMLElement {
  const row = screen.getAllByTestId('pending-row').find((r) => within(r).queryByText(fileNamed(name)) !== null);
  if (!row) throw new Error(`no pending row for ${name}`);
  return row;
}

function progress(change: Partial<JobProgressEvent> = {}): JobProgressEvent {
  return {
    job_id: JOB,
    file: '/home/me/report.pdf',
    file_index: 1,
    file_count: 4,
    bytes_done: 500_000,
    bytes_total: 2_000_000,
    rate: 12_300_000,
    eta_seconds: 75,
    overall_done: 4_200_000,
    overall_total: 10_000_000,
    ...change,
  };
}

beforeEach(() => {
  useKeysStore.setState({ keys: KEYS, loaded: true, error: null });
  useSettingsStore.setState({ settings: { ...DEFAULT_SETTINGS, default_key_id: KEYS[1]!.key_id }, error: null });
});

afterEach(() => {
  cleanup();
  stopListening();
  useJobsStore.setState({ jobs: {}, order: [], error: null });
  usePendingStore.setState({ items: [], checking: 0, notices: [], error: null });
});

describe('adding files', () => {
  it('classifies dropped files by their header and picks each default action', async () => {
    const bridge = setup();
    render(<FilesScreen />);
    drop('report.pdf', 'holiday.jpg.coffer', 'Photos');
    await waitFor(() => expect(screen.getAllByTestId('pending-row')).toHaveLength(3));
    // The drop reaches main through the preload's registration; the page then names the files by handle.
    expect(bridge.calls.find((c) => c.channel === 'files:register-drop')?.request).toEqual({
      paths: ['/home/me/report.pdf', '/home/me/holiday.jpg.coffer', '/home/me/Photos'],
    });
    expect(bridge.calls.find((c) => c.channel === 'files:classify')?.request).toEqual({
      handles: ['handle:/home/me/report.pdf', 'handle:/home/me/holiday.jpg.coffer', 'handle:/home/me/Photos'],
    });
    expect(screen.getByRole('combobox', { name: 'Action for report.pdf' })).toHaveProperty('value', 'encrypt');
    expect(screen.getByRole('combobox', { name: 'Action for holiday.jpg.coffer' })).toHaveProperty('value', 'decrypt');
    expect(screen.getByRole('combobox', { name: 'Action for Photos' })).toHaveProperty('value', 'encrypt');
    expect(within(pendingRow('Photos')).getByText('Folder')).toBeTruthy();
    expect(within(pendingRow('holiday.jpg.coffer')).getByText('Coffer file · 2.9 MiB')).toBeTruthy();
  });

  it('says which dropped items are not on disk or no longer exist, and leaves them out', async () => {
    setup();
    render(<FilesScreen />);
    drop('report.pdf', 'clipboard-image.png', 'gone.txt');
    expect(await screen.findByText('“clipboard-image.png” is not a file on disk, so it was left out.')).toBeTruthy();
    expect(await screen.findByText('“gone.txt” could not be found: it may have been moved or deleted.')).toBeTruthy();
    expect(screen.getAllByTestId('pending-row')).toHaveLength(1);
  });

  it('names a FIFO or device with the reason main gives, and leaves it out', async () => {
    const reason = 'a named pipe (FIFO), not a regular file: Coffer reads only regular files, so it was left alone';
    setup({
      'files:classify': ({ handles }) => ({
        files: refs(handles.map(pathOf)).map((ref) =>
          ref.path.endsWith('pipe') ? { ...ref, kind: 'special', size: 0, reason } : { ...ref, kind: 'file', size: 1 },
        ),
      }),
    });
    render(<FilesScreen />);
    await act(() => usePendingStore.getState().add(refs(['/home/me/pipe', '/home/me/report.pdf'])));
    expect(await screen.findByText(`“pipe” is ${reason}.`)).toBeTruthy();
    expect(screen.getAllByTestId('pending-row')).toHaveLength(1);
  });

  it('lists what the Choose files and Choose folder dialogs return, once each', async () => {
    const bridge = setup({
      'files:choose': ({ kind }) => ({ files: refs(kind === 'folder' ? ['/home/me/Photos'] : ['/home/me/report.pdf']) }),
    });
    const user = userEvent.setup();
    render(<FilesScreen />);
    await user.click(screen.getByRole('button', { name: 'Choose files' }));
    await user.click(screen.getByRole('button', { name: 'Choose folder' }));
    await user.click(screen.getByRole('button', { name: 'Choose files' }));
    await waitFor(() => expect(screen.getAllByTestId('pending-row')).toHaveLength(2));
    expect(bridge.calls.filter((c) => c.channel === 'files:choose').map((c) => c.request)).toEqual([
      { kind: 'files' },
      { kind: 'folder' },
      { kind: 'files' },
    ]);
  });

  it('opens the file dialog with Enter on the focused drop zone and shows a drag-over state', async () => {
    const bridge = setup({ 'files:choose': () => ({ files: [] }) });
    const user = userEvent.setup();
    render(<FilesScreen />);
    const zone = screen.getByRole('region', { name: 'Drop files or folders here' });
    await user.tab();
    expect(document.activeElement).toBe(zone);
    await user.keyboard('{Enter}');
    expect(bridge.calls.filter((c) => c.channel === 'files:choose')).toHaveLength(1);
    fireEvent.dragEnter(zone, { dataTransfer: { files: [], dropEffect: 'none' } });
    expect(zone.dataset.dragging).toBe('true');
    expect(screen.getByText('Release to add them')).toBeTruthy();
    fireEvent.dragLeave(zone);
    expect(zone.dataset.dragging).toBeUndefined();
  });

  it('switches an action and removes an item', async () => {
    setup();
    const user = userEvent.setup();
    render(<FilesScreen />);
    drop('report.pdf', 'holiday.jpg.coffer');
    const action = await screen.findByRole('combobox', { name: 'Action for holiday.jpg.coffer' });
    await user.selectOptions(action, 'verify');
    expect(action).toHaveProperty('value', 'verify');
    expect(usePendingStore.getState().items.find((i) => i.path === '/home/me/holiday.jpg.coffer')?.action).toBe('verify');
    // A plain file can only be encrypted.
    const plain = screen.getByRole('combobox', { name: 'Action for report.pdf' });
    expect(within(plain).getByRole('option', { name: 'Decrypt' })).toHaveProperty('disabled', true);
    await user.click(screen.getByRole('button', { name: 'Remove report.pdf' }));
    expect(screen.getAllByTestId('pending-row')).toHaveLength(1);
    expect(screen.queryByRole('combobox', { name: 'Action for report.pdf' })).toBeNull();
  });
});

describe('starting', () => {
  it('sends one jobs:start per action with the chosen key, then clears the list', async () => {
    let n = 0;
    const ids = [JOB, '1b6c7a9e-1f3d-4c2a-9b8e-2d4f6a8c0e12', '2b6c7a9e-1f3d-4c2a-9b8e-2d4f6a8c0e13'];
    const bridge = setup({ 'jobs:start': () => ({ job_id: ids[n++]! }) });
    DISK['/home/me/old.png.coffer'] = { kind: 'coffer', size: 5 };
    const user = userEvent.setup();
    render(<FilesScreen />);
    await usePendingStore
      .getState()
      .add(refs(['/home/me/report.pdf', '/home/me/holiday.jpg.coffer', '/home/me/Photos', '/home/me/old.png.coffer']));
    await user.selectOptions(await screen.findByRole('combobox', { name: 'Action for old.png.coffer' }), 'verify');

    const picker = screen.getByRole('combobox', { name: 'Key for encryption' });
    // Enabled keys only, the settings default preselected.
    expect(await optionLabels(user, picker)).toEqual(['photos', 'work']);
    expect(picker).toHaveProperty('value', 'work');
    await pickOption(user, picker, 'photos');
    expect(screen.getByText('Will encrypt 2, decrypt 1, verify 1.')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Start' }));
    await waitFor(() => expect(bridge.calls.filter((c) => c.channel === 'jobs:start')).toHaveLength(3));
    expect(bridge.calls.filter((c) => c.channel === 'jobs:start').map((c) => c.request)).toEqual([
      { action: 'encrypt', inputs: ['handle:/home/me/report.pdf', 'handle:/home/me/Photos'], key_ids: [KEYS[0]!.key_id] },
      { action: 'decrypt', inputs: ['handle:/home/me/holiday.jpg.coffer'] },
      { action: 'verify', inputs: ['handle:/home/me/old.png.coffer'] },
    ]);
    expect(await screen.findByText('Nothing waiting')).toBeTruthy();
    expect(screen.getAllByTestId('job-card')).toHaveLength(3);
    expect(screen.getByRole('heading', { name: 'Encrypt report.pdf and 1 more' })).toBeTruthy();
  });

  it('keeps the items and says why when main refuses the job', async () => {
    setup({
      'jobs:start': () => {
        throw { code: 'KMS.0209', message: 'The key is disabled: enable it before using it.' };
      },
    });
    const user = userEvent.setup();
    render(<FilesScreen />);
    drop('report.pdf');
    await user.click(await screen.findByRole('button', { name: 'Start' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The key is disabled: enable it before using it.');
    expect(screen.getAllByTestId('pending-row')).toHaveLength(1);
  });

  it('asks for a key when there is no default and several keys', async () => {
    useSettingsStore.setState({ settings: DEFAULT_SETTINGS });
    setup();
    const user = userEvent.setup();
    render(<FilesScreen />);
    drop('report.pdf');
    const start = await screen.findByRole('button', { name: 'Start' });
    // The reason is beside the button and is its description.
    const reason = await screen.findByText('Choose a key to encrypt with: 1 item is to be encrypted.');
    expect(start).toHaveProperty('disabled', true);
    expect(start.getAttribute('aria-describedby')).toBe(reason.id);
    await pickOption(user, screen.getByRole('combobox', { name: 'Key for encryption' }), 'work');
    expect(start).toHaveProperty('disabled', false);
    expect(reason.textContent).toBe('Will encrypt 1.');
  });

  it('offers to create a key in place when there is none, then shows the drop zone', async () => {
    useKeysStore.setState({ keys: [], loaded: true, error: null });
    const created: KeyInfo[] = [];
    const bridge = setup({
      'keys:create': ({ key_alias }) => {
        created.push(key('44444444-dddd-4ddd-8ddd-dddddddddddd', key_alias));
        return { key_info: { key_id: created[0]!.key_id, domain_id: 'd' } };
      },
      'keys:list': () => listOf(created),
    });
    const user = userEvent.setup();
    render(<FilesScreen />);
    expect(screen.getByText('Create a key first')).toBeTruthy();
    expect(screen.queryByRole('region', { name: 'Drop files or folders here' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Create a key' }));
    const dialog = screen.getByRole('dialog', { name: 'Create a key' });
    await user.type(within(dialog).getByLabelText('Alias'), 'photos');
    await user.click(within(dialog).getByRole('button', { name: 'Create key' }));
    expect(await screen.findByRole('region', { name: 'Drop files or folders here' })).toBeTruthy();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(bridge.calls.find((c) => c.channel === 'keys:create')?.request).toMatchObject({ key_alias: 'photos' });
  });
});

describe('jobs', () => {
  async function runningJob(bridge: FakeBridge): Promise<HTMLElement> {
    await act(() =>
      useJobsStore
        .getState()
        .start({ action: 'encrypt', inputs: ['handle:/home/me/report.pdf', 'handle:/home/me/Photos'], key_ids: ['k'] }, [
          '/home/me/report.pdf',
          '/home/me/Photos',
        ]),
    );
    act(() => bridge.emit('jobs:progress', progress()));
    return screen.getByRole('article', { name: 'Encrypt report.pdf and 1 more' });
  }

  it('renders percentage, speed, ETA and the current file from progress events', async () => {
    const bridge = setup();
    render(<FilesScreen />);
    const job = await runningJob(bridge);
    expect(within(job).getByTestId('job-percent').textContent).toBe('42%');
    expect(within(job).getByTestId('job-speed').textContent).toBe('11.7 MiB/s');
    expect(within(job).getByTestId('job-eta').textContent).toBe('1 min 15 s left');
    expect(within(job).getByTestId('job-file').textContent).toBe('File 2 of 4: report.pdf');
    expect(within(job).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('42');
    act(() => bridge.emit('jobs:progress', progress({ overall_done: 9_000_000, rate: 950, eta_seconds: 3, file_index: 3 })));
    expect(within(job).getByTestId('job-percent').textContent).toBe('90%');
    expect(within(job).getByTestId('job-speed').textContent).toBe('950 B/s');
    expect(within(job).getByTestId('job-eta').textContent).toBe('3 s left');
    expect(within(job).getByTestId('job-file').textContent).toBe('File 4 of 4: report.pdf');
  });

  it('cancels a running job through jobs:cancel', async () => {
    const bridge = setup();
    const user = userEvent.setup();
    render(<FilesScreen />);
    const job = await runningJob(bridge);
    await user.click(within(job).getByRole('button', { name: 'Cancel' }));
    expect(bridge.calls.find((c) => c.channel === 'jobs:cancel')?.request).toEqual({ job_id: JOB });
    act(() => bridge.emit('jobs:finished', { job_id: JOB, results: [], cancelled: true }));
    expect(within(job).getByTestId('job-state').textContent).toBe('Cancelled');
    expect(within(job).queryByRole('button', { name: 'Cancel' })).toBeNull();
  });

  it('lists each file once finished: output names, errors in words, skip reasons, and shows a file in its folder', async () => {
    const bridge = setup();
    const user = userEvent.setup();
    render(<FilesScreen />);
    const job = await runningJob(bridge);
    const results: FileResult[] = [
      { input: '/home/me/report.pdf', status: 'ok', output: '/home/me/report.pdf.coffer', bytes: 2_000_000 },
      {
        input: '/home/me/Photos/b.jpg',
        status: 'error',
        error: { error_code: 'COFFER.2008', error_msg: 'The input file cannot be read.' },
      },
      { input: '/home/me/Photos/c.jpg.coffer', status: 'skipped', reason: 'already a Coffer file' },
    ];
    act(() => bridge.emit('jobs:finished', { job_id: JOB, results, cancelled: false }));
    expect(within(job).getByTestId('job-state').textContent).toBe('Finished with problems');
    expect(within(job).getByTestId('job-summary').textContent).toBe('1 done, 1 failed, 1 skipped.');
    const list = within(job).getByRole('list', { name: 'Results of Encrypt report.pdf and 1 more' });
    const rows = within(list).getAllByTestId('result-row');
    // Problems first.
    expect(rows.map((r) => r.dataset.status)).toEqual(['error', 'skipped', 'ok']);
    expect(within(rows[0]!).getByText('The input file cannot be read.')).toBeTruthy();
    expect(within(rows[1]!).getByText('Skipped: already a Coffer file')).toBeTruthy();
    expect(within(rows[2]!).getByText(fileNamed('report.pdf.coffer'))).toBeTruthy();
    expect(within(rows[2]!).getByText('Encrypted from report.pdf · 1.9 MiB')).toBeTruthy();
    expect(within(rows[0]!).queryByRole('button', { name: 'Show in folder' })).toBeNull();

    await user.click(within(rows[2]!).getByRole('button', { name: 'Show in folder' }));
    expect(bridge.calls.find((c) => c.channel === 'files:show-in-folder')?.request).toEqual({
      handle: 'handle:/home/me/report.pdf.coffer',
    });
  });

  it('says so when show-in-folder finds nothing', async () => {
    const bridge = setup({ 'files:show-in-folder': () => ({ shown: false }) });
    const user = userEvent.setup();
    render(<FilesScreen />);
    await runningJob(bridge);
    act(() =>
      bridge.emit('jobs:finished', {
        job_id: JOB,
        results: [{ input: '/home/me/a.txt', status: 'ok', output: '/home/me/a.txt.coffer', bytes: 1 }],
        cancelled: false,
      }),
    );
    await user.click(screen.getByRole('button', { name: 'Show in folder' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Coffer could not show a.txt.coffer: it may have been moved or deleted.',
    );
  });

  it('follows a job main started on its own (files opened with Coffer) from its events alone', () => {
    const bridge = setup();
    render(<FilesScreen />);
    expect(screen.getByText('No jobs yet')).toBeTruthy();
    act(() => bridge.emit('jobs:progress', progress({ file: '/home/me/a.png.coffer', file_index: 0, file_count: 1 })));
    const job = screen.getByRole('article', { name: 'Files opened with Coffer' });
    expect(within(job).getByTestId('job-file').textContent).toBe('File 1 of 1: a.png.coffer');
    act(() =>
      bridge.emit('jobs:finished', {
        job_id: JOB,
        results: [{ input: '/home/me/a.png.coffer', status: 'ok', output: '/home/me/a.png', bytes: 5 }],
        cancelled: false,
      }),
    );
    // The outcome is read from the names: a decryption, previewable from its .coffer input.
    expect(within(job).getByText('Decrypted from a.png.coffer · 5 B')).toBeTruthy();
    expect(within(job).getByRole('button', { name: 'Preview' })).toBeTruthy();
  });

  it('renders a 5000-file result list without rendering 5000 rows', async () => {
    const bridge = setup();
    render(<FilesScreen />);
    const job = await runningJob(bridge);
    const results: FileResult[] = Array.from({ length: 5000 }, (_, i) => ({
      input: `/home/me/Photos/img-${i}.jpg`,
      status: 'ok',
      output: `/home/me/Photos/img-${i}.jpg.coffer`,
      bytes: 1000,
    }));
    act(() => bridge.emit('jobs:finished', { job_id: JOB, results, cancelled: false }));
    expect(within(job).getByTestId('job-summary').textContent).toBe('5000 done.');
    const rows = within(job).getAllByRole('listitem');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(50);
    expect(rows[0]!.getAttribute('aria-setsize')).toBe('5000');
    expect(within(rows[0]!).getByText(fileNamed('img-0.jpg.coffer'))).toBeTruthy();
  });
});

describe('preview', () => {
  it('opens a finished picture in the preview dialog and closes it with Escape, returning focus', async () => {
    const bridge = setup({
      'media:open': () => ({ url: 'coffer-media://media/0123456789abcdef0123456789abcdef', mime_type: 'image/jpeg', size: 2048 }),
    });
    const user = userEvent.setup();
    render(<FilesScreen />);
    await act(() =>
      useJobsStore
        .getState()
        .start({ action: 'decrypt', inputs: ['handle:/home/me/holiday.jpg.coffer'] }, ['/home/me/holiday.jpg.coffer']),
    );
    act(() =>
      bridge.emit('jobs:finished', {
        job_id: JOB,
        results: [
          { input: '/home/me/holiday.jpg.coffer', status: 'ok', output: '/home/me/holiday.jpg', bytes: 2048 },
          { input: '/home/me/notes.txt.coffer', status: 'ok', output: '/home/me/notes.txt', bytes: 10 },
        ],
        cancelled: false,
      }),
    );
    // Only the picture can be previewed.
    const previews = screen.getAllByRole('button', { name: 'Preview' });
    expect(previews).toHaveLength(1);
    await user.click(previews[0]!);
    const dialog = await screen.findByRole('dialog', { name: 'Preview of holiday.jpg' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(bridge.calls.find((c) => c.channel === 'media:open')?.request).toEqual({
      handle: 'handle:/home/me/holiday.jpg.coffer',
    });
    const img = await within(dialog).findByRole('img', { name: 'holiday.jpg' });
    expect(img.getAttribute('src')).toBe('coffer-media://media/0123456789abcdef0123456789abcdef');
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Close' }));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(previews[0]);
  });

  it('previews a pending Coffer video before anything starts', async () => {
    DISK['/home/me/clip.mp4.coffer'] = { kind: 'coffer', size: 9_000_000 };
    const bridge = setup({
      'media:open': () => ({ url: 'coffer-media://media/ffff', mime_type: 'video/mp4', size: 8_999_000 }),
    });
    const user = userEvent.setup();
    render(<FilesScreen />);
    await act(() => usePendingStore.getState().add(refs(['/home/me/clip.mp4.coffer', '/home/me/report.pdf'])));
    await user.click(within(pendingRow('clip.mp4.coffer')).getByRole('button', { name: 'Preview' }));
    const dialog = await screen.findByRole('dialog', { name: 'Preview of clip.mp4' });
    await waitFor(() => expect(dialog.querySelector('video')?.getAttribute('src')).toBe('coffer-media://media/ffff'));
    expect(dialog.querySelector('video')?.hasAttribute('controls')).toBe(true);
    expect(bridge.calls.find((c) => c.channel === 'media:open')?.request).toEqual({ handle: 'handle:/home/me/clip.mp4.coffer' });
    expect(within(pendingRow('report.pdf')).queryByRole('button', { name: 'Preview' })).toBeNull();
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
