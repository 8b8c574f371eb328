import type { Dirent, Stats } from 'node:fs';

/**
 * What a path is, when it is not something Coffer reads: FIFOs, sockets and devices are never
 * opened for reading (opening a FIFO waits for a writer forever; a device may never end).
 * Returns null for a regular file or a folder.
 */
export function specialFileKind(entry: Stats | Dirent): string | null {
  if (entry.isFile() || entry.isDirectory()) return null;
  if (entry.isFIFO()) return 'a named pipe (FIFO)';
  if (entry.isSocket()) return 'a socket';
  if (entry.isCharacterDevice()) return 'a character device';
  if (entry.isBlockDevice()) return 'a block device';
  if (entry.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** The sentence a skipped special file carries in a batch's results and in the app. */
export function specialFileReason(kind: string): string {
  return `${kind}, not a regular file: Coffer reads only regular files, so it was left alone`;
}
