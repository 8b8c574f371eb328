import { afterEach, describe, expect, it } from 'vitest';
import { installFakeBridge } from '../../test-support/fake-bridge.js';
import { useNavigationStore } from '../../state/navigation-store.js';
import { listenForLaunchedFiles } from './launched-files.js';
import { usePendingStore } from './pending-store.js';

const KINDS: Record<string, 'coffer' | 'file'> = { h1: 'file', h2: 'coffer', h3: 'coffer' };
const PATHS: Record<string, string> = { h1: '/home/me/report.pdf', h2: '/home/me/notes.txt.coffer', h3: '/home/me/old.coffer' };

function osBridge() {
  return installFakeBridge({
    'files:classify': ({ handles }) => ({
      files: handles.map((handle) => ({
        handle,
        path: PATHS[handle]!,
        name: PATHS[handle]!.split('/').pop()!,
        kind: KINDS[handle]!,
        size: 3,
      })),
    }),
  });
}

const ref = (handle: string) => ({ handle, path: PATHS[handle]!, name: PATHS[handle]!.split('/').pop()! });

afterEach(() => {
  usePendingStore.setState({ items: [], checking: 0, notices: [], error: null });
  useNavigationStore.setState({ screen: 'files', changes: 0, request: null });
});

describe('files the OS opened with Coffer', () => {
  it('wait in the Files list with the verb the OS asked for, and bring the Files screen forward', async () => {
    const bridge = osBridge();
    useNavigationStore.setState({ screen: 'keys' });
    const stop = listenForLaunchedFiles();
    // "Encrypt with Coffer" on a .coffer file encrypts it again: the OS's verb beats the header's guess.
    bridge.emit('launch:files', { encrypt: [ref('h1'), ref('h3')], decrypt: [ref('h2')] });
    await expect.poll(() => usePendingStore.getState().items.length).toBe(3);
    expect(usePendingStore.getState().items.map((i) => [i.handle, i.action])).toEqual([
      ['h1', 'encrypt'],
      ['h3', 'encrypt'],
      ['h2', 'decrypt'],
    ]);
    expect(useNavigationStore.getState().screen).toBe('files');
    stop();
  });

  it('stop being heard once the listener is gone', async () => {
    const bridge = osBridge();
    listenForLaunchedFiles()();
    bridge.emit('launch:files', { encrypt: [ref('h1')], decrypt: [] });
    await new Promise((r) => setTimeout(r, 20));
    expect(usePendingStore.getState().items).toEqual([]);
    expect(bridge.calls).toEqual([]);
  });
});
