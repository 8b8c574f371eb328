import path from 'node:path';
import * as z from 'zod';
import { hasCofferExtension } from '../../../shared/file-format.js';

/**
 * What the OS asked Coffer to do at launch: files and folders to encrypt or decrypt, as absolute
 * paths, each list de-duplicated with its first-seen order kept.
 */
export type LaunchRequest = { encrypt: string[]; decrypt: string[] };

export type LaunchOptions = {
  /** Relative paths resolve against this (the launching shell's directory). */
  cwd: string;
  /** Picks Windows or POSIX path rules, so Windows argv can be checked on any machine. */
  platform: NodeJS.Platform;
  /** `electron .` in development puts the app path among the arguments; a packaged app does not. */
  isPackaged: boolean;
};

type Action = keyof LaunchRequest;

function pathApi(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** A bare path: Coffer's own files are decrypted, anything else is encrypted. */
function actionFor(filePath: string): Action {
  return hasCofferExtension(filePath) ? 'decrypt' : 'encrypt';
}

/**
 * Windows never allows `"` in a file name, so a stray one is always a quoting leftover: a command
 * passed through unparsed (`"C:\My Files\a.jpg"`), or `"%V"` on a drive root, where `C:\"` reads as
 * an escaped quote and arrives as `C:"`. Elsewhere `"` is a legal character and is kept.
 */
function cleanPath(arg: string, platform: NodeJS.Platform): string {
  if (platform !== 'win32') return arg;
  const unquoted = arg.replace(/^"+|"+$/g, '');
  // A bare `C:` means "the current directory on C:", but what was meant here is the drive root.
  return /^[a-z]:$/i.test(unquoted) ? `${unquoted}\\` : unquoted;
}

export function emptyLaunchRequest(): LaunchRequest {
  return { encrypt: [], decrypt: [] };
}

export function isEmptyLaunchRequest(request: LaunchRequest): boolean {
  return request.encrypt.length === 0 && request.decrypt.length === 0;
}

/** Combines requests (several launches, several open-file events), keeping the first of any duplicate. */
export function mergeLaunchRequests(...requests: readonly LaunchRequest[]): LaunchRequest {
  return {
    encrypt: [...new Set(requests.flatMap((request) => request.encrypt))],
    decrypt: [...new Set(requests.flatMap((request) => request.decrypt))],
  };
}

/**
 * Reads Coffer's request out of `process.argv` (or a second instance's argv).
 *
 * `--encrypt` / `--decrypt` apply to every path after them until the other one; `--encrypt=PATH`
 * applies to that one path only; other paths are classified by extension; after `--` every
 * argument is a path. Everything else starting with `-` belongs to Chromium, Electron, Node or
 * macOS (`--no-sandbox`, `--original-process-start-time=…`, `-psn_0_…`) and is skipped alone:
 * only our two options take values, and such switches neither eat a path nor end an `--encrypt`
 * list, because Chromium moves its switches in between when it re-orders a second launch's argv.
 */
export function parseLaunchArgs(argv: readonly string[], options: LaunchOptions): LaunchRequest {
  const api = pathApi(options.platform);
  const request = emptyLaunchRequest();
  let action: Action | undefined;
  let afterSeparator = false;
  // In development the first positional argument is the app path (`.`), not a file to open; it
  // is usually argv[1], but Node/Chromium switches may come first (`electron --inspect=9229 .`).
  let appPathPending = !options.isPackaged;

  const add = (arg: string, as: Action | undefined): void => {
    const cleaned = cleanPath(arg, options.platform);
    if (cleaned === '') return;
    const absolute = api.resolve(options.cwd, cleaned);
    request[as ?? actionFor(absolute)].push(absolute);
  };

  for (const arg of argv.slice(1)) {
    if (arg === '') continue;
    if (!afterSeparator && arg.startsWith('-')) {
      if (arg === '--') afterSeparator = true;
      else if (arg === '--encrypt' || arg === '--decrypt') action = arg === '--encrypt' ? 'encrypt' : 'decrypt';
      else if (arg.startsWith('--encrypt=')) add(arg.slice('--encrypt='.length), 'encrypt');
      else if (arg.startsWith('--decrypt=')) add(arg.slice('--decrypt='.length), 'decrypt');
      // Squirrel's install/update/uninstall hooks run the app with a version number, not a file.
      else if (arg.startsWith('--squirrel-') && arg !== '--squirrel-firstrun') return emptyLaunchRequest();
      continue;
    }
    if (appPathPending) {
      appPathPending = false;
      continue;
    }
    add(arg, action);
  }
  return mergeLaunchRequests(request);
}

/** macOS `open-file` (Finder double-click, drop on the Dock icon): one absolute path per event. */
export function openFileRequest(filePath: string): LaunchRequest {
  const request = emptyLaunchRequest();
  if (filePath !== '') request[actionFor(filePath)].push(filePath);
  return request;
}

// additionalData is handed over from another process, so it is checked, not trusted: bounded
// sizes (Windows caps a whole command line at 32,767 characters) and no NUL, which no OS path has.
const LaunchPathSchema = z
  .string()
  .min(1)
  .max(32_767)
  .refine((value) => !value.includes('\0'));
const LaunchPathListSchema = z.array(LaunchPathSchema).max(10_000);

const LaunchAdditionalDataSchema = z.strictObject({
  format: z.literal('coffer-launch'),
  format_version: z.literal(1),
  encrypt: LaunchPathListSchema,
  decrypt: LaunchPathListSchema,
});
export type LaunchAdditionalData = z.infer<typeof LaunchAdditionalDataSchema>;

/** What a second launch passes to `app.requestSingleInstanceLock(additionalData)`. */
export function launchRequestToAdditionalData(request: LaunchRequest): LaunchAdditionalData {
  return { format: 'coffer-launch', format_version: 1, encrypt: [...request.encrypt], decrypt: [...request.decrypt] };
}

/** The second launch's request from `second-instance`'s additionalData, or null if it is not one. */
export function launchRequestFromAdditionalData(
  data: unknown,
  platform: NodeJS.Platform = process.platform,
): LaunchRequest | null {
  const parsed = LaunchAdditionalDataSchema.safeParse(data);
  if (!parsed.success) return null;
  const { encrypt, decrypt } = parsed.data;
  // The sender resolved every path against its own directory; a relative one means it did not.
  const api = pathApi(platform);
  if (![...encrypt, ...decrypt].every((filePath) => api.isAbsolute(filePath))) return null;
  return mergeLaunchRequests({ encrypt, decrypt });
}

/**
 * Handles `second-instance`: the second launch's own parse (additionalData) is preferred, since
 * Chromium may re-order its argv and add switches; argv is the fallback (a launch that sent none,
 * or sent something unreadable), resolved against the second launch's working directory.
 */
export function routeSecondInstance(
  argv: readonly string[],
  workingDirectory: string,
  additionalData: unknown,
  options: Omit<LaunchOptions, 'cwd'>,
): LaunchRequest {
  return (
    launchRequestFromAdditionalData(additionalData, options.platform) ??
    parseLaunchArgs(argv, { ...options, cwd: workingDirectory })
  );
}
