import { Option, type Command } from 'commander';
import { CofferError } from '../../shared/errors.js';
import * as keys from '../core/kms/key-operations.js';
import { KEY_SPECS, KEY_USAGES } from '../../shared/key-specs.js';
import type { Vault } from '../core/vault/vault.js';
import { action, globalOptions, openVault, wholeNumber } from './cli-context.js';

/** `--tags` takes {"k":"v"} or Huawei's [{"key":"k","value":"v"}]. */
function parseTags(text: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CofferError('KMS.0308', `--tags must be JSON such as {"team":"finance"}; "${text.slice(0, 60)}" is not JSON.`);
  }
  if (Array.isArray(value)) {
    return Object.fromEntries(
      value.map((tag: unknown) => {
        const t = tag as { key?: unknown; value?: unknown };
        if (typeof t?.key !== 'string' || typeof t.value !== 'string') {
          throw new CofferError('KMS.0308', '--tags as a list needs {"key": "...", "value": "..."} items of strings.');
        }
        return [t.key, t.value];
      }),
    );
  }
  if (value && typeof value === 'object' && Object.values(value).every((v) => typeof v === 'string')) {
    return value as Record<string, string>;
  }
  throw new CofferError('KMS.0308', '--tags must map tag names to string values, such as {"team":"finance"}.');
}

type KeyOperation = (vault: Vault, request: unknown) => Promise<unknown>;

/** A command that opens the vault and runs one key operation with a request built from its options. */
function keyCommand<O>(
  program: Command,
  name: string,
  description: string,
  operation: KeyOperation,
  request: (options: O) => unknown,
): Command {
  return program
    .command(name)
    .description(description)
    .action(
      action(async (options: O, command: Command) => {
        const vault = await openVault(globalOptions(command));
        return operation(vault, request(options));
      }),
    );
}

const keyIdOption = (): Option => new Option('--key-id <key>', 'a key id or alias/NAME').makeOptionMandatory();

export function registerKeyCommands(program: Command): void {
  keyCommand(
    program,
    'create-key',
    'create a customer master key (CMK)',
    keys.createKey,
    (o: {
      alias: string;
      description?: string;
      origin?: 'kms' | 'external';
      exportable?: boolean;
      tags?: Record<string, string>;
      keySpec?: string;
      keyUsage?: string;
      keyNamespace?: string;
      keyName?: string;
      keyStore?: string;
    }) => ({
      key_alias: o.alias,
      key_description: o.description,
      origin: o.origin,
      exportable: o.exportable,
      tags: o.tags,
      key_spec: o.keySpec,
      key_usage: o.keyUsage,
      key_namespace: o.keyNamespace,
      key_name: o.keyName,
      keystore_id: o.keyStore,
    }),
  )
    .option('--key-store <name>', "generate the key inside this key store's token (its alias or id)")
    .requiredOption('--alias <alias>', 'a unique name: letters, digits, : / _ -')
    .option('--description <text>', 'up to 255 characters')
    .addOption(
      new Option('--origin <origin>', 'kms: Coffer makes the material; external: you import it').choices(['kms', 'external']),
    )
    .option('--exportable', 'allow export of the key material (a permanent choice)')
    .addOption(new Option('--tags <json>', 'tags as JSON, e.g. {"team":"finance"}').argParser(parseTags))
    .addOption(new Option('--key-spec <spec>', 'AES_256 (default), RSA_2048/3072/4096 or EC_P256/P384').choices(KEY_SPECS))
    .addOption(
      new Option('--key-usage <usage>', 'ENCRYPT_DECRYPT or SIGN_VERIFY (default for asymmetric keys)').choices(KEY_USAGES),
    )
    .option('--key-namespace <ns>', "another tool's keyring namespace for this key (with --origin external)")
    .option('--key-name <name>', "another tool's key name for this key (with --origin external)");

  keyCommand(program, 'describe-key', "show a key's details", keys.describeKey, (o: { keyId: string }) => ({
    key_id: o.keyId,
  })).addOption(keyIdOption());

  keyCommand(
    program,
    'list-keys',
    'list keys, oldest first',
    keys.listKeys,
    (o: { keyState?: number; limit?: number; marker?: string }) => ({
      key_state: o.keyState,
      limit: o.limit,
      marker: o.marker,
    }),
  )
    .addOption(
      new Option('--key-state <n>', '2 Enabled, 3 Disabled, 4 Pending deletion, 5 Pending import').argParser(
        wholeNumber('KMS.0308', '--key-state'),
      ),
    )
    .addOption(new Option('--limit <n>', 'at most N keys (1..1000)').argParser(wholeNumber('KMS.1601', '--limit')))
    .option('--marker <marker>', 'the next_marker of the previous page');

  const simple: [string, string, KeyOperation][] = [
    ['enable-key', 'enable a disabled key', keys.enableKey],
    ['disable-key', 'disable an enabled key (it refuses every use until enabled)', keys.disableKey],
    ['cancel-key-deletion', 'cancel a scheduled deletion (the key becomes Disabled)', keys.cancelKeyDeletion],
    ['disable-key-rotation', 'stop automatic rotation', keys.disableKeyRotation],
    ['get-key-rotation-status', "show a key's rotation settings", keys.getKeyRotationStatus],
    ['rotate-key', 'add a new key version now (old versions still decrypt)', keys.rotateKey],
  ];
  for (const [name, description, operation] of simple) {
    keyCommand(program, name, description, operation, (o: { keyId: string }) => ({ key_id: o.keyId })).addOption(keyIdOption());
  }

  keyCommand(
    program,
    'schedule-key-deletion',
    'schedule a key for deletion in 7..1096 days',
    keys.scheduleKeyDeletion,
    (o: { keyId: string; pendingDays: number }) => ({
      key_id: o.keyId,
      pending_days: o.pendingDays,
    }),
  )
    .addOption(keyIdOption())
    .addOption(
      new Option('--pending-days <days>', 'days until the material is destroyed (7..1096)')
        .argParser(wholeNumber('KMS.1401', '--pending-days'))
        .makeOptionMandatory(),
    );

  keyCommand(program, 'update-key-alias', "change a key's alias", keys.updateKeyAlias, (o: { keyId: string; alias: string }) => ({
    key_id: o.keyId,
    key_alias: o.alias,
  }))
    .addOption(keyIdOption())
    .requiredOption('--alias <alias>', 'the new alias');

  keyCommand(
    program,
    'update-key-description',
    "change a key's description",
    keys.updateKeyDescription,
    (o: { keyId: string; description: string }) => ({
      key_id: o.keyId,
      key_description: o.description,
    }),
  )
    .addOption(keyIdOption())
    .requiredOption('--description <text>', 'the new description (up to 255 characters)');

  keyCommand(
    program,
    'enable-key-rotation',
    'rotate the key automatically (default every 365 days)',
    keys.enableKeyRotation,
    (o: { keyId: string; rotationInterval?: number }) => ({
      key_id: o.keyId,
      rotation_interval: o.rotationInterval,
    }),
  )
    .addOption(keyIdOption())
    .addOption(
      new Option('--rotation-interval <days>', '30..365 days').argParser(wholeNumber('KMS.3001', '--rotation-interval')),
    );

  keyCommand(
    program,
    'update-key-rotation-interval',
    'change the rotation interval',
    keys.updateKeyRotationInterval,
    (o: { keyId: string; rotationInterval: number }) => ({
      key_id: o.keyId,
      rotation_interval: o.rotationInterval,
    }),
  )
    .addOption(keyIdOption())
    .addOption(
      new Option('--rotation-interval <days>', '30..365 days')
        .argParser(wholeNumber('KMS.3001', '--rotation-interval'))
        .makeOptionMandatory(),
    );
}
