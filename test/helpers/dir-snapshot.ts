import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Every file in a folder with the SHA-256 of its bytes: equal snapshots mean nothing changed. */
export async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    out[entry.name] = createHash('sha256')
      .update(await readFile(join(dir, entry.name)))
      .digest('hex');
  }
  return out;
}
