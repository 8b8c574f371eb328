import { constants, promises as fs } from 'node:fs';
import { COFFER_MAGIC } from '../../shared/file-format.js';
import { specialFileKind, specialFileReason } from '../core/envelope/file-kind.js';
import type { JobManager } from '../core/jobs/job-manager.js';
import type { MediaOpener } from './media-opener.js';
import type { DomainHandlers } from './handler-types.js';
import type { SettingsStore } from './settings-store.js';
import type { VaultSession } from './vault-session.js';

export interface FileHandlerDeps {
  session: VaultSession;
  jobs: JobManager;
  media: MediaOpener;
  settings: SettingsStore;
  /** The OS file dialog (main passes Electron's; tests pass a stand-in). */
  choosePaths?: ((kind: 'files' | 'folder') => Promise<string[]>) | undefined;
  /** Shows a file in the OS file manager. */
  revealPath?: ((path: string) => void) | undefined;
}

/** A file is a Coffer file by its first bytes (format version 2, suite 0x0478), not by its name. */
async function looksLikeCoffer(path: string): Promise<boolean> {
  // Never blocks on a FIFO swapped in since the stat: opened without waiting, read only if regular.
  const handle = await fs.open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)).catch(() => null);
  if (!handle) return false;
  try {
    if (!(await handle.stat()).isFile()) return false;
    const head = Buffer.alloc(3);
    const { bytesRead } = await handle.read(head, 0, 3, 0);
    return bytesRead === 3 && COFFER_MAGIC.every((byte, i) => head[i] === byte);
  } finally {
    await handle.close();
  }
}

/** Files the user picked or dropped: what they are, the job queue over them, and previews. */
export function fileHandlers(deps: FileHandlerDeps): DomainHandlers<'files' | 'jobs' | 'media'> {
  const { session, jobs, media, settings } = deps;
  return {
    'files:classify': async (r) => ({
      files: await Promise.all(
        r.paths.map(async (path) => {
          const stats = await fs.stat(path).catch(() => null);
          if (!stats) return { path, kind: 'missing' as const, size: 0 };
          const special = specialFileKind(stats);
          if (special) return { path, kind: 'special' as const, size: 0, reason: specialFileReason(special) };
          if (stats.isDirectory()) return { path, kind: 'folder' as const, size: 0 };
          return { path, kind: (await looksLikeCoffer(path)) ? ('coffer' as const) : ('file' as const), size: stats.size };
        }),
      ),
    }),
    'files:choose': async (r) => ({ paths: (await deps.choosePaths?.(r.kind)) ?? [] }),
    'files:show-in-folder': async (r) => {
      const exists = await fs.stat(r.path).then(
        () => true,
        () => false,
      );
      if (exists) deps.revealPath?.(r.path);
      return { shown: exists && deps.revealPath !== undefined };
    },
    'jobs:start': async (r) => {
      session.unlocked();
      // The renderer may leave to Settings the default key, output folder, frame length and
      // removal; the job manager checks the completed request whole (shared/file-job.ts).
      const defaults = settings.get();
      const defaultKey = defaults.default_key_id ? [defaults.default_key_id] : undefined;
      const job_id = jobs.start(
        r.action === 'encrypt'
          ? {
              ...r,
              key_ids: r.key_ids ?? defaultKey,
              out_dir: r.out_dir ?? defaults.out_dir ?? undefined,
              frame_length: r.frame_length ?? defaults.frame_length ?? undefined,
              remove_originals: r.remove_originals ?? defaults.remove_originals,
            }
          : r.action === 'decrypt'
            ? { ...r, out_dir: r.out_dir ?? defaults.out_dir ?? undefined }
            : r,
      );
      return { job_id };
    },
    'jobs:cancel': async (r) => ({ cancelled: jobs.cancel(r.job_id) }),
    'jobs:list': async () => ({ jobs: jobs.list() }),
    'media:open': async (r) => {
      session.unlocked();
      const opened = await media.open(r.path);
      return { url: opened.url, mime_type: opened.mimeType, size: opened.size };
    },
  };
}
