import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { AppLaunchCommand } from '../core/shell/integration-types.js';
import { cliAppCommand, runShellIntegration, type ShellAction } from '../core/shell/shell-integration.js';
import { action } from './cli-context.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Install must know the app; status compares with it when it can be found; uninstall never asks
 * for it, since it removes what install wrote wherever the app is now.
 */
function appCommandFor(action: ShellAction, explicit: string | undefined): { command?: AppLaunchCommand } {
  if (action === 'install') return { command: cliAppCommand(explicit, process.env, repoRoot) };
  if (action === 'uninstall') return {};
  try {
    return { command: cliAppCommand(explicit, process.env, repoRoot) };
  } catch {
    return {};
  }
}

/** `coffer shell install | uninstall | status`: the right-click menus, for this user, without admin rights. */
export function registerShellCommands(program: Command): void {
  const shell = program
    .command('shell')
    .description('right-click "Encrypt / Decrypt with Coffer" in the file manager, for this user');
  for (const [name, description] of [
    ['install', 'add the menus and the .coffer file type (idempotent); prints what it wrote'],
    ['uninstall', 'remove exactly what install added, wherever the app is now; prints what it removed'],
    ['status', 'say whether the menus are installed'],
  ] as const) {
    shell
      .command(name)
      .description(description)
      .option('--app-executable <path>', "the installed Coffer executable (default: $COFFER_APP, else this checkout's Electron)")
      .action(
        action(async (options: { appExecutable?: string }) =>
          runShellIntegration(name as ShellAction, {
            platform: process.platform,
            ...appCommandFor(name, options.appExecutable),
          }),
        ),
      );
  }
}
