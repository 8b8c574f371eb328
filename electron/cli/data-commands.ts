import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { Option, type Command } from 'commander';
import { CofferError, toErrorValue } from '../../shared/errors.js';
import { parseEncryptionContextJson } from '../core/crypto/encryption-context.js';
import * as data from '../core/kms/data-operations.js';
import * as keyImport from '../core/kms/key-import.js';
import { ENCRYPTION_ALGORITHMS } from '../../shared/key-specs.js';
import type { Vault } from '../core/vault/vault.js';
import { globalOptions, openVault, wholeNumber } from './cli-context.js';
import { cliHost } from './cli-host.js';
import { errorBody, printResult } from './cli-output.js';

type Operation = (vault: Vault, request: unknown) => Promise<unknown>;

interface DataCommand<O> {
  name: string;
  description: string;
  operation: Operation;
  request: (options: O) => Promise<Record<string, unknown>> | Record<string, unknown>;
  options: (command: Command) => Command;
  batch?: boolean;
}

async function readSmallFile(path: string, limit: number, field: string): Promise<Buffer> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new CofferError('COFFER.1018', `${path} cannot be read: ${(error as Error).message}.`);
  }
  if (size > limit) {
    throw new CofferError(
      'KMS.2101',
      `${path} is ${size} bytes; ${field} takes at most ${limit} bytes. For larger data use a data key or encrypt-file.`,
    );
  }
  return readFile(path);
}

function withoutUndefined(request: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
}

/**
 * `--batch FILE` (or - for standard input): one JSON request a line, with the KMS field names;
 * one JSON answer a line, in order, each with its line number. A failed line never stops the rest.
 */
async function runBatch(vault: Vault, operation: Operation, source: string): Promise<boolean> {
  const input = source === '-' ? process.stdin : createReadStream(source);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let allOk = true;
  let number = 0;
  try {
    for await (const line of lines) {
      number += 1;
      if (line.trim() === '') continue;
      try {
        let request: unknown;
        try {
          request = JSON.parse(line);
        } catch {
          throw new CofferError(
            'KMS.0202',
            `Line ${number} is not a JSON object: write one request per line, such as {"key_id":"alias/x","plain_text":"..."}.`,
          );
        }
        printResult({ line: number, ...((await operation(vault, request)) as object) });
      } catch (error) {
        allOk = false;
        printResult({ line: number, ...errorBody(toErrorValue(error)) });
      }
    }
  } catch (error) {
    throw new CofferError('COFFER.1018', `The batch file ${source} cannot be read: ${(error as Error).message}.`);
  }
  return allOk;
}

const contextOption = (): Option =>
  new Option('--encryption-context <json>', 'string pairs bound to the ciphertext, e.g. {"purpose":"backup"}').argParser(
    parseEncryptionContextJson,
  );
const keyIdOption = (): Option => new Option('--key-id <key>', 'a key id or alias/NAME');
const encryptionAlgorithmOption = (): Option =>
  new Option('--encryption-algorithm <name>', 'SYMMETRIC_DEFAULT (AES_256 keys) or RSAES_OAEP_SHA_256 (RSA keys)').choices(
    ENCRYPTION_ALGORITHMS,
  );

// Each command has its own option shape; `never` lets them share one list (options come from commander).
const commands: DataCommand<never>[] = [
  {
    name: 'encrypt-data',
    description: 'encrypt up to 4096 bytes (a password, a certificate) under a CMK',
    operation: data.encryptData,
    batch: true,
    options: (c) =>
      c
        .addOption(keyIdOption())
        .option('--plain-text <text>', 'the text to encrypt')
        .option('--plain-text-file <file>', 'encrypt the bytes of a file instead (at most 4096)')
        .addOption(contextOption())
        .addOption(encryptionAlgorithmOption()),
    request: async (o: {
      keyId?: string;
      plainText?: string;
      plainTextFile?: string;
      encryptionContext?: object;
      encryptionAlgorithm?: string;
    }) => ({
      key_id: o.keyId,
      encryption_algorithm: o.encryptionAlgorithm,
      plain_text: o.plainText,
      plain_text_base64:
        o.plainTextFile === undefined
          ? undefined
          : (await readSmallFile(o.plainTextFile, data.MAX_PLAINTEXT_BYTES, 'encrypt-data')).toString('base64'),
      encryption_context: o.encryptionContext,
    }),
  },
  {
    name: 'decrypt-data',
    description:
      'decrypt what encrypt-data made (an AES ciphertext names its key; RSAES_OAEP_SHA_256 needs --key-id and --encryption-algorithm)',
    operation: data.decryptData,
    batch: true,
    options: (c) =>
      c
        .option('--cipher-text <base64>', 'the ciphertext')
        .option('--cipher-text-file <file>', 'read the Base64 ciphertext from a file')
        .addOption(contextOption())
        .addOption(keyIdOption())
        .addOption(encryptionAlgorithmOption()),
    request: async (o: {
      cipherText?: string;
      cipherTextFile?: string;
      encryptionContext?: object;
      keyId?: string;
      encryptionAlgorithm?: string;
    }) => ({
      key_id: o.keyId,
      encryption_algorithm: o.encryptionAlgorithm,
      cipher_text:
        o.cipherText ??
        (o.cipherTextFile === undefined
          ? undefined
          : (await readSmallFile(o.cipherTextFile, 65536, 'cipher_text')).toString('utf8').trim()),
      encryption_context: o.encryptionContext,
    }),
  },
  ...(['create-datakey', 'create-datakey-without-plaintext'] as const).map(
    (name): DataCommand<{ keyId?: string; datakeyLength?: number; keySpec?: string; encryptionContext?: object }> => ({
      name,
      description:
        name === 'create-datakey'
          ? 'make a data key: its plaintext and its copy encrypted under a CMK (hex)'
          : 'make a data key, returning only its encrypted copy',
      operation: name === 'create-datakey' ? (v, r) => data.createDatakey(v, r, true) : (v, r) => data.createDatakey(v, r, false),
      batch: true,
      options: (c) =>
        c
          .addOption(keyIdOption())
          .addOption(
            new Option('--datakey-length <bits>', 'bits, a multiple of 8 from 8 to 8192 (default 256)').argParser(
              wholeNumber('KMS.1901', '--datakey-length'),
            ),
          )
          .addOption(
            new Option('--key-spec <spec>', 'AES_256 or AES_128, instead of --datakey-length').choices(['AES_256', 'AES_128']),
          )
          .addOption(contextOption()),
      request: (o) => ({
        key_id: o.keyId,
        datakey_length: o.datakeyLength,
        key_spec: o.keySpec,
        encryption_context: o.encryptionContext,
      }),
    }),
  ),
  {
    name: 'encrypt-datakey',
    description: 'encrypt a data key you already have (hex) under a CMK',
    operation: data.encryptDatakey,
    batch: true,
    options: (c) =>
      c
        .addOption(keyIdOption())
        .option('--plain-text <hex>', 'the data key in hex (optionally followed by its SHA-256)')
        .option('--plain-text-file <file>', 'read the hex data key from a file instead')
        .addOption(
          new Option('--datakey-plain-length <bytes>', "the data key's length in bytes").argParser(
            wholeNumber('KMS.2102', '--datakey-plain-length'),
          ),
        )
        .addOption(contextOption()),
    request: async (o: {
      keyId?: string;
      plainText?: string;
      plainTextFile?: string;
      datakeyPlainLength?: number;
      encryptionContext?: object;
    }) => ({
      key_id: o.keyId,
      plain_text:
        o.plainText ??
        (o.plainTextFile === undefined
          ? undefined
          : (await readSmallFile(o.plainTextFile, 20_000, 'plain_text')).toString('utf8').trim()),
      datakey_plain_length: o.datakeyPlainLength,
      encryption_context: o.encryptionContext,
    }),
  },
  {
    name: 'decrypt-datakey',
    description: 'decrypt a data key (hex), returning it with its SHA-256 digest',
    operation: data.decryptDatakey,
    batch: true,
    options: (c) =>
      c
        .option('--cipher-text <hex>', 'the encrypted data key')
        .addOption(
          new Option('--datakey-cipher-length <bytes>', 'checked against the ciphertext when given').argParser(
            wholeNumber('KMS.2202', '--datakey-cipher-length'),
          ),
        )
        .addOption(contextOption()),
    request: (o: { cipherText?: string; datakeyCipherLength?: number; encryptionContext?: object }) => ({
      cipher_text: o.cipherText,
      datakey_cipher_length: o.datakeyCipherLength,
      encryption_context: o.encryptionContext,
    }),
  },
  {
    name: 're-encrypt-data',
    description: "move a ciphertext to its key's newest version, or to another key, never revealing the plaintext",
    operation: data.reEncryptData,
    batch: true,
    options: (c) =>
      c
        .option('--cipher-text <text>', 'an encrypt-data ciphertext (Base64) or an encrypted data key (hex)')
        .addOption(contextOption())
        .option('--destination-key-id <key>', 'the key to move to (default: the same key, newest version)')
        .addOption(
          new Option('--destination-encryption-context <json>', 'the new context (default: the same)').argParser(
            parseEncryptionContextJson,
          ),
        ),
    request: (o: {
      cipherText?: string;
      encryptionContext?: object;
      destinationKeyId?: string;
      destinationEncryptionContext?: object;
    }) => ({
      cipher_text: o.cipherText,
      encryption_context: o.encryptionContext,
      destination_key_id: o.destinationKeyId,
      destination_encryption_context: o.destinationEncryptionContext,
    }),
  },
  {
    name: 'get-parameters-for-import',
    description: 'get an RSA-3072 wrapping public key and an import token (valid 24 h) for a key created --origin external',
    operation: keyImport.getParametersForImport,
    options: (c) => c.addOption(keyIdOption()).option('--wrapping-algorithm <name>', 'RSAES_OAEP_SHA_256 (the only one)'),
    request: (o: { keyId?: string; wrappingAlgorithm?: string }) => ({
      key_id: o.keyId,
      wrapping_algorithm: o.wrappingAlgorithm,
    }),
  },
  {
    name: 'import-key-material',
    description:
      'import key material wrapped with RSA-OAEP-SHA-256 under the import public key: 32 bytes for AES_256 keys; ' +
      'for asymmetric keys a temporary AES-256 key, with the PKCS#8 private key wrapped under it (RFC 5649) in --encrypted-privatekey',
    operation: keyImport.importKeyMaterial,
    options: (c) =>
      c
        .addOption(keyIdOption())
        .option('--import-token <token>', 'the token from get-parameters-for-import')
        .option('--encrypted-key-material <base64>', 'the wrapped material')
        .option('--encrypted-privatekey <base64>', 'asymmetric keys: the PKCS#8 DER private key, AES key wrap with padding')
        .addOption(
          new Option('--expiration-time <ms>', 'delete the material at this time (ms since 1970)').argParser(
            wholeNumber('KMS.2602', '--expiration-time'),
          ),
        ),
    request: (o: {
      keyId?: string;
      importToken?: string;
      encryptedKeyMaterial?: string;
      encryptedPrivatekey?: string;
      expirationTime?: number;
    }) => ({
      key_id: o.keyId,
      import_token: o.importToken,
      encrypted_key_material: o.encryptedKeyMaterial,
      encrypted_privatekey: o.encryptedPrivatekey,
      expiration_time: o.expirationTime,
    }),
  },
  {
    name: 'delete-imported-key-material',
    description: 'delete imported key material; the key goes back to Pending import',
    operation: keyImport.deleteImportedKeyMaterial,
    options: (c) => c.addOption(keyIdOption()),
    request: (o: { keyId?: string }) => ({ key_id: o.keyId }),
  },
  {
    name: 'export-key-material',
    description: "export an exportable key's material (Base64), recorded in the audit log",
    operation: keyImport.exportKeyMaterial,
    options: (c) =>
      c
        .addOption(keyIdOption())
        .addOption(
          new Option('--key-version <n>', 'a version (default: the newest)').argParser(wholeNumber('KMS.0308', '--key-version')),
        ),
    request: (o: { keyId?: string; keyVersion?: number }) => ({ key_id: o.keyId, key_version: o.keyVersion }),
  },
];

export function registerDataCommands(program: Command): void {
  for (const definition of commands) {
    const command = definition.options(program.command(definition.name).description(definition.description));
    if (definition.batch)
      command.option('--batch <file>', 'one JSON request a line (- for standard input); one JSON answer a line');
    command.action(async (options: { batch?: string }, self: Command) => {
      const vault = await openVault(globalOptions(self));
      if (options.batch !== undefined) {
        if (!(await runBatch(vault, definition.operation, options.batch))) cliHost().exitCode = 1;
        return;
      }
      printResult(await definition.operation(vault, withoutUndefined(await definition.request(options as never))));
    });
  }

  program
    .command('gen-random')
    .description('random bytes from the operating system, in hex')
    .addOption(
      new Option('--random-data-length <bits>', 'a multiple of 8 from 8 to 8192')
        .argParser(wholeNumber('KMS.1801', '--random-data-length'))
        .makeOptionMandatory(),
    )
    .action((options: { randomDataLength: number }) => {
      printResult(data.genRandom({ random_data_length: options.randomDataLength }));
    });
}
