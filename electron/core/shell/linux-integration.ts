import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppLaunchCommand, ShellIntegrationReport } from './integration-types.js';
import { COFFER_MAGIC } from '../../../shared/file-format.js';

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
 * Every path is under the given XDG folders, so tests (and `coffer shell install`) never reach
 * past them. This module does not import 'electron': the CLI and plain Node tests use it.
 */

export const DESKTOP_FILE_ID = 'coffer.desktop';
export const COFFER_MIME_TYPE = 'application/x-coffer';
/** The first bytes of every Coffer file: ESDK message format v2 (0x02), algorithm suite 0x0478. */
export { COFFER_MAGIC };

export type ToolResult = { code: number | null; stdout: string; stderr: string };
/** Runs a tool; a tool that is not installed resolves with code 127 (the shell's "not found"). */
export type ToolRunner = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => Promise<ToolResult>;

export interface LinuxIntegrationOptions {
  command: AppLaunchCommand;
  /** `$XDG_DATA_HOME`, usually `~/.local/share`. */
  dataHome: string;
  /** `$XDG_CONFIG_HOME`, usually `~/.config` (where `mimeapps.list` lives). */
  configHome?: string;
  runTool?: ToolRunner;
}

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
  const magic = COFFER_MAGIC.map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">',
    `  <mime-type type="${COFFER_MIME_TYPE}">`,
    '    <comment>Coffer encrypted file</comment>',
    '    <magic priority="50">',
    `      <match type="string" offset="0" value="${magic}"/>`,
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

/** Every file the integration writes, relative to `dataHome`, with its content and mode. */
export function linuxIntegrationFiles(command: AppLaunchCommand): LinuxIntegrationFile[] {
  return [
    { relativePath: DESKTOP_PATH, content: desktopEntry(command), mode: 0o644 },
    { relativePath: MIME_PACKAGE_PATH, content: mimeTypeXml(), mode: 0o644 },
    {
      relativePath: path.join('nautilus', 'scripts', 'Encrypt with Coffer'),
      content: nautilusScript(command, 'encrypt'),
      mode: 0o755,
    },
    {
      relativePath: path.join('nautilus', 'scripts', 'Decrypt with Coffer'),
      content: nautilusScript(command, 'decrypt'),
      mode: 0o755,
    },
    // KDE Frameworks 5.85+ ignores a service menu outside the system folders unless it is executable.
    {
      relativePath: path.join('kio', 'servicemenus', 'coffer-encrypt.desktop'),
      content: dolphinServiceMenu(command, 'encrypt'),
      mode: 0o755,
    },
    {
      relativePath: path.join('kio', 'servicemenus', 'coffer-decrypt.desktop'),
      content: dolphinServiceMenu(command, 'decrypt'),
      mode: 0o755,
    },
  ];
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

// ---------------------------------------------------------------------------------------------
// Install, uninstall, status

/** The files `update-mime-database` generates next to `packages/`. */
const MIME_CACHE_FILES = [
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

const TOOL_PACKAGES: Record<string, string> = {
  'update-mime-database': 'shared-mime-info',
  'xdg-mime': 'xdg-utils',
};

export const defaultToolRunner: ToolRunner = (cmd, args, env) =>
  new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        resolve({ code: 127, stdout: '', stderr: `${cmd}: not found` });
        return;
      }
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });

interface Resolved {
  command: AppLaunchCommand;
  dataHome: string;
  configHome: string;
  runTool: ToolRunner;
  env: NodeJS.ProcessEnv;
}

function resolveOptions(options: LinuxIntegrationOptions): Resolved {
  const dataHome = path.resolve(options.dataHome);
  const configHome = path.resolve(options.configHome ?? (process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config')));
  return {
    command: options.command,
    dataHome,
    configHome,
    runTool: options.runTool ?? defaultToolRunner,
    // The tools read these, so they touch the given folders and nothing else.
    env: { ...process.env, XDG_DATA_HOME: dataHome, XDG_CONFIG_HOME: configHome },
  };
}

/** Runs a tool; returns a note if it is missing or fails, null if it worked. */
async function runStep(resolved: Resolved, cmd: string, args: string[], purpose: string): Promise<string | null> {
  let result: ToolResult;
  try {
    result = await resolved.runTool(cmd, args, resolved.env);
  } catch (error) {
    return `Could not ${purpose}: ${cmd} failed to start (${(error as Error).message}).`;
  }
  if (result.code === 0) return null;
  if (result.code === 127) {
    const pkg = TOOL_PACKAGES[cmd];
    return `Could not ${purpose}: ${cmd} is not installed${pkg ? ` (Debian/Ubuntu package ${pkg})` : ''}.`;
  }
  const detail = result.stderr.trim().split('\n')[0] ?? '';
  return `Could not ${purpose}: ${cmd} exited with ${result.code ?? 'a signal'}${detail ? ` (${detail})` : ''}.`;
}

async function exists(filePath: string): Promise<boolean> {
  try {
    await lstat(filePath);
    return true;
  } catch {
    return false;
  }
}

/** Writes through a temporary file and a rename, so a file manager never reads half a file. */
async function writeFileAtomic(filePath: string, content: string, mode: number): Promise<void> {
  await mkdir(path.dirname(filePath), { recursive: true });
  const temporary = path.join(path.dirname(filePath), `.${path.basename(filePath)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, content, { mode });
    await chmod(temporary, mode); // the umask may have narrowed the mode
    await rename(temporary, filePath);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Removes `dir` and its parents up to (not including) `stop` while they are empty. */
async function pruneEmptyDirs(dir: string, stop: string, removed: string[]): Promise<void> {
  let current = dir;
  while (current !== stop && current.startsWith(stop + path.sep)) {
    try {
      await rmdir(current);
    } catch {
      return; // not empty, or not there
    }
    removed.push(current);
    current = path.dirname(current);
  }
}

/**
 * Installs (or reinstalls: the same files, byte for byte) the Linux integration and reports
 * every file written. `update-mime-database` also regenerates the cache files in
 * `${dataHome}/mime`; those are its own output and are not listed. A missing tool is a note.
 */
export async function installLinux(options: LinuxIntegrationOptions): Promise<ShellIntegrationReport> {
  const resolved = resolveOptions(options);
  const written: string[] = [];
  const notes: string[] = [];
  for (const file of linuxIntegrationFiles(resolved.command)) {
    const target = path.join(resolved.dataHome, file.relativePath);
    await writeFileAtomic(target, file.content, file.mode);
    written.push(target);
  }

  const mimeDir = path.join(resolved.dataHome, 'mime');
  const mimeNote = await runStep(resolved, 'update-mime-database', [mimeDir], `register ${COFFER_MIME_TYPE}`);
  if (mimeNote) notes.push(mimeNote);

  const defaultNote = await runStep(
    resolved,
    'xdg-mime',
    ['default', DESKTOP_FILE_ID, COFFER_MIME_TYPE],
    'make Coffer the default application for .coffer files',
  );
  if (defaultNote) notes.push(defaultNote);
  else written.push(path.join(resolved.configHome, 'mimeapps.list'));

  return { platform: 'linux', installed: true, written, removed: [], notes };
}

/**
 * Removes every file {@link installLinux} writes (and nothing else), Coffer's default in
 * `mimeapps.list`, and folders this leaves empty on Coffer's paths. The MIME database is rebuilt
 * without Coffer's type; if no other package is left in it, its generated cache is removed with it.
 */
export async function uninstallLinux(options: LinuxIntegrationOptions): Promise<ShellIntegrationReport> {
  const resolved = resolveOptions(options);
  const removed: string[] = [];
  const notes: string[] = [];
  const touchedDirs = new Set<string>();

  for (const file of linuxIntegrationFiles(resolved.command)) {
    const target = path.join(resolved.dataHome, file.relativePath);
    if (!(await exists(target))) continue;
    await rm(target, { force: true });
    removed.push(target);
    touchedDirs.add(path.dirname(target));
  }

  const mimeDir = path.join(resolved.dataHome, 'mime');
  const packagesDir = path.join(mimeDir, 'packages');
  const otherPackages = (await readdir(packagesDir).catch(() => [] as string[])).filter((name) => name.endsWith('.xml'));
  if (otherPackages.length > 0) {
    const note = await runStep(resolved, 'update-mime-database', [mimeDir], `unregister ${COFFER_MIME_TYPE}`);
    if (note) notes.push(note);
  } else {
    // Nothing else is registered: the generated cache describes only Coffer's type, so it goes.
    const generated = [
      ...MIME_CACHE_FILES.map((name) => path.join(mimeDir, name)),
      path.join(mimeDir, ...COFFER_MIME_TYPE.split('/')) + '.xml',
    ];
    for (const target of generated) {
      if (!(await exists(target))) continue;
      await rm(target, { force: true });
      removed.push(target);
    }
  }
  // update-mime-database leaves the folder of a media type it no longer has.
  touchedDirs.add(path.join(mimeDir, COFFER_MIME_TYPE.split('/')[0] ?? 'application'));
  touchedDirs.add(packagesDir);

  const mimeapps = path.join(resolved.configHome, 'mimeapps.list');
  const current = await readFile(mimeapps, 'utf8').catch(() => null);
  if (current !== null) {
    const next = removeCofferDefault(current);
    if (next.changed && next.text === null) {
      await rm(mimeapps, { force: true });
      removed.push(mimeapps);
    } else if (next.changed && next.text !== null) {
      const mode = (await lstat(mimeapps)).mode & 0o777;
      await writeFileAtomic(mimeapps, next.text, mode);
      notes.push(`Removed Coffer as the default application for ${COFFER_MIME_TYPE} from ${mimeapps}.`);
    }
  }

  // Deepest first, so a parent is tried after its children.
  for (const dir of [...touchedDirs].sort((a, b) => b.length - a.length)) {
    await pruneEmptyDirs(dir, resolved.dataHome, removed);
  }
  return { platform: 'linux', installed: false, written: [], removed, notes };
}

/** Whether the integration is installed: `installed` is true only if every file is present. */
export async function statusLinux(options: LinuxIntegrationOptions): Promise<ShellIntegrationReport> {
  const resolved = resolveOptions(options);
  const notes: string[] = [];
  let present = 0;
  const files = linuxIntegrationFiles(resolved.command);
  for (const file of files) {
    const target = path.join(resolved.dataHome, file.relativePath);
    if (await exists(target)) present += 1;
    else notes.push(`Missing: ${target}`);
  }
  if (present > 0 && present < files.length) notes.unshift('The Linux integration is only partly installed.');
  const mimeapps = await readFile(path.join(resolved.configHome, 'mimeapps.list'), 'utf8').catch(() => '');
  if (present > 0 && !removeCofferDefault(mimeapps).changed) {
    notes.push(`Coffer is not the default application for ${COFFER_MIME_TYPE}.`);
  }
  return { platform: 'linux', installed: present === files.length, written: [], removed: [], notes };
}
