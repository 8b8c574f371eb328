import { useEffect, useState, type ReactNode } from 'react';
import { ActivityScreen } from './features/activity/ActivityScreen.js';
import { DataKeysScreen } from './features/datakeys/DataKeysScreen.js';
import { FilesScreen } from './features/files/FilesScreen.js';
import { FirstRun } from './features/first-run/FirstRun.js';
import { RecoveryCodeNotice } from './features/first-run/RecoveryCodeNotice.js';
import { UnlockScreen } from './features/first-run/UnlockScreen.js';
import { KeysScreen } from './features/keys/KeysScreen.js';
import { SettingsScreen } from './features/settings/SettingsScreen.js';
import { TextScreen } from './features/text/TextScreen.js';
import { useJobsStore } from './state/jobs-store.js';
import { useKeysStore } from './state/keys-store.js';
import { useSettingsStore } from './state/settings-store.js';
import { useVaultStore } from './state/vault-store.js';
import { ErrorMessage } from './ui/controls.js';

export const SCREENS = [
  { id: 'files', label: 'Files', render: () => <FilesScreen /> },
  { id: 'keys', label: 'Keys', render: () => <KeysScreen /> },
  { id: 'text', label: 'Text', render: () => <TextScreen /> },
  { id: 'datakeys', label: 'Data keys', render: () => <DataKeysScreen /> },
  { id: 'activity', label: 'Activity', render: () => <ActivityScreen /> },
  { id: 'settings', label: 'Settings', render: () => <SettingsScreen /> },
] as const;
export type ScreenId = (typeof SCREENS)[number]['id'];

/** Follows the OS theme unless Settings chose light or dark. */
function useTheme(): void {
  const theme = useSettingsStore((s) => s.settings.theme);
  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);
}

export function App(): ReactNode {
  const { status, error, recoveryCode, load } = useVaultStore();
  const [screen, setScreen] = useState<ScreenId>('files');
  useTheme();

  useEffect(() => {
    void load();
    void useSettingsStore.getState().load();
    return useJobsStore.getState().listen();
  }, [load]);

  useEffect(() => {
    if (status?.state === 'unlocked') void useKeysStore.getState().load();
  }, [status?.state]);

  if (!status) {
    return (
      <main className="centered">
        <p role="status">Opening the vault…</p>
        <ErrorMessage message={error} />
      </main>
    );
  }
  if (recoveryCode) return <RecoveryCodeNotice code={recoveryCode} />;
  if (status.state === 'none') return <FirstRun />;
  if (status.state === 'locked') return <UnlockScreen />;

  const current = SCREENS.find((s) => s.id === screen) ?? SCREENS[0];
  return (
    <div className="shell">
      <nav aria-label="Screens" className="sidebar">
        <p className="brand">Coffer</p>
        <ul>
          {SCREENS.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                className={s.id === screen ? 'nav-item active' : 'nav-item'}
                aria-current={s.id === screen ? 'page' : undefined}
                onClick={() => setScreen(s.id)}
              >
                {s.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content" aria-label={current.label}>
        {current.render()}
      </main>
    </div>
  );
}
