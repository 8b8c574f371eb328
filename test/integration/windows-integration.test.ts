import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppLaunchCommand } from '../../electron/core/shell/integration-types.js';
import { parseLaunchArgs } from '../../electron/core/shell/launch-args.js';
import {
  parseRegQueryValue,
  quoteWindowsArg,
  regExeCommands,
  registryRootKeys,
  renderWindowsCommandLine,
  windowsRegistryEntries,
  windowsRootKeys,
  windowsVerbCommand,
} from '../../electron/core/shell/windows-generators.js';
import {
  installWindows,
  runToolWithoutShell,
  statusWindows,
  uninstallWindows,
  type WindowsRunTool,
} from '../../electron/core/shell/shell-installer.js';

/**
 * CommandLineToArgvW as Windows implements it (the algorithm follows Wine's reimplementation,
 * which matches Windows, including the undocumented handling of consecutive quotes):
 * - argv[0], the program, ends at the next `"` if it starts with one, else at the next blank;
 *   backslashes are never escapes there;
 * - elsewhere blanks (space, tab) outside quotes separate arguments;
 * - 2n backslashes + `"` give n backslashes and the quote opens/closes quoting;
 * - 2n+1 backslashes + `"` give n backslashes and a literal `"`;
 * - backslashes not followed by `"` are literal;
 * - inside quotes, each third consecutive quote is a literal `"`.
 */
function commandLineToArgvW(line: string): string[] {
  const isBlank = (char: string | undefined): boolean => char === ' ' || char === '\t';
  let i = 0;
  let program = '';
  if (line[0] === '"') {
    i = 1;
    while (i < line.length && line[i] !== '"') program += line[i++];
    if (i < line.length) i++;
  } else {
    while (i < line.length && !isBlank(line[i])) program += line[i++];
  }
  const argv = [program];
  while (isBlank(line[i])) i++;
  if (i >= line.length) return argv;

  let current = '';
  let quotes = 0;
  let backslashes = 0;
  while (i < line.length) {
    const char = line[i] as string;
    if (isBlank(char) && quotes === 0) {
      argv.push(current);
      current = '';
      backslashes = 0;
      while (isBlank(line[i])) i++;
      if (i >= line.length) return argv;
    } else if (char === '\\') {
      current += char;
      backslashes++;
      i++;
    } else if (char === '"') {
      if (backslashes % 2 === 0) {
        current = current.slice(0, current.length - backslashes / 2);
        quotes++;
      } else {
        current = `${current.slice(0, current.length - (backslashes - 1) / 2 - 1)}"`;
      }
      i++;
      backslashes = 0;
      while (line[i] === '"') {
        if (++quotes === 3) {
          current += '"';
          quotes = 0;
        }
        i++;
      }
      if (quotes === 2) quotes = 0;
    } else {
      current += char;
      backslashes = 0;
      i++;
    }
  }
  argv.push(current);
  return argv;
}

const REG = String.raw`C:\Windows\System32\reg.exe`;
const CLASSES = String.raw`HKCU\Software\Classes`;
const PROGRAM_FILES_EXE = String.raw`C:\Program Files\Coffer\Coffer.exe`;
/** A development app folder, with the trailing backslash that must be doubled before a closing quote. */
const APP_FOLDER = 'C:\\src\\coffer app\\';
const packaged = (executable: string): AppLaunchCommand => ({ executable, args: [] });

describe('the parser used by these tests (CommandLineToArgvW)', () => {
  it.each([
    [String.raw`prog a b`, ['prog', 'a', 'b']],
    [String.raw`"C:\Program Files\x.exe" "a b" c`, [String.raw`C:\Program Files\x.exe`, 'a b', 'c']],
    [String.raw`prog a\\b "c\\" d`, ['prog', String.raw`a\\b`, 'c\\', 'd']],
    [String.raw`prog \"a\" "b \" c"`, ['prog', '"a"', 'b " c']],
    [String.raw`prog "C:\"`, ['prog', 'C:"']],
    [String.raw`prog "" x`, ['prog', '', 'x']],
    [String.raw`prog "a"""b`, ['prog', 'a"b']],
    ['prog\ta  ', ['prog', 'a']],
  ])('%s', (line, argv) => {
    expect(commandLineToArgvW(line)).toEqual(argv);
  });
});

describe('quoting one argument', () => {
  it.each([
    ['plain', 'plain'],
    ['', '""'],
    ['C:\\no\\spaces\\', 'C:\\no\\spaces\\'],
    [String.raw`HKCU\Software\Classes\*\shell\CofferEncrypt`, String.raw`HKCU\Software\Classes\*\shell\CofferEncrypt`],
    ['100%&^|<>', '100%&^|<>'],
    ['a b', '"a b"'],
    ['C:\\My Folder\\', String.raw`"C:\My Folder\\"`],
    [String.raw`C:\My Folder\\`, String.raw`"C:\My Folder\\\\"`],
    ['say "hi"', String.raw`"say \"hi\""`],
    [String.raw`a\"b`, String.raw`"a\\\"b"`],
    [
      String.raw`"C:\Program Files\Coffer\Coffer.exe" --encrypt "%1"`,
      String.raw`"\"C:\Program Files\Coffer\Coffer.exe\" --encrypt \"%1\""`,
    ],
  ])('%s -> %s', (arg, quoted) => {
    expect(quoteWindowsArg(arg)).toBe(quoted);
    expect(commandLineToArgvW(`prog ${quoted}`)).toEqual(['prog', arg]);
  });

  it('refuses NUL and programs Windows could not start', () => {
    expect(() => quoteWindowsArg('a\0b')).toThrow(/NUL/);
    expect(() => renderWindowsCommandLine(['C:\\a"b.exe', 'x'])).toThrow(/program/);
    expect(() => renderWindowsCommandLine([])).toThrow(/program/);
  });

  it('renders any argv so that CommandLineToArgvW reads back the same argv', () => {
    const awkward = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', '\t', '"', '\\', '%', '&', '^', "'", 'ë', '漢', '😀') });
    fc.assert(
      fc.property(fc.constantFrom(REG, String.raw`C:\Program Files\Coffer\Coffer.exe`), fc.array(awkward), (program, args) => {
        expect(commandLineToArgvW(renderWindowsCommandLine([program, ...args]))).toEqual([program, ...args]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("the verbs' command values", () => {
  it.each([
    [PROGRAM_FILES_EXE, String.raw`"C:\Program Files\Coffer\Coffer.exe" --encrypt "%1"`],
    [
      String.raw`C:\Users\Zoë\AppData\Local\Programs\Coffer\Coffer.exe`,
      String.raw`"C:\Users\Zoë\AppData\Local\Programs\Coffer\Coffer.exe" --encrypt "%1"`,
    ],
    [String.raw`D:\Tools & Stuff\Coffer.exe`, String.raw`"D:\Tools & Stuff\Coffer.exe" --encrypt "%1"`],
    [String.raw`D:\Bob's ^Apps\Coffer.exe`, String.raw`"D:\Bob's ^Apps\Coffer.exe" --encrypt "%1"`],
    [String.raw`\\server\share\Coffer\Coffer.exe`, String.raw`"\\server\share\Coffer\Coffer.exe" --encrypt "%1"`],
    [String.raw`C:\漢字\Coffer.exe`, String.raw`"C:\漢字\Coffer.exe" --encrypt "%1"`],
  ])('%s', (executable, value) => {
    expect(windowsVerbCommand(packaged(executable), ['--encrypt'], '%1')).toBe(value);
  });

  it('quotes development launch arguments (electron.exe plus the app folder, trailing backslash)', () => {
    const dev = { executable: String.raw`C:\dev\node_modules\electron\dist\electron.exe`, args: [APP_FOLDER] };
    expect(windowsVerbCommand(dev, ['--decrypt'], '%1')).toBe(
      String.raw`"C:\dev\node_modules\electron\dist\electron.exe" "C:\src\coffer app\\" --decrypt "%1"`,
    );
  });

  it.each([
    [String.raw`C:\100%\Coffer.exe`, /placeholder/],
    [String.raw`C:\%USERPROFILE%\Coffer.exe`, /placeholder/],
    [String.raw`C:\a"b\Coffer.exe`, /valid Windows file path/],
    [String.raw`Coffer.exe`, /absolute/],
    [String.raw`\Coffer\Coffer.exe`, /absolute/],
    [String.raw`C:Coffer.exe`, /absolute/],
    ['C:\\Coffer\nx\\Coffer.exe', /control character/],
  ])('refuses %s', (executable, message) => {
    expect(() => windowsRegistryEntries(packaged(executable))).toThrow(message);
  });

  it('refuses a launch argument with % (Explorer would substitute it)', () => {
    expect(() => windowsVerbCommand({ executable: PROGRAM_FILES_EXE, args: ['--x=%1'] }, [], '%1')).toThrow(/placeholder/);
  });

  // Explorer substitutes the selected path for the placeholder and starts the command line; Coffer
  // (Chromium) splits it with CommandLineToArgvW and launch-args.ts reads the request.
  it.each([
    [
      'file',
      PROGRAM_FILES_EXE,
      '*',
      String.raw`C:\Users\Zoë\My Files\report & notes 100%.pdf`,
      { encrypt: [String.raw`C:\Users\Zoë\My Files\report & notes 100%.pdf`], decrypt: [] },
    ],
    [
      'folder',
      PROGRAM_FILES_EXE,
      'Directory',
      String.raw`C:\Users\Zoë\Photos 2024`,
      { encrypt: [String.raw`C:\Users\Zoë\Photos 2024`], decrypt: [] },
    ],
    ['drive root (C:\\" reads as C:")', PROGRAM_FILES_EXE, 'Directory', 'D:\\', { encrypt: ['D:\\'], decrypt: [] }],
    [
      'UNC folder',
      String.raw`\\server\share\Coffer\Coffer.exe`,
      'Directory',
      String.raw`\\nas\photos\2024`,
      { encrypt: [String.raw`\\nas\photos\2024`], decrypt: [] },
    ],
    [
      '.coffer file',
      String.raw`D:\Tools & Stuff\Coffer.exe`,
      'Coffer.File',
      String.raw`C:\x\a b.jpg.coffer`,
      { encrypt: [], decrypt: [String.raw`C:\x\a b.jpg.coffer`] },
    ],
  ])('a %s reaches the app unchanged', (_what, executable, where, selected, request) => {
    for (const entry of windowsRegistryEntries(packaged(executable))) {
      if (!entry.key.startsWith(`${CLASSES}\\${where}\\`) || !entry.key.endsWith('\\command')) continue;
      const value = entry.values[0]?.data as string;
      const launched = value.replace(/%1|%V/, selected);
      const argv = commandLineToArgvW(launched);
      expect(argv[0]).toBe(executable);
      expect(parseLaunchArgs(argv, { cwd: 'C:\\', platform: 'win32', isPackaged: true })).toEqual(request);
    }
  });

  it('a development launch skips the app folder and still gets the drive root', () => {
    const dev = { executable: String.raw`C:\dev\electron.exe`, args: [APP_FOLDER] };
    const launched = windowsVerbCommand(dev, ['--encrypt'], '%V').replace('%V', 'E:\\');
    const argv = commandLineToArgvW(launched);
    expect(argv).toEqual([String.raw`C:\dev\electron.exe`, APP_FOLDER, '--encrypt', 'E:"']);
    expect(parseLaunchArgs(argv, { cwd: 'C:\\', platform: 'win32', isPackaged: false })).toEqual({
      encrypt: ['E:\\'],
      decrypt: [],
    });
  });
});

/** Every reg.exe call install makes for C:\Program Files\Coffer\Coffer.exe, in order. */
const EXE_ICON = String.raw`"C:\Program Files\Coffer\Coffer.exe",0`;
const INSTALL_CALLS: string[][] = [
  ['add', String.raw`${CLASSES}\*\shell\CofferEncrypt`, '/ve', '/t', 'REG_SZ', '/d', 'Encrypt with Coffer', '/f'],
  ['add', String.raw`${CLASSES}\*\shell\CofferEncrypt`, '/v', 'Icon', '/t', 'REG_SZ', '/d', EXE_ICON, '/f'],
  ['add', String.raw`${CLASSES}\*\shell\CofferEncrypt`, '/v', 'MultiSelectModel', '/t', 'REG_SZ', '/d', 'Player', '/f'],
  [
    'add',
    String.raw`${CLASSES}\*\shell\CofferEncrypt\command`,
    '/ve',
    '/t',
    'REG_SZ',
    '/d',
    String.raw`"C:\Program Files\Coffer\Coffer.exe" --encrypt "%1"`,
    '/f',
  ],
  ['add', String.raw`${CLASSES}\Directory\shell\CofferEncrypt`, '/ve', '/t', 'REG_SZ', '/d', 'Encrypt with Coffer', '/f'],
  ['add', String.raw`${CLASSES}\Directory\shell\CofferEncrypt`, '/v', 'Icon', '/t', 'REG_SZ', '/d', EXE_ICON, '/f'],
  ['add', String.raw`${CLASSES}\Directory\shell\CofferEncrypt`, '/v', 'MultiSelectModel', '/t', 'REG_SZ', '/d', 'Player', '/f'],
  [
    'add',
    String.raw`${CLASSES}\Directory\shell\CofferEncrypt\command`,
    '/ve',
    '/t',
    'REG_SZ',
    '/d',
    String.raw`"C:\Program Files\Coffer\Coffer.exe" --encrypt "%V"`,
    '/f',
  ],
  ['add', String.raw`${CLASSES}\.coffer`, '/ve', '/t', 'REG_SZ', '/d', 'Coffer.File', '/f'],
  ['add', String.raw`${CLASSES}\Coffer.File`, '/ve', '/t', 'REG_SZ', '/d', 'Coffer encrypted file', '/f'],
  ['add', String.raw`${CLASSES}\Coffer.File\DefaultIcon`, '/ve', '/t', 'REG_SZ', '/d', EXE_ICON, '/f'],
  ['add', String.raw`${CLASSES}\Coffer.File\shell\open`, '/v', 'MultiSelectModel', '/t', 'REG_SZ', '/d', 'Player', '/f'],
  [
    'add',
    String.raw`${CLASSES}\Coffer.File\shell\open\command`,
    '/ve',
    '/t',
    'REG_SZ',
    '/d',
    String.raw`"C:\Program Files\Coffer\Coffer.exe" "%1"`,
    '/f',
  ],
  ['add', String.raw`${CLASSES}\Coffer.File\shell\CofferDecrypt`, '/ve', '/t', 'REG_SZ', '/d', 'Decrypt with Coffer', '/f'],
  ['add', String.raw`${CLASSES}\Coffer.File\shell\CofferDecrypt`, '/v', 'Icon', '/t', 'REG_SZ', '/d', EXE_ICON, '/f'],
  ['add', String.raw`${CLASSES}\Coffer.File\shell\CofferDecrypt`, '/v', 'MultiSelectModel', '/t', 'REG_SZ', '/d', 'Player', '/f'],
  [
    'add',
    String.raw`${CLASSES}\Coffer.File\shell\CofferDecrypt\command`,
    '/ve',
    '/t',
    'REG_SZ',
    '/d',
    String.raw`"C:\Program Files\Coffer\Coffer.exe" --decrypt "%1"`,
    '/f',
  ],
];
const ROOT_KEYS = [
  String.raw`${CLASSES}\*\shell\CofferEncrypt`,
  String.raw`${CLASSES}\Directory\shell\CofferEncrypt`,
  String.raw`${CLASSES}\.coffer`,
  String.raw`${CLASSES}\Coffer.File`,
];

describe('reg.exe command lines', () => {
  it('add and delete produce the exact argv', () => {
    const entries = windowsRegistryEntries(packaged(PROGRAM_FILES_EXE));
    expect(regExeCommands(entries, 'add')).toEqual(INSTALL_CALLS);
    expect(regExeCommands(entries, 'delete')).toEqual(ROOT_KEYS.map((key) => ['delete', key, '/f']));
    expect(regExeCommands([{ key: String.raw`${CLASSES}\Empty`, values: [] }], 'add')).toEqual([
      ['add', String.raw`${CLASSES}\Empty`, '/f'],
    ]);
  });

  const commandValueCall = (command: AppLaunchCommand): string[] => {
    const call = regExeCommands(windowsRegistryEntries(command), 'add')[3] as string[];
    expect(call[1]).toBe(String.raw`${CLASSES}\*\shell\CofferEncrypt\command`);
    return [REG, ...call];
  };

  // What Node (libuv) hands CreateProcess for each call: no cmd.exe, so %, &, ^, ' need no escaping.
  it.each([
    [
      'spaces',
      packaged(PROGRAM_FILES_EXE),
      String.raw`C:\Windows\System32\reg.exe add HKCU\Software\Classes\*\shell\CofferEncrypt\command /ve /t REG_SZ /d "\"C:\Program Files\Coffer\Coffer.exe\" --encrypt \"%1\"" /f`,
    ],
    [
      '& and non-ASCII',
      packaged(String.raw`C:\Users\Zoë\Tools & Co\Coffer.exe`),
      String.raw`C:\Windows\System32\reg.exe add HKCU\Software\Classes\*\shell\CofferEncrypt\command /ve /t REG_SZ /d "\"C:\Users\Zoë\Tools & Co\Coffer.exe\" --encrypt \"%1\"" /f`,
    ],
    [
      "' and ^ without spaces",
      packaged(String.raw`C:\Bob's^Apps\Coffer.exe`),
      String.raw`C:\Windows\System32\reg.exe add HKCU\Software\Classes\*\shell\CofferEncrypt\command /ve /t REG_SZ /d "\"C:\Bob's^Apps\Coffer.exe\" --encrypt \"%1\"" /f`,
    ],
    [
      'a launch argument ending in a backslash',
      { executable: String.raw`C:\dev\electron.exe`, args: [APP_FOLDER] },
      String.raw`C:\Windows\System32\reg.exe add HKCU\Software\Classes\*\shell\CofferEncrypt\command /ve /t REG_SZ /d "\"C:\dev\electron.exe\" \"C:\src\coffer app\\\\\" --encrypt \"%1\"" /f`,
    ],
  ])('%s', (_what, command, line) => {
    const argv = commandValueCall(command);
    expect(renderWindowsCommandLine(argv)).toBe(line);
    expect(commandLineToArgvW(line)).toEqual(argv);
  });

  it('every install and uninstall call round-trips through CommandLineToArgvW', () => {
    for (const executable of [
      PROGRAM_FILES_EXE,
      String.raw`C:\Users\Zoë\AppData\Local\Programs\Coffer\Coffer.exe`,
      String.raw`\\srv\a & b\C'o^ffer.exe`,
    ]) {
      const entries = windowsRegistryEntries(packaged(executable));
      for (const args of [...regExeCommands(entries, 'add'), ...regExeCommands(entries, 'delete')]) {
        expect(commandLineToArgvW(renderWindowsCommandLine([REG, ...args]))).toEqual([REG, ...args]);
      }
    }
  });
});

/** An in-memory HKCU that answers reg.exe add / delete / query like the real one, and records every call. */
function fakeRegistry(existing: readonly string[] = []) {
  const keys = new Map<string, { key: string; values: Map<string, string> }>();
  const ensure = (key: string) => {
    const parts = key.split('\\');
    for (let i = 1; i <= parts.length; i++) {
      const partial = parts.slice(0, i).join('\\');
      if (!keys.has(partial.toLowerCase())) keys.set(partial.toLowerCase(), { key: partial, values: new Map() });
    }
    return keys.get(key.toLowerCase())!;
  };
  for (const key of existing) ensure(key);
  const calls: { tool: string; args: string[] }[] = [];
  const notFound = {
    code: 1,
    stdout: '',
    stderr: 'ERROR: The system was unable to find the specified registry key or value.\r\n',
  };
  const runTool: WindowsRunTool = async (tool, args) => {
    calls.push({ tool, args: [...args] });
    const [verb, key = ''] = args;
    const valueName = args.includes('/ve') ? '' : args[args.indexOf('/v') + 1];
    if (verb === 'add') {
      expect(args.at(-1)).toBe('/f');
      const entry = ensure(key);
      if (args.includes('/d')) entry.values.set(valueName ?? '', args[args.indexOf('/d') + 1] as string);
      return { code: 0, stdout: 'The operation completed successfully.\r\n', stderr: '' };
    }
    const entry = keys.get(key.toLowerCase());
    if (verb === 'delete') {
      expect(args).toEqual(['delete', key, '/f']);
      if (!entry) return notFound;
      for (const other of [...keys.keys()])
        if (other === key.toLowerCase() || other.startsWith(`${key.toLowerCase()}\\`)) keys.delete(other);
      return { code: 0, stdout: 'The operation completed successfully.\r\n', stderr: '' };
    }
    if (verb === 'query') {
      if (!entry) return notFound;
      if (args.length === 2) return { code: 0, stdout: `\r\n${entry.key}\r\n\r\n`, stderr: '' };
      const data = entry.values.get(valueName ?? '');
      if (data === undefined) return notFound;
      return { code: 0, stdout: `\r\n${entry.key}\r\n    ${valueName || '(Default)'}    REG_SZ    ${data}\r\n\r\n`, stderr: '' };
    }
    throw new Error(`unexpected reg.exe call: ${args.join(' ')}`);
  };
  const snapshot = () =>
    Object.fromEntries(
      [...keys.values()]
        .map((entry) => [entry.key, Object.fromEntries(entry.values)])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  return { runTool, calls, snapshot };
}

describe('install, status and uninstall through reg.exe', () => {
  const command = packaged(PROGRAM_FILES_EXE);
  const options = (runTool: WindowsRunTool) => ({ command, runTool, regExe: REG, platform: 'win32' as const });
  // Keys other software owns next to ours; none may change.
  const others = [
    String.raw`${CLASSES}\*\shell\OtherApp\command`,
    String.raw`${CLASSES}\Directory\shell\OtherApp\command`,
    String.raw`${CLASSES}\.txt`,
    String.raw`${CLASSES}\Coffer.FileBackup\shell`,
  ];

  it('install runs exactly the add calls and writes every key', async () => {
    const registry = fakeRegistry(others);
    const report = await installWindows(options(registry.runTool));
    expect(registry.calls).toEqual(INSTALL_CALLS.map((args) => ({ tool: REG, args })));
    expect(report).toEqual({
      platform: 'win32',
      installed: true,
      written: windowsRegistryEntries(command).map((entry) => entry.key),
      removed: [],
      notes: [expect.stringMatching(/icon/)],
    });
    expect(registry.snapshot()[String.raw`${CLASSES}\*\shell\CofferEncrypt\command`]).toEqual({
      '': String.raw`"C:\Program Files\Coffer\Coffer.exe" --encrypt "%1"`,
    });
    expect(registry.snapshot()[String.raw`${CLASSES}\Coffer.File\shell\CofferDecrypt`]).toEqual({
      '': 'Decrypt with Coffer',
      Icon: EXE_ICON,
      MultiSelectModel: 'Player',
    });
  });

  it('uninstall needs no launch command: the key names are the same for every install place', async () => {
    const registry = fakeRegistry(others);
    const before = registry.snapshot();
    await installWindows({ ...options(registry.runTool), command: packaged(String.raw`D:\Tools\Coffer\Coffer.exe`) });
    expect(windowsRootKeys()).toEqual(ROOT_KEYS);
    const report = await uninstallWindows({ runTool: registry.runTool, regExe: REG, platform: 'win32' });
    expect(report.removed).toEqual(ROOT_KEYS);
    expect(registry.snapshot()).toEqual(before);
    await installWindows(options(registry.runTool));
    expect(await statusWindows({ runTool: registry.runTool, regExe: REG, platform: 'win32' })).toMatchObject({ installed: true });
  });

  it('installing again changes nothing; uninstall removes exactly what install added', async () => {
    const registry = fakeRegistry(others);
    const before = registry.snapshot();
    await installWindows(options(registry.runTool));
    const installed = registry.snapshot();
    await installWindows(options(registry.runTool));
    expect(registry.snapshot()).toEqual(installed);

    // Every key install created lies under a key uninstall deletes, and each of those is one of ours.
    const added = Object.keys(installed).filter((key) => !(key in before));
    const roots = registryRootKeys(windowsRegistryEntries(command));
    expect(roots).toEqual(ROOT_KEYS);
    for (const key of added) expect(roots.some((root) => key === root || key.startsWith(`${root}\\`))).toBe(true);
    for (const root of roots) expect(added).toContain(root);

    registry.calls.length = 0;
    const report = await uninstallWindows(options(registry.runTool));
    expect(registry.calls).toEqual(
      ROOT_KEYS.flatMap((key) => [
        { tool: REG, args: ['query', key] },
        { tool: REG, args: ['delete', key, '/f'] },
      ]),
    );
    expect(report).toEqual({ platform: 'win32', installed: false, written: [], removed: ROOT_KEYS, notes: [] });
    expect(registry.snapshot()).toEqual(before);

    registry.calls.length = 0;
    const again = await uninstallWindows(options(registry.runTool));
    expect(registry.calls).toEqual(ROOT_KEYS.map((key) => ({ tool: REG, args: ['query', key] })));
    expect(again.removed).toEqual([]);
    expect(again.notes).toEqual([expect.stringMatching(/not installed/)]);
    expect(registry.snapshot()).toEqual(before);
  });

  it('status reads every value and says when the commands point at another copy', async () => {
    const registry = fakeRegistry(others);
    const missing = await statusWindows(options(registry.runTool));
    expect(missing.installed).toBe(false);
    expect(missing.notes[0]).toMatch(/^Missing: HKCU\\Software\\Classes\\\*\\shell\\CofferEncrypt\\\(Default\)/);

    await installWindows(options(registry.runTool));
    registry.calls.length = 0;
    expect(await statusWindows(options(registry.runTool))).toEqual({
      platform: 'win32',
      installed: true,
      written: [],
      removed: [],
      notes: [],
    });
    expect(registry.calls).toHaveLength(INSTALL_CALLS.length);
    expect(registry.calls[0]).toEqual({ tool: REG, args: ['query', String.raw`${CLASSES}\*\shell\CofferEncrypt`, '/ve'] });
    expect(registry.calls[1]).toEqual({ tool: REG, args: ['query', String.raw`${CLASSES}\*\shell\CofferEncrypt`, '/v', 'Icon'] });

    const moved = await statusWindows({ ...options(registry.runTool), command: packaged(String.raw`D:\Coffer\Coffer.exe`) });
    expect(moved.installed).toBe(false);
    expect(moved.notes).toContain(
      String.raw`HKCU\Software\Classes\*\shell\CofferEncrypt\command\(Default) is "\"C:\\Program Files\\Coffer\\Coffer.exe\" --encrypt \"%1\"", expected "\"D:\\Coffer\\Coffer.exe\" --encrypt \"%1\"".`,
    );
  });

  it('reads the value out of reg query output', () => {
    const out = '\r\nHKEY_CURRENT_USER\\Software\\Classes\\.coffer\r\n    (Standard)    REG_SZ    Coffer.File\r\n\r\n';
    expect(parseRegQueryValue(out)).toBe('Coffer.File');
    expect(parseRegQueryValue('\r\nHKEY_CURRENT_USER\\x\r\n    (Default)    REG_SZ    \r\n')).toBe('');
    expect(parseRegQueryValue('')).toBeNull();
  });

  it('a failing reg.exe call stops install with the command line it ran', async () => {
    const runTool: WindowsRunTool = async () => ({ code: 1, stdout: '', stderr: 'ERROR: Access is denied.\r\n' });
    await expect(installWindows(options(runTool))).rejects.toThrow(
      String.raw`C:\Windows\System32\reg.exe add HKCU\Software\Classes\*\shell\CofferEncrypt /ve /t REG_SZ /d "Encrypt with Coffer" /f failed (exit 1): ERROR: Access is denied.`,
    );
  });

  it('the default runner passes argv without a shell (here: Node echoing its arguments)', async () => {
    const args = ['%PATH%', 'a & b', '"quoted" \\', '$HOME', 'Zoë'];
    const script = 'process.stdout.write(JSON.stringify(process.argv.slice(1)))';
    const result = await runToolWithoutShell(process.execPath, ['-e', script, ...args]);
    expect(result).toEqual({ code: 0, stdout: JSON.stringify(args), stderr: '' });
  });

  it('changes nothing on other systems', async () => {
    const registry = fakeRegistry();
    for (const run of [installWindows, uninstallWindows, statusWindows]) {
      const report = await run({ command, runTool: registry.runTool, platform: 'linux' });
      expect(report.installed).toBe(false);
      expect(report.notes[0]).toMatch(/only on Windows/);
    }
    expect(registry.calls).toEqual([]);
  });
});

const installerNsh = fileURLToPath(new URL('../../build/installer.nsh', import.meta.url));
const hasMakensis = spawnSync('makensis', ['-VERSION'], { encoding: 'utf8' }).status === 0;

describe('the NSIS installer include (build/installer.nsh)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'coffer nsis '));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A minimal installer defining what electron-builder normally provides, around the real include. */
  const compile = (verbosity: string) => {
    const outFile = path.join(dir, `Coffer Setup ${verbosity}.exe`);
    const script = path.join(dir, 'test-installer.nsi');
    writeFileSync(
      script,
      [
        'Unicode true',
        'RequestExecutionLevel user',
        '!define APP_EXECUTABLE_FILENAME "Coffer.exe"',
        '!define PRODUCT_NAME "Coffer"',
        'Name "${PRODUCT_NAME}"',
        `OutFile "${outFile}"`,
        'InstallDir "$LOCALAPPDATA\\Programs\\coffer"',
        `!include "${installerNsh}"`,
        'Section "Install"',
        '  SetOutPath "$INSTDIR"',
        '  WriteUninstaller "$INSTDIR\\Uninstall Coffer.exe"',
        '  !insertmacro customInstall',
        'SectionEnd',
        'Section "Uninstall"',
        '  !insertmacro customUnInstall',
        'SectionEnd',
        '',
      ].join('\n'),
    );
    // -NOCD: stay in this directory; -WX: any warning fails the build.
    const run = spawnSync('makensis', [verbosity, '-WX', '-NOCD', script], { encoding: 'utf8' });
    return { run, outFile };
  };

  // Skipped only where NSIS is not installed (apt-get install nsis provides makensis).
  it.skipIf(!hasMakensis)('compiles with makensis into an installer', () => {
    const { run, outFile } = compile('-V2');
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(existsSync(outFile)).toBe(true);
  });

  it.skipIf(!hasMakensis)(
    'writes exactly the keys and values of windowsRegistryEntries and deletes exactly its root keys',
    () => {
      const { run } = compile('-V4');
      expect(run.status, run.stderr).toBe(0);
      // makensis -V4 lists each instruction with its compile-time text: `WriteRegStr: KEY\NAME=DATA`.
      const exe = String.raw`C:\Program Files\Coffer\Coffer.exe`;
      const written = [...run.stdout.matchAll(/^WriteRegStr: (.*)$/gm)].map(([, rest]) => {
        const text = (rest as string).replaceAll(String.raw`$INSTDIR\Coffer.exe`, exe);
        const equals = text.indexOf('=');
        const keyAndName = text.slice(0, equals);
        const slash = keyAndName.lastIndexOf('\\');
        return { key: keyAndName.slice(0, slash), name: keyAndName.slice(slash + 1), data: text.slice(equals + 1) };
      });
      const entries = windowsRegistryEntries(packaged(exe));
      expect(written).toEqual(entries.flatMap((entry) => entry.values.map((value) => ({ key: entry.key, ...value }))));
      const deleted = [...run.stdout.matchAll(/^DeleteRegKey: (.*)$/gm)].map(([, key]) => key);
      expect(deleted).toEqual(registryRootKeys(entries));
    },
  );
});
