/**
 * The manifests folder as last read: the state of every manifest file and of every folder (its watcher and
 * read problem), kept up to date by scanning folders recursively and re-reading single paths named by fs
 * events. The listing rules: hidden and editor temp entries are ignored; symlinks to files are followed
 * (Kubernetes ConfigMap volumes are made of them); symlinked folders outside the root are followed once,
 * symlinks to folders inside the root are not (aliases of files read anyway, or loops).
 */
import type { Dirent, FSWatcher, Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { posix, sep } from 'node:path';
import type { Diagnostic } from '../../errors.js';
import type { FolderProblems } from './folder-composition.js';
import { manifestReadDiagnostic } from './folder-diagnostics.js';
import { absolutePath, compareStrings, errnoCode, isGone, isUnder } from './folder-paths.js';
import { readManifestFile, type FileState, type ManifestReadContext } from './manifest-file-state.js';
import { isIgnoredName, isManifestFileName } from './manifest-names.js';

export interface FolderScanContext extends ManifestReadContext {
  /** The folder, absolute. */
  readonly root: string;
  /** Starts watching a folder (relative path); undefined when not watching or the watch failed. */
  readonly watchFolder: (rel: string) => FSWatcher | undefined;
  /** An entry that could not be scanned (an unexpected fs error): reported, and the scan goes on. */
  readonly onEntryError: (rel: string, error: unknown) => void;
  /** A file whose content was held (see manifest-file-state.ts) is to be read again in `ms`. */
  readonly recheckLater: (rel: string, ms: number) => void;
}

/** A folder seen by the scan. Mutable: its watcher and read problem come and go while the inode stays. */
interface FolderState {
  readonly ino: number;
  watcher?: FSWatcher;
  readError?: Diagnostic;
}

export class FolderScanner {
  private readonly files = new Map<string, FileState>();
  /** The sum of `bytes` over `files` (the total cap's count), kept by setFile and deleteFile. */
  private totalBytes = 0;
  private readonly dirs = new Map<string, FolderState>();
  private rootProblem: Diagnostic | undefined;

  constructor(private readonly ctx: FolderScanContext) {}

  /** The state of every manifest file read, by folder-relative path. */
  fileStates(): ReadonlyMap<string, FileState> {
    return this.files;
  }

  problems(): FolderProblems {
    const folderReadErrors: Diagnostic[] = [];
    for (const d of this.dirs.values()) if (d.readError) folderReadErrors.push(d.readError);
    return { rootProblem: this.rootProblem, folderReadErrors };
  }

  /** A full rescan; a folder that was replaced (deleted and created again) is watched from scratch. */
  async rescan(): Promise<void> {
    let ino: number | undefined;
    try {
      ino = (await stat(this.ctx.root)).ino;
    } catch {
      ino = undefined;
    }
    const rootState = this.dirs.get('');
    if (ino !== undefined && rootState !== undefined && rootState.ino !== ino) {
      this.closeWatchersUnder('');
    }
    await this.scanDir('');
  }

  /** Forgets a watcher that broke (it is closed already), so that the next scan of its folder re-creates one. */
  dropWatcher(rel: string, watcher: FSWatcher): void {
    const d = this.dirs.get(rel);
    if (d?.watcher === watcher) d.watcher = undefined;
  }

  /** Closes every watcher and forgets the folders (the files stay known). */
  closeAllWatchers(): void {
    for (const d of this.dirs.values()) d.watcher?.close();
    this.dirs.clear();
  }

  /** Closes the watchers of `rel` and the folders under it; `rel` itself is forgotten. */
  closeWatchersUnder(rel: string): void {
    for (const [d, s] of this.dirs) {
      if (!isUnder(d, rel)) continue;
      s.watcher?.close();
      s.watcher = undefined;
      if (d === rel) this.dirs.delete(d);
    }
  }

  /** A path named by an fs event: a file, a folder (new, replaced or renamed), or gone. */
  async refreshPath(rel: string): Promise<void> {
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
      this.deleteFile(rel);
      if (await this.isLinkIntoRoot(rel)) this.forget(rel);
      else await this.scanDir(rel);
    } else {
      this.forgetDir(rel);
      if (st.isFile() && isManifestFileName(posix.basename(rel))) await this.readManifest(rel);
      else this.deleteFile(rel);
    }
  }

  /**
   * Scans a folder recursively: (re)creates watchers, reads every manifest whose content changed, and forgets
   * files and folders that are gone. A folder that cannot be read keeps what was known under it.
   */
  async scanDir(rel: string, seenRealDirs = new Set<string>()): Promise<void> {
    const st = await this.statScannedFolder(rel);
    if (st === undefined) return;
    // Symlinked folders outside the root are followed once (a loop, or two links to one folder, is read once).
    const real = `${st.dev}:${st.ino}`;
    if (seenRealDirs.has(real)) return;
    seenRealDirs.add(real);

    const state = this.folderState(rel, st.ino);
    // Watch before listing, so that nothing created in between is missed.
    if (state.watcher === undefined) state.watcher = this.ctx.watchFolder(rel);

    const entries = await this.listFolder(rel, state);
    if (entries === undefined) return;
    // Files gone from the listing are forgotten first, so that their bytes no longer count against the
    // total cap when the others are read.
    const listed = new Set(entries.map((e) => (rel === '' ? e.name : `${rel}/${e.name}`)));
    this.forgetGoneChildren(rel, listed);
    const seen = new Set<string>();
    for (const ent of [...entries].sort((a, b) => compareStrings(a.name, b.name))) {
      if (isIgnoredName(ent.name)) continue;
      const child = rel === '' ? ent.name : `${rel}/${ent.name}`;
      try {
        await this.scanEntry(ent, child, seen, seenRealDirs);
      } catch (e) {
        // One entry's failure never holds back the others: what was known of it stays.
        seen.add(child);
        this.ctx.onEntryError(child, e);
      }
    }
    this.forgetGoneChildren(rel, seen);
  }

  private async scanEntry(
    ent: Dirent,
    child: string,
    seen: Set<string>,
    seenRealDirs: Set<string>,
  ): Promise<void> {
    const type = await this.entryType(ent, child);
    if (type === 'folder') {
      seen.add(child);
      await this.scanDir(child, seenRealDirs);
    } else if (type === 'file' && isManifestFileName(ent.name)) {
      seen.add(child);
      await this.readManifest(child);
    }
  }

  private abs(rel: string): string {
    return absolutePath(this.ctx.root, rel);
  }

  /**
   * The folder's stats when it is to be listed. Otherwise undefined, after recording a root problem,
   * forgetting a folder that is gone, or reading what replaced a sub-folder.
   */
  private async statScannedFolder(rel: string): Promise<Stats | undefined> {
    let st: Stats;
    try {
      st = await stat(this.abs(rel));
    } catch (e) {
      if (rel === '') {
        this.rootProblem = this.readDiagnostic(
          '',
          `the manifests folder cannot be read (${errnoCode(e) ?? String(e)}); keeping the last state`,
        );
        return undefined;
      }
      if (isGone(e)) {
        this.forget(rel);
        return undefined;
      }
      throw e;
    }
    if (rel === '') {
      this.rootProblem = st.isDirectory()
        ? undefined
        : this.readDiagnostic('', 'the manifests folder is no longer a folder; keeping the last state');
      if (this.rootProblem) return undefined;
    } else if (!st.isDirectory()) {
      await this.refreshPath(rel);
      return undefined;
    }
    return st;
  }

  /** The folder's state; a folder whose inode changed (replaced) starts over without watchers. */
  private folderState(rel: string, ino: number): FolderState {
    let state = this.dirs.get(rel);
    if (state !== undefined && state.ino !== ino) {
      this.closeWatchersUnder(rel);
      state = undefined;
    }
    if (state === undefined) {
      state = { ino };
      this.dirs.set(rel, state);
    }
    return state;
  }

  /** The folder's entries; undefined when it is gone (forgotten) or cannot be read (a read problem). */
  private async listFolder(rel: string, state: FolderState): Promise<Dirent[] | undefined> {
    try {
      const entries = await readdir(this.abs(rel), { withFileTypes: true });
      state.readError = undefined;
      return entries;
    } catch (e) {
      if (isGone(e)) {
        this.forget(rel);
        return undefined;
      }
      state.readError = this.readDiagnostic(
        rel,
        `folder ${rel || '.'} cannot be read (${errnoCode(e) ?? String(e)}); keeping what was read before`,
      );
      return undefined;
    }
  }

  /** What a listed entry is to the scan, symlinks resolved; undefined for anything not to read. */
  private async entryType(ent: Dirent, child: string): Promise<'folder' | 'file' | undefined> {
    if (!ent.isSymbolicLink()) return ent.isDirectory() ? 'folder' : ent.isFile() ? 'file' : undefined;
    let target: Stats;
    try {
      target = await stat(this.abs(child));
    } catch {
      return undefined; // A dangling link: nothing to read.
    }
    if (target.isDirectory()) return (await this.isLinkIntoRoot(child)) ? undefined : 'folder';
    return target.isFile() ? 'file' : undefined;
  }

  /** Forgets the direct children of `rel` that were known but are no longer listed. */
  private forgetGoneChildren(rel: string, seen: ReadonlySet<string>): void {
    const dir = rel === '' ? '.' : rel;
    for (const f of [...this.files.keys()]) {
      if (posix.dirname(f) === dir && !seen.has(f)) this.deleteFile(f);
    }
    for (const d of [...this.dirs.keys()]) {
      if (d !== '' && posix.dirname(d) === dir && !seen.has(d)) this.forget(d);
    }
  }

  /**
   * A symlink to a folder inside the root (or to the root itself) is an alias of files read anyway, or a loop:
   * it is not followed. Symlinks to files are (Kubernetes ConfigMap volumes are made of them).
   */
  private async isLinkIntoRoot(rel: string): Promise<boolean> {
    try {
      if (!(await lstat(this.abs(rel))).isSymbolicLink()) return false;
      const [target, root] = await Promise.all([realpath(this.abs(rel)), realpath(this.ctx.root)]);
      return target === root || target.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
    } catch {
      return false;
    }
  }

  /** A symlink whose target is outside the folder (its content is read, but never echoed in problems). */
  private async isLinkOutsideRoot(rel: string): Promise<boolean> {
    try {
      if (!(await lstat(this.abs(rel))).isSymbolicLink()) return false;
      const [target, root] = await Promise.all([realpath(this.abs(rel)), realpath(this.ctx.root)]);
      return !target.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
    } catch {
      return false;
    }
  }

  private otherFilesBytes(rel: string): number {
    return this.totalBytes - (this.files.get(rel)?.bytes ?? 0);
  }

  private setFile(rel: string, state: FileState): void {
    this.totalBytes += state.bytes - (this.files.get(rel)?.bytes ?? 0);
    this.files.set(rel, state);
  }

  private deleteFile(rel: string): void {
    this.totalBytes -= this.files.get(rel)?.bytes ?? 0;
    this.files.delete(rel);
  }

  private async readManifest(rel: string): Promise<void> {
    const facts = {
      otherFilesBytes: this.otherFilesBytes(rel),
      linkOutsideFolder: await this.isLinkOutsideRoot(rel),
    };
    const change = await readManifestFile(this.abs(rel), rel, this.files.get(rel), this.ctx, facts);
    if (change.kind === 'forget') this.deleteFile(rel);
    else if (change.kind === 'set') this.setFile(rel, change.state);
    else if (change.kind === 'held') this.ctx.recheckLater(rel, change.retryInMs);
  }

  private readDiagnostic(rel: string, message: string): Diagnostic {
    return manifestReadDiagnostic(this.ctx.cluster, rel, message);
  }

  private forget(rel: string): void {
    for (const f of [...this.files.keys()]) if (isUnder(f, rel)) this.deleteFile(f);
    this.forgetDir(rel);
  }

  private forgetDir(rel: string): void {
    this.closeWatchersUnder(rel);
    for (const d of [...this.dirs.keys()]) if (isUnder(d, rel) && rel !== '') this.dirs.delete(d);
  }
}
