import type { Vault } from '../vault/vault.js';
import { runFileBatch, type BatchOptions, type FileResult } from './file-batch.js';
import type { Progress } from './progress.js';
import { vaultKeyring } from '../keyrings/vault-keyring.js';
import type { WorkerPool } from './worker-pool.js';

export interface VaultBatchOptions extends BatchOptions {
  /** The CMKs that wrap each file's data key (encryption only). */
  keyIds: readonly string[];
}

export interface VaultBatchHooks {
  pool: WorkerPool;
  signal?: AbortSignal;
  /** The vault is open (a passphrase prompt, if any, has been answered). */
  onVaultOpened?: () => void;
  onFileStart?: (input: string, index: number, count: number) => void;
  onProgress?: (input: string, progress: Progress) => void;
}

/**
 * A batch of file jobs with the vault's keys, as the CLI and the agent run it. Encryption seals a
 * file's body while the vault opens (the data key is wrapped last); decryption needs the key
 * first. A vault that does not open stops the batch, and its error is the batch's.
 */
export async function runVaultFileBatch(
  opening: Promise<Vault>,
  options: VaultBatchOptions,
  hooks: VaultBatchHooks,
): Promise<FileResult[]> {
  const vaultFailed = new AbortController();
  opening.then(
    () => hooks.onVaultOpened?.(),
    () => vaultFailed.abort(),
  );
  const signal = hooks.signal ? AbortSignal.any([hooks.signal, vaultFailed.signal]) : vaultFailed.signal;
  if (options.action !== 'encrypt') await opening;
  const operation = options.action === 'verify' ? 'verify-file' : 'decrypt-file';
  const files = await runFileBatch(options, {
    pool: hooks.pool,
    signal,
    encryptKeys: vaultKeyring(opening, options.keyIds, 'encrypt-file'),
    decryptKeys: vaultKeyring(opening, [], operation),
    onFileStart: hooks.onFileStart,
    onProgress: hooks.onProgress,
  });
  await opening;
  return files;
}
