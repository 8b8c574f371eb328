import { execFile, spawn } from 'node:child_process';
import { chmod, lstat, mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppLaunchCommand, ShellIntegrationReport } from './integration-types.js';
import {
  COFFER_MIME_TYPE,
  DESKTOP_FILE_ID,
  MIME_CACHE_FILES,
  isCofferLinuxFile,
  linuxIntegrationFiles,
  linuxIntegrationPaths,
  removeCofferDefault,
} from './linux-generators.js';
import { MAC_QUICK_ACTIONS, isCofferQuickActionInfo, quickActionFiles } from './macos-generators.js';
import {
  parseRegQueryValue,
  regExeCommands,
  regExeDeleteCommands,
  renderWindowsCommandLine,
  windowsRegistryEntries,
  windowsRootKeys,
} from './windows-generators.js';

/**
 * The one installer of the right-click integration: it writes what the generators
 * (linux-, macos-, windows-generators.ts) produce, reports every file or key it wrote, and removes
 * them again. Uninstall works from the generators' fixed paths and key names and recognises
 * Coffer's own entries by their content, so it never needs to know where the app is, and it
 * leaves a file of someone else's at one of those paths alone (with a note).
 */

// =============================================================================================
// Shared: files and tools

export type ToolResult = { code: number | null; stdout: string; stderr: string };
/** Runs a tool; a tool that is not installed resolves with code 127 (the shell's "not found"). */
export type ToolRunner = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => Promise<ToolResult>;

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

const TOOL_PACKAGES: Record<string, string> = {
  'update-mime-database': 'shared-mime-info',
  'xdg-mime': 'xdg-utils',
};

/** Runs a tool; returns a note if it is missing or fails, null if it worked. */
async function runStep(
  runTool: ToolRunner,
  env: NodeJS.ProcessEnv,
  cmd: string,
  args: string[],
  purpose: string,
): Promise<string | null> {
  let result: ToolResult;
  try {
    result = await runTool(cmd, args, env);
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
  return lstat(filePath).then(
    () => true,
    () => false,
  );
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw error;
  }
}

/** Writes through a temporary file and a rename, so a file manager never reads half a file. */
async function writeFileAtomic(filePath: string, content: string, mode: number): Promise<void> {
  await mkdir(path.dirname(filePath), { recursive: true });
  const temporary = path.join(path.dirname(filePath), `.${path.basename(filePath)}.coffer-${process.pid}-${Date.now()}.tmp`);
  try {
    await writeFile(temporary, content, { mode });
    await chmod(temporary, mode); // the umask may have narrowed the mode
    await rename(temporary, filePath);
  } finally {
    await rm(temporary, { force: true });
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
 * Removes each file at the generators' paths that Coffer wrote (as `isOurs` tells from its
 * content); a file of someone else's at such a path stays, with a note.
 */
async function removeOwnedFiles(
  targets: readonly { path: string; isOurs: (content: string) => boolean }[],
  removed: string[],
  notes: string[],
): Promise<Set<string>> {
  const touchedDirs = new Set<string>();
  for (const target of targets) {
    const content = await readIfExists(target.path);
    if (content === null) continue;
    if (!target.isOurs(content)) {
      notes.push(`Left ${target.path} in place: Coffer did not write it.`);
      continue;
    }
    await rm(target.path, { force: true });
    removed.push(target.path);
    touchedDirs.add(path.dirname(target.path));
  }
  return touchedDirs;
}

// =============================================================================================
// Linux: files under the XDG folders, the MIME database, the default application

export interface LinuxIntegrationOptions {
  /** How the desktop entries start Coffer; needed to install, never to uninstall. */
  command?: AppLaunchCommand;
  /** `$XDG_DATA_HOME`, usually `~/.local/share`. */
  dataHome: string;
  /** `$XDG_CONFIG_HOME`, usually `~/.config` (where `mimeapps.list` lives). */
  configHome?: string;
  runTool?: ToolRunner;
}

interface LinuxPlaces {
  dataHome: string;
  configHome: string;
  runTool: ToolRunner;
  env: NodeJS.ProcessEnv;
}

function linuxPlaces(options: LinuxIntegrationOptions): LinuxPlaces {
  const dataHome = path.resolve(options.dataHome);
  const configHome = path.resolve(options.configHome ?? (process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config')));
  return {
    dataHome,
    configHome,
    runTool: options.runTool ?? defaultToolRunner,
    // The tools read these, so they touch the given folders and nothing else.
    env: { ...process.env, XDG_DATA_HOME: dataHome, XDG_CONFIG_HOME: configHome },
  };
}

/**
 * Installs (or reinstalls: the same files, byte for byte) the Linux integration and reports
 * every file written. `update-mime-database` also regenerates the cache files in
 * `${dataHome}/mime`; those are its own output and are not listed. A missing tool is a note.
 */
export async function installLinux(
  options: LinuxIntegrationOptions & { command: AppLaunchCommand },
): Promise<ShellIntegrationReport> {
  const places = linuxPlaces(options);
  const written: string[] = [];
  const notes: string[] = [];
  for (const file of linuxIntegrationFiles(options.command)) {
    const target = path.join(places.dataHome, file.relativePath);
    await writeFileAtomic(target, file.content, file.mode);
    written.push(target);
  }

  const mimeDir = path.join(places.dataHome, 'mime');
  const mimeNote = await runStep(places.runTool, places.env, 'update-mime-database', [mimeDir], `register ${COFFER_MIME_TYPE}`);
  if (mimeNote) notes.push(mimeNote);

  const defaultNote = await runStep(
    places.runTool,
    places.env,
    'xdg-mime',
    ['default', DESKTOP_FILE_ID, COFFER_MIME_TYPE],
    'make Coffer the default application for .coffer files',
  );
  if (defaultNote) notes.push(defaultNote);
  else written.push(path.join(places.configHome, 'mimeapps.list'));

  return { platform: 'linux', installed: true, written, removed: [], notes };
}

/**
 * Removes every file install writes (and nothing else: a file at one of those paths that Coffer
 * did not write stays), Coffer's default in `mimeapps.list`, and folders this leaves empty on
 * Coffer's paths. The MIME database is rebuilt without Coffer's type; if no other package is
 * left in it, its generated cache is removed with it. Needs no launch command.
 */
export async function uninstallLinux(options: LinuxIntegrationOptions): Promise<ShellIntegrationReport> {
  const places = linuxPlaces(options);
  const removed: string[] = [];
  const notes: string[] = [];
  const touchedDirs = await removeOwnedFiles(
    linuxIntegrationPaths().map((relativePath) => ({
      path: path.join(places.dataHome, relativePath),
      isOurs: (content: string) => isCofferLinuxFile(relativePath, content),
    })),
    removed,
    notes,
  );

  const mimeDir = path.join(places.dataHome, 'mime');
  const packagesDir = path.join(mimeDir, 'packages');
  const otherPackages = (await readdir(packagesDir).catch(() => [] as string[])).filter((name) => name.endsWith('.xml'));
  if (otherPackages.length > 0) {
    const note = await runStep(places.runTool, places.env, 'update-mime-database', [mimeDir], `unregister ${COFFER_MIME_TYPE}`);
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

  const mimeapps = path.join(places.configHome, 'mimeapps.list');
  const current = await readIfExists(mimeapps);
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
    await pruneEmptyDirs(dir, places.dataHome, removed);
  }
  return { platform: 'linux', installed: false, written: [], removed, notes };
}

/** Whether the integration is installed: `installed` is true only if every file is present. */
export async function statusLinux(options: LinuxIntegrationOptions): Promise<ShellIntegrationReport> {
  const places = linuxPlaces(options);
  const notes: string[] = [];
  let present = 0;
  const paths = linuxIntegrationPaths();
  for (const relativePath of paths) {
    const target = path.join(places.dataHome, relativePath);
    if (await exists(target)) present += 1;
    else notes.push(`Missing: ${target}`);
  }
  if (present > 0 && present < paths.length) notes.unshift('The Linux integration is only partly installed.');
  const mimeapps = (await readIfExists(path.join(places.configHome, 'mimeapps.list'))) ?? '';
  if (present > 0 && !removeCofferDefault(mimeapps).changed) {
    notes.push(`Coffer is not the default application for ${COFFER_MIME_TYPE}.`);
  }
  return { platform: 'linux', installed: present === paths.length, written: [], removed: [], notes };
}

// =============================================================================================
// macOS: Quick Action bundles in ~/Library/Services

export interface MacosIntegrationOptions {
  /** Defaults to `~/Library/Services`; only there does Finder look. */
  servicesDir?: string;
  /** Defaults to process.platform. Off macOS, only an explicit servicesDir is written to. */
  platform?: NodeJS.Platform;
}

export interface MacosInstallOptions extends MacosIntegrationOptions {
  /** The installed Coffer.app bundle, e.g. `/Applications/Coffer.app`. */
  appPath: string;
}

export function defaultServicesDir(): string {
  return path.join(os.homedir(), 'Library', 'Services');
}

function macReport(installed: boolean): ShellIntegrationReport {
  return { platform: 'darwin', installed, written: [], removed: [], notes: [] };
}

/**
 * Where to write, or null with a note when there is nowhere meaningful: Finder exists only on macOS,
 * so elsewhere only an explicitly given folder (tests, packaging) is used.
 */
function servicesDirFor(options: MacosIntegrationOptions, result: ShellIntegrationReport): string | null {
  const platform = options.platform ?? process.platform;
  if (options.servicesDir !== undefined) {
    if (platform !== 'darwin') result.notes.push('Not macOS: Finder will not show these Quick Actions here.');
    return options.servicesDir;
  }
  if (platform !== 'darwin') {
    result.notes.push('Finder Quick Actions exist only on macOS; nothing was changed.');
    return null;
  }
  return defaultServicesDir();
}

/**
 * Asks macOS to re-read the Services folder, so the menu items change without logging out. Only
 * for the real folder on a real Mac: a test's folder (or a non-Mac) has nothing to refresh.
 */
function refreshServices(result: ShellIntegrationReport, servicesDir: string): Promise<void> {
  if (process.platform !== 'darwin' || path.resolve(servicesDir) !== path.resolve(defaultServicesDir())) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    execFile('/System/Library/CoreServices/pbs', ['-flush'], { timeout: 10_000 }, (error) => {
      if (error) result.notes.push('Could not refresh the Services menu; it updates after the next login.');
      resolve();
    });
  });
}

async function isCofferBundle(bundlePath: string, action: (typeof MAC_QUICK_ACTIONS)[number]): Promise<boolean> {
  const info = await readIfExists(path.join(bundlePath, 'Contents', 'Info.plist'));
  return info !== null && isCofferQuickActionInfo(info, action);
}

/**
 * Writes both Quick Action bundles. Idempotent: a file that already holds the right bytes is left
 * alone, and `written` lists only the files that changed. Each file is replaced atomically.
 */
export async function installMacos(options: MacosInstallOptions): Promise<ShellIntegrationReport> {
  const result = macReport(false);
  const servicesDir = servicesDirFor(options, result);
  if (servicesDir === null) return result;
  for (const file of quickActionFiles(options.appPath)) {
    const target = path.join(servicesDir, file.relativePath);
    if ((await readIfExists(target)) === file.contents) continue;
    await writeFileAtomic(target, file.contents, 0o644);
    result.written.push(target);
  }
  if (result.written.length === 0) result.notes.push('The Quick Actions were already installed and up to date.');
  result.installed = true;
  await refreshServices(result, servicesDir);
  return result;
}

/** Removes the two Coffer bundles, and nothing else: a same-named bundle that is not Coffer's stays. */
export async function uninstallMacos(options: MacosIntegrationOptions = {}): Promise<ShellIntegrationReport> {
  const result = macReport(false);
  const servicesDir = servicesDirFor(options, result);
  if (servicesDir === null) return result;
  for (const action of MAC_QUICK_ACTIONS) {
    const bundlePath = path.join(servicesDir, action.bundleName);
    if (await isCofferBundle(bundlePath, action)) {
      await rm(bundlePath, { recursive: true, force: true });
      result.removed.push(bundlePath);
    } else if ((await readIfExists(path.join(bundlePath, 'Contents', 'document.wflow'))) !== null) {
      result.notes.push(`Left ${bundlePath} in place: it is not a Coffer Quick Action.`);
    }
  }
  if (result.removed.length > 0) await refreshServices(result, servicesDir);
  return result;
}

/**
 * Whether both Quick Actions are installed. Given the app path, it also says whether they still
 * launch that Coffer.app (a moved app leaves them pointing at the old place).
 */
export async function statusMacos(options: MacosIntegrationOptions & { appPath?: string } = {}): Promise<ShellIntegrationReport> {
  const result = macReport(false);
  const servicesDir = servicesDirFor(options, result);
  if (servicesDir === null) return result;
  const expected = options.appPath === undefined ? null : quickActionFiles(options.appPath);
  let present = 0;
  for (const action of MAC_QUICK_ACTIONS) {
    const bundlePath = path.join(servicesDir, action.bundleName);
    if (!(await isCofferBundle(bundlePath, action))) {
      result.notes.push(`Missing: ${bundlePath}`);
      continue;
    }
    present += 1;
    for (const file of expected?.filter((candidate) => candidate.relativePath.startsWith(`${action.bundleName}/`)) ?? []) {
      if ((await readIfExists(path.join(servicesDir, file.relativePath))) !== file.contents) {
        result.notes.push(`Out of date (reinstall to update): ${path.join(servicesDir, file.relativePath)}`);
      }
    }
  }
  result.installed = present === MAC_QUICK_ACTIONS.length;
  return result;
}

// =============================================================================================
// Windows: per-user keys under HKCU\Software\Classes, through reg.exe

export interface WindowsToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argv array and no shell. */
export type WindowsRunTool = (tool: string, args: readonly string[]) => Promise<WindowsToolResult>;

/** spawn without a shell: libuv quotes each argument as quoteWindowsArg does; no cmd.exe parsing. */
export const runToolWithoutShell: WindowsRunTool = (tool, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(tool, [...args], { shell: false, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });

/** System32's reg.exe, not whatever `reg` the PATH finds first. */
export function defaultRegExePath(env: NodeJS.ProcessEnv = process.env): string {
  return path.win32.join(env.SystemRoot ?? env.windir ?? 'C:\\Windows', 'System32', 'reg.exe');
}

export interface WindowsIntegrationOptions {
  /** How the verbs start Coffer; needed to install (and to compare in status), never to uninstall. */
  command?: AppLaunchCommand;
  runTool?: WindowsRunTool;
  /** Defaults to defaultRegExePath(). */
  regExe?: string;
  /** Defaults to process.platform; anything but win32 changes nothing. */
  platform?: NodeJS.Platform;
}

function notOnWindows(): ShellIntegrationReport {
  return {
    platform: 'win32',
    installed: false,
    written: [],
    removed: [],
    notes: ['Explorer integration exists only on Windows; nothing was changed.'],
  };
}

function regTool(options: WindowsIntegrationOptions): { run: WindowsRunTool; regExe: string } {
  return { run: options.runTool ?? runToolWithoutShell, regExe: options.regExe ?? defaultRegExePath() };
}

async function runChecked(run: WindowsRunTool, regExe: string, args: readonly string[]): Promise<void> {
  const result = await run(regExe, args);
  if (result.code !== 0) {
    const detail = (result.stderr || result.stdout).trim();
    throw new Error(`${renderWindowsCommandLine([regExe, ...args])} failed (exit ${result.code})${detail ? `: ${detail}` : ''}`);
  }
}

/** Writes every key and value (again, if already there). */
export async function installWindows(
  options: WindowsIntegrationOptions & { command: AppLaunchCommand },
): Promise<ShellIntegrationReport> {
  if ((options.platform ?? process.platform) !== 'win32') return notOnWindows();
  const entries = windowsRegistryEntries(options.command);
  const { run, regExe } = regTool(options);
  for (const args of regExeCommands(entries, 'add')) await runChecked(run, regExe, args);
  return {
    platform: 'win32',
    installed: true,
    written: entries.map((entry) => entry.key),
    removed: [],
    notes: ['Explorer shows the menu entries at once; the .coffer icon may appear only after Explorer refreshes its icon cache.'],
  };
}

/** Deletes the root keys that exist (with their subkeys); absent ones are skipped, not an error. Needs no launch command. */
export async function uninstallWindows(options: WindowsIntegrationOptions): Promise<ShellIntegrationReport> {
  if ((options.platform ?? process.platform) !== 'win32') return notOnWindows();
  const { run, regExe } = regTool(options);
  const removed: string[] = [];
  for (const args of regExeDeleteCommands()) {
    const key = args[1] as string;
    // reg.exe exits 1 when the key is absent; only delete what is there, so uninstall can be repeated.
    if ((await run(regExe, ['query', key])).code !== 0) continue;
    await runChecked(run, regExe, args);
    removed.push(key);
  }
  return {
    platform: 'win32',
    installed: false,
    written: [],
    removed,
    notes: removed.length === 0 ? ['The Explorer integration was not installed; nothing to remove.'] : [],
  };
}

/**
 * Whether every value is there and the commands start this executable. reg.exe prints in the
 * console code page, so a value with non-ASCII text cannot be compared exactly; that is a note.
 * Without a launch command, only whether Coffer's keys are there.
 */
export async function statusWindows(options: WindowsIntegrationOptions): Promise<ShellIntegrationReport> {
  if ((options.platform ?? process.platform) !== 'win32') return notOnWindows();
  const { run, regExe } = regTool(options);
  const missing: string[] = [];
  const notes: string[] = [];
  if (options.command === undefined) {
    for (const key of windowsRootKeys()) if ((await run(regExe, ['query', key])).code !== 0) missing.push(key);
    if (missing.length > 0) notes.push(`Missing: ${missing.join(', ')}.`);
    return { platform: 'win32', installed: missing.length === 0, written: [], removed: [], notes };
  }
  let differs = false;
  for (const entry of windowsRegistryEntries(options.command)) {
    for (const value of entry.values) {
      const label = `${entry.key}\\${value.name === '' ? '(Default)' : value.name}`;
      const result = await run(regExe, ['query', entry.key, ...(value.name === '' ? ['/ve'] : ['/v', value.name])]);
      if (result.code !== 0) {
        missing.push(label);
        continue;
      }
      const data = parseRegQueryValue(result.stdout);
      if (data === value.data) continue;
      // eslint-disable-next-line no-control-regex
      if (/^[\x00-\x7f]*$/.test(value.data)) {
        differs = true;
        notes.push(`${label} is ${JSON.stringify(data)}, expected ${JSON.stringify(value.data)}.`);
      } else {
        notes.push(`${label} could not be compared exactly (reg.exe prints non-ASCII text in the console code page).`);
      }
    }
  }
  if (missing.length > 0) notes.unshift(`Missing: ${missing.join(', ')}.`);
  if (differs) notes.push('Install the Explorer integration again to point it at this copy of Coffer.');
  return { platform: 'win32', installed: missing.length === 0 && !differs, written: [], removed: [], notes };
}
