import type { EventPayloads } from '../../../../shared/ipc-contract.js';
import { on } from '../../bridge.js';
import { useNavigationStore } from '../../state/navigation-store.js';
import { usePendingStore } from './pending-store.js';

/**
 * Files the OS opened with Coffer that main did not start a job for (no default key, or the
 * vault locked): they wait in the Files screen's list for the user to choose a key or unlock.
 * The OS's verb wins over the header's guess ("Encrypt with Coffer" on a .coffer file encrypts).
 */
export async function addLaunchedFiles({ encrypt, decrypt }: EventPayloads['launch:files']): Promise<void> {
  if (encrypt.length === 0 && decrypt.length === 0) return;
  useNavigationStore.getState().go('files');
  const pending = usePendingStore.getState();
  await pending.add([...encrypt, ...decrypt]);
  for (const f of encrypt) pending.setAction(f.path, 'encrypt');
  for (const f of decrypt) pending.setAction(f.path, 'decrypt');
}

/** Listens for launch:files for the window's lifetime; returns the unsubscribe function. */
export function listenForLaunchedFiles(): () => void {
  return on('launch:files', (payload) => void addLaunchedFiles(payload));
}
