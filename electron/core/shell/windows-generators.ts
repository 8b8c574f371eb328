import path from 'node:path';
import type { AppLaunchCommand } from './integration-types.js';
import { COFFER_EXTENSION } from '../../../shared/file-format.js';

/**
 * Explorer's right-click verbs for Coffer, written per user under HKCU\Software\Classes (no
 * administrator rights needed; Explorer merges it over HKLM into HKEY_CLASSES_ROOT):
 *
 * - "Encrypt with Coffer" on every file (`*\shell\CofferEncrypt`) and folder (`Directory\shell\CofferEncrypt`),
 * - `.coffer` files get their own ProgID (`Coffer.File`) with an icon, "Decrypt with Coffer", and
 *   `open` (double-click) that opens the file in Coffer.
 *
 * Multiple selection: a plain `command` verb starts one process per selected item; Explorer cannot
 * hand several files to one command line. Every verb sets `MultiSelectModel` = `Player`, which
 * keeps it in the menu for up to 100 selected items (the implied `Document` model hides it above
 * 15). Each launch passes its one path to the single-instance app (`second-instance`), which
 * collects them into one request (see launch-args.ts: mergeLaunchRequests).
 *
 * The same keys are written by the NSIS installer (build/installer.nsh); keep the two in step.
 * Pure generators: launch command in, keys, values and reg.exe arguments out; shell-installer.ts
 * runs reg.exe. The key names do not depend on the launch command, so uninstall needs no app path.
 */

/** Where per-user classes live; reg.exe spells the hive HKCU. */
export const WINDOWS_CLASSES_ROOT = 'HKCU\\Software\\Classes';
export const COFFER_PROG_ID = 'Coffer.File';

/** A REG_SZ value; `name` '' is the key's default value (reg.exe `/ve`, shown as "(Default)"). */
export interface RegistryValue {
  name: string;
  data: string;
}

/** One key and the values written in it; parents come before their subkeys. */
export interface RegistryKeyEntry {
  key: string;
  values: RegistryValue[];
}

// ---------------------------------------------------------------------------------------------
// Windows command-line quoting
// ---------------------------------------------------------------------------------------------

/**
 * Quotes one argument so that CommandLineToArgvW (and the Microsoft C runtime, which reg.exe and
 * Chromium use) read it back unchanged:
 * - an argument without space, tab or `"` (and not empty) is passed as it is;
 * - otherwise it is wrapped in `"…"`, each `"` inside becomes `\"`, backslashes directly before a
 *   `"` (an inner one or the closing one) are doubled, and all other backslashes stay single.
 *
 * This is exactly the quoting libuv applies when Node spawns a program without a shell
 * (quote_cmd_arg), so renderWindowsCommandLine shows the command line reg.exe really receives.
 * Nothing else is special: with no cmd.exe in between, `%`, `&`, `^`, `'`, `|` are plain text.
 */
export function quoteWindowsArg(arg: string): string {
  if (arg.includes('\0')) throw new Error('A Windows command-line argument cannot contain NUL.');
  if (arg !== '' && !/[ \t"]/.test(arg)) return arg;
  let quoted = '"';
  let backslashes = 0;
  for (const char of arg) {
    if (char === '\\') {
      backslashes += 1;
      continue;
    }
    // Backslashes before a quote are doubled, and the quote itself gets one more to escape it.
    quoted += char === '"' ? `${'\\'.repeat(backslashes * 2 + 1)}"` : `${'\\'.repeat(backslashes)}${char}`;
    backslashes = 0;
  }
  // Backslashes before the closing quote are doubled so that the quote still closes the argument.
  return `${quoted}${'\\'.repeat(backslashes * 2)}"`;
}

/**
 * Renders argv (argv[0] is the program) as the one command-line string Windows passes to
 * CreateProcess. The program name is read by different rules (everything up to the next `"` when it
 * starts with one; backslashes are never escapes), so it must not contain `"` or end with `\`;
 * Windows paths never do.
 */
export function renderWindowsCommandLine(argv: readonly string[]): string {
  const [program, ...args] = argv;
  if (program === undefined || program === '') throw new Error('A Windows command line needs a program.');
  if (program.includes('"') || program.endsWith('\\')) {
    throw new Error(`Not a program path Windows can start: ${program}`);
  }
  return [quoteWindowsArg(program), ...args.map(quoteWindowsArg)].join(' ');
}

// ---------------------------------------------------------------------------------------------
// The verbs' command values
// ---------------------------------------------------------------------------------------------

/** `%` starts an Explorer placeholder (`%1`, `%V`, `%L`, `%*`, `%NAME%`…) and has no documented escape. */
function checkCommandText(text: string, what: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f]/.test(text)) throw new Error(`${what} contains a control character: ${JSON.stringify(text)}`);
  if (text.includes('%')) {
    throw new Error(
      `${what} contains "%", which Explorer would read as a placeholder in a verb's command; install Coffer in a folder without "%": ${text}`,
    );
  }
}

function checkExecutable(executable: string): void {
  checkCommandText(executable, 'The Coffer executable path');
  // Drive-absolute (C:\…) or UNC (\\server\share\…): a verb must not depend on a current directory.
  if (!/^(?:[a-z]:\\|\\\\[^\\]+\\[^\\]+\\)/i.test(executable) || !path.win32.isAbsolute(executable)) {
    throw new Error(`The Coffer executable path must be an absolute Windows path: ${executable}`);
  }
  // Windows file names never contain these; a `"` would end the quoted program name early.
  if (/["<>|?*]/.test(executable) || executable.endsWith('\\')) {
    throw new Error(`Not a valid Windows file path: ${executable}`);
  }
}

/** Explorer's placeholders: `%1` is the selected file, `%V` the selected folder. */
export type VerbPlaceholder = '%1' | '%V';

/**
 * A verb's `command` value: `"<exe>" <launch args…> <options…> "<placeholder>"`. The program is
 * always quoted (spaces, `&`, `'`, `^`, non-ASCII are all fine inside quotes; Explorer starts it
 * with CreateProcess, no cmd.exe), the launch arguments (electron.exe's app path in development)
 * are quoted by CommandLineToArgvW rules, and the placeholder is quoted and last, because a drive
 * root arrives as `"C:\"`, which reads as `C:"` and which launch-args.ts turns back into `C:\`.
 */
export function windowsVerbCommand(command: AppLaunchCommand, options: readonly string[], placeholder: VerbPlaceholder): string {
  checkExecutable(command.executable);
  const middle = [...command.args, ...options];
  for (const arg of middle) checkCommandText(arg, 'A launch argument');
  return [`"${command.executable}"`, ...middle.map(quoteWindowsArg), `"${placeholder}"`].join(' ');
}

/** An icon location (`"<exe>",0`: the first icon resource of the executable). */
export function windowsIconValue(command: AppLaunchCommand): string {
  checkExecutable(command.executable);
  return `"${command.executable}",0`;
}

/** Every key and value the integration writes, parents first. */
export function windowsRegistryEntries(command: AppLaunchCommand): RegistryKeyEntry[] {
  const icon = windowsIconValue(command);
  const classes = (key: string): string => `${WINDOWS_CLASSES_ROOT}\\${key}`;
  const verb = (key: string, text: string): RegistryKeyEntry => ({
    key: classes(key),
    values: [
      { name: '', data: text },
      { name: 'Icon', data: icon },
      { name: 'MultiSelectModel', data: 'Player' },
    ],
  });
  const commandKey = (key: string, data: string): RegistryKeyEntry => ({
    key: classes(`${key}\\command`),
    values: [{ name: '', data }],
  });
  return [
    verb('*\\shell\\CofferEncrypt', 'Encrypt with Coffer'),
    commandKey('*\\shell\\CofferEncrypt', windowsVerbCommand(command, ['--encrypt'], '%1')),
    verb('Directory\\shell\\CofferEncrypt', 'Encrypt with Coffer'),
    commandKey('Directory\\shell\\CofferEncrypt', windowsVerbCommand(command, ['--encrypt'], '%V')),
    { key: classes(COFFER_EXTENSION), values: [{ name: '', data: COFFER_PROG_ID }] },
    { key: classes(COFFER_PROG_ID), values: [{ name: '', data: 'Coffer encrypted file' }] },
    { key: classes(`${COFFER_PROG_ID}\\DefaultIcon`), values: [{ name: '', data: icon }] },
    // No menu text: Windows shows its own (localized) "Open" for the `open` verb.
    { key: classes(`${COFFER_PROG_ID}\\shell\\open`), values: [{ name: 'MultiSelectModel', data: 'Player' }] },
    commandKey(`${COFFER_PROG_ID}\\shell\\open`, windowsVerbCommand(command, [], '%1')),
    verb(`${COFFER_PROG_ID}\\shell\\CofferDecrypt`, 'Decrypt with Coffer'),
    commandKey(`${COFFER_PROG_ID}\\shell\\CofferDecrypt`, windowsVerbCommand(command, ['--decrypt'], '%1')),
  ];
}

function isUnder(key: string, ancestor: string): boolean {
  // Registry key names are case-insensitive.
  return key.toLowerCase().startsWith(`${ancestor.toLowerCase()}\\`);
}

/**
 * The keys uninstall deletes (each with everything under it): the entries no other entry contains.
 * Each is a key Coffer created, never a shared parent such as `*\shell`.
 */
export function registryRootKeys(entries: readonly RegistryKeyEntry[]): string[] {
  return entries.filter((entry) => !entries.some((other) => isUnder(entry.key, other.key))).map((entry) => entry.key);
}

/**
 * reg.exe's arguments (without the program): `add` writes every value (`/f`: overwrite, no
 * prompt, so installing again is harmless), `delete` removes each root key with its subkeys.
 */
export function regExeCommands(entries: readonly RegistryKeyEntry[], mode: 'add' | 'delete'): string[][] {
  if (mode === 'delete') return registryRootKeys(entries).map((key) => ['delete', key, '/f']);
  return entries.flatMap((entry) =>
    entry.values.length === 0
      ? [['add', entry.key, '/f']]
      : entry.values.map((value) => [
          'add',
          entry.key,
          ...(value.name === '' ? ['/ve'] : ['/v', value.name]),
          '/t',
          'REG_SZ',
          '/d',
          value.data,
          '/f',
        ]),
  );
}

/** The keys uninstall deletes, with everything under them; the same for every app path. */
export function windowsRootKeys(): string[] {
  return ['*\\shell\\CofferEncrypt', 'Directory\\shell\\CofferEncrypt', COFFER_EXTENSION, COFFER_PROG_ID].map(
    (key) => `${WINDOWS_CLASSES_ROOT}\\${key}`,
  );
}

/** `reg delete` for each root key (`/f`: no prompt). */
export function regExeDeleteCommands(): string[][] {
  return windowsRootKeys().map((key) => ['delete', key, '/f']);
}

/** The data of the one value `reg query KEY /v NAME` (or `/ve`) printed: `    NAME    REG_SZ    DATA`. */
export function parseRegQueryValue(stdout: string): string | null {
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^ {4}.*? {4}REG_[A-Z_]+ {4}(.*)$/.exec(line);
    if (match) return match[1] as string;
  }
  return null;
}
