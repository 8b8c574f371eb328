import lockfile from 'proper-lockfile';
import { CofferError } from '../../../shared/errors.js';

// A lock whose holder died (SIGKILL, power cut) stops counting after STALE_MS without a heartbeat.
const STALE_MS = 3_000;
const WAIT_MS = 60_000;

/**
 * Holds the vault's lock across `work`, so the CLI and the app (or two CLIs) never interleave
 * a read-modify-write of the vault file. The lock is a folder created atomically beside the vault.
 */
export async function withVaultLock<T>(dir: string, lockPath: string, work: () => Promise<T>): Promise<T> {
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dir, {
      lockfilePath: lockPath,
      realpath: false,
      stale: STALE_MS,
      update: 1_000,
      retries: { retries: Math.ceil(WAIT_MS / 50), factor: 1.1, minTimeout: 5, maxTimeout: 100, randomize: true },
      onCompromised: (error) => {
        compromised = error;
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOCKED') {
      throw new CofferError(
        'COFFER.1008',
        `The vault is busy: another Coffer process has held its lock for over ${WAIT_MS / 1000} s. Try again when it has finished.`,
      );
    }
    throw new CofferError('COFFER.1014', `The vault's lock could not be taken (${(error as Error).message}).`);
  }
  try {
    const result = await work();
    if (compromised) {
      throw new CofferError('COFFER.1008', `The vault's lock was lost while working (${compromised.message}).`);
    }
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
