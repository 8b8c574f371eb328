import { constants, promises as fs } from 'node:fs';
import { MESSAGE_START_BYTES, startsLikeMessage } from '../core/envelope/algorithm-suites.js';
import { specialFileKind, specialFileReason } from '../core/envelope/file-kind.js';
import type { JobManager } from '../core/jobs/job-manager.js';
import type { GrantedFiles } from './granted-files.js';
import type { MediaOpener } from './media-opener.js';
import type { DomainHandlers } from './handler-types.js';
import type { SettingsStore } from './settings-store.js';
import type { VaultSession } from './vault-session.js';

export interface FileHandlerDeps {
  session: VaultSession;
  jobs: JobManager;
  media: MediaOpener;
  settings: SettingsStore;
  /** The files this session was given: every channel names files by their handles here. */
  files: GrantedFiles;
  /** The OS file dialog (main passes Electron's; tests pass a stand-in). */
  choosePaths?: ((kind: ChooseKind) => Promise<string[]>) | undefined;
  /** Shows a file in the OS file manager. */
  revealPath?: ((path: string) => void) | undefined;
}

/** What files:choose may ask the OS dialog for. */
export type ChooseKind = 'files' | 'folder' | 'file';

/**
 * A file is a Coffer file by its first bytes, not by its name: an ESDK message Coffer reads (v2,
 * signed or not, or a legacy v1 one), so it is offered for decrypting.
 */
async function looksLikeCoffer(path: string): Promise<boolean> {
  // Never blocks on a FIFO swapped in since the stat: opened without waiting, read only if regular.
  const handle = await fs.open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0)).catch(() => null);
  if (!handle) return false;
  try {
    if (!(await handle.stat()).isFile()) return false;
    const head = Buffer.alloc(MESSAGE_START_BYTES);
    const { bytesRead } = await handle.read(head, 0, MESSAGE_START_BYTES, 0);
    return startsLikeMessage(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * Files the user picked or dropped: what they are, the job queue over them, and previews. The
 * renderer names files by handles only (granted-files.ts): paths come from main's own dialogs,
 * from drops the preload resolved, and from Settings, which main wrote from a handle.
 */
export function fileHandlers(deps: FileHandlerDeps): DomainHandlers<'files' | 'jobs' | 'media'> {
  const { session, jobs, media, settings, files } = deps;
  return {
    'files:classify': async (r) => {
      // Every handle is checked before any file is looked at: one made-up name refuses the lot.
      const refs = r.handles.map((handle) => files.ref(handle));
      return {
        files: await Promise.all(
          refs.map(async (ref) => {
            const stats = await fs.stat(ref.path).catch(() => null);
            if (!stats) return { ...ref, kind: 'missing' as const, size: 0 };
            const special = specialFileKind(stats);
            if (special) return { ...ref, kind: 'special' as const, size: 0, reason: specialFileReason(special) };
            if (stats.isDirectory()) return { ...ref, kind: 'folder' as const, size: 0 };
            const kind = (await looksLikeCoffer(ref.path)) ? ('coffer' as const) : ('file' as const);
            return { ...ref, kind, size: stats.size };
          }),
        ),
      };
    },
    'files:choose': async (r) => ({ files: files.grantAll((await deps.choosePaths?.(r.kind)) ?? []) }),
    'files:register-drop': async (r) => ({ files: files.grantAll(r.paths) }),
    'files:show-in-folder': async (r) => {
      const path = files.path(r.handle);
      const exists = await fs.stat(path).then(
        () => true,
        () => false,
      );
      if (exists) deps.revealPath?.(path);
      return { shown: exists && deps.revealPath !== undefined };
    },
    'jobs:start': async (r) => {
      session.unlocked();
      const { inputs, out_dir, ...fields } = r;
      const paths = inputs.map((handle) => files.path(handle));
      const outDir = out_dir === undefined ? undefined : await files.folder(out_dir);
      // The renderer may leave to Settings the default key, output folder, frame length, removal
      // and the EDK limit; the job manager checks the completed request whole (shared/file-job.ts).
      const defaults = settings.get();
      const maxEdks = fields.max_encrypted_data_keys ?? defaults.max_encrypted_data_keys;
      const defaultKey = defaults.default_key_id ? [defaults.default_key_id] : undefined;
      const job_id = jobs.start(
        fields.action === 'encrypt'
          ? {
              ...fields,
              paths,
              key_ids: fields.key_ids ?? defaultKey,
              out_dir: outDir ?? defaults.out_dir ?? undefined,
              frame_length: fields.frame_length ?? defaults.frame_length ?? undefined,
              remove_originals: fields.remove_originals ?? defaults.remove_originals,
            }
          : {
              ...fields,
              paths,
              ...(fields.action === 'decrypt'
                ? { out_dir: outDir ?? defaults.out_dir ?? undefined }
                : outDir === undefined
                  ? {}
                  : { out_dir: outDir }),
              ...(maxEdks === null || maxEdks === undefined ? {} : { max_encrypted_data_keys: maxEdks }),
            },
      );
      return { job_id };
    },
    'jobs:cancel': async (r) => ({ cancelled: jobs.cancel(r.job_id) }),
    'jobs:list': async () => ({ jobs: jobs.list() }),
    'media:open': async (r) => {
      session.unlocked();
      const limit = settings.get().max_encrypted_data_keys;
      const opened = await media.open(files.path(r.handle), limit === null ? {} : { maxEncryptedDataKeys: limit });
      return { url: opened.url, mime_type: opened.mimeType, size: opened.size };
    },
  };
}
