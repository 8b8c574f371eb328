import { randomBytes } from 'node:crypto';
import { promises as fs, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { CofferError } from '../../../shared/errors.js';
import { fsFailureCode } from '../envelope/fs-failure.js';
import { fsyncDir, openDirForSync, syncOpenedDir } from '../vault/durable-write.js';

/**
 * Outputs are written to a hidden temporary file beside their target and only then given their
 * final name, without ever replacing a file that exists: a crash, a cancel or a failure leaves
 * nothing under the final name, and a name already taken gets " (1)", " (2)", ...
 */
const TEMP_PATTERN = /^\.(.+)\.coffer-tmp-(\d+)-[0-9a-f]{8}$/;

/**
 * Temporary names: this process's id, then a counter from a random start (names are created
 * exclusively, so they need only be unlikely to meet another's; a folder of small files asked
 * for fresh random bytes and the process id, a system call, for each file).
 */
const PID = process.pid;
let tempCounter = randomBytes(4).readUInt32BE(0);

/** This process's temporary outputs not yet committed or discarded. */
const liveTemps = new Set<string>();

/**
 * Shared with the workers (through the pool). Slot TEMPS_REMOVED is set (to 1) when the process
 * ends on a signal: a worker that creates a temporary output checks it before and right after,
 * and removes its file when it is set. Slot TEMPS_BEING_CREATED counts the workers between those
 * checks, which the process waits for before it exits: a worker stopped by the exit after creating
 * a file, and before it saw the flag, would leave that file behind.
 */
export const tempsRemoved = new Int32Array(new SharedArrayBuffer(8));
export const TEMPS_REMOVED = 0;
export const TEMPS_BEING_CREATED = 1;
/** How long an exit waits for the workers' creates to settle; each takes a system call. */
const CREATES_SETTLE_MS = 500;

export interface TempOutput {
  path: string;
  handle: fs.FileHandle;
  /** The mode the output gets when it is committed; undefined keeps the temporary file's 0600. */
  finalMode?: number;
}

/** Who may read the finished output: plaintext stays the user's own (0600). */
export type OutputAccess = 'private' | 'as-umask';

/**
 * Every temporary file is created 0600, so that plaintext (and a crash's leftovers) is never
 * readable by others; an encrypted output is given the umask's usual mode (0644 under umask 022)
 * when it is committed, as any other file the user makes.
 */
/** A fresh temporary name beside `target`, of the form removeStaleTemps recognizes. */
export function tempPathBeside(target: string): string {
  tempCounter = (tempCounter + 1) >>> 0;
  return join(dirname(target), `.${basename(target)}.coffer-tmp-${PID}-${tempCounter.toString(16).padStart(8, '0')}`);
}

/** The mode an encrypted output gets when it is committed: the umask's usual one. */
export function umaskMode(): number {
  return 0o666 & ~process.umask();
}

export async function createTempBeside(target: string, access: OutputAccess = 'private'): Promise<TempOutput> {
  const path = tempPathBeside(target);
  try {
    // Readable too: a signed file's signature is computed from the bytes written.
    const handle = await fs.open(path, 'wx+', 0o600);
    liveTemps.add(path);
    return access === 'as-umask' ? { path, handle, finalMode: umaskMode() } : { path, handle };
  } catch (error) {
    // A disk full, a denied permission, a name too long: the job words those, naming the output.
    if (fsFailureCode(error)) throw error;
    throw new CofferError('COFFER.2009', `Coffer cannot write in ${dirname(target)}: ${(error as Error).message}.`);
  }
}

/**
 * Makes a folder's entries durable: a name given before this call is on disk when it returns.
 * Files committed at once in one folder share fsyncs: a call that arrives while one runs waits
 * for the next, which then serves every call that arrived meanwhile (one fsync for many names,
 * never one that started before a name was given).
 */
const folderSyncs = new Map<string, { running: Promise<void>; next?: Promise<void> }>();

export function syncFolder(dir: string, sync: (dir: string) => Promise<void> = fsyncDir): Promise<void> {
  const current = folderSyncs.get(dir);
  if (current?.next) return current.next;
  const start = (): Promise<void> => {
    const running = sync(dir).finally(() => {
      const state = folderSyncs.get(dir);
      if (state?.running === running && !state.next) folderSyncs.delete(dir);
    });
    return running;
  };
  if (!current) {
    const running = start();
    folderSyncs.set(dir, { running });
    return running;
  }
  const next = current.running
    .catch(() => undefined)
    .then(() => {
      const running = start();
      folderSyncs.set(dir, { running });
      return running;
    });
  current.next = next;
  return next;
}

/**
 * The folder fsyncs of a batch of small files, in groups: a worker names each file once its
 * bytes are fsynced, and the file is reported done once a fsync of its folder that began after
 * the name was given has returned. One fsync serves up to `groupSize` names (or whatever is
 * pending when the batch flushes at its end): on a folder of 1000 files, about 16 instead of
 * one per file. Until then the worker's slot is free for the next file. Each folder is opened
 * once for the batch's syncs (`close` closes them): opening and closing it for each sync were
 * two more trips through the thread pool each.
 */
export class FolderSyncGroups {
  private readonly pending = new Map<string, { resolve: () => void; reject: (error: unknown) => void }[]>();
  private readonly opened = new Map<string, Promise<FileHandle | null>>();
  private closed = false;
  constructor(private readonly groupSize = 64) {}

  /** Resolves once the names given so far in `dir` are durable. */
  named(dir: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let waiting = this.pending.get(dir);
      if (!waiting) this.pending.set(dir, (waiting = []));
      waiting.push({ resolve, reject });
      if (waiting.length >= this.groupSize) this.flush(dir);
    });
  }

  private flush(dir: string): void {
    const waiting = this.pending.get(dir) ?? [];
    this.pending.delete(dir);
    syncFolder(dir, (folder) => this.syncKeptOpen(folder)).then(
      () => waiting.forEach((w) => w.resolve()),
      (error: unknown) => waiting.forEach((w) => w.reject(error)),
    );
  }

  private async syncKeptOpen(dir: string): Promise<void> {
    if (this.closed) return fsyncDir(dir); // a sync after the batch ended keeps nothing open
    let handle = this.opened.get(dir);
    if (!handle) {
      handle = openDirForSync(dir);
      this.opened.set(dir, handle);
      // A folder that could not be opened is tried again by the next sync.
      handle.catch(() => this.opened.delete(dir));
    }
    await syncOpenedDir(await handle);
  }

  /** Syncs every folder with a name still waiting (the batch is over, or has paused). */
  flushAll(): void {
    for (const dir of [...this.pending.keys()]) this.flush(dir);
  }

  /** Closes the folders kept open; call it once every sync has returned. */
  async close(): Promise<void> {
    this.closed = true;
    const handles = await Promise.all([...this.opened.values()].map((h) => h.catch(() => null)));
    this.opened.clear();
    await Promise.all(handles.map((h) => h?.close().catch(() => undefined)));
  }
}

/**
 * A temporary output another thread writes (a worker's whole small file), counted as this
 * process's own until `untrackTemp`: a signal's exit removes it like the others.
 */
export function trackTemp(path: string): void {
  liveTemps.add(path);
}

export function untrackTemp(path: string): void {
  liveTemps.delete(path);
}

export async function discardTemp(temp: TempOutput): Promise<void> {
  await temp.handle.close().catch(() => undefined);
  await fs.rm(temp.path, { force: true }).catch(() => undefined);
  liveTemps.delete(temp.path);
}

/**
 * Removes every temporary output of this process at once, for a command that must end now (a
 * signal) while a job may be stuck in a system call: nothing half-written is left behind.
 */
export function removeLiveTempsNow(): void {
  Atomics.store(tempsRemoved, TEMPS_REMOVED, 1);
  for (const path of liveTemps) rmSync(path, { force: true });
  liveTemps.clear();
  // A file created before the flag was set existed for the removal above; one created after it is
  // removed by its worker, once that worker's create settles.
  const deadline = Date.now() + CREATES_SETTLE_MS;
  for (let busy = Atomics.load(tempsRemoved, TEMPS_BEING_CREATED); busy > 0 && Date.now() < deadline;) {
    Atomics.wait(tempsRemoved, TEMPS_BEING_CREATED, busy, 5);
    busy = Atomics.load(tempsRemoved, TEMPS_BEING_CREATED);
  }
}

/** "photo.jpg" -> "photo (1).jpg"; "notes" -> "notes (1)". */
export function numberedName(path: string, n: number): string {
  if (n === 0) return path;
  const ext = extname(path);
  const stem = ext && ext !== path ? path.slice(0, -ext.length) : path;
  return `${stem} (${n})${ext && ext !== path ? ext : ''}`;
}

export function isNoLinkSupport(code: string | undefined): boolean {
  return (
    code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV' || code === 'ENOSYS' || code === 'EMLINK'
  );
}

/**
 * Gives the finished temporary file the first free name among target, "target (1)", ... and
 * returns it. link() refuses to replace an existing file, so two jobs never clobber each other.
 */
export async function commitTemp(temp: TempOutput, target: string): Promise<string> {
  if (temp.finalMode !== undefined) await temp.handle.chmod(temp.finalMode);
  await temp.handle.sync();
  await temp.handle.close();
  return nameTemp(temp.path, target);
}

/**
 * Gives a finished, synced and closed temporary file the first free name among target,
 * "target (1)", ... and returns it (link() refuses to replace an existing file).
 */
export async function nameTemp(tempPath: string, target: string): Promise<string> {
  for (let n = 0; n < 10_000; n += 1) {
    const candidate = numberedName(target, n);
    try {
      await fs.link(tempPath, candidate);
      await fs.unlink(tempPath).catch(() => undefined); // a leftover is removed as stale later
      liveTemps.delete(tempPath);
      await syncFolder(dirname(target));
      return candidate;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (fsFailureCode(error) && !isNoLinkSupport(code)) throw error;
      if (!isNoLinkSupport(code))
        throw new CofferError('COFFER.2009', `The output ${candidate} cannot be written: ${(error as Error).message}.`);
      // File systems without hard links (FAT, some network shares): check, then rename.
      if (
        await fs.lstat(candidate).then(
          () => true,
          () => false,
        )
      )
        continue;
      await fs.rename(tempPath, candidate);
      liveTemps.delete(tempPath);
      await syncFolder(dirname(target));
      return candidate;
    }
  }
  throw new CofferError('COFFER.2009', `Every name from ${target} to "(9999)" is taken.`);
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary outputs of Coffer runs that were killed (their process is gone). */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await fs.readdir(dir).catch(() => [] as string[])) {
    const match = TEMP_PATTERN.exec(entry);
    if (!match || processIsAlive(Number(match[2]))) continue;
    await fs.rm(join(dir, entry), { force: true });
    removed.push(join(dir, entry));
  }
  return removed;
}

export function isTempName(name: string): boolean {
  return TEMP_PATTERN.test(name);
}
