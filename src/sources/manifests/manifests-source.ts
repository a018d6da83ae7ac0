/**
 * The manifests-folder source: every `*.yaml`, `*.yml` and `*.json` file under a folder (recursively,
 * hidden files and folders and editor temp files ignored) becomes one ResourceSet.
 *
 * - `load()` reads the folder once (offline `causeway translate -f DIR`, and at start).
 * - `watch()` applies edits, additions, deletions and renames live: one non-recursive `fs.watch` per folder
 *   (new sub-folders get theirs as they appear), events coalesced for `debounceMs` (capped at
 *   `maxDelayMs`), only the changed paths re-read and content hashes compared to skip no-ops, plus a slow
 *   periodic rescan as a safety net for lost events.
 * - Each file is all-or-nothing with a last good version: a file that becomes broken (bad YAML or any invalid
 *   document) or unreadable keeps its previous objects in force; a file that never parsed contributes none.
 * - The same object in two files: the first file in sorted path order (then document order) wins.
 */
import { watch as fsWatch, type FSWatcher, type Dirent, type Stats } from 'node:fs';
import { lstat, readFile, readdir, realpath, stat } from 'node:fs/promises';
import { posix, resolve, sep } from 'node:path';
import { CausewayError, type Diagnostic } from '../../errors.js';
import { buildResourceSet } from '../../resources/resource-set.js';
import { diffFingerprints, type ResourceSource, type SourceUpdate } from '../source-update.js';
import { composeFolder } from './folder-composition.js';
import { manifestReadDiagnostic } from './folder-diagnostics.js';
import { absolutePath, compareStrings, errnoCode, isGone, isUnder, parentFolder } from './folder-paths.js';
import {
  readManifestFile,
  type FileState,
  type ManifestEntry,
  type ManifestsIo,
} from './manifest-file-state.js';
import { isIgnoredName, isManifestFileName } from './manifest-names.js';

export type { ManifestsIo } from './manifest-file-state.js';

/** The cluster name on origins of objects read from a manifests folder, unless the options say otherwise. */
export const DEFAULT_MANIFESTS_CLUSTER = 'local';

export interface ManifestsSourceOptions {
  /** The folder; relative paths are resolved against the working directory. */
  readonly dir: string;
  readonly cluster?: string;
  /** Quiet period after the last fs event before re-reading (default 30 ms). */
  readonly debounceMs?: number;
  /** Upper bound on how long a stream of events delays an update (default 250 ms). */
  readonly maxDelayMs?: number;
  /** Full rescan period, the safety net for lost fs events (default 10 s; 0 disables). */
  readonly rescanIntervalMs?: number;
  /** Unexpected errors while watching (bugs, a throwing callback). Default: `process.emitWarning`. */
  readonly onError?: (error: unknown) => void;
  readonly io?: ManifestsIo;
}

interface DirState {
  readonly ino: number;
  watcher?: FSWatcher;
  readError?: Diagnostic;
}

export class ManifestsSource implements ResourceSource {
  readonly root: string;
  /** The folder as the caller named it, for messages. */
  private readonly displayDir: string;
  private readonly cluster: string;
  private readonly debounceMs: number;
  private readonly maxDelayMs: number;
  private readonly rescanIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly io: ManifestsIo;

  private readonly files = new Map<string, FileState>();
  private readonly dirs = new Map<string, DirState>();
  private rootProblem: Diagnostic | undefined;
  private emitted: ReadonlyMap<string, ManifestEntry> = new Map();
  private emittedDiagnostics: string | undefined;

  private chain: Promise<unknown> = Promise.resolve();
  private watching = false;
  private closed = false;
  private onUpdate: ((u: SourceUpdate) => void) | undefined;
  private dirtyPaths = new Set<string>();
  private dirtyDirs = new Set<string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private firstDirtyAt = 0;
  private rescanTimer: NodeJS.Timeout | undefined;
  private rescanQueued = false;

  constructor(options: ManifestsSourceOptions) {
    this.root = resolve(options.dir);
    this.displayDir = options.dir;
    this.cluster = options.cluster ?? DEFAULT_MANIFESTS_CLUSTER;
    this.debounceMs = options.debounceMs ?? 30;
    this.maxDelayMs = Math.max(options.maxDelayMs ?? 250, this.debounceMs);
    this.rescanIntervalMs = options.rescanIntervalMs ?? 10_000;
    this.onError =
      options.onError ??
      ((e) =>
        process.emitWarning(`manifests source ${this.root}: ${e instanceof Error ? e.stack : String(e)}`));
    this.io = options.io ?? { readFile: (p) => readFile(p) };
  }

  /** Reads the whole folder. The update is relative to the previous one returned or emitted (first: all upserts). */
  load(): Promise<SourceUpdate> {
    return this.serialized(async () => {
      await this.checkRoot();
      await this.scanDir('');
      return this.compose().update;
    });
  }

  /**
   * Starts watching. Resolves once the watchers are set up and the folder rescanned; from then on
   * `onUpdate` is called (after coalescing) whenever an object or a diagnostic changed. When the folder
   * changed since the last `load()` (or there was none), the first call comes right away.
   */
  async watch(onUpdate: (u: SourceUpdate) => void): Promise<void> {
    if (this.watching) throw new Error('ManifestsSource.watch() called twice');
    if (this.closed) throw new Error('ManifestsSource is closed');
    this.watching = true;
    this.onUpdate = onUpdate;
    try {
      await this.serialized(async () => {
        await this.checkRoot();
        await this.scanDir('');
        this.emitIfChanged();
      });
    } catch (e) {
      this.watching = false;
      this.onUpdate = undefined;
      this.closeWatchersUnder('');
      throw e;
    }
    if (this.rescanIntervalMs > 0 && !this.closed) {
      this.rescanTimer = setInterval(() => {
        if (this.rescanQueued) return;
        this.rescanQueued = true;
        this.enqueue(() => {
          this.rescanQueued = false;
          return this.rescan();
        });
      }, this.rescanIntervalMs);
      this.rescanTimer.unref();
    }
  }

  /** Stops watching; resolves after any update in progress. No callback happens afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    this.onUpdate = undefined;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    this.flushTimer = undefined;
    this.rescanTimer = undefined;
    for (const d of this.dirs.values()) d.watcher?.close();
    this.dirs.clear();
    await this.chain.catch(() => undefined);
  }

  // ---------------------------------------------------------------------------------------------
  // Serialization: every read of the folder runs one at a time, in order.

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private enqueue(fn: () => Promise<void>): void {
    void this.serialized(async () => {
      if (this.closed) return;
      try {
        await fn();
      } catch (e) {
        this.onError(e);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  private onEvent(dir: string, filename: string | Buffer | null): void {
    if (this.closed) return;
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

  private scheduleFlush(): void {
    const now = Date.now();
    if (this.flushTimer === undefined) this.firstDirtyAt = now;
    else clearTimeout(this.flushTimer);
    const delay = Math.max(0, Math.min(this.debounceMs, this.firstDirtyAt + this.maxDelayMs - now));
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      const paths = [...this.dirtyPaths].sort(compareStrings);
      const dirs = [...this.dirtyDirs].sort(compareStrings);
      this.dirtyPaths = new Set();
      this.dirtyDirs = new Set();
      this.enqueue(async () => {
        for (const d of dirs) await this.scanDir(d);
        for (const p of paths) {
          if (!dirs.some((d) => isUnder(p, d))) await this.refreshPath(p);
        }
        this.emitIfChanged();
      });
    }, delay);
  }

  private async rescan(): Promise<void> {
    let ino: number | undefined;
    try {
      ino = (await stat(this.root)).ino;
    } catch {
      ino = undefined;
    }
    const rootState = this.dirs.get('');
    if (ino !== undefined && rootState !== undefined && rootState.ino !== ino) {
      // The folder was replaced (deleted and created again): watch the new one from scratch.
      this.closeWatchersUnder('');
    }
    await this.scanDir('');
    this.emitIfChanged();
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  private abs(rel: string): string {
    return absolutePath(this.root, rel);
  }

  private async checkRoot(): Promise<void> {
    let st: Stats;
    try {
      st = await stat(this.root);
    } catch (e) {
      throw new CausewayError(
        'CW_E_USAGE',
        isGone(e)
          ? `manifests folder ${this.displayDir} does not exist`
          : `manifests folder ${this.displayDir} cannot be read (${errnoCode(e) ?? String(e)})`,
      );
    }
    if (!st.isDirectory())
      throw new CausewayError('CW_E_USAGE', `manifests folder ${this.displayDir} is not a folder`);
    try {
      await readdir(this.root);
    } catch (e) {
      throw new CausewayError(
        'CW_E_USAGE',
        `manifests folder ${this.displayDir} cannot be read (${errnoCode(e) ?? String(e)})`,
      );
    }
  }

  /** A path named by an fs event: a file, a folder (new, replaced or renamed), or gone. */
  private async refreshPath(rel: string): Promise<void> {
    let st: Stats;
    try {
      st = await stat(this.abs(rel));
    } catch (e) {
      if (isGone(e)) {
        this.forget(rel);
        return;
      }
      throw e;
    }
    if (st.isDirectory()) {
      this.files.delete(rel);
      if (await this.isLinkIntoRoot(rel)) this.forget(rel);
      else await this.scanDir(rel);
    } else {
      this.forgetDir(rel);
      if (st.isFile() && isManifestFileName(posix.basename(rel))) await this.readManifest(rel);
      else this.files.delete(rel);
    }
  }

  /**
   * Scans a folder recursively: (re)creates watchers, reads every manifest whose content changed, and forgets
   * files and folders that are gone. A folder that cannot be read keeps what was known under it.
   */
  private async scanDir(rel: string, seenRealDirs = new Set<string>()): Promise<void> {
    const absDir = this.abs(rel);
    let st: Stats;
    try {
      st = await stat(absDir);
    } catch (e) {
      if (rel === '') {
        this.rootProblem = this.readDiagnostic(
          '',
          `the manifests folder cannot be read (${errnoCode(e) ?? String(e)}); keeping the last state`,
        );
        return;
      }
      if (isGone(e)) {
        this.forget(rel);
        return;
      }
      throw e;
    }
    if (rel === '') {
      this.rootProblem = st.isDirectory()
        ? undefined
        : this.readDiagnostic('', 'the manifests folder is no longer a folder; keeping the last state');
      if (this.rootProblem) return;
    } else if (!st.isDirectory()) {
      await this.refreshPath(rel);
      return;
    }
    // Symlinked folders outside the root are followed once (a loop, or two links to one folder, is read once).
    const real = `${st.dev}:${st.ino}`;
    if (seenRealDirs.has(real)) return;
    seenRealDirs.add(real);

    let state = this.dirs.get(rel);
    if (state !== undefined && state.ino !== st.ino) {
      this.closeWatchersUnder(rel);
      state = undefined;
    }
    if (state === undefined) {
      state = { ino: st.ino };
      this.dirs.set(rel, state);
    }
    // Watch before listing, so that nothing created in between is missed.
    if (this.watching && state.watcher === undefined && !this.closed) state.watcher = this.startWatcher(rel);

    let entries: Dirent[];
    try {
      entries = await readdir(absDir, { withFileTypes: true });
      state.readError = undefined;
    } catch (e) {
      if (isGone(e)) {
        this.forget(rel);
        return;
      }
      state.readError = this.readDiagnostic(
        rel,
        `folder ${rel || '.'} cannot be read (${errnoCode(e) ?? String(e)}); keeping what was read before`,
      );
      return;
    }
    const seen = new Set<string>();
    for (const ent of [...entries].sort((a, b) => compareStrings(a.name, b.name))) {
      if (isIgnoredName(ent.name)) continue;
      const child = rel === '' ? ent.name : `${rel}/${ent.name}`;
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        try {
          const target = await stat(this.abs(child));
          isDir = target.isDirectory();
          isFile = target.isFile();
          if (isDir && (await this.isLinkIntoRoot(child))) continue;
        } catch {
          continue; // A dangling link: nothing to read.
        }
      }
      if (isDir) {
        seen.add(child);
        await this.scanDir(child, seenRealDirs);
      } else if (isFile && isManifestFileName(ent.name)) {
        seen.add(child);
        await this.readManifest(child);
      }
    }
    // Direct children we knew that are gone.
    for (const f of [...this.files.keys()]) {
      if (posix.dirname(f) === (rel === '' ? '.' : rel) && !seen.has(f)) this.files.delete(f);
    }
    for (const d of [...this.dirs.keys()]) {
      if (d !== '' && posix.dirname(d) === (rel === '' ? '.' : rel) && !seen.has(d)) this.forget(d);
    }
  }

  /**
   * A symlink to a folder inside the root (or to the root itself) is an alias of files read anyway, or a loop:
   * it is not followed. Symlinks to files are (Kubernetes ConfigMap volumes are made of them).
   */
  private async isLinkIntoRoot(rel: string): Promise<boolean> {
    try {
      if (!(await lstat(this.abs(rel))).isSymbolicLink()) return false;
      const [target, root] = await Promise.all([realpath(this.abs(rel)), realpath(this.root)]);
      return target === root || target.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
    } catch {
      return false;
    }
  }

  private startWatcher(rel: string): FSWatcher | undefined {
    try {
      const w = fsWatch(this.abs(rel), { persistent: false }, (_event, filename) =>
        this.onEvent(rel, filename),
      );
      w.on('error', () => {
        // The folder went away or the watch broke: drop this watcher; the next scan re-creates it if needed.
        w.close();
        const d = this.dirs.get(rel);
        if (d?.watcher === w) d.watcher = undefined;
        this.dirtyDirs.add(parentFolder(rel));
        this.scheduleFlush();
      });
      return w;
    } catch {
      // Out of inotify watches, or the folder vanished: the periodic rescan still sees changes.
      return undefined;
    }
  }

  private async readManifest(rel: string): Promise<void> {
    const change = await readManifestFile(this.abs(rel), rel, this.files.get(rel), {
      io: this.io,
      cluster: this.cluster,
      debounceMs: this.debounceMs,
      rereadsEmptiedFiles: () => this.watching,
    });
    if (change.kind === 'forget') this.files.delete(rel);
    else if (change.kind === 'set') this.files.set(rel, change.state);
  }

  private readDiagnostic(rel: string, message: string): Diagnostic {
    return manifestReadDiagnostic(this.cluster, rel, message);
  }

  private forget(rel: string): void {
    for (const f of [...this.files.keys()]) if (isUnder(f, rel)) this.files.delete(f);
    this.forgetDir(rel);
  }

  private forgetDir(rel: string): void {
    this.closeWatchersUnder(rel);
    for (const d of [...this.dirs.keys()]) if (isUnder(d, rel) && rel !== '') this.dirs.delete(d);
  }

  private closeWatchersUnder(rel: string): void {
    for (const [d, s] of this.dirs) {
      if (!isUnder(d, rel)) continue;
      s.watcher?.close();
      s.watcher = undefined;
      if (d === rel) this.dirs.delete(d);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Composing the update

  private compose(): { update: SourceUpdate; diagnosticsKey: string } {
    const folderReadErrors: Diagnostic[] = [];
    for (const d of this.dirs.values()) if (d.readError) folderReadErrors.push(d.readError);
    const { winners, diagnostics } = composeFolder(
      { rootProblem: this.rootProblem, folderReadErrors },
      this.files,
      this.cluster,
    );
    const changed = diffFingerprints(this.emitted, winners);
    this.emitted = winners;
    const resources = buildResourceSet([...winners.values()].map((e) => e.sourced));
    const diagnosticsKey = JSON.stringify(diagnostics);
    this.emittedDiagnostics = diagnosticsKey;
    return { update: { resources, diagnostics, changed }, diagnosticsKey };
  }

  private emitIfChanged(): void {
    const before = this.emittedDiagnostics;
    const { update, diagnosticsKey } = this.compose();
    if (update.changed.length === 0 && diagnosticsKey === before) return;
    const cb = this.onUpdate;
    if (cb === undefined || this.closed) return;
    try {
      cb(update);
    } catch (e) {
      this.onError(e);
    }
  }
}

/** Reads a manifests folder once (offline translate). */
export async function loadManifestsFolder(dir: string, cluster?: string): Promise<SourceUpdate> {
  const source = new ManifestsSource({ dir, ...(cluster !== undefined ? { cluster } : {}) });
  try {
    return await source.load();
  } finally {
    await source.close();
  }
}
