/**
 * What the application menu can ask the window to do. Main's menu sends one of these on the
 * 'menu:command' event; the renderer carries it out. Each says what it does, for the menu's
 * label and the tests (README lists the shortcuts).
 */
export const MENU_COMMANDS = [
  { id: 'choose-files', label: 'Choose Files to Encrypt or Decrypt…', accelerator: 'CmdOrCtrl+O' },
  { id: 'choose-folder', label: 'Choose a Folder to Encrypt…', accelerator: 'CmdOrCtrl+Shift+O' },
  { id: 'create-key', label: 'Create a Key…', accelerator: 'CmdOrCtrl+N' },
  { id: 'filter', label: 'Filter the List', accelerator: 'CmdOrCtrl+F' },
  { id: 'go-files', label: 'Files', accelerator: 'CmdOrCtrl+1' },
  { id: 'go-keys', label: 'Keys', accelerator: 'CmdOrCtrl+2' },
  { id: 'go-text', label: 'Text', accelerator: 'CmdOrCtrl+3' },
  { id: 'go-datakeys', label: 'Data Keys', accelerator: 'CmdOrCtrl+4' },
  { id: 'go-activity', label: 'Activity', accelerator: 'CmdOrCtrl+5' },
  { id: 'go-settings', label: 'Settings', accelerator: 'CmdOrCtrl+6' },
  // After the six screens it joined: their shortcuts stay as people learnt them.
  { id: 'go-contacts', label: 'Contacts', accelerator: 'CmdOrCtrl+7' },
] as const;

export type MenuCommand = (typeof MENU_COMMANDS)[number]['id'];

export function isMenuCommand(value: unknown): value is MenuCommand {
  return MENU_COMMANDS.some((c) => c.id === value);
}

/** An accelerator as people read it on this platform: "Ctrl+Shift+O", "⌘⇧O" on a Mac. */
export function shortcutText(accelerator: string, platform: string): string {
  const mac = platform === 'darwin';
  const parts = accelerator.split('+').map((part) => {
    if (part === 'CmdOrCtrl') return mac ? '⌘' : 'Ctrl';
    if (part === 'Shift') return mac ? '⇧' : 'Shift';
    if (part === 'Alt') return mac ? '⌥' : 'Alt';
    return part;
  });
  return parts.join(mac ? '' : '+');
}
