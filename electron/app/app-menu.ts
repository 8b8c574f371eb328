import type { MenuItemConstructorOptions } from 'electron';
import { MENU_COMMANDS, type MenuCommand } from '../../shared/menu-commands.js';

/**
 * The application menu, replacing Electron's default: Coffer's own commands with their
 * shortcuts under File and Go, then the standard Edit, View (zoom) and Window menus. Pure (it
 * only imports Electron's types), so a unit test reads the template main builds.
 */
export interface MenuActions {
  /** Hands a command to the window (the 'menu:command' event). */
  send(command: MenuCommand): void;
  /** Opens one of the app's vetted documentation links. */
  openFormatDocs(): void;
}

const FORMAT_DOCS = 'https://docs.aws.amazon.com/encryption-sdk/latest/developer-guide/message-format.html';
export { FORMAT_DOCS };

function item(id: MenuCommand, actions: MenuActions): MenuItemConstructorOptions {
  const command = MENU_COMMANDS.find((c) => c.id === id)!;
  return { id, label: command.label, accelerator: command.accelerator, click: () => actions.send(id) };
}

export function buildMenuTemplate(platform: string, actions: MenuActions): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        item('choose-files', actions),
        item('choose-folder', actions),
        { type: 'separator' },
        item('create-key', actions),
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: '&Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
        { type: 'separator' },
        item('filter', actions),
      ],
    },
    {
      label: '&Go',
      submenu: [
        item('go-files', actions),
        item('go-keys', actions),
        item('go-contacts', actions),
        item('go-text', actions),
        item('go-datakeys', actions),
        item('go-activity', actions),
        item('go-settings', actions),
      ],
    },
    {
      label: '&View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: 'The .coffer File Format', click: () => actions.openFormatDocs() }],
    },
  ];
}
