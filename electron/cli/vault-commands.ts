import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { CofferError } from '../../shared/errors.js';
import { Vault } from '../core/vault/vault.js';
import type { ProtectionChoice } from '../core/vault/vault-unlock.js';
import { action, globalOptions, openVault, vaultEnvironment, wholeNumber, type GlobalOptions } from './cli-context.js';
import { readSecret } from './passphrase-input.js';

function newPassphrase(options: GlobalOptions): Promise<string> {
  return readSecret({
    file: options.passphraseFile,
    envName: 'COFFER_PASSPHRASE',
    promptLabel: 'new vault passphrase',
    confirm: true,
  });
}

/** A backup's own passphrase, else the one the vault commands read, else a prompt. */
function backupPassphrase(options: GlobalOptions & { backupPassphraseFile?: string }, confirm: boolean): Promise<string> {
  if (options.backupPassphraseFile === undefined && process.env.COFFER_BACKUP_PASSPHRASE) {
    return Promise.resolve(process.env.COFFER_BACKUP_PASSPHRASE);
  }
  return readSecret({
    file: options.backupPassphraseFile ?? options.passphraseFile,
    envName: 'COFFER_PASSPHRASE',
    promptLabel: 'backup passphrase',
    confirm,
  });
}

type ProtectionName = 'keychain' | 'passphrase' | 'tpm';

const protectionOption = (): Option =>
  new Option(
    '--protection <mode>',
    "where the master key is sealed: the OS keychain, a passphrase, or this machine's TPM 2.0",
  ).choices(['keychain', 'passphrase', 'tpm']);

/** `--protection MODE`, or the older `--passphrase` flag; the keychain by default. */
async function protectionChoice(
  options: { passphrase?: boolean; protection?: ProtectionName },
  global: GlobalOptions,
): Promise<ProtectionChoice> {
  const mode = options.protection ?? (options.passphrase ? 'passphrase' : 'keychain');
  if (options.passphrase && mode !== 'passphrase') {
    throw new CofferError('KMS.0308', `--passphrase and --protection ${mode} contradict each other: give one.`);
  }
  if (mode === 'passphrase') return { mode, passphrase: await newPassphrase(global) };
  return { mode };
}

async function recoveryCodeFrom(options: { recoveryCode?: string; recoveryCodeFile?: string }): Promise<string> {
  if (options.recoveryCode) return options.recoveryCode;
  if (options.recoveryCodeFile) return (await readFile(options.recoveryCodeFile, 'utf8')).trim();
  if (process.env.COFFER_RECOVERY_CODE) return process.env.COFFER_RECOVERY_CODE;
  throw new CofferError(
    'COFFER.1009',
    'Give the recovery code with --recovery-code CODE, --recovery-code-file FILE or $COFFER_RECOVERY_CODE.',
  );
}

export function registerVaultCommands(program: Command): void {
  program
    .command('init')
    .description('create a vault: a new master key in the OS keychain (or under a passphrase) and a recovery code, shown once')
    .option('--passphrase', 'protect the master key with a passphrase instead of the OS keychain')
    .addOption(protectionOption())
    .action(
      action(async (options: { passphrase?: boolean; protection?: ProtectionName }, command: Command) => {
        const global = globalOptions(command);
        const env = vaultEnvironment(global);
        const choice = await protectionChoice(options, global);
        const { vault, recoveryCode } = await Vault.init(env, choice);
        return {
          vault: env.dir,
          vault_id: vault.vaultId,
          protection: vault.protectionMode,
          recovery_code: recoveryCode,
          notice:
            'Write the recovery code down and keep it apart from this computer: it is shown only now, and it is the only way back in if the keychain or passphrase is lost.',
        };
      }),
    );

  program
    .command('recover')
    .description("seal an existing vault again under this machine's keychain (or a new passphrase), with its recovery code")
    .option('--recovery-code <code>', 'the code `coffer init` showed')
    .option('--recovery-code-file <file>', 'read the recovery code from a file')
    .option('--passphrase', 'protect the master key with a new passphrase instead of the OS keychain')
    .addOption(protectionOption())
    .action(
      action(
        async (
          options: { recoveryCode?: string; recoveryCodeFile?: string; passphrase?: boolean; protection?: ProtectionName },
          command: Command,
        ) => {
          const global = globalOptions(command);
          const env = vaultEnvironment(global);
          const code = await recoveryCodeFrom(options);
          const choice = await protectionChoice(options, global);
          const vault = await Vault.recover(env, code, choice);
          // A key held for the old protection must not outlive it (the agent also checks on use).
          await env.masterKeyCache?.forget(env.dir).catch(() => undefined);
          return { vault: env.dir, vault_id: vault.vaultId, protection: vault.protectionMode, keys: vault.state.keys.length };
        },
      ),
    );

  program
    .command('rollback')
    .description('put back the previous generation of a damaged vault file (the damaged one is kept aside)')
    .option('--force', 'roll back even though the previous generation lacks keys (or key versions) the current file holds')
    .action(
      action(async (options: { force?: boolean }, command: Command) => {
        const env = vaultEnvironment(globalOptions(command));
        return { vault: env.dir, ...(await Vault.rollback(env, { force: options.force === true })) };
      }),
    );

  program
    .command('backup')
    .description('export every key and version to a passphrase-protected file')
    .requiredOption('--out <file>', 'the backup file to write (must not exist)')
    .option('--backup-passphrase-file <file>', 'read the backup passphrase from a file ($COFFER_BACKUP_PASSPHRASE also works)')
    .action(
      action(async (options: { out: string; backupPassphraseFile?: string }, command: Command) => {
        const global = globalOptions(command);
        const vault = await openVault(global);
        return vault.backupTo(options.out, await backupPassphrase({ ...global, ...options }, true));
      }),
    );

  program
    .command('restore')
    .description('import every key of a backup, atomically; existing keys are refused unless --force')
    .requiredOption('--in <file>', 'the backup file')
    .option('--force', 'replace keys that already exist in this vault')
    .option('--backup-passphrase-file <file>', 'read the backup passphrase from a file ($COFFER_BACKUP_PASSPHRASE also works)')
    .action(
      action(async (options: { in: string; force?: boolean; backupPassphraseFile?: string }, command: Command) => {
        const global = globalOptions(command);
        const vault = await openVault(global);
        const passphrase = await backupPassphrase({ ...global, ...options }, false);
        const result = await vault.restoreFrom(options.in, passphrase, options.force ?? false);
        return {
          restored: result.restored.length,
          replaced: result.replaced.length,
          key_ids: result.restored,
          contacts_added: result.contacts_added,
          contacts_replaced: result.contacts_replaced,
          key_stores_added: result.key_stores_added,
          key_stores_kept: result.key_stores_kept,
          key_stores_asking_pin: result.key_stores_asking_pin,
        };
      }),
    );

  program
    .command('audit-log')
    .description('list audit records (newest last) and check their hash chain')
    .addOption(new Option('--limit <n>', 'only the newest N records').argParser(wholeNumber('KMS.1601', '--limit')))
    .option('--key-id <key>', "only this key's records (a key id)")
    .action(
      action(async (options: { limit?: number; keyId?: string }, command: Command) => {
        const vault = await openVault(globalOptions(command));
        const log = await vault.auditLog();
        let records = options.keyId ? log.records.filter((r) => r.key_id === options.keyId) : log.records;
        if (options.limit !== undefined) {
          if (options.limit < 1) throw new CofferError('KMS.1601', '--limit must be 1 or more.');
          records = records.slice(-options.limit);
        }
        return { records, total: log.records.length, chain_verified: log.chain_verified, problems: log.problems };
      }),
    );
}
