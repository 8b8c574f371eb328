import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ShellIntegrationReport } from './integration-types.js';
import { COFFER_EXTENSION_NAME } from '../../../shared/file-format.js';

/**
 * macOS Finder integration: two Quick Actions ("Encrypt with Coffer", "Decrypt with Coffer") as
 * Automator `.workflow` bundles in `~/Library/Services`, and the Info.plist fragment that makes
 * Coffer.app own the `.coffer` type (fed to electron-builder's `mac.extendInfo`).
 *
 * Everything here is plain Node (no 'electron'), so it is generated and tested on any OS.
 */

/** The Uniform Type Identifier Coffer exports for `.coffer` files. */
export const COFFER_UTI = 'app.coffer.file';
export const COFFER_MIME_TYPE = 'application/x-coffer';
export const COFFER_EXTENSION = COFFER_EXTENSION_NAME;
export const COFFER_DOCUMENT_TYPE_NAME = 'Coffer encrypted file';

// ---------------------------------------------------------------------------------------------
// A small XML property-list serializer.

/** What an XML plist can hold here: no <real>, <date> or <data>, which Coffer never needs. */
export type PlistValue = string | number | boolean | readonly PlistValue[] | { readonly [key: string]: PlistValue };

/**
 * Escapes text for an XML element. XML 1.0 cannot carry most C0 control characters at all (not
 * even as character references) nor unpaired surrogates, so those are refused rather than written
 * into a file that no plist parser would read. `\r` is written as a character reference, because
 * a parser turns a literal CR (or CRLF) into LF.
 */
export function escapePlistText(text: string): string {
  let out = '';
  for (const char of text) {
    switch (char) {
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      case '"':
        out += '&quot;';
        break;
      case "'":
        out += '&apos;';
        break;
      case '\r':
        out += '&#13;';
        break;
      default: {
        const code = char.codePointAt(0) ?? 0;
        // `for…of` yields a lone surrogate as one unit: it has no UTF-8 form.
        const surrogate = code >= 0xd800 && code <= 0xdfff;
        const allowed = code === 0x09 || code === 0x0a || (code >= 0x20 && !surrogate && code !== 0xfffe && code !== 0xffff);
        if (!allowed) throw new Error(`plist text contains U+${code.toString(16).toUpperCase().padStart(4, '0')}`);
        out += char;
      }
    }
  }
  return out;
}

function serializeValue(value: PlistValue, depth: number): string {
  const pad = '\t'.repeat(depth);
  if (typeof value === 'string') return `${pad}<string>${escapePlistText(value)}</string>\n`;
  if (typeof value === 'boolean') return `${pad}<${value ? 'true' : 'false'}/>\n`;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`plist integer expected, got ${value}`);
    return `${pad}<integer>${value}</integer>\n`;
  }
  if (Array.isArray(value)) {
    const items = value as readonly PlistValue[];
    if (items.length === 0) return `${pad}<array/>\n`;
    return `${pad}<array>\n${items.map((item) => serializeValue(item, depth + 1)).join('')}${pad}</array>\n`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as { readonly [key: string]: PlistValue });
    if (entries.length === 0) return `${pad}<dict/>\n`;
    const body = entries
      .map(([key, item]) => `${pad}\t<key>${escapePlistText(key)}</key>\n${serializeValue(item, depth + 1)}`)
      .join('');
    return `${pad}<dict>\n${body}${pad}</dict>\n`;
  }
  throw new Error(`not a plist value: ${String(value)}`);
}

/** A complete XML property list document, in the layout Apple's own tools write. */
export function toPlistXml(value: PlistValue): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
    '<plist version="1.0">\n' +
    serializeValue(value, 0) +
    '</plist>\n'
  );
}

// ---------------------------------------------------------------------------------------------
// The .coffer document type, for Coffer.app's own Info.plist.

export interface MacDocumentTypes {
  CFBundleDocumentTypes: {
    CFBundleTypeName: string;
    CFBundleTypeRole: 'Editor';
    LSHandlerRank: 'Owner';
    LSItemContentTypes: string[];
  }[];
  UTExportedTypeDeclarations: {
    UTTypeIdentifier: string;
    UTTypeDescription: string;
    UTTypeConformsTo: string[];
    UTTypeTagSpecification: { 'public.filename-extension': string[]; 'public.mime-type': string[] };
  }[];
}

/**
 * The Info.plist keys that make Coffer.app the owner of `.coffer` files: it declares (exports) the
 * `app.coffer.file` type and handles it. electron-builder.yml carries the same object as
 * `mac.extendInfo`; a test keeps the two equal.
 */
export function macDocumentTypes(): MacDocumentTypes {
  return {
    CFBundleDocumentTypes: [
      {
        CFBundleTypeName: COFFER_DOCUMENT_TYPE_NAME,
        CFBundleTypeRole: 'Editor',
        LSHandlerRank: 'Owner',
        LSItemContentTypes: [COFFER_UTI],
      },
    ],
    UTExportedTypeDeclarations: [
      {
        UTTypeIdentifier: COFFER_UTI,
        UTTypeDescription: COFFER_DOCUMENT_TYPE_NAME,
        UTTypeConformsTo: ['public.data'],
        UTTypeTagSpecification: {
          'public.filename-extension': [COFFER_EXTENSION],
          'public.mime-type': [COFFER_MIME_TYPE],
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// The Finder Quick Actions.

export type QuickActionKind = 'encrypt' | 'decrypt';

export interface QuickAction {
  kind: QuickActionKind;
  /** The menu title, and the bundle's name without `.workflow`. */
  title: string;
  /** `~/Library/Services/<bundleName>`. */
  bundleName: string;
  /** Marks the bundle as Coffer's, so uninstall never removes a same-named workflow of the user's. */
  bundleIdentifier: string;
  /** The option that tells Coffer what to do with every path after it (see launch-args.ts). */
  launchFlag: '--encrypt' | '--decrypt';
  /** Which Finder selections show the action. */
  sendFileTypes: string[];
}

export const MAC_QUICK_ACTIONS: readonly QuickAction[] = [
  {
    kind: 'encrypt',
    title: 'Encrypt with Coffer',
    bundleName: 'Encrypt with Coffer.workflow',
    bundleIdentifier: 'app.coffer.desktop.quick-action.encrypt',
    launchFlag: '--encrypt',
    sendFileTypes: ['public.item', 'public.folder'],
  },
  {
    kind: 'decrypt',
    title: 'Decrypt with Coffer',
    bundleName: 'Decrypt with Coffer.workflow',
    bundleIdentifier: 'app.coffer.desktop.quick-action.decrypt',
    launchFlag: '--decrypt',
    sendFileTypes: [COFFER_UTI],
  },
];

function quickAction(kind: QuickActionKind): QuickAction {
  const action = MAC_QUICK_ACTIONS.find((candidate) => candidate.kind === kind);
  if (!action) throw new Error(`unknown Quick Action: ${kind}`);
  return action;
}

/** One POSIX shell word: single quotes keep everything literal, and `'` is written as `'\''`. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function checkAppPath(appPath: string): void {
  if (!path.posix.isAbsolute(appPath)) throw new Error(`the Coffer.app path must be absolute: ${appPath}`);
  if (appPath.includes('\0')) throw new Error('the Coffer.app path contains NUL');
}

/**
 * The Run Shell Script body. Automator passes the Finder selection as arguments ("$@"), and all of
 * them go to one launch. `open -n` starts a new instance even when Coffer is already running
 * (without it, macOS only activates the running app and drops `--args`); that instance hands the
 * request to the running one through the single-instance lock and quits.
 */
export function quickActionScript(appPath: string, kind: QuickActionKind): string {
  checkAppPath(appPath);
  return `open -n -a ${shellQuote(appPath)} --args ${quickAction(kind).launchFlag} "$@"\n`;
}

/** `Contents/Info.plist`: registers the workflow as a Finder service for the right file types. */
export function quickActionInfoPlistValue(kind: QuickActionKind): PlistValue {
  const action = quickAction(kind);
  return {
    CFBundleIdentifier: action.bundleIdentifier,
    CFBundleName: action.title,
    NSServices: [
      {
        NSBackgroundColorName: 'background',
        NSIconName: 'NSActionTemplate',
        NSMenuItem: { default: action.title },
        NSMessage: 'runWorkflowAsService',
        NSRequiredContext: { NSApplicationIdentifier: 'com.apple.finder' },
        NSSendFileTypes: action.sendFileTypes,
      },
    ],
  };
}

/** A stable UUID per action and role, so reinstalling writes byte-identical files. */
function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(`coffer-quick-action:${seed}`).digest('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** `Contents/document.wflow`: one "Run Shell Script" action, input as arguments, run by /bin/sh. */
export function quickActionDocumentValue(appPath: string, kind: QuickActionKind): PlistValue {
  const script = quickActionScript(appPath, kind);
  const runShellScript = '/System/Library/Automator/Run Shell Script.action';
  const stringList = { Container: 'List', Types: ['com.apple.cocoa.string'] };
  return {
    AMApplicationBuild: '523',
    AMApplicationVersion: '2.10',
    AMDocumentVersion: '2',
    actions: [
      {
        action: {
          AMAccepts: { Container: 'List', Optional: true, Types: ['com.apple.cocoa.string'] },
          AMActionVersion: '2.0.3',
          AMApplication: ['Automator'],
          AMParameterProperties: {
            COMMAND_STRING: {},
            CheckedForUserDefaultShell: {},
            inputMethod: {},
            shell: {},
            source: {},
          },
          AMProvides: stringList,
          ActionBundlePath: runShellScript,
          ActionName: 'Run Shell Script',
          ActionParameters: {
            COMMAND_STRING: script,
            CheckedForUserDefaultShell: true,
            // 0 = to stdin, 1 = as arguments.
            inputMethod: 1,
            shell: '/bin/sh',
            source: '',
          },
          BundleIdentifier: 'com.apple.RunShellScript',
          CFBundleVersion: '2.0.3',
          CanShowSelectedItemsWhenRun: false,
          CanShowWhenRun: true,
          Category: ['AMCategoryUtilities'],
          'Class Name': 'RunShellScriptAction',
          InputUUID: stableUuid(`${kind}:input`),
          Keywords: ['Shell', 'Script', 'Command', 'Run', 'Unix'],
          OutputUUID: stableUuid(`${kind}:output`),
          UUID: stableUuid(`${kind}:action`),
          UnlocalizedApplications: ['Automator'],
          isViewVisible: 1,
          location: '309.000000:253.000000',
          nibPath: `${runShellScript}/Contents/Resources/Base.lproj/main.nib`,
        },
        isViewVisible: 1,
      },
    ],
    connectors: {},
    workflowMetaData: {
      applicationBundleIDsByPath: {},
      applicationPaths: [],
      inputTypeIdentifier: 'com.apple.Automator.fileSystemObject',
      outputTypeIdentifier: 'com.apple.Automator.nothing',
      presentationMode: 15,
      processesInput: 0,
      serviceApplicationBundleID: 'com.apple.finder',
      serviceApplicationPath: '/System/Library/CoreServices/Finder.app',
      serviceInputTypeIdentifier: 'com.apple.Automator.fileSystemObject',
      serviceOutputTypeIdentifier: 'com.apple.Automator.nothing',
      serviceProcessesInput: 0,
      systemImageName: 'NSActionTemplate',
      useAutomaticInputType: 0,
      workflowTypeIdentifier: 'com.apple.Automator.servicesMenu',
    },
  };
}

export interface QuickActionFile {
  /** Relative to the Services folder, e.g. `Encrypt with Coffer.workflow/Contents/Info.plist`. */
  relativePath: string;
  contents: string;
}

/** Every file of both bundles, for a given Coffer.app. */
export function quickActionFiles(appPath: string): QuickActionFile[] {
  return MAC_QUICK_ACTIONS.flatMap((action) => [
    {
      relativePath: path.posix.join(action.bundleName, 'Contents', 'Info.plist'),
      contents: toPlistXml(quickActionInfoPlistValue(action.kind)),
    },
    {
      relativePath: path.posix.join(action.bundleName, 'Contents', 'document.wflow'),
      contents: toPlistXml(quickActionDocumentValue(appPath, action.kind)),
    },
  ]);
}

// ---------------------------------------------------------------------------------------------
// Install, uninstall, status.

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

function report(installed: boolean): ShellIntegrationReport {
  return { platform: 'darwin', installed, written: [], removed: [], notes: [] };
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
      return null;
    }
    throw error;
  }
}

/** Whether the bundle at this path is one Coffer wrote (its Info.plist names Coffer's identifier). */
async function isCofferBundle(bundlePath: string, action: QuickAction): Promise<boolean> {
  const info = await readIfExists(path.join(bundlePath, 'Contents', 'Info.plist'));
  return info !== null && info.includes(`<string>${action.bundleIdentifier}</string>`);
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

/**
 * Writes both Quick Action bundles. Idempotent: a file that already holds the right bytes is left
 * alone, and `written` lists only the files that changed. Each file is replaced atomically.
 */
export async function installMacos(options: MacosInstallOptions): Promise<ShellIntegrationReport> {
  const result = report(false);
  const servicesDir = servicesDirFor(options, result);
  if (servicesDir === null) return result;
  const files = quickActionFiles(options.appPath);
  for (const file of files) {
    const target = path.join(servicesDir, file.relativePath);
    if ((await readIfExists(target)) === file.contents) continue;
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.coffer-${process.pid}-${Date.now()}.tmp`;
    try {
      await writeFile(temporary, file.contents, { encoding: 'utf8', mode: 0o644 });
      await rename(temporary, target);
    } finally {
      await rm(temporary, { force: true });
    }
    result.written.push(target);
  }
  if (result.written.length === 0) result.notes.push('The Quick Actions were already installed and up to date.');
  result.installed = true;
  await refreshServices(result, servicesDir);
  return result;
}

/** Removes the two Coffer bundles, and nothing else: a same-named bundle that is not Coffer's stays. */
export async function uninstallMacos(options: MacosIntegrationOptions = {}): Promise<ShellIntegrationReport> {
  const result = report(false);
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
  const result = report(false);
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
