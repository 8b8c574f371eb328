import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, resolve } from 'node:path';
import { CofferError } from '../../shared/errors.js';
import type { FileRef, FileResultView } from '../../shared/file-handle.js';
import type { FileResult } from '../../shared/kms-responses.js';

/**
 * The files this app session may act on, each behind an opaque handle: 128 random bits that the
 * renderer holds instead of a path. Only main grants them, for files that reached it through a
 * gesture it trusts (its dialogs, the OS, a drop the preload resolved, an output it wrote), so a
 * script in the page that makes up a path, or a handle, is refused: it cannot name a file the
 * user did not give. A folder's handle grants the walk under it; walks never follow symbolic
 * links (core/jobs/file-batch.ts), so nothing outside the folder is reached through one.
 */
export class GrantedFiles {
  private readonly paths = new Map<string, string>();
  private readonly handles = new Map<string, string>();

  /** The handle for a path (the same one each time it is granted again in this session). */
  grant(path: string): FileRef {
    const absolute = resolve(path);
    let handle = this.handles.get(absolute);
    if (!handle) {
      handle = randomBytes(16).toString('base64url');
      this.handles.set(absolute, handle);
      this.paths.set(handle, absolute);
    }
    return { handle, path: absolute, name: basename(absolute) || absolute };
  }

  grantAll(paths: readonly string[]): FileRef[] {
    return paths.map((path) => this.grant(path));
  }

  /** The path behind a handle, or COFFER.2040 when this session never granted it. */
  path(handle: string): string {
    const path = this.paths.get(handle);
    if (path === undefined) {
      throw new CofferError(
        'COFFER.2040',
        `"${handle.slice(0, 200)}" is not a file Coffer was given in this session: choose the file with Coffer's dialog or drop it on the window again.`,
      );
    }
    return path;
  }

  /** The file behind a handle, as the window shows it. */
  ref(handle: string): FileRef {
    return this.grant(this.path(handle));
  }

  /** The granted folder behind a handle (an output folder), or COFFER.2041 when it is not one. */
  async folder(handle: string): Promise<string> {
    const path = this.path(handle);
    const stats = await fs.stat(path).catch(() => null);
    if (!stats?.isDirectory()) {
      throw new CofferError(
        'COFFER.2041',
        `${path} is not a folder${stats ? '' : ' any more'}: choose the output folder with Coffer's folder dialog.`,
      );
    }
    return path;
  }

  /** A result with handles for its input and its output, so the window can show or preview them. */
  view(result: FileResult): FileResultView {
    const input_handle = this.grant(result.input).handle;
    if (result.status === 'ok' && result.output)
      return { ...result, input_handle, output_handle: this.grant(result.output).handle };
    return { ...result, input_handle };
  }

  /** Forgets every handle (a new page was loaded: it starts with none). */
  revokeAll(): void {
    this.paths.clear();
    this.handles.clear();
  }

  get size(): number {
    return this.paths.size;
  }
}
