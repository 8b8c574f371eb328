import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CofferError } from '../../../shared/errors.js';
import { fsyncDir } from '../vault/durable-write.js';

/**
 * Public key files on disk, for every face (the CLI's get-publickey --out and add-contact, the
 * app's open and save dialogs): read with a size bound, written whole under a temporary name so
 * no half-written file ever has the final name.
 */
export const MAX_PUBLIC_KEY_FILE_BYTES = 64 * 1024;

/** The text of a public key file; COFFER.8004 when it cannot be one (too large, not a regular file), COFFER.1018 when unreadable. */
export async function readPublicKeyFileText(path: string): Promise<string> {
  let handle: fs.FileHandle | undefined;
  try {
    // Opened without waiting, so a FIFO under the name never blocks; read only if regular.
    handle = await fs.open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const stats = await handle.stat();
    if (!stats.isFile())
      throw new CofferError('COFFER.8004', `${path} is not a regular file, so it is not a Coffer public key file.`);
    if (stats.size > MAX_PUBLIC_KEY_FILE_BYTES) {
      throw new CofferError('COFFER.8004', `${path} is too large to be a Coffer public key file (at most 64 KiB).`);
    }
    return await handle.readFile('utf8');
  } catch (error) {
    if (error instanceof CofferError) throw error;
    throw new CofferError('COFFER.1018', `${path} cannot be read: ${(error as Error).message}.`);
  } finally {
    await handle?.close();
  }
}

/**
 * Writes a public key file whole: a hidden temporary beside it, flushed, then a hard link to the
 * final name (`replace: false`, which refuses an existing file: COFFER.1017) or a rename over it
 * (`replace: true`, when the user already agreed to replace it in a save dialog).
 */
export async function writePublicKeyFileText(path: string, text: string, { replace }: { replace: boolean }): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.coffer-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await fs.writeFile(temporary, text, { flag: 'wx', mode: 0o644, flush: true });
    if (replace) await fs.rename(temporary, path);
    else await fs.link(temporary, path);
    await fsyncDir(dirname(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new CofferError('COFFER.1017', `${path} already exists: choose a new file name for the public key file.`);
    }
    throw new CofferError('COFFER.2009', `${path} cannot be written: ${(error as Error).message}.`);
  } finally {
    await fs.rm(temporary, { force: true });
  }
}
