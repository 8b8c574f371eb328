import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { CofferError } from '../../shared/errors.js';
import * as stores from '../core/kms/key-store-operations.js';
import { action, globalOptions, openVault } from './cli-context.js';
import { cliHost } from './cli-host.js';

async function pinFromFile(path: string): Promise<string> {
  try {
    // One trailing newline is what editors and `echo` add; it is not part of the PIN.
    return (await readFile(resolve(cliHost().cwd, path), 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new CofferError('COFFER.1018', `The PIN file ${path} cannot be read: ${(error as Error).message}.`);
  }
}

const keyStoreIdOption = (): Option => new Option('--keystore-id <store>', "the key store's alias or id").makeOptionMandatory();

export function registerKeyStoreCommands(program: Command): void {
  program
    .command('create-key-store')
    .description("add a key store: a PKCS#11 token (HSM, smart card, YubiKey...) whose keys become this vault's CMKs")
    .requiredOption('--alias <name>', 'a unique name for the store')
    .requiredOption('--pkcs11-module <path>', "the token's PKCS#11 module (.so, .dylib, .dll)")
    .requiredOption('--token-label <label>', "the token's label")
    // --pin-file (a global option, as for every command that may need a PIN): keep the PIN read from
    // this file (in the OS keychain, or sealed in a passphrase/TPM vault); without it, asked at each use.
    .action(
      action(async (options: { alias: string; pkcs11Module: string; tokenLabel: string }, command: Command) => {
        const global = globalOptions(command);
        const vault = await openVault(global);
        return stores.createKeyStore(vault, {
          keystore_alias: options.alias,
          pkcs11_module: options.pkcs11Module,
          token_label: options.tokenLabel,
          pin: global.pinFile === undefined ? undefined : await pinFromFile(global.pinFile),
        });
      }),
    );

  program
    .command('list-key-stores')
    .description("list the vault's key stores")
    .action(action(async (_options: object, command: Command) => stores.listKeyStores(await openVault(globalOptions(command)))));

  program
    .command('describe-key-store')
    .description('show a key store, its keys, and whether its token is present now (no PIN asked)')
    .addOption(keyStoreIdOption())
    .action(
      action(async (options: { keystoreId: string }, command: Command) =>
        stores.describeKeyStore(await openVault(globalOptions(command)), { keystore_id: options.keystoreId }),
      ),
    );

  program
    .command('set-key-store-module')
    .description("point a key store at this machine's PKCS#11 module (a restored store keeps the source machine's path)")
    .argument('<store>', "the key store's alias or id")
    .requiredOption('--module <path>', "the token's PKCS#11 module on this machine (.so, .dylib, .dll)")
    .action(
      action(async (store: string, options: { module: string }, command: Command) =>
        stores.setKeyStoreModule(await openVault(globalOptions(command)), { keystore_id: store, pkcs11_module: options.module }),
      ),
    );

  program
    .command('delete-key-store')
    .description('remove a key store that no key uses any more (the token itself is not touched)')
    .addOption(keyStoreIdOption())
    .action(
      action(async (options: { keystoreId: string }, command: Command) =>
        stores.deleteKeyStore(await openVault(globalOptions(command)), { keystore_id: options.keystoreId }),
      ),
    );
}
