import { homedir } from 'node:os';
import { join } from 'node:path';

export const VAULT_FILE = 'vault.json';
export const PREVIOUS_VAULT_FILE = 'vault.previous.json';
export const AUDIT_FILE = 'audit.log';
export const LOCK_FILE = 'vault.lock';

export interface VaultPaths {
  readonly dir: string;
  readonly vault: string;
  readonly previous: string;
  readonly audit: string;
  readonly lock: string;
}

export function vaultPaths(dir: string): VaultPaths {
  return {
    dir,
    vault: join(dir, VAULT_FILE),
    previous: join(dir, PREVIOUS_VAULT_FILE),
    audit: join(dir, AUDIT_FILE),
    lock: join(dir, LOCK_FILE),
  };
}

/**
 * The folder Electron's app.getPath('userData') gives an app named Coffer, so the CLI
 * and the desktop app find the same vault without being told.
 */
export function defaultVaultDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.COFFER_HOME) return env.COFFER_HOME;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Coffer');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Coffer');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'Coffer');
}
