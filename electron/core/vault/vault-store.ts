import { promises as fs } from 'node:fs';
import { CofferError } from '../../../shared/errors.js';
import { replaceKeepingPrevious } from './durable-write.js';
import { PREVIOUS_VAULT_FILE, type VaultPaths } from './vault-paths.js';
import {
  VAULT_FORMAT,
  VAULT_FORMAT_VERSION,
  VaultFileSchema,
  serializeVaultFile,
  vaultMacMatches,
  type VaultFile,
} from './vault-file.js';
import { vmkMatches } from './vault-unlock.js';
import { VaultSubkeys } from './vault-subkeys.js';

/** The vault file on disk: read and validate it, check it against the master key, save it. */

export function damagedMessage(paths: VaultPaths, what: string): string {
  return (
    `${paths.vault} ${what}. Coffer has not changed it. If this follows a crash or a disk fault, ` +
    `\`coffer rollback\` puts back the previous generation (${PREVIOUS_VAULT_FILE}) and keeps the damaged file aside.`
  );
}

function tampered(paths: VaultPaths): CofferError {
  return new CofferError(
    'COFFER.1007',
    damagedMessage(paths, 'failed its integrity check: it was changed outside Coffer or damaged'),
  );
}

export async function vaultFileExists(paths: VaultPaths): Promise<boolean> {
  return fs.stat(paths.vault).then(
    () => true,
    () => false,
  );
}

/** Reads and schema-checks the vault file; its MAC is checked by whoever holds the key. */
export async function readVaultFile(paths: VaultPaths): Promise<VaultFile> {
  let text: string;
  try {
    text = await fs.readFile(paths.vault, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CofferError('COFFER.1001', `There is no vault in ${paths.dir} yet: run \`coffer init\` to create one.`);
    }
    throw new CofferError('COFFER.1006', `${paths.vault} cannot be read: ${(error as Error).message}.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CofferError('COFFER.1006', damagedMessage(paths, 'is not valid JSON (it is damaged)'));
  }
  const format = (json as { format?: unknown; format_version?: unknown } | null) ?? {};
  if (
    format.format === VAULT_FORMAT &&
    typeof format.format_version === 'number' &&
    format.format_version > VAULT_FORMAT_VERSION
  ) {
    throw new CofferError(
      'COFFER.1006',
      `${paths.vault} was written by a newer Coffer (format ${format.format_version}): update Coffer to open it.`,
    );
  }
  const parsed = VaultFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CofferError(
      'COFFER.1006',
      damagedMessage(
        paths,
        `is not a valid Coffer vault (${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'invalid'})`,
      ),
    );
  }
  return parsed.data;
}

/** Checks that `vmk` is this file's master key and the file is untouched; gives the subkeys. */
export function verifyWithVmk(paths: VaultPaths, file: VaultFile, vmk: Buffer): VaultSubkeys {
  if (!vmkMatches(vmk, file.vault_id, file.vmk_check)) {
    throw new CofferError(
      'COFFER.1015',
      `The master key Coffer was given does not unlock ${paths.vault} (it belongs to another vault, or the file was altered). ` +
        'Run `coffer recover --recovery-code CODE` to seal this vault again.',
    );
  }
  const keys = new VaultSubkeys(vmk, file.vault_id, (what) => damagedMessage(paths, what));
  if (!vaultMacMatches(keys.mac, file)) throw tampered(paths);
  return keys;
}

/** Re-reads the file of a vault already open, refusing one that is not the same vault or was altered. */
export async function rereadVaultFile(paths: VaultPaths, keys: VaultSubkeys): Promise<VaultFile> {
  const file = await readVaultFile(paths);
  if (file.vault_id !== keys.vaultId || !vaultMacMatches(keys.mac, file)) throw tampered(paths);
  return file;
}

/** Saves a signed file atomically, keeping the one it replaces as the previous generation. */
export async function saveVaultFile(paths: VaultPaths, file: VaultFile): Promise<void> {
  await replaceKeepingPrevious(paths.vault, paths.previous, serializeVaultFile(file));
}
