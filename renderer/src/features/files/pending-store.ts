import { create } from 'zustand';
import type { FileRef } from '../../../../shared/file-handle.js';
import type { JobStartRequest } from '../../../../shared/ipc-contract.js';
import { call, messageOf } from '../../bridge.js';
import { baseName } from '../../ui/format.js';

export type FileAction = JobStartRequest['action'];
export type ItemKind = 'coffer' | 'file' | 'folder';

/**
 * A dropped or chosen item waiting for Start: what it is by its header, and what to do with it.
 * `handle` is how main knows it (the window acts by handle); `path` is for showing.
 */
export interface PendingItem {
  handle: string;
  path: string;
  kind: ItemKind;
  size: number;
  action: FileAction;
}

interface PendingState {
  items: PendingItem[];
  /** How many paths are being classified right now. */
  checking: number;
  /** Plain-words notes about what could not be added (not on disk, not found). */
  notices: string[];
  error: string | null;
  /** Classifies granted files by their header and lists the new ones; `notOnDisk` names dropped items without a path. */
  add(files: FileRef[], notOnDisk?: string[]): Promise<void>;
  setAction(path: string, action: FileAction): void;
  /** Takes paths off the list for good (they were started). */
  remove(paths: string[]): void;
  clear(): void;
  /** The last removal the user made, while it can still be undone. */
  undo: { message: string; before: PendingItem[] } | null;
  /** Remove and Clear list as the user asks for them: undoable until forgetUndo. */
  removeUndoable(paths: string[]): void;
  clearUndoable(): void;
  /** Puts the removed items back where they were, keeping anything added since. */
  restore(): void;
  forgetUndo(): void;
  dismissNotices(): void;
}

/** The most paths one request may carry (the contract's limit). */
export const MAX_PATHS_PER_REQUEST = 10_000;

export function chunk<T>(list: readonly T[], size = MAX_PATHS_PER_REQUEST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** A Coffer file decrypts; anything else (a folder too) encrypts. */
export function defaultAction(kind: ItemKind): FileAction {
  return kind === 'coffer' ? 'decrypt' : 'encrypt';
}

function listNames(paths: string[]): string {
  const names = paths.slice(0, 3).map((p) => `“${baseName(p) || p}”`);
  const more = paths.length - names.length;
  return more > 0 ? `${names.join(', ')} and ${more} more` : names.join(names.length === 2 ? ' and ' : ', ');
}

export const usePendingStore = create<PendingState>((set, get) => ({
  items: [],
  checking: 0,
  notices: [],
  error: null,
  async add(files, notOnDisk = []) {
    const notices: string[] = [];
    if (notOnDisk.length > 0) {
      notices.push(
        notOnDisk.length === 1
          ? `${listNames(notOnDisk)} is not a file on disk, so it was left out.`
          : `${listNames(notOnDisk)} are not files on disk, so they were left out.`,
      );
    }
    const known = new Set(get().items.map((i) => i.path));
    const seen = new Set<string>();
    const fresh = files.filter((f) => !known.has(f.path) && !seen.has(f.path) && seen.add(f.path));
    set({ notices, error: null });
    if (fresh.length === 0) return;
    set((s) => ({ checking: s.checking + fresh.length }));
    try {
      const classified: (FileRef & { kind: ItemKind | 'missing' | 'special'; size: number; reason?: string })[] = [];
      for (const part of chunk(fresh)) {
        classified.push(...(await call('files:classify', { handles: part.map((f) => f.handle) })).files);
      }
      const missing = classified.filter((f) => f.kind === 'missing').map((f) => f.path);
      if (missing.length > 0) {
        notices.push(
          missing.length === 1
            ? `${listNames(missing)} could not be found: it may have been moved or deleted.`
            : `${listNames(missing)} could not be found: they may have been moved or deleted.`,
        );
      }
      // FIFOs, sockets and devices are never read: each is named with main's reason.
      for (const f of classified)
        if (f.kind === 'special') notices.push(`${listNames([f.path])} is ${f.reason ?? 'not a regular file'}.`);
      set((s) => {
        const present = new Set(s.items.map((i) => i.path));
        const added: PendingItem[] = [];
        for (const f of classified) {
          if (f.kind === 'missing' || f.kind === 'special' || present.has(f.path)) continue;
          present.add(f.path);
          added.push({ handle: f.handle, path: f.path, kind: f.kind, size: f.size, action: defaultAction(f.kind) });
        }
        return { items: [...s.items, ...added], notices: [...notices] };
      });
    } catch (error) {
      set({ error: messageOf(error) });
    } finally {
      set((s) => ({ checking: Math.max(0, s.checking - fresh.length) }));
    }
  },
  setAction(path, action) {
    set((s) => ({ items: s.items.map((i) => (i.path === path ? { ...i, action } : i)) }));
  },
  remove(paths) {
    const gone = new Set(paths);
    set((s) => ({ items: s.items.filter((i) => !gone.has(i.path)) }));
  },
  clear() {
    set({ items: [], notices: [], error: null });
  },
  undo: null,
  removeUndoable(paths) {
    const gone = new Set(paths);
    const { items } = get();
    const removed = items.filter((i) => gone.has(i.path));
    if (removed.length === 0) return;
    set({
      items: items.filter((i) => !gone.has(i.path)),
      undo: { message: `Removed ${listNames(removed.map((i) => i.path))}.`, before: items },
    });
  },
  clearUndoable() {
    const { items } = get();
    if (items.length === 0) return;
    set({
      items: [],
      notices: [],
      error: null,
      undo: { message: `Cleared ${items.length} ${items.length === 1 ? 'item' : 'items'} from the list.`, before: items },
    });
  },
  restore() {
    const { undo, items } = get();
    if (!undo) return;
    const back = new Set(undo.before.map((i) => i.path));
    set({ items: [...undo.before, ...items.filter((i) => !back.has(i.path))], undo: null });
  },
  forgetUndo() {
    set({ undo: null });
  },
  dismissNotices() {
    set({ notices: [] });
  },
}));
