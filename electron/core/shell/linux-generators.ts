import path from 'node:path';
import type { AppLaunchCommand } from './integration-types.js';
import { COFFER_MAGIC, COFFER_MAGICS } from '../../../shared/file-format.js';

/**
 * Linux right-click integration, per user and without root:
 *
 * - `applications/coffer.desktop`: the application entry (double-click a `.coffer` file, "Open
 *   With", and the "Encrypt with Coffer" / "Decrypt with Coffer" actions some launchers show);
 * - `mime/packages/coffer.xml`: the shared-mime-info type `application/x-coffer` (`*.coffer`,
 *   plus the first bytes of a Coffer file), compiled by `update-mime-database`;
 * - `xdg-mime default coffer.desktop application/x-coffer`: Coffer opens its own files;
 * - `nautilus/scripts/Encrypt with Coffer` and `… Decrypt with Coffer`: GNOME Files' Scripts menu;
 * - `kio/servicemenus/coffer-encrypt.desktop` and `coffer-decrypt.desktop`: Dolphin's menu. A
 *   service menu's MimeType applies to every action in its file, so "Decrypt" (only `.coffer`
 *   files) and "Encrypt" (every file and folder) need a file each.
 *
 * Pure generators: launch command in, file contents out, no I/O; shell-installer.ts writes and
 * removes them. Every path is relative to the XDG data folder and does not depend on the launch
 * command, so uninstall needs no app path. This module does not import 'electron'.
 */

export const DESKTOP_FILE_ID = 'coffer.desktop';
export const COFFER_MIME_TYPE = 'application/x-coffer';
/** The first bytes of every Coffer file: ESDK message format v2 (0x02), algorithm suite 0x0478. */
export { COFFER_MAGIC };

/** One file the integration owns, relative to `dataHome`. */
export interface LinuxIntegrationFile {
  relativePath: string;
  content: string;
  mode: number;
}

// ---------------------------------------------------------------------------------------------
// Exec-line quoting (Desktop Entry Specification 1.5, "The Exec key")

/** Characters that may stand unquoted in an Exec argument; anything else gets quoted. */
const EXEC_SAFE = /^[A-Za-z0-9_@+=:,./-]+$/;

/**
 * One argument of an Exec key, before the key file's own escaping (see {@link escapeDesktopString}).
 *
 * The spec: an argument holding a reserved character (space, tab, newline, `"`, `'`, `\`, `>`,
 * `<`, `~`, `|`, `&`, `;`, `$`, `*`, `?`, `#`, `(`, `)`, `` ` ``) must be quoted in whole with
 * double quotes, and inside them `"`, `` ` ``, `$` and `\` are escaped with a backslash. A literal
 * `%` is `%%` (a single `%` would start a field code such as `%F`). Anything outside a small safe
 * set is quoted too (`%`, non-ASCII, `!`, `[`, `{`…): quoting is always allowed, and launchers
 * that hand the line to a shell-like parser (GLib, KIO) then read such characters verbatim.
 */
export function quoteExecArgument(argument: string): string {
  assertRepresentable(argument);
  if (argument !== '' && EXEC_SAFE.test(argument)) return argument;
  return `"${argument.replace(/["`$\\]/g, '\\$&').replaceAll('%', '%%')}"`;
}

/**
 * Escapes a value of the key file's "string" type: `\` is `\\`, and newline, tab and carriage
 * return are `\n`, `\t`, `\r` (a leading space would be `\s`). Launchers undo this before they
 * undo the Exec quoting, which is why a literal backslash in a quoted argument ends up as four
 * backslashes in the file and a literal `$` as `\\$`.
 */
export function escapeDesktopString(value: string): string {
  return value
    .replace(/[\\\n\t\r]/g, (char) => ({ '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r' })[char] ?? char)
    .replace(/^ /, '\\s');
}

/**
 * The value of an Exec key, as it is written in the file: the launch command's words quoted and
 * escaped, then the field codes (`%F`, …) as they are, since field codes must stand unquoted.
 */
export function execValue(command: AppLaunchCommand, extraArgs: readonly string[], fieldCodes = '%F'): string {
  if (command.executable === '') throw new Error('The launch command has no executable.');
  const words = [command.executable, ...command.args, ...extraArgs].map(quoteExecArgument);
  if (fieldCodes !== '') words.push(fieldCodes);
  return escapeDesktopString(words.join(' '));
}

/** Desktop files are UTF-8 text: no NUL and no other control characters survive a key file. */
function assertRepresentable(value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value) || /\p{Cs}/u.test(value)) {
    throw new Error(`Cannot write ${JSON.stringify(value)} into a desktop file: it holds a control character.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Generators

/** `applications/coffer.desktop`: the application entry with the encrypt / decrypt actions. */
export function desktopEntry(command: AppLaunchCommand): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    // 1.4 is the newest version desktop-file-validate 0.26 (Debian 12) knows; nothing here is newer.
    'Version=1.4',
    'Name=Coffer',
    'GenericName=File Encryption',
    'Comment=Encrypt and decrypt files with keys sealed by your keychain',
    `Exec=${execValue(command, [])}`,
    'Icon=coffer',
    'Terminal=false',
    'Categories=Utility;Security;',
    `MimeType=${COFFER_MIME_TYPE};`,
    'Keywords=encrypt;decrypt;encryption;vault;key;',
    'Actions=encrypt;decrypt;',
    '',
    '[Desktop Action encrypt]',
    'Name=Encrypt with Coffer',
    `Exec=${execValue(command, ['--encrypt'])}`,
    '',
    '[Desktop Action decrypt]',
    'Name=Decrypt with Coffer',
    `Exec=${execValue(command, ['--decrypt'])}`,
    '',
  ].join('\n');
}

/** `mime/packages/coffer.xml`: the shared-mime-info definition of `application/x-coffer`. */
export function mimeTypeXml(): string {
  // One match per suite Coffer writes: a signed file is as much a Coffer file as an unsigned one.
  const matches = COFFER_MAGICS.map((bytes) => {
    const value = bytes.map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
    return `      <match type="string" offset="0" value="${value}"/>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">',
    `  <mime-type type="${COFFER_MIME_TYPE}">`,
    '    <comment>Coffer encrypted file</comment>',
    '    <magic priority="50">',
    ...matches,
    '    </magic>',
    '    <glob pattern="*.coffer"/>',
    '  </mime-type>',
    '</mime-info>',
    '',
  ].join('\n');
}

/** A POSIX shell word that stands for exactly `value`. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A Nautilus script: GNOME Files lists the selected local files in
 * `NAUTILUS_SCRIPT_SELECTED_FILE_PATHS`, one per line, and every one of them goes to a single
 * Coffer launch, so a multi-file selection arrives as one batch. (A file name holding a newline
 * cannot be told apart in that list; such a name arrives as two paths that do not exist.)
 */
export function nautilusScript(command: AppLaunchCommand, action: 'encrypt' | 'decrypt'): string {
  const words = [command.executable, ...command.args, `--${action}`].map(shellQuote).join(' ');
  return [
    '#!/bin/sh',
    `# ${action === 'encrypt' ? 'Encrypt' : 'Decrypt'} with Coffer: a Nautilus script written by Coffer's shell integration`,
    '# (`coffer shell uninstall` removes it). Every selected file goes to one Coffer launch.',
    'set -eu',
    'set --',
    'while IFS= read -r selected; do',
    '  if [ -n "$selected" ]; then set -- "$@" "$selected"; fi',
    'done <<COFFER_SELECTION',
    '${NAUTILUS_SCRIPT_SELECTED_FILE_PATHS:-}',
    'COFFER_SELECTION',
    '[ "$#" -gt 0 ] || exit 0',
    `exec ${words} "$@"`,
    '',
  ].join('\n');
}

/** A Dolphin (KIO) service menu holding one action. */
export function dolphinServiceMenu(command: AppLaunchCommand, action: 'encrypt' | 'decrypt'): string {
  const label = action === 'encrypt' ? 'Encrypt with Coffer' : 'Decrypt with Coffer';
  return [
    '[Desktop Entry]',
    'Type=Service',
    `Name=${label}`,
    'X-KDE-ServiceTypes=KonqPopupMenu/Plugin',
    `MimeType=${action === 'encrypt' ? 'all/allfiles;inode/directory;' : `${COFFER_MIME_TYPE};`}`,
    `Actions=${action};`,
    '',
    `[Desktop Action ${action}]`,
    `Name=${label}`,
    'Icon=coffer',
    `Exec=${execValue(command, [`--${action}`])}`,
    '',
  ].join('\n');
}

const DESKTOP_PATH = path.join('applications', DESKTOP_FILE_ID);
const MIME_PACKAGE_PATH = path.join('mime', 'packages', 'coffer.xml');

/**
 * Each file the integration owns: where (relative to `dataHome`, the same whatever the app), its
 * mode, its content for a launch command, and the text that tells Coffer's copy from a file of
 * someone else's at that path (what every version of the generator writes, whatever the command).
 */
interface LinuxFileSlot {
  relativePath: string;
  mode: number;
  content: (command: AppLaunchCommand) => string;
  signature: string;
}

const LINUX_FILE_SLOTS: readonly LinuxFileSlot[] = [
  {
    relativePath: DESKTOP_PATH,
    mode: 0o644,
    content: desktopEntry,
    signature: '\n[Desktop Action encrypt]\nName=Encrypt with Coffer\n',
  },
  { relativePath: MIME_PACKAGE_PATH, mode: 0o644, content: mimeTypeXml, signature: `<mime-type type="${COFFER_MIME_TYPE}">` },
  {
    relativePath: path.join('nautilus', 'scripts', 'Encrypt with Coffer'),
    mode: 0o755,
    content: (command) => nautilusScript(command, 'encrypt'),
    signature: "# Encrypt with Coffer: a Nautilus script written by Coffer's shell integration",
  },
  {
    relativePath: path.join('nautilus', 'scripts', 'Decrypt with Coffer'),
    mode: 0o755,
    content: (command) => nautilusScript(command, 'decrypt'),
    signature: "# Decrypt with Coffer: a Nautilus script written by Coffer's shell integration",
  },
  // KDE Frameworks 5.85+ ignores a service menu outside the system folders unless it is executable.
  {
    relativePath: path.join('kio', 'servicemenus', 'coffer-encrypt.desktop'),
    mode: 0o755,
    content: (command) => dolphinServiceMenu(command, 'encrypt'),
    signature: '\n[Desktop Action encrypt]\nName=Encrypt with Coffer\n',
  },
  {
    relativePath: path.join('kio', 'servicemenus', 'coffer-decrypt.desktop'),
    mode: 0o755,
    content: (command) => dolphinServiceMenu(command, 'decrypt'),
    signature: '\n[Desktop Action decrypt]\nName=Decrypt with Coffer\n',
  },
];

/** Where the integration's files go, relative to `dataHome`: the same for every app path. */
export function linuxIntegrationPaths(): string[] {
  return LINUX_FILE_SLOTS.map((slot) => slot.relativePath);
}

/** Every file the integration writes, relative to `dataHome`, with its content and mode. */
export function linuxIntegrationFiles(command: AppLaunchCommand): LinuxIntegrationFile[] {
  return LINUX_FILE_SLOTS.map((slot) => ({ relativePath: slot.relativePath, content: slot.content(command), mode: slot.mode }));
}

/** Whether `content`, found at one of the integration's paths, is a file Coffer wrote there (for any app path). */
export function isCofferLinuxFile(relativePath: string, content: string): boolean {
  const slot = LINUX_FILE_SLOTS.find((candidate) => candidate.relativePath === relativePath);
  return slot !== undefined && content.includes(slot.signature);
}

// ---------------------------------------------------------------------------------------------
// mimeapps.list

/**
 * `mimeapps.list` without Coffer as the default for `application/x-coffer`; other entries stay
 * as they are. If that empties a `[Default Applications]` section that xdg-mime appended (it
 * writes a blank line before the header), the section goes too; `null` means nothing is left.
 */
export function removeCofferDefault(text: string): { text: string | null; changed: boolean } {
  const prefix = `${COFFER_MIME_TYPE}=`;
  const lines: (string | null)[] = text.split('\n');
  const headersWithRemovals = new Set<number>();
  let header = -1;
  let inDefaults = false;
  lines.forEach((line, index) => {
    if (line === null) return;
    if (line.startsWith('[')) {
      header = index;
      inDefaults = line.trim() === '[Default Applications]';
      return;
    }
    if (!inDefaults || !line.startsWith(prefix)) return;
    const value = line.slice(prefix.length);
    const apps = value.split(';').filter((app) => app.trim() !== '');
    const kept = apps.filter((app) => app.trim() !== DESKTOP_FILE_ID);
    if (kept.length === apps.length) return;
    lines[index] = kept.length === 0 ? null : `${prefix}${kept.join(';')}${value.endsWith(';') ? ';' : ''}`;
    headersWithRemovals.add(header);
  });
  if (headersWithRemovals.size === 0) return { text, changed: false };

  for (const index of headersWithRemovals) {
    const nextHeader = lines.findIndex((line, at) => at > index && line !== null && line.startsWith('['));
    const body = lines.slice(index + 1, nextHeader < 0 ? lines.length : nextHeader);
    const empty = body.every((line) => line === null || line.trim() === '' || line.trimStart().startsWith('#'));
    // Only a section xdg-mime appended itself goes: it wrote a blank line before the header.
    if (!empty || index < 1 || lines[index - 1] !== '') continue;
    lines[index - 1] = null;
    lines[index] = null;
  }
  const result = lines.filter((line): line is string => line !== null).join('\n');
  return { text: result.trim() === '' ? null : result, changed: true };
}

/** The files `update-mime-database` generates next to `packages/`. */
export const MIME_CACHE_FILES = [
  'XMLnamespaces',
  'aliases',
  'generic-icons',
  'globs',
  'globs2',
  'icons',
  'magic',
  'mime.cache',
  'subclasses',
  'treemagic',
  'types',
  'version',
];
