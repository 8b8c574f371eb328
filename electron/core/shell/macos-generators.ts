import { createHash } from 'node:crypto';
import path from 'node:path';
import { COFFER_EXTENSION_NAME } from '../../../shared/file-format.js';

/**
 * macOS Finder integration: two Quick Actions ("Encrypt with Coffer", "Decrypt with Coffer") as
 * Automator `.workflow` bundles in `~/Library/Services`, and the Info.plist fragment that makes
 * Coffer.app own the `.coffer` type (fed to electron-builder's `mac.extendInfo`).
 *
 * Pure generators (no I/O, no 'electron'), so they are generated and tested on any OS;
 * shell-installer.ts writes and removes the bundles. Bundle names do not depend on the app path.
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

/** Whether an Info.plist found in a bundle at `action`'s path is Coffer's (it names Coffer's identifier). */
export function isCofferQuickActionInfo(info: string, action: QuickAction): boolean {
  return info.includes(`<string>${action.bundleIdentifier}</string>`);
}
