import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppLaunchCommand } from '../../electron/core/shell/integration-types.js';
import {
  desktopEntry,
  dolphinServiceMenu,
  escapeDesktopString,
  execValue,
  linuxIntegrationFiles,
  nautilusScript,
  quoteExecArgument,
  removeCofferDefault,
} from '../../electron/core/shell/linux-generators.js';
import { installLinux, statusLinux, uninstallLinux, type ToolRunner } from '../../electron/core/shell/shell-installer.js';

/**
 * Linux right-click integration, checked with the real freedesktop tools against throwaway XDG
 * folders (never the real ~/.local or ~/.config).
 *
 * Debian packages: desktop-file-utils (desktop-file-validate), xdg-utils (xdg-mime),
 * shared-mime-info (update-mime-database), libfile-mimeinfo-perl (`mimetype`, which xdg-mime uses
 * for `query filetype` outside a known desktop) and libglib2.0-bin (`gio`, used by xdg-mime on
 * GNOME, and `gio launch` to run a desktop entry through GLib's own Exec parser).
 */

type Run = { code: number | null; stdout: string; stderr: string };

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function hasTool(name: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v ${name}`])).code === 0;
}

const REQUIRED_TOOLS: Record<string, string> = {
  'desktop-file-validate': 'desktop-file-utils',
  'xdg-mime': 'xdg-utils',
  'update-mime-database': 'shared-mime-info',
};

let root: string;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

interface Xdg {
  dataHome: string;
  configHome: string;
  /** The environment the xdg tools see: only the temporary folders, plus the system's data. */
  env: NodeJS.ProcessEnv;
  bin: string;
  argvLog: string;
}

async function makeXdg(): Promise<Xdg> {
  root = await mkdtemp(path.join(os.tmpdir(), 'coffer-linux-shell-'));
  const dataHome = path.join(root, 'data');
  const configHome = path.join(root, 'config');
  const configDirs = path.join(root, 'config-dirs');
  const home = path.join(root, 'home');
  const bin = path.join(root, 'bin dir ü');
  for (const dir of [dataHome, configHome, configDirs, home, bin]) await mkdir(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: dataHome,
    XDG_CONFIG_HOME: configHome,
    // No system-wide mimeapps.list may answer for application/x-coffer.
    XDG_CONFIG_DIRS: configDirs,
    XDG_DATA_DIRS: '/usr/local/share:/usr/share',
  };
  delete env.XDG_CURRENT_DESKTOP;
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return { dataHome, configHome, env, bin, argvLog: path.join(root, 'argv.log') };
}

/** A tiny stand-in for Coffer: appends its argv (NUL-separated) and an end marker to a log. */
async function recorder(xdg: Xdg, name = 'record $argv "q" ü.sh'): Promise<string> {
  const script = path.join(xdg.bin, name);
  await writeFile(
    script,
    [
      '#!/bin/sh',
      `log=${`'${xdg.argvLog.replaceAll("'", `'\\''`)}'`}`,
      'for arg in "$@"; do printf "%s\\0" "$arg" >> "$log"; done',
      'printf "<end>\\0" >> "$log"',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return script;
}

/** Every launch the recorder saw, each as its argument list. */
async function launches(xdg: Xdg): Promise<string[][]> {
  const text = await readFile(xdg.argvLog, 'utf8').catch(() => '');
  const result: string[][] = [];
  let current: string[] = [];
  for (const part of text.split('\0').slice(0, -1)) {
    if (part === '<end>') {
      result.push(current);
      current = [];
    } else current.push(part);
  }
  return result;
}

/** Every file and folder under `dir` (relative), files with their mode and SHA-256. */
async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(current, entry.name);
      const relative = path.relative(dir, full);
      if (entry.isDirectory()) {
        out[`${relative}/`] = 'dir';
        await walk(full);
      } else {
        const mode = ((await stat(full)).mode & 0o777).toString(8);
        out[relative] = `${mode} ${createHash('sha256')
          .update(await readFile(full))
          .digest('hex')}`;
      }
    }
  };
  await walk(dir);
  return out;
}

const snapshotAll = async (xdg: Xdg) => ({
  data: await snapshotTree(xdg.dataHome),
  config: await snapshotTree(xdg.configHome),
});

const queryDefault = async (xdg: Xdg) =>
  (await run('xdg-mime', ['query', 'default', 'application/x-coffer'], xdg.env)).stdout.trim();

/** A packaged install's command, but with every character the quoting has to get right. */
const awkwardArgs = ['--no-sandbox', 'a b', 'q"t', '$HOME', 'back\\slash', '100%', 'ü', '😀', "it's", '`id`', '~/x', 'a;b', ''];

beforeAll(async () => {
  const missing: string[] = [];
  for (const [tool, pkg] of Object.entries(REQUIRED_TOOLS)) if (!(await hasTool(tool))) missing.push(pkg);
  if (missing.length > 0) {
    throw new Error(`The Linux integration tests need: sudo apt-get install ${missing.join(' ')}`);
  }
});

describe('Exec quoting (Desktop Entry Specification, "The Exec key" and the string type)', () => {
  // [argument, as quoted for Exec, as written in the file after the string-type escaping]
  const cases: [string, string, string][] = [
    ['/opt/Coffer/coffer', '/opt/Coffer/coffer', '/opt/Coffer/coffer'],
    ['--encrypt', '--encrypt', '--encrypt'],
    ['--user-data-dir=/tmp/x', '--user-data-dir=/tmp/x', '--user-data-dir=/tmp/x'],
    ['/opt/My Apps/Coffer', '"/opt/My Apps/Coffer"', '"/opt/My Apps/Coffer"'],
    ['say "hi"', '"say \\"hi\\""', '"say \\\\"hi\\\\""'],
    // The spec's own example: a literal $ in a quoted argument is `\\$` in the file.
    ['$HOME', '"\\$HOME"', '"\\\\$HOME"'],
    // …and a literal backslash is four backslashes.
    ['C:\\x', '"C:\\\\x"', '"C:\\\\\\\\x"'],
    ['`id`', '"\\`id\\`"', '"\\\\`id\\\\`"'],
    ['100%', '"100%%"', '"100%%"'],
    ['%F', '"%%F"', '"%%F"'],
    ['ü', '"ü"', '"ü"'],
    ['😀 file', '"😀 file"', '"😀 file"'],
    ["it's", '"it\'s"', '"it\'s"'],
    ['a;b', '"a;b"', '"a;b"'],
    ['~/x', '"~/x"', '"~/x"'],
    ['tab\there', '"tab\there"', '"tab\\there"'],
    ['line\nbreak', '"line\nbreak"', '"line\\nbreak"'],
    ['', '""', '""'],
  ];

  it.each(cases)('%j is quoted as %s and written as %s', (argument, quoted, written) => {
    expect(quoteExecArgument(argument)).toBe(quoted);
    expect(escapeDesktopString(quoted)).toBe(written);
    expect(execValue({ executable: '/usr/bin/coffer', args: [] }, [argument], '%F')).toBe(`/usr/bin/coffer ${written} %F`);
  });

  it('refuses characters a desktop file cannot hold', () => {
    expect(() => quoteExecArgument('nul\0byte')).toThrow(/control character/);
    expect(() => quoteExecArgument('bell\u0007')).toThrow(/control character/);
    expect(() => quoteExecArgument('lone \ud800 surrogate')).toThrow();
  });

  it('GLib reads every argument back verbatim (gio launch runs the entry through its Exec parser)', async (ctx) => {
    if (!(await hasTool('gio'))) ctx.skip(); // libglib2.0-bin
    const xdg = await makeXdg();
    const command: AppLaunchCommand = { executable: await recorder(xdg), args: awkwardArgs };
    const entry = path.join(root, 'launch-test.desktop');
    await writeFile(entry, desktopEntry(command));
    const file = path.join(root, 'holiday "2026" $HOME ü.jpg');
    await writeFile(file, 'x');
    const result = await run('gio', ['launch', entry, file], xdg.env);
    expect(result.stderr).toBe('');
    // gio launch returns once the child is spawned; wait for the recorder to finish writing.
    await expect.poll(() => launches(xdg), { timeout: 10_000 }).toHaveLength(1);
    expect(await launches(xdg)).toEqual([[...awkwardArgs, file]]);
  });
});

describe('generated files', () => {
  const command: AppLaunchCommand = { executable: '/opt/My Apps/Coffer $1/coffer', args: awkwardArgs };

  it('the application entry passes desktop-file-validate', async () => {
    const xdg = await makeXdg();
    const file = path.join(xdg.dataHome, 'coffer.desktop');
    await writeFile(file, desktopEntry(command));
    const result = await run('desktop-file-validate', [file]);
    // The only remark allowed is the hint that `Security` could be paired with System/Settings.
    const remarks = result.stdout.split('\n').filter((line) => line !== '' && !line.includes('hint:'));
    expect(remarks).toEqual([]);
    expect(result.code).toBe(0);
    expect(desktopEntry(command)).toMatch(/^MimeType=application\/x-coffer;$/m);
    expect(desktopEntry(command)).toMatch(/^Actions=encrypt;decrypt;$/m);
  });

  it('the Dolphin service menus pass desktop-file-validate apart from their KDE-only keys', async () => {
    // desktop-file-validate only knows the freedesktop types (Application, Link, Directory): a KDE
    // service menu (Type=Service, MimeType and Actions on a Service, the KDE-only all/allfiles)
    // always fails it. So it is validated with exactly those complaints removed: anything else
    // it reports (a bad group, key, or Exec quoting in an action) still fails the test.
    const kdeOnly = [
      /error: \(will be fatal in the future\): value "all\/allfiles;inode\/directory;" for key "MimeType" .* "all" is an unregistered media type$/,
      /error: key "MimeType" is present in group "Desktop Entry", but the type is "Service" while this key is only valid for type "Application"$/,
      /error: key "Actions" is present in group "Desktop Entry", but the type is "Service" while this key is only valid for type "Application"$/,
    ];
    const xdg = await makeXdg();
    for (const action of ['encrypt', 'decrypt'] as const) {
      const file = path.join(xdg.dataHome, `coffer-${action}.desktop`);
      await writeFile(file, dolphinServiceMenu(command, action));
      const result = await run('desktop-file-validate', [file]);
      const remarks = result.stdout.split('\n').filter((line) => line !== '' && !kdeOnly.some((re) => re.test(line)));
      expect(remarks, action).toEqual([]);
      expect(result.stdout).toContain('"Service"'); // proof the validator did read it
    }
    expect(dolphinServiceMenu(command, 'encrypt')).toMatch(/^MimeType=all\/allfiles;inode\/directory;$/m);
    expect(dolphinServiceMenu(command, 'decrypt')).toMatch(/^MimeType=application\/x-coffer;$/m);
  });

  it('the validator does catch bad Exec quoting (so the checks above mean something)', async () => {
    const xdg = await makeXdg();
    const file = path.join(xdg.dataHome, 'broken.desktop');
    await writeFile(file, desktopEntry(command).replace(/^Exec=.*$/m, 'Exec="/opt/co$ffer" %F'));
    const result = await run('desktop-file-validate', [file]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/non-escaped character '\$'/);
  });
});

describe('installLinux / uninstallLinux / statusLinux', () => {
  it('installs: Coffer opens .coffer files, xdg-mime knows the type, every file is reported', async () => {
    const xdg = await makeXdg();
    const command: AppLaunchCommand = { executable: await recorder(xdg), args: ['--no-sandbox'] };
    expect((await statusLinux({ command, ...xdg })).installed).toBe(false);

    const report = await installLinux({ command, dataHome: xdg.dataHome, configHome: xdg.configHome });
    expect(report.notes).toEqual([]);
    expect(report.installed).toBe(true);
    expect(report.written).toEqual([
      path.join(xdg.dataHome, 'applications/coffer.desktop'),
      path.join(xdg.dataHome, 'mime/packages/coffer.xml'),
      path.join(xdg.dataHome, 'nautilus/scripts/Encrypt with Coffer'),
      path.join(xdg.dataHome, 'nautilus/scripts/Decrypt with Coffer'),
      path.join(xdg.dataHome, 'kio/servicemenus/coffer-encrypt.desktop'),
      path.join(xdg.dataHome, 'kio/servicemenus/coffer-decrypt.desktop'),
      path.join(xdg.configHome, 'mimeapps.list'),
    ]);
    for (const file of linuxIntegrationFiles(command)) {
      const full = path.join(xdg.dataHome, file.relativePath);
      expect(await readFile(full, 'utf8')).toBe(file.content);
      expect(((await stat(full)).mode & 0o777).toString(8), file.relativePath).toBe(file.mode.toString(8));
    }
    expect(((await stat(path.join(xdg.dataHome, 'kio/servicemenus/coffer-encrypt.desktop'))).mode & 0o111) !== 0).toBe(true);
    expect(await readFile(path.join(xdg.configHome, 'mimeapps.list'), 'utf8')).toMatch(
      /^\[Default Applications\]\napplication\/x-coffer=coffer\.desktop$/m,
    );
    expect(await queryDefault(xdg)).toBe('coffer.desktop');
    expect(await statusLinux({ command, ...xdg })).toEqual({
      platform: 'linux',
      installed: true,
      written: [],
      removed: [],
      notes: [],
    });
  });

  it('xdg-mime query filetype says application/x-coffer for a real Coffer file', async () => {
    const xdg = await makeXdg();
    const command: AppLaunchCommand = { executable: '/usr/bin/coffer', args: [] };
    const files = path.join(root, 'files');
    await mkdir(files);
    const header = Buffer.from([0x02, 0x04, 0x78, 0x5a, 0x11, 0x00, 0x9f, 0x42, 0x07, 0x00, 0x13, 0x37]);
    const named = path.join(files, 'some.coffer');
    const renamed = path.join(files, 'renamed-without-extension'); // only the magic can tell
    // A signed file (suite 0x0578, what --signed and the SDK's defaults write) is a Coffer file too.
    const signed = path.join(files, 'signed-without-extension');
    await writeFile(named, header);
    await writeFile(renamed, header);
    await writeFile(signed, Buffer.from([0x02, 0x05, 0x78, ...header.subarray(3)]));

    await installLinux({ command, dataHome: xdg.dataHome, configHome: xdg.configHome });

    // How xdg-mime answers `query filetype` depends on the desktop it detects. Headless (no
    // XDG_CURRENT_DESKTOP, no DISPLAY) it is "generic", like XDG_CURRENT_DESKTOP=X-Generic: it runs
    // `mimetype` (libfile-mimeinfo-perl), which reads the shared-mime-info database in
    // XDG_DATA_HOME, and only without it `file --mime-type`, whose libmagic knows nothing of
    // Coffer. With XDG_CURRENT_DESKTOP=GNOME it runs `gio info` (GLib's xdgmime, same database).
    // Both work in this headless environment; each backend that is installed is checked. Only if
    // neither is installed do we fall back to the database update-mime-database compiled.
    const backends: [string, string][] = [];
    if (await hasTool('mimetype')) backends.push(['X-Generic', 'mimetype']);
    if (await hasTool('gio')) backends.push(['GNOME', 'gio']);
    for (const [desktop, backend] of backends) {
      const env = { ...xdg.env, XDG_CURRENT_DESKTOP: desktop };
      for (const file of [named, renamed, signed]) {
        const result = await run('xdg-mime', ['query', 'filetype', file], env);
        expect(`${backend}: ${result.stdout.trim()}`, file).toBe(`${backend}: application/x-coffer`);
      }
    }
    if (backends.length === 0) {
      const globs = await readFile(path.join(xdg.dataHome, 'mime/globs2'), 'utf8');
      expect(globs).toContain(':application/x-coffer:*.coffer');
      const magic = await readFile(path.join(xdg.dataHome, 'mime/magic'));
      expect(magic.includes(Buffer.from([0x02, 0x04, 0x78]))).toBe(true);
      expect(magic.includes(Buffer.from([0x02, 0x05, 0x78]))).toBe(true);
    }

    // Control: without Coffer's database the same file is not recognised.
    await uninstallLinux({ command, dataHome: xdg.dataHome, configHome: xdg.configHome });
    for (const [desktop] of backends) {
      const result = await run('xdg-mime', ['query', 'filetype', named], { ...xdg.env, XDG_CURRENT_DESKTOP: desktop });
      expect(result.stdout.trim()).not.toBe('application/x-coffer');
    }
  });

  it('installing twice writes the same bytes and reports the same files', async () => {
    const xdg = await makeXdg();
    const command: AppLaunchCommand = { executable: '/opt/Coffer/coffer', args: [] };
    const options = { command, dataHome: xdg.dataHome, configHome: xdg.configHome };
    const first = await installLinux(options);
    const afterFirst = await snapshotAll(xdg);
    const second = await installLinux(options);
    expect(await snapshotAll(xdg)).toEqual(afterFirst);
    expect(second).toEqual(first);
  });

  const preExisting = async (xdg: Xdg): Promise<void> => {
    // A lived-in home: another app, another MIME package (with its compiled cache), someone
    // else's defaults, other scripts and service menus.
    await mkdir(path.join(xdg.dataHome, 'applications'), { recursive: true });
    await writeFile(
      path.join(xdg.dataHome, 'applications/other.desktop'),
      '[Desktop Entry]\nType=Application\nName=Other\nExec=/usr/bin/true %f\nMimeType=text/x-other;\n',
    );
    await mkdir(path.join(xdg.dataHome, 'mime/packages'), { recursive: true });
    await writeFile(
      path.join(xdg.dataHome, 'mime/packages/other.xml'),
      '<?xml version="1.0" encoding="UTF-8"?>\n<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">\n' +
        '  <mime-type type="text/x-other"><comment>Other</comment><glob pattern="*.other"/></mime-type>\n</mime-info>\n',
    );
    expect((await run('update-mime-database', [path.join(xdg.dataHome, 'mime')], xdg.env)).code).toBe(0);
    await mkdir(path.join(xdg.dataHome, 'nautilus/scripts'), { recursive: true });
    await writeFile(path.join(xdg.dataHome, 'nautilus/scripts/Other'), '#!/bin/sh\n', { mode: 0o755 });
    await mkdir(path.join(xdg.dataHome, 'kio/servicemenus'), { recursive: true });
    await writeFile(path.join(xdg.dataHome, 'kio/servicemenus/other.desktop'), '[Desktop Entry]\nType=Service\n', {
      mode: 0o755,
    });
    await writeFile(
      path.join(xdg.configHome, 'mimeapps.list'),
      '[Added Associations]\ntext/x-other=other.desktop;\n\n[Default Applications]\ntext/x-other=other.desktop\n' +
        'application/pdf=org.gnome.Evince.desktop\n\n[Removed Associations]\ntext/plain=other.desktop;\n',
    );
  };

  it.each([
    ['empty XDG folders', async (_xdg: Xdg) => {}],
    ['XDG folders that already hold other apps, MIME types and defaults', preExisting],
  ])('uninstalling after install leaves %s exactly as they were', async (_name, prepare) => {
    const xdg = await makeXdg();
    await prepare(xdg);
    const command: AppLaunchCommand = { executable: '/opt/Coffer/coffer', args: ['--no-sandbox'] };
    const options = { command, dataHome: xdg.dataHome, configHome: xdg.configHome };
    const before = await snapshotAll(xdg);

    const installed = await installLinux(options);
    expect(installed.notes).toEqual([]);
    expect(await snapshotAll(xdg)).not.toEqual(before);
    expect(await queryDefault(xdg)).toBe('coffer.desktop');

    const report = await uninstallLinux(options);
    expect(report.installed).toBe(false);
    expect(report.notes.filter((note) => note.startsWith('Could not'))).toEqual([]);
    // Every file Coffer wrote is reported removed.
    for (const file of linuxIntegrationFiles(command)) {
      expect(report.removed).toContain(path.join(xdg.dataHome, file.relativePath));
    }
    // Folders and bytes as before; the regenerated MIME cache is byte-identical to the
    // pre-install one, or gone when there was none.
    expect(await snapshotAll(xdg)).toEqual(before);
    expect(await queryDefault(xdg)).not.toBe('coffer.desktop');
    expect((await statusLinux(options)).installed).toBe(false);

    // A second uninstall finds nothing of Coffer's and changes nothing.
    const again = await uninstallLinux(options);
    expect(again.removed).toEqual([]);
    expect(await snapshotAll(xdg)).toEqual(before);
  });

  it('uninstall needs no launch command, and leaves a file Coffer did not write where it is', async () => {
    const xdg = await makeXdg();
    await installLinux({ command: { executable: '/opt/Somewhere Else/coffer', args: [] }, ...xdg });
    // The user replaced one of Coffer's Nautilus scripts with their own.
    const theirs = path.join(xdg.dataHome, 'nautilus/scripts/Decrypt with Coffer');
    await writeFile(theirs, '#!/bin/sh\necho my own script\n');
    const report = await uninstallLinux({ dataHome: xdg.dataHome, configHome: xdg.configHome });
    expect(report.removed).toContain(path.join(xdg.dataHome, 'applications/coffer.desktop'));
    expect(report.removed).toContain(path.join(xdg.dataHome, 'nautilus/scripts/Encrypt with Coffer'));
    expect(report.removed).not.toContain(theirs);
    expect(report.notes).toContain(`Left ${theirs} in place: Coffer did not write it.`);
    expect(await readFile(theirs, 'utf8')).toBe('#!/bin/sh\necho my own script\n');
    expect(Object.keys(await snapshotTree(xdg.dataHome)).sort()).toEqual([
      'nautilus/',
      'nautilus/scripts/',
      'nautilus/scripts/Decrypt with Coffer',
    ]);
  });

  it('a missing tool is a note, not a crash', async () => {
    const xdg = await makeXdg();
    const command: AppLaunchCommand = { executable: '/opt/Coffer/coffer', args: [] };
    const calls: string[] = [];
    const runTool: ToolRunner = async (cmd, _args, env) => {
      calls.push(`${cmd} ${env.XDG_DATA_HOME} ${env.XDG_CONFIG_HOME}`);
      if (cmd === 'xdg-mime') throw new Error('spawn EACCES');
      return { code: 127, stdout: '', stderr: `${cmd}: not found` };
    };
    const report = await installLinux({ command, dataHome: xdg.dataHome, configHome: xdg.configHome, runTool });
    expect(calls).toEqual([
      `update-mime-database ${xdg.dataHome} ${xdg.configHome}`,
      `xdg-mime ${xdg.dataHome} ${xdg.configHome}`,
    ]);
    expect(report.installed).toBe(true);
    expect(report.written).toHaveLength(6); // no mimeapps.list: xdg-mime did not run
    expect(report.notes).toEqual([
      expect.stringMatching(/update-mime-database is not installed \(Debian\/Ubuntu package shared-mime-info\)/),
      expect.stringMatching(/xdg-mime failed to start \(spawn EACCES\)/),
    ]);
    const removed = await uninstallLinux({ command, dataHome: xdg.dataHome, configHome: xdg.configHome, runTool });
    expect(removed.removed).toEqual(expect.arrayContaining(report.written));
    expect(await snapshotTree(xdg.dataHome)).toEqual({});
  });

  it('statusLinux reports a partial install', async () => {
    const xdg = await makeXdg();
    const command: AppLaunchCommand = { executable: '/opt/Coffer/coffer', args: [] };
    await installLinux({ command, ...xdg });
    await rm(path.join(xdg.dataHome, 'nautilus/scripts/Decrypt with Coffer'));
    const status = await statusLinux({ command, ...xdg });
    expect(status.installed).toBe(false);
    expect(status.notes).toEqual([
      'The Linux integration is only partly installed.',
      `Missing: ${path.join(xdg.dataHome, 'nautilus/scripts/Decrypt with Coffer')}`,
    ]);
  });
});

describe('Nautilus scripts', () => {
  const selected = [
    '/home/zoë/Pictures/holiday 2026.jpg',
    '/home/zoë/say "hi" and \'bye\'.txt',
    '/home/zoë/$HOME `id` $(id) back\\slash *.txt',
    '/home/zoë/Zoë ü 😀 日本.pdf',
    '/home/zoë/  leading and trailing spaces  ',
    '/home/zoë/-looks-like-an-option',
  ];

  it.each(['encrypt', 'decrypt'] as const)('"%s" launches Coffer once with every selected path', async (action) => {
    const xdg = await makeXdg();
    const command: AppLaunchCommand = { executable: await recorder(xdg), args: ['--no-sandbox', 'a b'] };
    await installLinux({ command, dataHome: xdg.dataHome, configHome: xdg.configHome });
    const script = path.join(
      xdg.dataHome,
      'nautilus/scripts',
      action === 'encrypt' ? 'Encrypt with Coffer' : 'Decrypt with Coffer',
    );
    expect(await readFile(script, 'utf8')).toBe(nautilusScript(command, action));

    // Nautilus runs the executable file itself, with the selection one path per line.
    const result = await run(script, [], { ...xdg.env, NAUTILUS_SCRIPT_SELECTED_FILE_PATHS: `${selected.join('\n')}\n` });
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await launches(xdg)).toEqual([['--no-sandbox', 'a b', `--${action}`, ...selected]]);
  });

  it('does nothing without a selection of local files', async () => {
    const xdg = await makeXdg();
    const command: AppLaunchCommand = { executable: await recorder(xdg), args: [] };
    const script = path.join(root, 'Encrypt with Coffer');
    await writeFile(script, nautilusScript(command, 'encrypt'));
    await chmod(script, 0o755);
    for (const value of [undefined, '', '\n']) {
      const env = { ...xdg.env };
      delete env.NAUTILUS_SCRIPT_SELECTED_FILE_PATHS;
      if (value !== undefined) env.NAUTILUS_SCRIPT_SELECTED_FILE_PATHS = value;
      expect((await run(script, [], env)).code).toBe(0);
    }
    expect(await launches(xdg)).toEqual([]);
  });
});

describe('removeCofferDefault (mimeapps.list)', () => {
  const cases: [string, string, string | null][] = [
    ['created by xdg-mime from nothing', '\n[Default Applications]\napplication/x-coffer=coffer.desktop\n', null],
    [
      'a section xdg-mime appended',
      '[Added Associations]\ntext/x-a=a.desktop;\n\n[Default Applications]\napplication/x-coffer=coffer.desktop\n',
      '[Added Associations]\ntext/x-a=a.desktop;\n',
    ],
    [
      'a line xdg-mime added to an existing section',
      '[Default Applications]\ntext/x-a=a.desktop\napplication/x-coffer=coffer.desktop\n\n[Added Associations]\nx/y=z.desktop;\n',
      '[Default Applications]\ntext/x-a=a.desktop\n\n[Added Associations]\nx/y=z.desktop;\n',
    ],
    [
      'Coffer first in a list of defaults',
      '[Default Applications]\napplication/x-coffer=coffer.desktop;other.desktop;\n',
      '[Default Applications]\napplication/x-coffer=other.desktop;\n',
    ],
    [
      'an association outside [Default Applications] is not Coffer’s to remove',
      '[Added Associations]\napplication/x-coffer=coffer.desktop;\n',
      '[Added Associations]\napplication/x-coffer=coffer.desktop;\n',
    ],
    [
      'another app as the default is left alone',
      '[Default Applications]\napplication/x-coffer=other.desktop\n',
      '[Default Applications]\napplication/x-coffer=other.desktop\n',
    ],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    const result = removeCofferDefault(input);
    expect(result.text).toBe(expected);
    expect(result.changed).toBe(expected !== input);
  });
});
