import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CofferError } from '../../../shared/errors.js';
import type { AppLaunchCommand, ShellIntegrationReport } from './integration-types.js';
import {
  installLinux,
  installMacos,
  installWindows,
  statusLinux,
  statusMacos,
  statusWindows,
  uninstallLinux,
  uninstallMacos,
  uninstallWindows,
} from './shell-installer.js';

/**
 * Right-click "Encrypt / Decrypt with Coffer" for the current user, whatever the OS: one entry
 * point for `coffer shell install | uninstall | status` and for Settings.
 */
export type ShellAction = 'install' | 'uninstall' | 'status';

export interface ShellIntegrationContext {
  platform: NodeJS.Platform;
  /**
   * How the OS starts Coffer for a right-click: needed to install; status compares with it when
   * given; uninstall never needs it (it removes what install wrote, found by its fixed places).
   */
  command?: AppLaunchCommand;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** The .app bundle that holds a macOS executable (…/Coffer.app/Contents/MacOS/Coffer). */
export function macAppBundle(executable: string): string | null {
  const macos = dirname(executable);
  const contents = dirname(macos);
  const bundle = dirname(contents);
  return basename(macos) === 'MacOS' && basename(contents) === 'Contents' && bundle.endsWith('.app') ? bundle : null;
}

export async function runShellIntegration(
  action: ShellAction,
  context: ShellIntegrationContext,
): Promise<ShellIntegrationReport> {
  const env = context.env ?? process.env;
  const home = context.home ?? homedir();
  const { command } = context;
  const needCommand = (): AppLaunchCommand => {
    if (command) return command;
    throw new CofferError(
      'COFFER.5002',
      'Installing the right-click menus needs to know where the desktop app is: pass --app-executable PATH, or set $COFFER_APP.',
    );
  };
  switch (context.platform) {
    case 'linux': {
      const options = {
        dataHome: env.XDG_DATA_HOME || join(home, '.local', 'share'),
        configHome: env.XDG_CONFIG_HOME || join(home, '.config'),
      };
      if (action === 'install') return installLinux({ ...options, command: needCommand() });
      return action === 'uninstall' ? uninstallLinux(options) : statusLinux(options);
    }
    case 'win32': {
      const options = { platform: context.platform };
      if (action === 'install') return installWindows({ ...options, command: needCommand() });
      return action === 'uninstall' ? uninstallWindows(options) : statusWindows({ ...options, ...(command ? { command } : {}) });
    }
    case 'darwin': {
      const servicesDir = join(home, 'Library', 'Services');
      if (action === 'uninstall') return uninstallMacos({ servicesDir, platform: context.platform });
      const appPath = command ? macAppBundle(command.executable) : null;
      if (action === 'status') return statusMacos({ servicesDir, platform: context.platform, ...(appPath ? { appPath } : {}) });
      if (!appPath) {
        throw new CofferError(
          'COFFER.5002',
          `Finder Quick Actions need the installed Coffer.app; ${needCommand().executable} is not inside one.`,
        );
      }
      return installMacos({ appPath, servicesDir, platform: context.platform });
    }
    default:
      throw new CofferError(
        'COFFER.5001',
        `Right-click integration is available on Linux, Windows and macOS, not on ${context.platform}.`,
      );
  }
}

/** How the running desktop app is started again by the OS: packaged, or `electron <app folder>`. */
export function desktopAppCommand(execPath: string, isPackaged: boolean, appFolder: string): AppLaunchCommand {
  return isPackaged ? { executable: execPath, args: [] } : { executable: execPath, args: [appFolder] };
}

/**
 * For the CLI, which does not run inside the app: an explicit executable, else $COFFER_APP, else
 * this checkout's Electron (the development setup `npm start` uses).
 */
export function cliAppCommand(explicit: string | undefined, env: NodeJS.ProcessEnv, repoRoot: string): AppLaunchCommand {
  const executable = explicit ?? env.COFFER_APP;
  if (executable) return { executable, args: [] };
  const electronPackage = join(repoRoot, 'node_modules', 'electron');
  const pathFile = join(electronPackage, 'path.txt');
  if (existsSync(pathFile)) {
    const binary = join(electronPackage, 'dist', readFileSync(pathFile, 'utf8').trim());
    if (existsSync(binary)) return { executable: binary, args: [repoRoot] };
  }
  throw new CofferError(
    'COFFER.5002',
    'Coffer does not know where the desktop app is: pass --app-executable PATH (the installed Coffer, or Coffer.exe / Coffer.app/Contents/MacOS/Coffer), or set $COFFER_APP.',
  );
}
