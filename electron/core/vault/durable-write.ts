import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

/** Makes a rename or a new file in `dir` survive a power cut (a no-op where folders cannot be opened, as on Windows). */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await openDirForSync(dir);
  try {
    await syncOpenedDir(handle);
  } finally {
    await handle?.close();
  }
}

/** Where a folder cannot be opened or synced (Windows, some file systems), its sync is a no-op. */
function syncUnsupported(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EPERM' || code === 'EINVAL' || code === 'EACCES';
}

/** `dir` opened for fsyncDir's sync, to be synced more than once; null where folders cannot be synced. */
export async function openDirForSync(dir: string): Promise<fs.FileHandle | null> {
  try {
    return await fs.open(dir, 'r');
  } catch (error) {
    if (syncUnsupported(error)) return null;
    throw error;
  }
}

/** One sync of a folder opened by openDirForSync: the names given in it so far are durable. */
export async function syncOpenedDir(handle: fs.FileHandle | null): Promise<void> {
  try {
    await handle?.sync();
  } catch (error) {
    if (!syncUnsupported(error)) throw error;
  }
}

/**
 * Replaces `target` so that a crash at any moment leaves either the old or the new content
 * under its name, and keeps the old content as `previous` (one generation back).
 */
export async function replaceKeepingPrevious(target: string, previous: string, content: string): Promise<void> {
  const dir = dirname(target);
  const hadTarget = await fs
    .stat(target)
    .then(() => true)
    .catch(() => false);
  if (hadTarget) {
    // A hard link costs nothing and is atomic; the new content then gets a new inode through rename.
    const staging = join(dir, `.${basename(previous)}.${process.pid}.tmp`);
    await fs.rm(staging, { force: true });
    try {
      await fs.link(target, staging);
    } catch {
      await fs.copyFile(target, staging);
    }
    await fs.rename(staging, previous);
  }
  await writeFileAtomic(target, content, { fsync: true, mode: 0o600 });
  await fsyncDir(dir);
}

/**
 * Temporary files left by a process that was killed mid-write (write-file-atomic names them
 * `<name>.<number>`); only call this while holding the vault lock, when no writer can be active.
 */
export async function removeStaleTemporaries(dir: string, names: readonly string[]): Promise<void> {
  const entries = await fs.readdir(dir).catch(() => [] as string[]);
  for (const entry of entries) {
    const stale =
      names.some((name) => entry.startsWith(`${name}.`) && /^[0-9]+$/.test(entry.slice(name.length + 1))) ||
      names.some((name) => entry.startsWith(`.${name}.`) && entry.endsWith('.tmp'));
    if (stale) await fs.rm(join(dir, entry), { force: true });
  }
}
