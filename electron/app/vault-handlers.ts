import { cleanUpAfterOpen } from '../core/kms/token-key-cleanup.js';
import { Vault } from '../core/vault/vault.js';
import type { ProtectionChoice } from '../core/vault/vault-unlock.js';
import type { GrantedFiles } from './granted-files.js';
import type { DomainHandlers } from './handler-types.js';
import type { VaultSession } from './vault-session.js';

/** vault:create and vault:change-protection ask the same way. */
function protectionChoice(request: {
  protection: 'keychain' | 'passphrase' | 'tpm';
  passphrase?: string | undefined;
}): ProtectionChoice {
  if (request.protection === 'passphrase') return { mode: 'passphrase', passphrase: request.passphrase ?? '' };
  return { mode: request.protection };
}

export interface VaultFileDeps {
  /** The files this session was given (a backup to restore is one). */
  files: GrantedFiles;
  /** The OS save dialog: where to write a backup, or null when the user cancelled. */
  chooseSavePath?: ((suggestedName: string) => Promise<string | null>) | undefined;
}

/** The name the save dialog suggests for a backup. */
export const BACKUP_FILE_NAME = 'coffer-keys.backup';

/**
 * The vault itself: its state, creating and unlocking it, its protection, backups and the audit
 * log. A backup goes where main's save dialog says, never to a path the window names.
 */
export function vaultHandlers(session: VaultSession, deps: VaultFileDeps): DomainHandlers<'vault' | 'audit'> {
  return {
    'vault:status': () => session.status(),
    'vault:create': async (request) => {
      const { vault, recoveryCode } = await Vault.init(session.env(), protectionChoice(request));
      session.hold(vault);
      return { vault_id: vault.vaultId, protection: vault.protectionMode, recovery_code: recoveryCode };
    },
    'vault:unlock': async (request) => {
      const vault = await Vault.open(session.env(request.passphrase));
      session.hold(vault);
      await cleanUpAfterOpen(vault);
      return session.status();
    },
    'vault:change-protection': async (request) => {
      await session.unlocked().changeProtection(protectionChoice(request));
      return session.status();
    },
    'vault:backup': async (r) => {
      const vault = session.unlocked();
      const path = (await deps.chooseSavePath?.(BACKUP_FILE_NAME)) ?? null;
      if (path === null) return { cancelled: true as const };
      return { cancelled: false as const, ...(await vault.backupTo(path, r.passphrase)) };
    },
    'vault:rollback-generations': async () => ({ generations: await session.unlocked().rollbackGenerations() }),
    'vault:rollback': async (r) => {
      const vault = session.unlocked();
      const result = await vault.rollbackTo(r.generation, r.force);
      await vault.refresh(); // the same master key opens the generation put back
      return result;
    },
    'vault:restore': (r) => session.unlocked().restoreFrom(deps.files.path(r.file), r.passphrase, r.force ?? false),
    'audit:list': async (r) => {
      const log = await session.unlocked().auditLog();
      let records = r.key_id ? log.records.filter((x) => x.key_id === r.key_id) : log.records;
      if (r.limit !== undefined) records = records.slice(-r.limit);
      return {
        records: records.map(({ prev: _prev, mac: _mac, ...rest }) => rest),
        total: log.records.length,
        chain_verified: log.chain_verified,
        problems: log.problems,
      };
    },
  };
}
