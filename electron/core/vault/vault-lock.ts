import lockfile from 'proper-lockfile';
import { CofferError } from '../../../shared/errors.js';

// A lock whose holder died (SIGKILL, power cut) stops counting after STALE_MS without a heartbeat.
const STALE_MS = 3_000;
const WAIT_MS = 60_000;

interface HeldVaultLock {
  release: () => Promise<void>;
  /** Set when the lock was lost while held (its folder removed or taken over as stale). */
  compromised: () => Error | undefined;
}

/** Takes the vault's lock: a folder created atomically beside the vault, waited for up to WAIT_MS. */
async function acquireVaultLock(dir: string, lockPath: string): Promise<HeldVaultLock> {
  let compromised: Error | undefined;
  try {
    const release = await lockfile.lock(dir, {
      lockfilePath: lockPath,
      realpath: false,
      stale: STALE_MS,
      update: 1_000,
      retries: { retries: Math.ceil(WAIT_MS / 50), factor: 1.1, minTimeout: 5, maxTimeout: 100, randomize: true },
      onCompromised: (error) => {
        compromised = error;
      },
    });
    return { release, compromised: () => compromised };
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
}

function lost(error: Error): CofferError {
  return new CofferError('COFFER.1008', `The vault's lock was lost while working (${error.message}).`);
}

/**
 * Holds the vault's lock across `work`, so the CLI and the app (or two CLIs) never interleave
 * a read-modify-write of the vault file.
 */
export async function withVaultLock<T>(dir: string, lockPath: string, work: () => Promise<T>): Promise<T> {
  const lock = await acquireVaultLock(dir, lockPath);
  try {
    const result = await work();
    const compromised = lock.compromised();
    if (compromised) throw lost(compromised);
    return result;
  } finally {
    await lock.release().catch(() => undefined);
  }
}

/**
 * The vault's lock kept across a run of short pieces of work (a folder's audit appends, which
 * come every few milliseconds): taken once, kept while work keeps coming, and given up after
 * `idleMs` without work or once held `maxHoldMs`, so another process waits at most about that
 * long. A folder of 1000 files took and gave up the lock some 60 times, each time a dozen file
 * operations. Work runs one piece at a time; `fresh` tells it the lock was just taken (what it
 * read under an earlier hold may have changed since). The owner must give the lease up (release)
 * before it takes the lock any other way.
 */
export class VaultLockLease {
  private held: (HeldVaultLock & { since: number }) | null = null;
  private idle: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly lockPath: string,
    private readonly limits: { idleMs: number; maxHoldMs: number } = { idleMs: 20, maxHoldMs: 200 },
  ) {}

  run<T>(work: (fresh: boolean) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => this.runNow(work));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow<T>(work: (fresh: boolean) => Promise<T>): Promise<T> {
    this.clearIdle();
    const fresh = this.held === null;
    this.held ??= { ...(await acquireVaultLock(this.dir, this.lockPath)), since: Date.now() };
    const held = this.held;
    try {
      const result = await work(fresh);
      const compromised = held.compromised();
      if (compromised) throw lost(compromised);
      return result;
    } catch (error) {
      await this.release();
      throw error;
    } finally {
      if (this.held === held) {
        if (Date.now() - held.since >= this.limits.maxHoldMs) await this.release();
        else {
          this.idle = setTimeout(() => void this.releaseQueued(), this.limits.idleMs);
          this.idle.unref();
        }
      }
    }
  }

  /** Gives the lock up now (a no-op when not held); pending work takes it again. */
  async release(): Promise<void> {
    this.clearIdle();
    const held = this.held;
    this.held = null;
    await held?.release().catch(() => undefined);
  }

  /** release(), after any work already queued. */
  releaseQueued(): Promise<void> {
    const next = this.queue.then(() => this.release());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private clearIdle(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
  }
}
