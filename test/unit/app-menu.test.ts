import { describe, expect, it } from 'vitest';
import { buildMenuTemplate } from '../../electron/app/app-menu.js';
import { MENU_COMMANDS, shortcutText, type MenuCommand } from '../../shared/menu-commands.js';

/** Electron's menu item type, named through the builder (only electron/app may import 'electron'). */
type MenuItemConstructorOptions = ReturnType<typeof buildMenuTemplate>[number];

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? flatten(item.submenu) : [])]);
}

function build(platform: string): { items: MenuItemConstructorOptions[]; sent: MenuCommand[]; docs: number[] } {
  const sent: MenuCommand[] = [];
  const docs: number[] = [];
  const template = buildMenuTemplate(platform, { send: (c) => sent.push(c), openFormatDocs: () => docs.push(1) });
  return { items: template, sent, docs };
}

describe('the application menu', () => {
  it("replaces Electron's default File menu with Coffer's commands and their shortcuts", () => {
    const { items } = build('linux');
    const file = items.find((i) => i.label === '&File');
    expect(file?.role).toBeUndefined();
    const labels = (file?.submenu as MenuItemConstructorOptions[]).filter((i) => i.label).map((i) => [i.label, i.accelerator]);
    expect(labels).toEqual([
      ['Choose Files to Encrypt or Decrypt…', 'CmdOrCtrl+O'],
      ['Choose a Folder to Encrypt…', 'CmdOrCtrl+Shift+O'],
      ['Create a Key…', 'CmdOrCtrl+N'],
    ]);
    expect(items.some((i) => i.role === 'fileMenu')).toBe(false);
  });

  it('offers every command exactly once, each sending its own id to the window when chosen', () => {
    const { items, sent } = build('linux');
    const commands = flatten(items).filter((i) => MENU_COMMANDS.some((c) => c.id === i.id));
    expect(commands.map((i) => i.id).sort()).toEqual(MENU_COMMANDS.map((c) => c.id).sort());
    for (const item of commands) (item.click as () => void)();
    expect(sent).toEqual(commands.map((i) => i.id));
  });

  it('gives every shortcut to one command only, and keeps the zoom items of the View menu', () => {
    const { items } = build('linux');
    const accelerators = flatten(items)
      .map((i) => i.accelerator)
      .filter(Boolean);
    expect(new Set(accelerators).size).toBe(accelerators.length);
    const roles = flatten(items).map((i) => i.role);
    expect(roles).toEqual(expect.arrayContaining(['zoomIn', 'zoomOut', 'resetZoom']));
  });

  it("has macOS's app menu first on a Mac only, and opens the format docs from Help", () => {
    expect(build('darwin').items[0]?.role).toBe('appMenu');
    const linux = build('linux');
    expect(linux.items[0]?.label).toBe('&File');
    const help = linux.items.find((i) => i.role === 'help');
    ((help?.submenu as MenuItemConstructorOptions[])[0]?.click as () => void)();
    expect(linux.docs).toHaveLength(1);
  });

  it('writes shortcuts as each platform does', () => {
    expect(shortcutText('CmdOrCtrl+Shift+O', 'linux')).toBe('Ctrl+Shift+O');
    expect(shortcutText('CmdOrCtrl+Shift+O', 'darwin')).toBe('⌘⇧O');
  });
});
