import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { CofferError, type ErrorCode } from '../../shared/errors.js';
import { agentKeyCache } from '../agent/agent-client.js';
import { cleanUpAfterOpen } from '../core/kms/token-key-cleanup.js';
import type { MasterKeyCache } from '../core/vault/master-key-cache.js';
import { defaultVaultDir } from '../core/vault/vault-paths.js';
import { Vault, type TokenPinPrompt, type VaultEnvironment } from '../core/vault/vault.js';
import { cliHost } from './cli-host.js';
import { printResult } from './cli-output.js';
import { readSecret } from './passphrase-input.js';

/** The global options every command sees. */
export interface GlobalOptions {
  vault?: string;
  passphraseFile?: string;
  pinFile?: string;
}

/** A key store token's PIN, when the store keeps none: --pin-file, else $COFFER_TOKEN_PIN, else a prompt. */
export function tokenPinReader(options: GlobalOptions): TokenPinPrompt {
  return async (store) => {
    try {
      return await readSecret({
        file: options.pinFile,
        envName: 'COFFER_TOKEN_PIN',
        promptLabel: `PIN of token "${store.tokenLabel}" (key store ${store.alias})`,
      });
    } catch (error) {
      if (error instanceof CofferError && error.code === 'COFFER.1012') {
        throw new CofferError(
          'COFFER.9011',
          `Key store ${store.alias} needs the PIN of token "${store.tokenLabel}": pass --pin-file FILE, set COFFER_TOKEN_PIN, or run in a terminal to be asked.`,
        );
      }
      throw error;
    }
  };
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/**
 * Where a passphrase vault's unlocked key may be held between commands: the agent's cache, in the
 * agent itself or over its socket (only when an agent runs with --cache-passphrase does it hold
 * anything); none when the agent is switched off.
 */
export function masterKeyCache(): MasterKeyCache | undefined {
  const host = cliHost();
  if (host.masterKeyCache) return host.masterKeyCache;
  if (host.inAgent || host.env.COFFER_AGENT === 'off') return undefined;
  return agentKeyCache();
}

export function vaultEnvironment(options: GlobalOptions): VaultEnvironment {
  const cache = masterKeyCache();
  return {
    dir: resolve(cliHost().cwd, options.vault ?? defaultVaultDir(cliHost().env)),
    passphrase: () => readSecret({ file: options.passphraseFile, envName: 'COFFER_PASSPHRASE', promptLabel: 'vault passphrase' }),
    tokenPin: tokenPinReader(options),
    ...(cache ? { masterKeyCache: cache } : {}),
  };
}

/** Opens the vault; deletions that fell due are carried into the tokens the vault keeps PINs for. */
export async function openVault(options: GlobalOptions): Promise<Vault> {
  const vault = await Vault.open(vaultEnvironment(options));
  await cleanUpAfterOpen(vault);
  return vault;
}

/** Runs a command's work and prints its one JSON result; errors go to the top-level handler. */
export function action<A extends unknown[]>(work: (...args: A) => Promise<unknown>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    printResult(await work(...args));
  };
}

/** A whole number from the command line, or the KMS code that option's range error carries. */
export function wholeNumber(code: ErrorCode, name: string): (text: string) => number {
  return (text) => {
    if (!/^-?\d+$/.test(text.trim())) {
      throw new CofferError(code, `${name} must be a whole number; "${text}" is not.`);
    }
    return Number(text);
  };
}

/** `--workers N`: the crypto worker threads of a file job, or of the agent. */
export function workersOption(): Option {
  return new Option('--workers <n>', 'crypto worker threads (default: one per core)').argParser(
    wholeNumber('KMS.0308', '--workers'),
  );
}
