/**
 * The event edge of the manifests folder: one non-recursive `fs.watch` per folder, and the coalescing of
 * their events into batches of changed paths and folders (a quiet period of `debounceMs` after the last
 * event, a batch never delayed more than `maxDelayMs` after its first event).
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { compareStrings } from './folder-paths.js';
import { isIgnoredName } from './manifest-names.js';

/** What changed since the last batch, both sorted: paths to re-read, and folders to rescan. */
export interface ChangeBatch {
  readonly paths: readonly string[];
  readonly dirs: readonly string[];
}

export interface ChangeTiming {
  readonly debounceMs: number;
  readonly maxDelayMs: number;
}

/** What a folder watcher reports besides its events. */
export interface FolderWatchHandlers {
  readonly onEvent: (filename: string | Buffer | null) => void;
  /** The watch broke (the folder went away, or an error): the watcher is closed already. */
  readonly onBroken: (watcher: FSWatcher) => void;
  /** A watch error worth telling an operator (not a folder that simply vanished). */
  readonly onError: (error: unknown) => void;
}

function vanished(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Watches one folder. Undefined when it cannot be set up (out of inotify watches, or the folder vanished):
 * the periodic rescan still sees changes.
 */
export function startFolderWatcher(absDir: string, handlers: FolderWatchHandlers): FSWatcher | undefined {
  try {
    const w = fsWatch(absDir, { persistent: false }, (_event, filename) => handlers.onEvent(filename));
    w.on('error', (e) => {
      w.close();
      if (!vanished(e)) handlers.onError(e);
      handlers.onBroken(w);
    });
    return w;
  } catch (e) {
    if (!vanished(e)) handlers.onError(e);
    return undefined;
  }
}

/** Collects changed paths and folders and hands them over in batches (see the file comment for timing). */
export class ChangeCoalescer {
  private dirtyPaths = new Set<string>();
  private dirtyDirs = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private firstDirtyAt = 0;

  constructor(
    private readonly timing: ChangeTiming,
    private readonly onBatch: (batch: ChangeBatch) => void,
  ) {}

  /** An fs event about entry `filename` of folder `dir` (folder-relative). */
  addEvent(dir: string, filename: string | Buffer | null): void {
    const name = filename === null ? null : filename.toString();
    if (name === null || name.startsWith('..')) {
      // Unknown entry, or a Kubernetes ConfigMap volume swapping its `..data` symlink: rescan the folder.
      this.dirtyDirs.add(dir);
    } else if (isIgnoredName(name)) {
      return;
    } else {
      this.dirtyPaths.add(dir === '' ? name : `${dir}/${name}`);
    }
    this.scheduleFlush();
  }

  /** A folder to rescan as a whole. */
  addFolder(dir: string): void {
    this.dirtyDirs.add(dir);
    this.scheduleFlush();
  }

  /** Drops the pending batch's timer (what was collected stays, for a later event to flush). */
  cancel(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private scheduleFlush(): void {
    const now = Date.now();
    if (this.flushTimer === undefined) this.firstDirtyAt = now;
    else clearTimeout(this.flushTimer);
    const { debounceMs, maxDelayMs } = this.timing;
    const delay = Math.max(0, Math.min(debounceMs, this.firstDirtyAt + maxDelayMs - now));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const paths = [...this.dirtyPaths].sort(compareStrings);
      const dirs = [...this.dirtyDirs].sort(compareStrings);
      this.dirtyPaths = new Set();
      this.dirtyDirs = new Set();
      this.onBatch({ paths, dirs });
    }, delay);
  }
}
