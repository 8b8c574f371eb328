import { describe, expect, it } from 'vitest';
import {
  isEmptyLaunchRequest,
  launchRequestFromAdditionalData,
  launchRequestToAdditionalData,
  mergeLaunchRequests,
  openFileRequest,
  parseLaunchArgs,
  routeSecondInstance,
  type LaunchOptions,
  type LaunchRequest,
} from '../../electron/core/shell/launch-args.js';

const WIN_EXE = 'C:\\Program Files\\Coffer\\Coffer.exe';
const MAC_EXE = '/Applications/Coffer.app/Contents/MacOS/Coffer';
const APPIMAGE_EXE = '/tmp/.mount_CofferXYZ/coffer';
const DEB_EXE = '/opt/Coffer/coffer';
const DEV_EXE = '/usr/lib/electron/electron';

const win: LaunchOptions = { cwd: 'C:\\Windows\\System32', platform: 'win32', isPackaged: true };
const mac: LaunchOptions = { cwd: '/', platform: 'darwin', isPackaged: true };
const linux: LaunchOptions = { cwd: '/home/zoë', platform: 'linux', isPackaged: true };
const dev: LaunchOptions = { cwd: '/home/zoe/src/coffer', platform: 'linux', isPackaged: false };

const none: LaunchRequest = { encrypt: [], decrypt: [] };

type ParseCase = { name: string; argv: string[]; options: LaunchOptions; expected: LaunchRequest };

const parseCases: ParseCase[] = [
  // Windows, packaged (NSIS install), from the Explorer context menu: `Coffer.exe --encrypt "%1"`.
  {
    name: 'Windows: --encrypt with a path holding spaces and non-ASCII',
    argv: [WIN_EXE, '--encrypt', 'C:\\Users\\Zoë\\Pictures\\holiday 2026.jpg'],
    options: win,
    expected: { encrypt: ['C:\\Users\\Zoë\\Pictures\\holiday 2026.jpg'], decrypt: [] },
  },
  {
    name: 'Windows: Chromium switches neither become paths nor end the --encrypt list',
    argv: [
      WIN_EXE,
      '--encrypt',
      '--allow-file-access-from-files',
      '--original-process-start-time=13374563412345678',
      'C:\\Users\\Zoë\\Pictures\\holiday 2026.jpg',
      'C:\\Users\\Zoë\\Documents\\old backup.coffer',
    ],
    options: win,
    expected: {
      encrypt: ['C:\\Users\\Zoë\\Pictures\\holiday 2026.jpg', 'C:\\Users\\Zoë\\Documents\\old backup.coffer'],
      decrypt: [],
    },
  },
  {
    name: 'Windows: --decrypt "%1" on an encrypted file',
    argv: [WIN_EXE, '--decrypt', 'C:\\Users\\Zoë\\Pictures\\holiday 2026.jpg.coffer'],
    options: win,
    expected: { encrypt: [], decrypt: ['C:\\Users\\Zoë\\Pictures\\holiday 2026.jpg.coffer'] },
  },
  {
    name: 'Windows: Squirrel first run opens nothing',
    argv: [WIN_EXE, '--squirrel-firstrun'],
    options: win,
    expected: none,
  },
  {
    name: "Windows: Squirrel's install hook carries a version, which is not a file",
    argv: [WIN_EXE, '--squirrel-install', '0.1.0'],
    options: win,
    expected: none,
  },
  {
    name: "Windows: Squirrel's update hook carries a version, which is not a file",
    argv: [WIN_EXE, '--squirrel-updated', '0.2.0'],
    options: win,
    expected: none,
  },
  {
    name: 'Windows: a folder from the background menu ("%V")',
    argv: [WIN_EXE, '--encrypt', 'C:\\Users\\Zoë\\Documents\\Tax 2025'],
    options: win,
    expected: { encrypt: ['C:\\Users\\Zoë\\Documents\\Tax 2025'], decrypt: [] },
  },
  {
    name: 'Windows: "%V" on a drive root arrives as D:" and means D:\\',
    argv: [WIN_EXE, '--encrypt', 'D:"'],
    options: win,
    expected: { encrypt: ['D:\\'], decrypt: [] },
  },
  {
    name: 'Windows: quotes left around paths are stripped before classifying',
    argv: [WIN_EXE, '"C:\\My Files\\a.jpg"', '"C:\\My Files\\b.COFFER"', '""', '"'],
    options: win,
    expected: { encrypt: ['C:\\My Files\\a.jpg'], decrypt: ['C:\\My Files\\b.COFFER'] },
  },
  {
    name: 'Windows: several selected files in one launch',
    argv: [
      WIN_EXE,
      '--encrypt',
      'C:\\Users\\Zoë\\Pictures\\a.jpg',
      'C:\\Users\\Zoë\\Pictures\\b.png',
      'C:\\Users\\Zoë\\Pictures\\c.heic',
    ],
    options: win,
    expected: {
      encrypt: ['C:\\Users\\Zoë\\Pictures\\a.jpg', 'C:\\Users\\Zoë\\Pictures\\b.png', 'C:\\Users\\Zoë\\Pictures\\c.heic'],
      decrypt: [],
    },
  },
  {
    name: 'Windows: relative and forward-slash paths resolve against cwd with Windows rules',
    argv: [WIN_EXE, '..\\notes.txt', 'scans/receipt.pdf.coffer', 'C:/Temp/x.txt'],
    options: { ...win, cwd: 'C:\\Users\\Zoë\\Desktop' },
    expected: {
      encrypt: ['C:\\Users\\Zoë\\notes.txt', 'C:\\Temp\\x.txt'],
      decrypt: ['C:\\Users\\Zoë\\Desktop\\scans\\receipt.pdf.coffer'],
    },
  },
  // macOS, packaged: Finder on old macOS adds a process serial number; bare paths from `open`.
  {
    name: 'macOS: -psn_ is skipped and a bare .coffer path means decrypt',
    argv: [MAC_EXE, '-psn_0_1234567', '/Users/zoe/Documents/Report Q1.pdf.coffer'],
    options: mac,
    expected: { encrypt: [], decrypt: ['/Users/zoe/Documents/Report Q1.pdf.coffer'] },
  },
  {
    name: 'macOS: a Quick Action passing several paths to --encrypt',
    argv: [MAC_EXE, '--encrypt', '/Users/zoe/Desktop/a.txt', '/Users/zoe/Desktop/Fotos'],
    options: mac,
    expected: { encrypt: ['/Users/zoe/Desktop/a.txt', '/Users/zoe/Desktop/Fotos'], decrypt: [] },
  },
  // Linux: an AppImage (needs --no-sandbox on many distributions), desktop entry `--decrypt %F`.
  {
    name: 'Linux AppImage: --no-sandbox then --decrypt with several %F paths',
    argv: [
      APPIMAGE_EXE,
      '--no-sandbox',
      '--decrypt',
      '/home/zoë/Documents/Tax return 2025.pdf.coffer',
      '/home/zoë/Bilder/Urlaub am Königssee.jpg.coffer',
      '/home/zoë/日本語 メモ.txt.coffer',
    ],
    options: linux,
    expected: {
      encrypt: [],
      decrypt: [
        '/home/zoë/Documents/Tax return 2025.pdf.coffer',
        '/home/zoë/Bilder/Urlaub am Königssee.jpg.coffer',
        '/home/zoë/日本語 メモ.txt.coffer',
      ],
    },
  },
  {
    name: 'Linux: an explicit --decrypt wins over the extension',
    argv: [DEB_EXE, '--decrypt', '/home/zoë/mislabelled.bin'],
    options: linux,
    expected: { encrypt: [], decrypt: ['/home/zoë/mislabelled.bin'] },
  },
  {
    name: 'Linux: quotes are legal in POSIX names and kept',
    argv: [DEB_EXE, '/home/zoë/"quoted".txt'],
    options: linux,
    expected: { encrypt: ['/home/zoë/"quoted".txt'], decrypt: [] },
  },
  {
    name: 'Linux packaged: "." is a path to the current folder, not an app path',
    argv: [DEB_EXE, '.'],
    options: linux,
    expected: { encrypt: ['/home/zoë'], decrypt: [] },
  },
  // Development: `electron . --encrypt ./relative/file.txt`.
  {
    name: 'development: the app path is skipped and relative paths resolve against cwd',
    argv: [DEV_EXE, '.', '--encrypt', './relative/file.txt'],
    options: dev,
    expected: { encrypt: ['/home/zoe/src/coffer/relative/file.txt'], decrypt: [] },
  },
  {
    name: 'development: switches before the app path do not shift it',
    argv: [DEV_EXE, '--inspect=9229', '--enable-logging', '/home/zoe/src/coffer', 'secret.coffer'],
    options: dev,
    expected: { encrypt: [], decrypt: ['/home/zoe/src/coffer/secret.coffer'] },
  },
  {
    name: 'development: nothing but the app path',
    argv: [DEV_EXE, '.'],
    options: dev,
    expected: none,
  },
  // The grammar itself.
  {
    name: 'bare paths are classified by a case-insensitive .coffer extension',
    argv: [DEB_EXE, '/data/x.txt', '/data/y.Coffer', '/data/z.coffer.bak', '/data/w.COFFER'],
    options: linux,
    expected: { encrypt: ['/data/x.txt', '/data/z.coffer.bak'], decrypt: ['/data/y.Coffer', '/data/w.COFFER'] },
  },
  {
    name: '--encrypt and --decrypt each take the paths up to the other',
    argv: [DEB_EXE, '--encrypt', '/data/a.coffer', '/data/b.txt', '--decrypt', '/data/c.coffer', '/data/d.bin'],
    options: linux,
    expected: { encrypt: ['/data/a.coffer', '/data/b.txt'], decrypt: ['/data/c.coffer', '/data/d.bin'] },
  },
  {
    name: '--encrypt=PATH takes that one path; the next is classified by extension',
    argv: [DEB_EXE, '--encrypt=/home/zoe/a.coffer', '/home/zoe/b.coffer', '--decrypt=relative.txt', '--decrypt='],
    options: { ...linux, cwd: '/home/zoe' },
    expected: { encrypt: ['/home/zoe/a.coffer'], decrypt: ['/home/zoe/b.coffer', '/home/zoe/relative.txt'] },
  },
  {
    name: 'after -- every argument is a path, under the current option',
    argv: [DEB_EXE, '--encrypt', '--', '--weird name.txt', '-psn_not_a_switch', '--decrypt'],
    options: { ...linux, cwd: '/home/zoe' },
    expected: { encrypt: ['/home/zoe/--weird name.txt', '/home/zoe/-psn_not_a_switch', '/home/zoe/--decrypt'], decrypt: [] },
  },
  {
    name: 'after -- with no option, paths are classified by extension',
    argv: [DEB_EXE, '--', '-notes.coffer', '-notes.txt'],
    options: { ...linux, cwd: '/home/zoe' },
    expected: { encrypt: ['/home/zoe/-notes.txt'], decrypt: ['/home/zoe/-notes.coffer'] },
  },
  {
    name: 'an unknown --switch is skipped without eating the next path',
    argv: [DEB_EXE, '--enable-logging', '/data/a.txt', '--remote-debugging-port=9222', '--ozone-platform-hint', '/data/b.coffer'],
    options: linux,
    expected: { encrypt: ['/data/a.txt'], decrypt: ['/data/b.coffer'] },
  },
  {
    name: 'duplicates (also via relative or unnormalised spellings) are kept once, first first',
    argv: [DEB_EXE, '/data/a.txt', 'a.txt', '/data/./b.txt', '/data/a.txt', '/data/sub/../b.txt', '/data/c.coffer', 'c.coffer'],
    options: { ...linux, cwd: '/data' },
    expected: { encrypt: ['/data/a.txt', '/data/b.txt'], decrypt: ['/data/c.coffer'] },
  },
  { name: 'an empty argv', argv: [], options: linux, expected: none },
  { name: 'only the executable', argv: [DEB_EXE], options: linux, expected: none },
  { name: 'empty strings are dropped', argv: [DEB_EXE, '', '--encrypt', '', ''], options: linux, expected: none },
  { name: 'an option with no paths', argv: [DEB_EXE, '--encrypt', '--decrypt'], options: linux, expected: none },
];

describe('parseLaunchArgs', () => {
  it.each(parseCases)('$name', ({ argv, options, expected }) => {
    expect(parseLaunchArgs(argv, options)).toStrictEqual(expected);
  });

  it('does not modify the argv it is given', () => {
    const argv = [DEV_EXE, '.', '--encrypt', 'a.txt'];
    parseLaunchArgs(argv, dev);
    expect(argv).toStrictEqual([DEV_EXE, '.', '--encrypt', 'a.txt']);
  });
});

// A second launch of `Coffer.exe --encrypt C:\Users\Zoë\a.jpg --decrypt C:\Users\Zoë\b.jpg.coffer`:
// Chromium hands the first instance its switches first and its paths after, with its own switches added.
const secondLaunchArgv = [WIN_EXE, '--encrypt', 'C:\\Users\\Zoë\\a.jpg', '--decrypt', 'C:\\Users\\Zoë\\b.jpg.coffer'];
const reorderedArgv = [
  WIN_EXE,
  '--encrypt',
  '--decrypt',
  '--allow-file-access-from-files',
  '--original-process-start-time=13374563412345678',
  'C:\\Users\\Zoë\\a.jpg',
  'C:\\Users\\Zoë\\b.jpg.coffer',
];
const winShell = { platform: 'win32', isPackaged: true } as const;

describe('routeSecondInstance', () => {
  it("prefers the second launch's own parse over its re-ordered argv", () => {
    const additionalData = launchRequestToAdditionalData(parseLaunchArgs(secondLaunchArgv, win));
    expect(routeSecondInstance(reorderedArgv, 'C:\\Windows\\System32', additionalData, winShell)).toStrictEqual({
      encrypt: ['C:\\Users\\Zoë\\a.jpg'],
      decrypt: ['C:\\Users\\Zoë\\b.jpg.coffer'],
    });
  });

  it('falls back to the re-ordered argv when no additionalData came (which is why it is preferred)', () => {
    expect(routeSecondInstance(reorderedArgv, 'C:\\Windows\\System32', undefined, winShell)).toStrictEqual({
      encrypt: [],
      decrypt: ['C:\\Users\\Zoë\\a.jpg', 'C:\\Users\\Zoë\\b.jpg.coffer'],
    });
  });

  it('prefers valid additionalData even when it asks for nothing', () => {
    const additionalData = launchRequestToAdditionalData({ encrypt: [], decrypt: [] });
    expect(routeSecondInstance(reorderedArgv, 'C:\\Windows\\System32', additionalData, winShell)).toStrictEqual(none);
  });

  it('resolves argv against the second launch’s working directory, not the first’s', () => {
    const argv = [
      WIN_EXE,
      '--encrypt',
      '--allow-file-access-from-files',
      '--original-process-start-time=13374563412345678',
      'holiday 2026.jpg',
    ];
    expect(routeSecondInstance(argv, 'C:\\Users\\Zoë\\Pictures', { unrelated: true }, winShell)).toStrictEqual({
      encrypt: ['C:\\Users\\Zoë\\Pictures\\holiday 2026.jpg'],
      decrypt: [],
    });
  });

  it('skips the app path of a development second launch', () => {
    const argv = [DEV_EXE, '--no-sandbox', '.', 'b.coffer', 'c.txt'];
    expect(routeSecondInstance(argv, '/home/zoe', null, { platform: 'linux', isPackaged: false })).toStrictEqual({
      encrypt: ['/home/zoe/c.txt'],
      decrypt: ['/home/zoe/b.coffer'],
    });
  });
});

describe('additionalData', () => {
  it('has a fixed, tagged shape holding copies of the lists', () => {
    const request = { encrypt: ['/data/a.txt'], decrypt: ['/data/b.coffer'] };
    const data = launchRequestToAdditionalData(request);
    expect(data).toStrictEqual({
      format: 'coffer-launch',
      format_version: 1,
      encrypt: ['/data/a.txt'],
      decrypt: ['/data/b.coffer'],
    });
    data.encrypt.push('/data/c.txt');
    expect(request.encrypt).toStrictEqual(['/data/a.txt']);
  });

  it('round-trips through structured clone and JSON (how it crosses processes)', () => {
    const request = { encrypt: ['C:\\Users\\Zoë\\a b.jpg'], decrypt: ['D:\\x.coffer', '\\\\server\\share\\y.coffer'] };
    const data = launchRequestToAdditionalData(request);
    expect(launchRequestFromAdditionalData(structuredClone(data), 'win32')).toStrictEqual(request);
    expect(launchRequestFromAdditionalData(JSON.parse(JSON.stringify(data)), 'win32')).toStrictEqual(request);
  });

  it('de-duplicates what it receives', () => {
    const data = { format: 'coffer-launch', format_version: 1, encrypt: ['/a', '/b', '/a'], decrypt: ['/c.coffer', '/c.coffer'] };
    expect(launchRequestFromAdditionalData(data, 'linux')).toStrictEqual({ encrypt: ['/a', '/b'], decrypt: ['/c.coffer'] });
  });

  const valid = { format: 'coffer-launch', format_version: 1, encrypt: ['/a.txt'], decrypt: [] };
  const invalid: { name: string; data: unknown; platform?: NodeJS.Platform }[] = [
    { name: 'undefined', data: undefined },
    { name: 'null', data: null },
    { name: 'a string', data: '--encrypt /a.txt' },
    { name: 'a number', data: 42 },
    { name: 'an array', data: [['/a.txt'], []] },
    { name: 'an empty object', data: {} },
    { name: 'an untagged request', data: { encrypt: ['/a.txt'], decrypt: [] } },
    { name: 'another format', data: { ...valid, format: 'something-else' } },
    { name: 'a future version', data: { ...valid, format_version: 2 } },
    { name: 'an extra key', data: { ...valid, open: ['/b.txt'] } },
    { name: 'a missing list', data: { format: 'coffer-launch', format_version: 1, encrypt: ['/a.txt'] } },
    { name: 'a list that is a string', data: { ...valid, encrypt: '/a.txt' } },
    { name: 'a non-string path', data: { ...valid, decrypt: [7] } },
    { name: 'an empty path', data: { ...valid, encrypt: [''] } },
    { name: 'a path with NUL', data: { ...valid, encrypt: ['/a.txt\0/etc/passwd'] } },
    { name: 'a relative path', data: { ...valid, encrypt: ['a.txt'] } },
    { name: 'a Windows path on Linux', data: { ...valid, encrypt: ['C:\\a.txt'] } },
    { name: 'a drive-relative path on Windows', data: { ...valid, encrypt: ['C:a.txt'] }, platform: 'win32' },
    { name: 'an over-long path', data: { ...valid, encrypt: [`/${'a'.repeat(32_767)}`] } },
    { name: 'too many paths', data: { ...valid, encrypt: Array.from({ length: 10_001 }, (_, i) => `/f${i}`) } },
  ];

  it.each(invalid)('rejects $name', ({ data, platform }) => {
    expect(launchRequestFromAdditionalData(data, platform ?? 'linux')).toBeNull();
  });

  it.each(invalid)('routes argv instead when additionalData is $name', ({ data, platform }) => {
    const options = { platform: platform ?? 'linux', isPackaged: true } as const;
    const argv = platform === 'win32' ? [WIN_EXE, 'x.coffer'] : [DEB_EXE, '--no-sandbox', 'x.coffer'];
    const cwd = platform === 'win32' ? 'C:\\Users\\Zoë' : '/home/zoë';
    const expected = platform === 'win32' ? 'C:\\Users\\Zoë\\x.coffer' : '/home/zoë/x.coffer';
    expect(routeSecondInstance(argv, cwd, data, options)).toStrictEqual({ encrypt: [], decrypt: [expected] });
  });
});

describe('openFileRequest', () => {
  it.each([
    {
      filePath: '/Users/zoe/Documents/Report Q1.pdf',
      expected: { encrypt: ['/Users/zoe/Documents/Report Q1.pdf'], decrypt: [] },
    },
    { filePath: '/Users/zoe/Desktop/Fotos', expected: { encrypt: ['/Users/zoe/Desktop/Fotos'], decrypt: [] } },
    { filePath: '/Users/zoë/Report.pdf.COFFER', expected: { encrypt: [], decrypt: ['/Users/zoë/Report.pdf.COFFER'] } },
    { filePath: '', expected: none },
  ])('$filePath', ({ filePath, expected }) => {
    expect(openFileRequest(filePath)).toStrictEqual(expected);
  });
});

describe('mergeLaunchRequests', () => {
  it('joins one launch per selected file, keeping first-seen order and dropping repeats', () => {
    const first = parseLaunchArgs([WIN_EXE, '--encrypt', 'C:\\Users\\Zoë\\a.jpg'], win);
    const second = parseLaunchArgs([WIN_EXE, '--encrypt', 'C:\\Users\\Zoë\\b.jpg'], win);
    const third = parseLaunchArgs([WIN_EXE, '--decrypt', 'C:\\Users\\Zoë\\c.jpg.coffer'], win);
    expect(mergeLaunchRequests(first, second, first, third, second)).toStrictEqual({
      encrypt: ['C:\\Users\\Zoë\\a.jpg', 'C:\\Users\\Zoë\\b.jpg'],
      decrypt: ['C:\\Users\\Zoë\\c.jpg.coffer'],
    });
  });

  it('joins macOS open-file events', () => {
    const events = ['/Users/zoe/a.txt', '/Users/zoe/b.coffer', '/Users/zoe/a.txt'].map(openFileRequest);
    expect(mergeLaunchRequests(...events)).toStrictEqual({ encrypt: ['/Users/zoe/a.txt'], decrypt: ['/Users/zoe/b.coffer'] });
  });

  it('of nothing is empty', () => {
    expect(mergeLaunchRequests()).toStrictEqual(none);
  });

  it('leaves its inputs alone', () => {
    const a = { encrypt: ['/x'], decrypt: [] };
    const b = { encrypt: ['/x', '/y'], decrypt: ['/z.coffer'] };
    mergeLaunchRequests(a, b);
    expect(a).toStrictEqual({ encrypt: ['/x'], decrypt: [] });
    expect(b).toStrictEqual({ encrypt: ['/x', '/y'], decrypt: ['/z.coffer'] });
  });
});

describe('isEmptyLaunchRequest', () => {
  it.each([
    { request: { encrypt: [], decrypt: [] }, expected: true },
    { request: { encrypt: ['/a'], decrypt: [] }, expected: false },
    { request: { encrypt: [], decrypt: ['/a.coffer'] }, expected: false },
  ])('$request.encrypt / $request.decrypt -> $expected', ({ request, expected }) => {
    expect(isEmptyLaunchRequest(request)).toBe(expected);
  });
});
