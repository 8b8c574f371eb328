import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { CofferError } from '../../shared/errors.js';
import { MESSAGE_TYPES, SIGNING_ALGORITHMS } from '../../shared/key-specs.js';
import { writePublicKeyFileText } from '../core/keyrings/public-key-file-io.js';
import * as asymmetric from '../core/kms/asymmetric-operations.js';
import { publicKeyFile } from '../core/kms/contact-operations.js';
import { action, globalOptions, openVault } from './cli-context.js';
import { cliHost } from './cli-host.js';

/** --message or --message-file: Huawei's `message` is Base64 of at most 4096 bytes. */
async function messageField(o: { message?: string; messageFile?: string }): Promise<string | undefined> {
  if (o.message !== undefined && o.messageFile !== undefined) {
    throw new CofferError('KMS.0308', 'Give the message once: --message (Base64) or --message-file (its bytes).');
  }
  if (o.messageFile === undefined) return o.message;
  try {
    if ((await stat(o.messageFile)).size > 4096) {
      throw new CofferError('KMS.0308', `${o.messageFile} is over 4096 bytes: sign its digest instead (--message-type DIGEST).`);
    }
    return (await readFile(o.messageFile)).toString('base64');
  } catch (error) {
    if (error instanceof CofferError) throw error;
    throw new CofferError('COFFER.1018', `${o.messageFile} cannot be read: ${(error as Error).message}.`);
  }
}

const keyIdOption = (): Option => new Option('--key-id <key>', 'a key id or alias/NAME').makeOptionMandatory();
const algorithmOption = (): Option =>
  new Option('--signing-algorithm <name>', 'RSASSA_PSS_SHA_256 ... ECDSA_SHA_384')
    .choices(SIGNING_ALGORITHMS)
    .makeOptionMandatory();
const messageTypeOption = (): Option =>
  new Option(
    '--message-type <type>',
    'DIGEST (the default, as in Huawei KMS): the message is a digest; RAW: the message itself',
  ).choices(MESSAGE_TYPES);

interface SignOptions {
  keyId: string;
  message?: string;
  messageFile?: string;
  signingAlgorithm: string;
  messageType?: string;
}

/** get-publickey, sign and validate-signature: Huawei KMS's asymmetric key operations. */
export function registerAsymmetricCommands(program: Command): void {
  program
    .command('get-publickey')
    .description("show an asymmetric key's public key (PEM); --out writes the public key file others add as a contact")
    .addOption(keyIdOption())
    .option('--out <file>', 'write a public key file to send (RSA ENCRYPT_DECRYPT keys; never over an existing file)')
    .action(
      action(async (o: { keyId: string; out?: string }, command: Command) => {
        const vault = await openVault(globalOptions(command));
        const answer = await asymmetric.getPublicKey(vault, { key_id: o.keyId });
        if (o.out === undefined) return answer;
        const file = await publicKeyFile(vault, o.keyId);
        const path = resolve(cliHost().cwd, o.out);
        await writePublicKeyFileText(path, file.text, { replace: false });
        return { ...answer, fingerprint: file.fingerprint, public_key_file: path };
      }),
    );

  program
    .command('sign')
    .description('sign a message or digest with an asymmetric SIGN_VERIFY key')
    .addOption(keyIdOption())
    .option('--message <base64>', 'the message or digest, Base64 (at most 4096 bytes)')
    .option('--message-file <file>', 'the message or digest: the bytes of a file')
    .addOption(algorithmOption())
    .addOption(messageTypeOption())
    .action(
      action(async (o: SignOptions, command: Command) =>
        asymmetric.sign(await openVault(globalOptions(command)), {
          key_id: o.keyId,
          message: await messageField(o),
          signing_algorithm: o.signingAlgorithm,
          ...(o.messageType === undefined ? {} : { message_type: o.messageType }),
        }),
      ),
    );

  program
    .command('validate-signature')
    .description('check a signature with an asymmetric SIGN_VERIFY key: signature_valid "true" or "false"')
    .addOption(keyIdOption())
    .option('--message <base64>', 'the message or digest, Base64 (at most 4096 bytes)')
    .option('--message-file <file>', 'the message or digest: the bytes of a file')
    .requiredOption('--signature <base64>', 'the signature, Base64')
    .addOption(algorithmOption())
    .addOption(messageTypeOption())
    .action(
      action(async (o: SignOptions & { signature: string }, command: Command) =>
        asymmetric.validateSignature(await openVault(globalOptions(command)), {
          key_id: o.keyId,
          message: await messageField(o),
          signature: o.signature,
          signing_algorithm: o.signingAlgorithm,
          ...(o.messageType === undefined ? {} : { message_type: o.messageType }),
        }),
      ),
    );
}
