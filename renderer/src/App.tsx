import { useEffect, useRef, useState, type MouseEvent, type ReactNode } from 'react';
import type { MenuCommand } from '../../shared/menu-commands.js';
import { on } from './bridge.js';
import { ActivityScreen } from './features/activity/ActivityScreen.js';
import { ContactsScreen } from './features/contacts/ContactsScreen.js';
import { DataKeysScreen } from './features/datakeys/DataKeysScreen.js';
import { choose, FilesScreen } from './features/files/FilesScreen.js';
import { listenForLaunchedFiles } from './features/files/launched-files.js';
import { FirstRun } from './features/first-run/FirstRun.js';
import { RecoveryCodeNotice } from './features/first-run/RecoveryCodeNotice.js';
import { UnlockScreen } from './features/first-run/UnlockScreen.js';
import { KeysScreen } from './features/keys/KeysScreen.js';
import { SettingsScreen } from './features/settings/SettingsScreen.js';
import { TextScreen } from './features/text/TextScreen.js';
import { useJobsStore } from './state/jobs-store.js';
import { useKeysStore } from './state/keys-store.js';
import { useNavigationStore, type ScreenId } from './state/navigation-store.js';
import { useSettingsStore } from './state/settings-store.js';
import { useVaultStore } from './state/vault-store.js';
import { ErrorMessage } from './ui/controls.js';

export const SCREENS: { id: ScreenId; label: string; render: () => ReactNode }[] = [
  { id: 'files', label: 'Files', render: () => <FilesScreen /> },
  { id: 'keys', label: 'Keys', render: () => <KeysScreen /> },
  { id: 'contacts', label: 'Contacts', render: () => <ContactsScreen /> },
  { id: 'text', label: 'Text', render: () => <TextScreen /> },
  { id: 'datakeys', label: 'Data keys', render: () => <DataKeysScreen /> },
  { id: 'activity', label: 'Activity', render: () => <ActivityScreen /> },
  { id: 'settings', label: 'Settings', render: () => <SettingsScreen /> },
];
export type { ScreenId };

const GO: Partial<Record<MenuCommand, ScreenId>> = {
  'go-files': 'files',
  'go-keys': 'keys',
  'go-contacts': 'contacts',
  'go-text': 'text',
  'go-datakeys': 'datakeys',
  'go-activity': 'activity',
  'go-settings': 'settings',
};

/** Runs once the new screen has rendered. */
function afterRender(action: () => void): void {
  requestAnimationFrame(() => requestAnimationFrame(action));
}

/** The filter box of the screen showing (Keys has one); Keys' when the screen has none. */
function focusFilter(): void {
  const field = document.querySelector<HTMLInputElement>('main [data-filter]');
  if (field) {
    field.focus();
    field.select();
    return;
  }
  if (useNavigationStore.getState().screen !== 'keys') {
    useNavigationStore.getState().go('keys');
    afterRender(() => document.querySelector<HTMLInputElement>('main [data-filter]')?.focus());
  }
}

/** Carries out what the application menu (or its shortcut) asked for. */
export function runMenuCommand(command: MenuCommand): void {
  const nav = useNavigationStore.getState();
  const screen = GO[command];
  if (screen) return nav.go(screen);
  switch (command) {
    case 'choose-files':
    case 'choose-folder':
      nav.go('files');
      void choose(command === 'choose-files' ? 'files' : 'folder');
      return;
    case 'create-key':
      nav.ask('create-key');
      nav.go('keys');
      return;
    case 'filter':
      return focusFilter();
  }
}

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
  const screen = useNavigationStore((s) => s.screen);
  const changes = useNavigationStore((s) => s.changes);
  const go = useNavigationStore((s) => s.go);
  const [menuOpen, setMenuOpen] = useState(false);
  const mainRef = useRef<HTMLElement>(null);
  useTheme();

  useEffect(() => on('menu:command', ({ command }) => runMenuCommand(command)), []);
  useEffect(() => listenForLaunchedFiles(), []);

  // A new screen: its heading takes focus, so Tab goes on from the top of the content and a
  // screen reader says where you are. Not on first load (focus starts at the top of the page).
  useEffect(() => {
    if (changes === 0) return;
    const heading = mainRef.current?.querySelector<HTMLElement>('h1');
    if (!heading) return;
    heading.tabIndex = -1;
    heading.focus();
  }, [changes, screen]);

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

  const current = SCREENS.find((s) => s.id === screen) ?? SCREENS[0]!;
  return (
    <div className="shell">
      <a className="skip-link" href="#content" onClick={skipToContent}>
        Skip to content
      </a>
      <nav aria-label="Screens" className="sidebar" data-open={menuOpen}>
        <p className="brand">Coffer</p>
        <button
          type="button"
          className="nav-toggle secondary"
          aria-expanded={menuOpen}
          aria-controls="screens-list"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true">☰ </span>Menu
        </button>
        <ul
          id="screens-list"
          onKeyDown={(event) => {
            if (event.key === 'Escape' && menuOpen) {
              setMenuOpen(false);
              document.querySelector<HTMLElement>('.nav-toggle')?.focus();
            }
          }}
        >
          {SCREENS.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                className={s.id === screen ? 'nav-item active' : 'nav-item'}
                aria-current={s.id === screen ? 'page' : undefined}
                onClick={() => {
                  setMenuOpen(false);
                  go(s.id);
                }}
              >
                {s.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main ref={mainRef} id="content" className="content" aria-label={current.label} tabIndex={-1}>
        {current.render()}
      </main>
    </div>
  );
}

/** The skip link moves focus into the content itself (a hash jump alone leaves focus behind in some engines). */
function skipToContent(event: MouseEvent<HTMLAnchorElement>): void {
  event.preventDefault();
  const main = document.getElementById('content');
  const heading = main?.querySelector<HTMLElement>('h1');
  if (heading) heading.tabIndex = -1;
  (heading ?? main)?.focus();
}
