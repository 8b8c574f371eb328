import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readPublicKeyFileText } from '../core/keyrings/public-key-file-io.js';
import * as contacts from '../core/kms/contact-operations.js';
import { action, globalOptions, openVault } from './cli-context.js';
import { cliHost } from './cli-host.js';

/** add-contact, list-contacts, remove-contact: the people files can be encrypted for (encrypt-file --recipient). */
export function registerContactCommands(program: Command): void {
  program
    .command('add-contact')
    .description('add someone files can be encrypted for, from the public key file they sent (coffer get-publickey --out)')
    .requiredOption('--name <name>', 'how you will name them in --recipient')
    .requiredOption('--public-key-file <file>', 'their public key file')
    .action(
      action(async (o: { name: string; publicKeyFile: string }, command: Command) =>
        contacts.addContact(await openVault(globalOptions(command)), {
          name: o.name,
          public_key_file: await readPublicKeyFileText(resolve(cliHost().cwd, o.publicKeyFile)),
        }),
      ),
    );

  program
    .command('list-contacts')
    .description('list contacts with their key fingerprints')
    .action(action(async (_o: object, command: Command) => contacts.listContacts(await openVault(globalOptions(command)))));

  program
    .command('remove-contact')
    .description('remove a contact (files already encrypted for them stay readable by them)')
    .requiredOption('--name <name>', 'the contact')
    .action(
      action(async (o: { name: string }, command: Command) =>
        contacts.removeContact(await openVault(globalOptions(command)), { name: o.name }),
      ),
    );
}
