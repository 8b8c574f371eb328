import { Command, CommanderError } from 'commander';
import { registerAgentCommands } from './agent-commands.js';
import { registerAsymmetricCommands } from './asymmetric-commands.js';
import { registerContactCommands } from './contact-commands.js';
import { cliHost } from './cli-host.js';
import { printError } from './cli-output.js';
import { registerDataCommands } from './data-commands.js';
import { registerFileCommands } from './file-commands.js';
import { registerKeyCommands } from './key-commands.js';
import { registerKeyStoreCommands } from './key-store-commands.js';
import { registerShellCommands } from './shell-commands.js';
import { registerVaultCommands } from './vault-commands.js';

/** Exit codes of the contract: 0 success, 1 a refused or failed operation, 2 a usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command('coffer')
    .description('Coffer: a local key vault and KMS. Every command prints one JSON object.')
    .version('0.1.0')
    .option('--vault <dir>', 'the vault folder (default: $COFFER_HOME, else the app data folder)')
    .option('--passphrase-file <file>', "read the vault's passphrase from a file (else $COFFER_PASSPHRASE, else a prompt)")
    .option('--pin-file <file>', "read a key store token's PIN from a file (else $COFFER_TOKEN_PIN, else a prompt)")
    .showHelpAfterError('(run `coffer --help` for the commands)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => cliHost().stdout.write(text), writeErr: (text) => cliHost().stderr.write(text) });
  registerVaultCommands(program);
  registerKeyCommands(program);
  registerAsymmetricCommands(program);
  registerKeyStoreCommands(program);
  registerContactCommands(program);
  registerDataCommands(program);
  registerFileCommands(program);
  registerShellCommands(program);
  registerAgentCommands(program, runCli);
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  program.commands.forEach(override);
  return program;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const host = cliHost();
  host.exitCode = undefined;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    // A batch whose lines partly failed has printed every answer and set exit status 1; one that
    // a signal cancelled, 128 + the signal's number.
    return host.exitCode ?? EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end here too, with code 0; everything else is a usage error.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    printError(error);
    return EXIT_FAILED;
  }
}
