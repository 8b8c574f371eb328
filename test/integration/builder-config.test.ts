import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import { load as loadYaml } from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseLaunchArgs } from '../../electron/core/shell/launch-args.js';
import {
  COFFER_MIME_TYPE,
  COFFER_UTI,
  MAC_QUICK_ACTIONS,
  type PlistValue,
  macDocumentTypes,
  quickActionDocumentValue,
  quickActionFiles,
  quickActionInfoPlistValue,
  quickActionScript,
  toPlistXml,
} from '../../electron/core/shell/macos-generators.js';
import { installMacos, statusMacos, uninstallMacos } from '../../electron/core/shell/shell-installer.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const projectDir = fileURLToPath(new URL('../..', import.meta.url));
const configPath = path.join(projectDir, 'electron-builder.yml');

// electron-builder's own code, straight from app-builder-lib (CommonJS, untyped deep imports).
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
const { LinuxTargetHelper } = require('app-builder-lib/out/targets/LinuxTargetHelper.js');
const AppImageTarget = require('app-builder-lib/out/targets/appimage/AppImageTarget.js').default;
const { DebugLogger } = require('builder-util');
const { deepAssign } = require('builder-util-runtime');
const schema = require('app-builder-lib/scheme.json');

/** electron-builder.yml exactly as written (js-yaml), untouched by electron-builder's defaults. */
async function rawConfig(): Promise<any> {
  return loadYaml(await readFile(configPath, 'utf8'));
}

/** A draft-07 validator for the schema, with exact types (electron-builder itself coerces them). */
function strictValidator() {
  // strict: false only lets unknown keywords through: the schema uses a custom `typeof` keyword.
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'coffer-builder-config-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('electron-builder.yml', () => {
  it("validates against app-builder-lib's scheme.json with ajv", async () => {
    const validate = strictValidator();
    const valid = validate(await rawConfig());
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects a misspelled key at every level we use, so the check above has teeth', async () => {
    const validate = strictValidator();
    const mutations: ((config: any) => void)[] = [
      (config) => (config.fileAssociation = config.fileAssociations),
      (config) => (config.fileAssociations[0].mime = COFFER_MIME_TYPE),
      (config) => (config.linux.desktop.desktopAction = {}),
      (config) => (config.linux.desktop.actions = {}),
      (config) => (config.nsis.permachine = true),
      (config) => (config.nsis.perMachine = 'yes'),
      (config) => (config.mac.extendinfo = {}),
    ];
    for (const mutate of mutations) {
      const config = await rawConfig();
      mutate(config);
      expect(validate(config), mutate.toString()).toBe(false);
    }
  });

  it("passes electron-builder's own loading and validation (getConfig + validateConfiguration)", async () => {
    const config = await getConfig(projectDir, null, null);
    expect(config.appId).toBe('app.coffer.desktop');
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('carries the settings the installers depend on', async () => {
    const config = await rawConfig();
    expect(config).toMatchObject({
      appId: 'app.coffer.desktop',
      productName: 'Coffer',
      directories: { output: 'out', buildResources: 'build' },
      asarUnpack: ['**/*.node'],
      npmRebuild: true,
      linux: { target: ['AppImage', 'deb'], category: 'Utility' },
      win: { target: ['nsis'] },
      nsis: {
        include: 'build/installer.nsh',
        perMachine: true,
        oneClick: false,
        allowToChangeInstallationDirectory: true,
      },
      mac: { target: ['dmg'] },
    });
    expect(config.files).toEqual(expect.arrayContaining(['dist/**/*', 'bin/**/*', 'package.json', '!**/*.map']));
    expect(config.fileAssociations).toEqual([
      expect.objectContaining({ ext: 'coffer', mimeType: COFFER_MIME_TYPE, role: 'Editor', rank: 'Owner' }),
    ]);
    // package.json's entry points are inside the packaged files.
    const pkg = JSON.parse(await readFile(path.join(projectDir, 'package.json'), 'utf8'));
    expect(pkg.main).toMatch(/^dist\//);
  });

  it('gives Coffer.app the same document types as macDocumentTypes()', async () => {
    const config = await rawConfig();
    expect(config.mac.extendInfo).toEqual(macDocumentTypes());
  });

  /** Renders a target's .desktop file with electron-builder's own LinuxTargetHelper. */
  async function desktopEntry(target: 'deb' | 'appImage'): Promise<string> {
    const config = await getConfig(projectDir, null, null);
    const metadata = JSON.parse(await readFile(path.join(projectDir, 'package.json'), 'utf8'));
    const packager: any = {
      appInfo: {
        productName: config.productName,
        sanitizedProductName: config.productName,
        productFilename: config.productName,
        description: metadata.description,
        buildVersion: metadata.version,
      },
      executableName: config.linux.executableName,
      info: { metadata },
      config,
      platformSpecificBuildOptions: config.linux,
      fileAssociations: [config.fileAssociations].flat(),
    };
    const helper = new LinuxTargetHelper(packager);
    if (target === 'appImage') return new AppImageTarget(null, packager, helper, tmp).desktopEntry.value;
    // FpmTarget (deb) merges its options this way and lets the helper compute Exec.
    return helper.computeDesktopEntry(deepAssign({}, config.linux, config.deb));
  }

  it.each([
    ['deb', '/opt/Coffer/coffer'],
    ['appImage', 'AppRun --no-sandbox'],
  ] as const)('renders a valid %s desktop entry with the two actions', async (target, command) => {
    const entry = await desktopEntry(target);
    expect(entry).toContain('\nActions=encrypt;decrypt;\n');
    expect(entry.match(/^MimeType=.*$/m)?.[0]).toBe(`MimeType=${COFFER_MIME_TYPE};`);
    expect(entry).toContain('\nCategories=Utility;\n');
    expect(entry).toContain(`[Desktop Action encrypt]\nName=Encrypt with Coffer\nExec=${command} --encrypt %F\n`);
    expect(entry).toContain(`[Desktop Action decrypt]\nName=Decrypt with Coffer\nExec=${command} --decrypt %F\n`);
    const file = path.join(tmp, 'coffer.desktop');
    await writeFile(file, entry);
    const { stdout, stderr } = await run('desktop-file-validate', [file]);
    expect(`${stdout}${stderr}`).not.toMatch(/error/i);
  });
});

// ---------------------------------------------------------------------------------------------

/** Python's plistlib: an independent reader, giving the plist's values as JSON. */
async function readPlist(file: string): Promise<unknown> {
  const script = 'import json, plistlib, sys\nprint(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))';
  const { stdout } = await run('python3', ['-c', script, file]);
  return JSON.parse(stdout);
}

/**
 * Writes the value with our serializer, converts it with plistutil to binary and back to XML, and
 * checks that every form holds exactly the value (and that plistutil's output is stable).
 */
async function roundTrip(name: string, value: PlistValue): Promise<string> {
  const xml = path.join(tmp, `${name}.xml`);
  const bin = path.join(tmp, `${name}.bin`);
  const xmlAgain = path.join(tmp, `${name}.again.xml`);
  const binAgain = path.join(tmp, `${name}.again.bin`);
  await writeFile(xml, toPlistXml(value));
  await run('plistutil', ['-i', xml, '-o', bin, '-f', 'bin']);
  await run('plistutil', ['-i', bin, '-o', xmlAgain, '-f', 'xml']);
  await run('plistutil', ['-i', xmlAgain, '-o', binAgain, '-f', 'bin']);
  const expected = JSON.parse(JSON.stringify(value));
  for (const file of [xml, bin, xmlAgain]) expect(await readPlist(file), file).toEqual(expected);
  expect(await readFile(binAgain)).toEqual(await readFile(bin));
  expect((await readFile(bin)).subarray(0, 8).toString('latin1')).toBe('bplist00');
  return xml;
}

const AWKWARD_APP_PATH = `/Applications/Tom's "Secure" Ünïcødé 🗝 $HOME \`id\` & <apps>\\/Coffer.app`;

describe('the plist serializer', () => {
  it('writes every kind of value plistutil and plistlib read back unchanged', async () => {
    await roundTrip('kinds', {
      'key with & < > " \' and ü': 'text & < > " \' ]]> \t tab\nnewline ü 🗝',
      empty: '',
      integers: [0, 1, -1, 2 ** 40, Number.MAX_SAFE_INTEGER],
      flags: [true, false],
      nested: { array: [[], {}, [{ deep: ['x'] }]], emptyDict: {}, emptyArray: [] },
    });
  });

  it('keeps a carriage return, which a literal CR in XML would lose', async () => {
    const value = { text: 'CRLF\r\nCR\rLF\n' };
    const xml = path.join(tmp, 'cr.xml');
    const bin = path.join(tmp, 'cr.bin');
    await writeFile(xml, toPlistXml(value));
    expect(await readFile(xml, 'utf8')).toContain('CRLF&#13;\nCR&#13;LF\n');
    await run('plistutil', ['-i', xml, '-o', bin, '-f', 'bin']);
    expect(await readPlist(xml)).toEqual(value);
    expect(await readPlist(bin)).toEqual(value);
    // (plistutil 2.2's own XML output writes CR raw, so it is not round-tripped through that.)
  });

  it('refuses what an XML plist cannot hold, instead of writing a broken file', () => {
    expect(() => toPlistXml('bell \u0007')).toThrow(/U\+0007/);
    expect(() => toPlistXml('nul \0')).toThrow(/U\+0000/);
    expect(() => toPlistXml('lone \ud800 surrogate')).toThrow(/U\+D800/);
    expect(() => toPlistXml(1.5)).toThrow(/integer/);
    expect(() => toPlistXml(Number.NaN)).toThrow(/integer/);
  });

  it('renders macDocumentTypes() as an Info.plist fragment plistutil accepts', async () => {
    const xml = await roundTrip('document-types', macDocumentTypes() as unknown as PlistValue);
    const text = await readFile(xml, 'utf8');
    expect(text).toContain(`<string>${COFFER_UTI}</string>`);
    expect(text).toContain('<key>public.filename-extension</key>');
  });
});

describe('the Finder Quick Actions', () => {
  it.each(MAC_QUICK_ACTIONS.map((action) => [action.title, action] as const))(
    '%s: Info.plist and document.wflow parse and round-trip',
    async (_title, action) => {
      await roundTrip(`${action.kind}-info`, quickActionInfoPlistValue(action.kind));
      const document = await roundTrip(`${action.kind}-wflow`, quickActionDocumentValue(AWKWARD_APP_PATH, action.kind));

      const info: any = await readPlist(path.join(tmp, `${action.kind}-info.bin`));
      expect(info.NSServices).toEqual([
        expect.objectContaining({
          NSMenuItem: { default: action.title },
          NSMessage: 'runWorkflowAsService',
          NSSendFileTypes: action.kind === 'encrypt' ? ['public.item', 'public.folder'] : [COFFER_UTI],
        }),
      ]);
      const wflow: any = await readPlist(document);
      expect(wflow.actions).toHaveLength(1);
      const step = wflow.actions[0].action;
      expect(step.BundleIdentifier).toBe('com.apple.RunShellScript');
      expect(step.ActionParameters).toMatchObject({
        inputMethod: 1,
        shell: '/bin/sh',
        COMMAND_STRING: quickActionScript(AWKWARD_APP_PATH, action.kind),
      });
      expect(wflow.workflowMetaData.workflowTypeIdentifier).toBe('com.apple.Automator.servicesMenu');
    },
  );

  it.each(MAC_QUICK_ACTIONS.map((action) => [action.title, action] as const))(
    '%s: the script, as read back from the plist, opens Coffer once with every file verbatim',
    async (_title, action) => {
      // A fake `open` that records its argv, NUL-separated.
      const bin = path.join(tmp, 'bin');
      const record = path.join(tmp, 'argv');
      await mkdir(bin);
      await writeFile(path.join(bin, 'open'), `#!/bin/sh\nfor arg in "$@"; do printf '%s\\0' "$arg"; done > "$RECORD"\n`);
      await chmod(path.join(bin, 'open'), 0o755);

      // The script as Automator would get it: out of document.wflow, through plistutil's binary form.
      const xml = path.join(tmp, 'document.wflow');
      const binary = path.join(tmp, 'document.bin');
      await writeFile(xml, toPlistXml(quickActionDocumentValue(AWKWARD_APP_PATH, action.kind)));
      await run('plistutil', ['-i', xml, '-o', binary, '-f', 'bin']);
      const script: string = ((await readPlist(binary)) as any).actions[0].action.ActionParameters.COMMAND_STRING;

      const files = [
        '/Users/me/plain.txt',
        '/Users/me/with space/and  two.pdf',
        `/Users/me/quotes "double" and 'single'.txt`,
        '/Users/me/$HOME $(id) `id` ${PATH}.txt',
        '/Users/me/new\nline.txt',
        '/Users/me/ünïcødé 日本語 🗝.coffer',
        '/Users/me/back\\slash; & | * ? [a] ~.txt',
        '/Users/me/-dash.txt',
      ];
      await run('/bin/sh', ['-c', script, 'sh', ...files], {
        env: { PATH: `${bin}:/usr/bin:/bin`, RECORD: record, HOME: '/nonexistent' },
      });
      const argv = (await readFile(record, 'utf8')).split('\0').slice(0, -1);
      expect(argv).toEqual(['-n', '-a', AWKWARD_APP_PATH, '--args', action.launchFlag, ...files]);

      // And Coffer reads that as one request for exactly those files.
      const request = parseLaunchArgs(['Coffer', ...argv.slice(argv.indexOf('--args') + 1)], {
        cwd: '/',
        platform: 'darwin',
        isPackaged: true,
      });
      expect(request).toEqual(action.kind === 'encrypt' ? { encrypt: files, decrypt: [] } : { encrypt: [], decrypt: files });
    },
  );

  it('refuses a relative app path', () => {
    expect(() => quickActionScript('Coffer.app', 'encrypt')).toThrow(/absolute/);
  });
});

describe('installMacos / uninstallMacos / statusMacos', () => {
  async function listTree(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
      .sort();
  }

  const bundleFiles = [
    'Decrypt with Coffer.workflow/Contents/Info.plist',
    'Decrypt with Coffer.workflow/Contents/document.wflow',
    'Encrypt with Coffer.workflow/Contents/Info.plist',
    'Encrypt with Coffer.workflow/Contents/document.wflow',
  ];

  it('writes exactly the two bundles, idempotently, and removes exactly them', async () => {
    const servicesDir = path.join(tmp, 'Library', 'Services');
    await mkdir(path.join(servicesDir, 'Mine.workflow', 'Contents'), { recursive: true });
    await writeFile(path.join(servicesDir, 'Mine.workflow', 'Contents', 'document.wflow'), 'the user’s own');
    const appPath = '/Applications/Coffer.app';
    const options = { appPath, servicesDir, platform: 'darwin' as const };

    const first = await installMacos(options);
    expect(first).toMatchObject({ platform: 'darwin', installed: true, removed: [] });
    expect(first.written.map((file) => path.relative(servicesDir, file)).sort()).toEqual(bundleFiles);
    expect(await listTree(servicesDir)).toEqual([...bundleFiles, 'Mine.workflow/Contents/document.wflow'].sort());
    for (const file of quickActionFiles(appPath)) {
      expect(await readFile(path.join(servicesDir, file.relativePath), 'utf8')).toBe(file.contents);
    }

    const again = await installMacos(options);
    expect(again).toMatchObject({ installed: true, written: [], removed: [] });
    expect(await statusMacos(options)).toMatchObject({ installed: true, notes: [] });

    // A moved app: status says so, and reinstalling rewrites only the scripts.
    const moved = await statusMacos({ ...options, appPath: '/Users/me/Applications/Coffer.app' });
    expect(moved.installed).toBe(true);
    expect(moved.notes).toHaveLength(2);
    const reinstall = await installMacos({ ...options, appPath: '/Users/me/Applications/Coffer.app' });
    expect(reinstall.written.map((file) => path.basename(file))).toEqual(['document.wflow', 'document.wflow']);

    const removed = await uninstallMacos(options);
    expect(removed).toMatchObject({ installed: false, written: [] });
    expect(removed.removed.map((dir) => path.relative(servicesDir, dir)).sort()).toEqual([
      'Decrypt with Coffer.workflow',
      'Encrypt with Coffer.workflow',
    ]);
    expect(await listTree(servicesDir)).toEqual(['Mine.workflow/Contents/document.wflow']);
    expect(await statusMacos(options)).toMatchObject({ installed: false });
    expect(await uninstallMacos(options)).toMatchObject({ removed: [] });
  });

  it("leaves a same-named workflow that is not Coffer's", async () => {
    const servicesDir = path.join(tmp, 'Services');
    const foreign = path.join(servicesDir, 'Encrypt with Coffer.workflow', 'Contents');
    await mkdir(foreign, { recursive: true });
    await writeFile(path.join(foreign, 'Info.plist'), toPlistXml({ CFBundleName: 'something else' }));
    await writeFile(path.join(foreign, 'document.wflow'), toPlistXml({}));
    const result = await uninstallMacos({ servicesDir, platform: 'darwin' });
    expect(result.removed).toEqual([]);
    expect(result.notes).toEqual([expect.stringContaining('not a Coffer Quick Action')]);
    expect(await listTree(servicesDir)).toHaveLength(2);
  });

  it('changes nothing off macOS unless a folder is given', async () => {
    const result = await installMacos({ appPath: '/Applications/Coffer.app', platform: 'linux' });
    expect(result).toMatchObject({ installed: false, written: [], removed: [] });
    expect(result.notes).toEqual([expect.stringContaining('only on macOS')]);
  });
});
