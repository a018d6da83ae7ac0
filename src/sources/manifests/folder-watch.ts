/**
 * The event edge of the manifests folder: one non-recursive `fs.watch` per folder, and the coalescing of
 * their events into batches of changed paths and folders. One debounce, two quiet periods:
 * - a batch that is one path named only by `rename` events (a file renamed into place: an atomic save, a
 *   creation or a deletion) goes after `atomicQuietMs` (the other events of the same save arrive within it);
 * - anything else (a file written in place, several paths, a folder to rescan) waits for `debounceMs`
 *   without events, since `fs.watch` reports no close-write: a writer in place is done once it pauses.
 * A batch is never delayed more than `maxDelayMs` after its first event (a storm, e.g. `git checkout`).
 */
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { compareStrings } from './folder-paths.js';
import { isIgnoredName } from './manifest-names.js';

/** What changed since the last batch, both sorted: paths to re-read, and folders to rescan. */
export interface ChangeBatch {
  readonly paths: readonly string[];
  readonly dirs: readonly string[];
  /** One path named only by `rename` events, sent after the short quiet period (see the file comment). */
  readonly atomic: boolean;
}

export interface ChangeTiming {
  /** Quiet period of a batch written in place, of several paths, or of a folder. */
  readonly debounceMs: number;
  /** Quiet period of a batch that is one path renamed into place, created or deleted. */
  readonly atomicQuietMs: number;
  readonly maxDelayMs: number;
}

/** The kind of an `fs.watch` event: `rename` (an entry appeared or went) or `change` (content, metadata). */
export type FolderEventKind = 'rename' | 'change';

/** What a folder watcher reports besides its events. */
export interface FolderWatchHandlers {
  readonly onEvent: (filename: string | Buffer | null, kind: FolderEventKind) => void;
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
    const w = fsWatch(absDir, { persistent: false }, (event, filename) =>
      handlers.onEvent(filename, event === 'rename' ? 'rename' : 'change'),
    );
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
  /** Whether a path of the pending batch was changed in place (a `change` event, or a re-check). */
  private changedInPlace = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private firstDirtyAt = 0;

  constructor(
    private readonly timing: ChangeTiming,
    private readonly onBatch: (batch: ChangeBatch) => void,
  ) {}

  /** An fs event about entry `filename` of folder `dir` (folder-relative). */
  addEvent(dir: string, filename: string | Buffer | null, kind: FolderEventKind = 'change'): void {
    const name = filename === null ? null : filename.toString();
    if (name === null || name.startsWith('..')) {
      // Unknown entry, or a Kubernetes ConfigMap volume swapping its `..data` symlink: rescan the folder.
      this.dirtyDirs.add(dir);
    } else if (isIgnoredName(name)) {
      return;
    } else {
      this.dirtyPaths.add(dir === '' ? name : `${dir}/${name}`);
      if (kind === 'change') this.changedInPlace = true;
    }
    this.scheduleFlush();
  }

  /** A path to read again after the full quiet period (a file that may still be written, or that vanished). */
  addPath(rel: string): void {
    this.dirtyPaths.add(rel);
    this.changedInPlace = true;
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
    const { maxDelayMs } = this.timing;
    const quiet = this.isAtomic() ? this.timing.atomicQuietMs : this.timing.debounceMs;
    const delay = Math.max(0, Math.min(quiet, this.firstDirtyAt + maxDelayMs - now));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const atomic = this.isAtomic();
      const paths = [...this.dirtyPaths].sort(compareStrings);
      const dirs = [...this.dirtyDirs].sort(compareStrings);
      this.dirtyPaths = new Set();
      this.dirtyDirs = new Set();
      this.changedInPlace = false;
      this.onBatch({ paths, dirs, atomic });
    }, delay);
  }

  /** The pending batch is one path named only by `rename` events. */
  private isAtomic(): boolean {
    return this.dirtyDirs.size === 0 && this.dirtyPaths.size === 1 && !this.changedInPlace;
  }
}
