import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CofferError, errorFields } from '../../../shared/errors.js';
import { COFFER_EXTENSION } from '../../../shared/file-format.js';
import type { FileAction, FileJobRequest } from '../../../shared/file-job.js';
import type { FileResult } from '../../../shared/kms-responses.js';
import type { JobKeyrings } from '../keyrings/request-keyrings.js';
import type { Keyring } from '../keyrings/keyring.js';
import { specialFileKind, specialFileReason } from '../envelope/file-kind.js';
import { fsFailure } from '../envelope/fs-failure.js';
import { suiteById } from '../envelope/algorithm-suites.js';
import { decryptFile, encryptFile, type DecryptOptions, type EngineContext } from './file-crypto.js';
import {
  decryptSmallFiles,
  encryptSmallFiles,
  reportProgress,
  type SmallFileItem,
  type SmallFileOutcome,
} from './small-file-crypto.js';
import { FolderSyncGroups, isTempName, removeStaleTemps } from './output-file.js';
import type { Progress } from './progress.js';

export type { FileAction, FileResult };

/**
 * Many paths at once, for the runner (file-job-runner.ts): folders are walked, every file is
 * handled on its own, and one failure never stops the others. Encrypting writes NAME.coffer,
 * decrypting NAME.coffer writes NAME, never over an existing file. Originals are removed only on
 * request, and only after their encrypted copy has been read back, authenticated and found to
 * hold the same bytes.
 */
export interface BatchHooks {
  /** Every file the batch will handle, with its size, before the first starts. */
  onPlanned?: (files: { input: string; size: number }[]) => void;
  onFileStart?: (input: string, index: number, count: number) => void;
  onFileDone?: (result: FileResult) => void;
  onProgress?: (input: string, progress: Progress) => void;
}

export interface BatchContext extends Omit<EngineContext, 'keys' | 'onProgress'>, BatchHooks {
  keys: JobKeyrings;
}

export interface PlannedFile {
  input: string;
  /** The folder the output goes to. */
  outDir: string;
}

/** localeCompare's order, at a fraction of its cost (a folder of 1000 files sorted in 90 ms that way). */
const byName = new Intl.Collator();

async function walk(
  root: string,
  outRoot: string,
  planned: PlannedFile[],
  skipped: FileResult[],
  action: FileAction,
): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch (error) {
    const failure =
      fsFailure(error, `The folder ${root} cannot be read`, 'Nothing in it was touched.') ??
      new CofferError('COFFER.2008', `The folder ${root} cannot be read: ${(error as Error).message}.`);
    skipped.push({ input: root, status: 'error', error: errorFields(failure) });
    return;
  }
  entries.sort((a, b) => byName.compare(a.name, b.name));
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isSymbolicLink()) {
      skipped.push({ input: path, status: 'skipped', reason: 'symbolic links are not followed inside folders' });
    } else if (entry.isDirectory()) {
      await walk(path, join(outRoot, entry.name), planned, skipped, action);
    } else if (specialFileKind(entry)) {
      skipped.push({ input: path, status: 'skipped', reason: specialFileReason(specialFileKind(entry)!) });
    } else if (entry.isFile() && !isTempName(entry.name)) {
      const isCoffer = entry.name.endsWith(COFFER_EXTENSION);
      if (action === 'encrypt' && isCoffer) skipped.push({ input: path, status: 'skipped', reason: 'already a Coffer file' });
      else if (action !== 'encrypt' && !isCoffer) skipped.push({ input: path, status: 'skipped', reason: 'not a .coffer file' });
      else planned.push({ input: path, outDir: outRoot });
    }
  }
}

/** Expands folders into files; a folder given with --out-dir keeps its structure under it. */
export async function planFiles(request: FileJobRequest): Promise<{ planned: PlannedFile[]; results: FileResult[] }> {
  const planned: PlannedFile[] = [];
  const results: FileResult[] = [];
  for (const path of request.paths) {
    const stats = await fs.stat(path).catch((error: unknown) => error as NodeJS.ErrnoException);
    if (stats instanceof Error) {
      const failure =
        stats.code === 'ENOENT'
          ? new CofferError('COFFER.2008', `${path} does not exist.`)
          : (fsFailure(stats, `${path} cannot be read`, 'Nothing was written for it.') ??
            new CofferError('COFFER.2008', `${path} cannot be read: ${stats.message}.`));
      results.push({ input: path, status: 'error', error: errorFields(failure) });
    } else if (specialFileKind(stats)) {
      results.push({ input: path, status: 'skipped', reason: specialFileReason(specialFileKind(stats)!) });
    } else if (stats.isDirectory()) {
      await walk(path, request.out_dir ? join(request.out_dir, basename(path)) : path, planned, results, request.action);
    } else {
      planned.push({ input: path, outDir: request.out_dir ?? dirname(path) });
    }
  }
  return { planned, results };
}

export function encryptedName(input: string): string {
  return `${basename(input)}${COFFER_EXTENSION}`;
}

/** A name the file system takes as one plain name in the folder it is joined to. */
function isPlainName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** The name a decrypted file gets when its own would leave the folder or name no file. */
export const FALLBACK_DECRYPTED_NAME = 'decrypted';

/**
 * "photo.jpg.coffer" -> "photo.jpg"; a file without the extension gets ".decrypted". An output
 * name is always one plain name inside the output folder: never empty, "." or "..", never with a
 * separator ("...coffer" would otherwise be written as "..", in the parent folder). Such a name
 * is replaced, and the note says so.
 */
export function decryptedName(input: string): { name: string; note?: string } {
  const source = basename(input);
  const name =
    source.endsWith(COFFER_EXTENSION) && source.length > COFFER_EXTENSION.length
      ? source.slice(0, -COFFER_EXTENSION.length)
      : `${source}.decrypted`;
  if (isPlainName(name)) return { name };
  return {
    name: FALLBACK_DECRYPTED_NAME,
    note: `"${source}" would decrypt to "${name}", which is not a file name in its folder, so it was written as "${FALLBACK_DECRYPTED_NAME}" instead.`,
  };
}

/** Puts " (n)" before ".coffer", so "a.jpg.coffer" becomes "a.jpg (1).coffer". */
function encryptTarget(outDir: string, input: string): string {
  return join(outDir, encryptedName(input));
}

/**
 * Small files run several at once, so that the workers are never idle while one file's outputs
 * are opened, synced and named (a folder of 256 KiB pictures spent most of its time there); a
 * file of more than one batch of frames already keeps every worker busy, and runs alone, so that
 * memory stays bounded by one file's window.
 */
const SMALL_FILE_BYTES = 4 * 1024 * 1024;
const SMALL_FILES_IN_FLIGHT = 8;
/**
 * Small files go to the workers in groups (one or two messages a group instead of one or two a
 * file: on a folder of 1000 small files, the messages were the job thread's largest cost), and a
 * group's data keys are wrapped or unwrapped together, so their audit records share an append.
 */
const GROUP_FILES = 32;
const GROUP_BYTES = 2 * SMALL_FILE_BYTES;
const GROUPS_IN_FLIGHT = 4;

/** Runs the planned files; `results` (the planning's skips and errors) are reported first. */
export async function runFileBatch(
  request: FileJobRequest,
  { planned, results }: { planned: PlannedFile[]; results: FileResult[] },
  context: BatchContext,
): Promise<FileResult[]> {
  const options = request;
  // Decrypting: the pairs given back (a writer's required context) and whether v1 files may open.
  const reading: DecryptOptions = {
    ...(options.action !== 'encrypt' && options.encryption_context ? { encryption_context: options.encryption_context } : {}),
    ...(options.allow_legacy_format ? { allow_legacy_format: true } : {}),
    ...(options.max_encrypted_data_keys === undefined ? {} : { max_encrypted_data_keys: options.max_encrypted_data_keys }),
  };
  // A message to each worker (a share of the files each) instead of a stat call per file on this thread.
  const share = Math.ceil(planned.length / (planned.length >= 256 ? Math.min(context.pool.size, 4) : 1));
  const statting: Promise<number[]>[] = [];
  for (let at = 0; at < planned.length; at += share) {
    const paths = planned.slice(at, at + share).map((f) => f.input);
    statting.push(context.pool.run({ op: 'stat-files', paths }, []).then((r) => JSON.parse(r.data.toString('utf8')) as number[]));
  }
  // Encrypting: the job's keys are asked for now, while the files are stat'ed, rather than by its
  // first group once they are (the same one record; a refusal is each file's, from its wrap).
  if (options.action === 'encrypt' && planned.length > 0) context.keys.encrypt.holdWrapKeys?.().catch(() => undefined);
  const sizes = (await Promise.all(statting)).flat();
  context.onPlanned?.(planned.map((f, i) => ({ input: f.input, size: sizes[i]! })));
  for (const result of results) context.onFileDone?.(result);
  // Output folders this batch made; those that end up empty (every file in them failed) go again.
  const madeFolders: { folder: string; first: string }[] = [];
  // Each output folder is made, and cleared of a killed run's temporaries, once per job.
  const folders = new Map<string, Promise<void>>();
  const prepareFolder = (dir: string): Promise<void> => {
    let ready = folders.get(dir);
    if (!ready) {
      ready = (async () => {
        const made = await fs.mkdir(dir, { recursive: true }).catch((error: unknown) => {
          throw (
            fsFailure(error, `The output folder ${dir} cannot be made`, 'The original was kept.') ??
            new CofferError('COFFER.2009', `The output folder ${dir} cannot be made: ${(error as Error).message}.`)
          );
        });
        if (made) madeFolders.push({ folder: dir, first: made });
        await removeStaleTemps(dir);
      })();
      folders.set(dir, ready);
    }
    return ready;
  };
  // Small files named but not yet reported: each waits for a shared fsync of its folder.
  const folderSyncs = new FolderSyncGroups();
  const reports: Promise<void>[] = [];
  const done: FileResult[] = new Array<FileResult>(planned.length);
  const finish = (index: number, result: FileResult): void => {
    done[index] = result;
    context.onFileDone?.(result);
  };
  // A small file's output is named; it is reported once its folder is synced, and its slot is free meanwhile.
  const finishOnceDurable = (index: number, result: FileResult & { output: string }): void => {
    reports.push(
      folderSyncs.named(dirname(result.output)).then(
        () => finish(index, result),
        (error: unknown) =>
          finish(index, { input: result.input, status: 'error', error: errorFields(unsynced(result.output, error)) }),
      ),
    );
  };
  const cancelled = (index: number): void =>
    finish(index, {
      input: planned[index]!.input,
      status: 'error',
      error: errorFields(new CofferError('COFFER.2010', 'The batch was cancelled before this file.')),
    });
  /** Small files as one group: encrypted by encryptSmallFiles, decrypted or verified by decryptSmallFiles. */
  const runGroup = async (indexes: readonly number[]): Promise<void> => {
    if (context.signal?.aborted) {
      indexes.forEach(cancelled);
      return;
    }
    const items: SmallFileItem[] = [];
    const grouped: number[] = [];
    const notes = new Map<number, string>();
    for (const index of indexes) {
      const file = planned[index]!;
      context.onFileStart?.(file.input, index, planned.length);
      if (options.action === 'verify') items.push({ input: file.input, target: null });
      else {
        try {
          await prepareFolder(file.outDir);
        } catch (error) {
          finish(index, { input: file.input, status: 'error', error: errorFields(error) });
          continue;
        }
        if (options.action === 'encrypt') items.push({ input: file.input, target: encryptTarget(file.outDir, file.input) });
        else {
          const { name, note } = decryptedName(file.input);
          if (note) notes.set(index, note);
          items.push({ input: file.input, target: join(file.outDir, name) });
        }
      }
      grouped.push(index);
    }
    let outcomes: SmallFileOutcome[];
    try {
      outcomes =
        options.action === 'encrypt'
          ? await encryptSmallFiles(
              items.map(({ input, target }) => ({ input, target: target! })),
              { frame_length: options.frame_length, encryption_context: options.encryption_context, maxBytes: SMALL_FILE_BYTES },
              { pool: context.pool, keys: context.keys.encrypt, signal: context.signal, window: context.window },
            )
          : await decryptSmallFiles(
              items,
              { ...reading, maxBytes: SMALL_FILE_BYTES },
              { pool: context.pool, keys: context.keys.decrypt, signal: context.signal, window: context.window },
            );
    } catch (error) {
      outcomes = items.map(() => ({ ok: false, error }));
    }
    outcomes.forEach((outcome, i) => {
      const index = grouped[i]!;
      const input = planned[index]!.input;
      if (!outcome.ok) return finish(index, { input, status: 'error', error: errorFields(outcome.error) });
      reportProgress(outcome.bytes, (p) => context.onProgress?.(input, p));
      const note = notes.get(index);
      if (outcome.output === undefined) return finish(index, { input, status: 'ok', bytes: outcome.bytes });
      finishOnceDurable(index, { input, status: 'ok', output: outcome.output, bytes: outcome.bytes, ...(note ? { note } : {}) });
    });
  };
  const runOne = async (index: number): Promise<void> => {
    const file = planned[index]!;
    if (context.signal?.aborted) return cancelled(index);
    const push = (result: FileResult): void => finish(index, result);
    context.onFileStart?.(file.input, index, planned.length);
    const engine = (keys: Keyring): EngineContext => ({
      pool: context.pool,
      keys,
      signal: context.signal,
      window: context.window,
      onProgress: (p) => context.onProgress?.(file.input, p),
    });
    try {
      if (options.action !== 'verify') await prepareFolder(file.outDir);
      if (options.action === 'encrypt') {
        const done = await encryptFile(
          file.input,
          encryptTarget(file.outDir, file.input),
          {
            frame_length: options.frame_length,
            encryption_context: options.encryption_context,
            ...(options.algorithm_suite ? { suite: suiteById(options.algorithm_suite)! } : {}),
            ...(options.required_context_keys ? { requiredContextKeys: options.required_context_keys } : {}),
            hashPlaintext: options.remove_originals,
          },
          engine(context.keys.encrypt),
        );
        let removed = false;
        if (options.remove_originals) {
          const check = await decryptFile(
            done.output!,
            null,
            { ...engine(context.keys.decrypt), onProgress: undefined },
            { hashPlaintext: true, encryption_context: options.encryption_context },
          );
          if (check.sha256 !== done.sha256 || check.bytes !== done.bytes) {
            throw new CofferError(
              'COFFER.2003',
              `The encrypted copy ${done.output} did not read back as the original; the original was kept.`,
            );
          }
          await fs.rm(file.input);
          removed = true;
        }
        push({
          input: file.input,
          status: 'ok',
          output: done.output,
          bytes: done.bytes,
          ...(options.remove_originals ? { original_removed: removed } : {}),
        });
      } else if (options.action === 'decrypt') {
        const { name, note } = decryptedName(file.input);
        const done = await decryptFile(file.input, join(file.outDir, name), engine(context.keys.decrypt), reading);
        push({ input: file.input, status: 'ok', output: done.output, bytes: done.bytes, ...(note ? { note } : {}) });
      } else {
        const done = await decryptFile(file.input, null, engine(context.keys.decrypt), reading);
        push({ input: file.input, status: 'ok', bytes: done.bytes });
      }
    } catch (error) {
      push({ input: file.input, status: 'error', error: errorFields(error) });
    }
  };
  // Encrypting, a small file is handled whole by a worker when it is written in the default
  // unsigned suite with no required context keys (and the original stays).
  const plainSmallEncrypt =
    options.action === 'encrypt' &&
    !options.remove_originals &&
    !options.required_context_keys?.length &&
    (options.algorithm_suite === undefined || !suiteById(options.algorithm_suite)?.signature);
  const groupable = (index: number): boolean =>
    sizes[index]! <= SMALL_FILE_BYTES && (options.action !== 'encrypt' || plainSmallEncrypt);
  // The folders kept open for their syncs are closed however the batch ends.
  try {
    const inFlight = new Set<Promise<void>>();
    for (let index = 0; index < planned.length;) {
      const grouped = groupable(index);
      const alone = sizes[index]! > SMALL_FILE_BYTES;
      const unit = [index];
      for (
        let bytes = sizes[index]!, next = index + 1;
        grouped && next < planned.length && unit.length < GROUP_FILES;
        next += 1
      ) {
        if (!groupable(next) || bytes + sizes[next]! > GROUP_BYTES) break;
        bytes += sizes[next]!;
        unit.push(next);
      }
      while (inFlight.size >= (alone ? 1 : grouped ? GROUPS_IN_FLIGHT : SMALL_FILES_IN_FLIGHT)) await Promise.race(inFlight);
      const running = (grouped ? runGroup(unit) : runOne(index)).finally(() => inFlight.delete(running));
      inFlight.add(running);
      index += unit.length;
      if (alone) await running;
    }
    await Promise.all(inFlight);
    folderSyncs.flushAll();
    await Promise.all(reports);
  } finally {
    await folderSyncs.close();
  }
  await removeEmptyFolders(madeFolders);
  results.push(...done);
  return results;
}

/** A named output whose folder could not be synced: it is there, but its name may not survive a crash. */
function unsynced(output: string, error: unknown): CofferError {
  return (
    fsFailure(
      error,
      `The folder of ${output} could not be synced`,
      'The original was kept; run the job again to be sure of the output.',
    ) ??
    new CofferError(
      'COFFER.2009',
      `The folder of ${output} could not be synced (${(error as Error).message}): the output may not survive a crash. The original was kept.`,
    )
  );
}

/** Removes each made folder that is empty, and its made parents up to the first one made. */
async function removeEmptyFolders(made: readonly { folder: string; first: string }[]): Promise<void> {
  const deepestFirst = [...made].sort((a, b) => b.folder.length - a.folder.length);
  for (const { folder, first } of deepestFirst) {
    for (let dir = folder; dir.startsWith(first); dir = dirname(dir)) {
      // rmdir removes only an empty folder: one holding anything (an output) stays, and so do its parents.
      if (
        !(await fs.rmdir(dir).then(
          () => true,
          () => false,
        ))
      )
        break;
      if (dir === first) break;
    }
  }
}
