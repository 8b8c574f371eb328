import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { read } from 'read';
import { CofferError } from '../../shared/errors.js';
import { cliHost } from './cli-host.js';

/**
 * Where a secret comes from, in the contract's order: a file named on the command line, an
 * environment variable, or a prompt when there is a terminal. Never an argument's value.
 */
export interface SecretSourceOptions {
  file?: string;
  envName: string;
  promptLabel: string;
  /** Ask twice on a terminal, for a new secret. */
  confirm?: boolean;
}

async function readSecretFile(path: string): Promise<string> {
  try {
    // One trailing newline is what editors and `echo` add; it is not part of the secret.
    return (await readFile(resolve(cliHost().cwd, path), 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new CofferError('COFFER.1018', `The passphrase file ${path} cannot be read: ${(error as Error).message}.`);
  }
}

export async function readSecret(options: SecretSourceOptions): Promise<string> {
  if (options.file !== undefined) return readSecretFile(options.file);
  const host = cliHost();
  const fromEnv = host.env[options.envName];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  // Only this process's own terminal can be asked (an agent's commands come without one).
  if (host.inAgent || !host.stdinIsTTY || !host.stderr.isTTY) {
    throw new CofferError(
      'COFFER.1012',
      `A ${options.promptLabel} is needed: set ${options.envName}, pass --passphrase-file FILE, or run in a terminal to be asked.`,
    );
  }
  const first = await read({ prompt: `${options.promptLabel}: `, silent: true, replace: '*', output: process.stderr });
  if (options.confirm) {
    const second = await read({
      prompt: `Repeat the ${options.promptLabel}: `,
      silent: true,
      replace: '*',
      output: process.stderr,
    });
    if (first !== second) throw new CofferError('COFFER.1012', 'The two passphrases differ: nothing was changed. Try again.');
  }
  return first;
}
