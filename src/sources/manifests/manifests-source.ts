/**
 * The manifests-folder source: every `*.yaml`, `*.yml` and `*.json` file under a folder (recursively,
 * hidden files and folders and editor temp files ignored) becomes one ResourceSet.
 *
 * - `load()` reads the folder once (offline `causeway translate -f DIR`, and at start).
 * - `watch()` applies edits, additions, deletions and renames live: one non-recursive `fs.watch` per folder
 *   (new sub-folders get theirs as they appear), events coalesced (folder-watch.ts: a file renamed into
 *   place goes after `atomicQuietMs`, a file written in place after `debounceMs` without events, a storm
 *   after at most `maxDelayMs`), only the changed paths re-read and content hashes compared to skip no-ops,
 *   plus a slow periodic rescan as a safety net for lost events. Content that does not parse, or a file
 *   that suddenly became blank, is held without a word until the file has been unmodified for `settleMs`
 *   (manifest-file-state.ts): a writer half-way through never flaps the served config or the diagnostics.
 * - Each file is all-or-nothing with a last good version: a file that becomes broken (bad YAML or any invalid
 *   document) or unreadable keeps its previous objects in force; a file that never parsed contributes none.
 * - The same object in two files: the first file in sorted path order (then document order) wins.
 *
 * - Bounded: a file over `maxFileBytes`, or one that would bring the folder over `maxTotalBytes`, is not
 *   read (CW_E_MANIFEST_TOO_LARGE); with `parseInWorker` files are parsed in a worker thread, so a big
 *   file never blocks the event loop; one file's failure never holds back the other files of a batch.
 *
 * This class ties the parts together and runs every read of the folder one at a time: the scan and
 * per-folder state (folder-scan.ts), the per-file state (manifest-file-state.ts), the parser
 * (manifest-parse-pool.ts), the fs events (folder-watch.ts) and the merge of the files into one update
 * (folder-composition.ts). Problems of the source itself (watch errors, bugs) go to the logger with
 * `component: manifests` and count in `causeway_manifests_watch_errors_total`.
 */
import type { FSWatcher, Stats } from 'node:fs';
import type { Logger } from 'pino';
import { readFile, readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CausewayError } from '../../errors.js';
import { buildResourceSet } from '../../resources/resource-set.js';
import { diffFingerprints, type ResourceSource, type SourceUpdate } from '../source-update.js';
import { composeFolder } from './folder-composition.js';
import { absolutePath, errnoCode, isGone, isUnder, parentFolder } from './folder-paths.js';
import { FolderScanner } from './folder-scan.js';
import { ChangeCoalescer, startFolderWatcher, type ChangeBatch } from './folder-watch.js';
import {
  DEFAULT_MANIFEST_SIZE_LIMITS,
  type ManifestEntry,
  type ManifestSizeLimits,
  type ManifestsIo,
} from './manifest-file-state.js';
import { defaultManifestParser, type ManifestParser } from './manifest-parse-pool.js';

export type { ManifestsIo, ManifestSizeLimits } from './manifest-file-state.js';
export { DEFAULT_MANIFEST_SIZE_LIMITS } from './manifest-file-state.js';

/** Counts problems of the source itself (ControllerMetrics implements it). */
export interface ManifestsSourceMetrics {
  readonly recordManifestsWatchError: () => void;
}

/** The cluster name on origins of objects read from a manifests folder, unless the options say otherwise. */
export const DEFAULT_MANIFESTS_CLUSTER = 'local';

export interface ManifestsSourceOptions {
  /** The folder; relative paths are resolved against the working directory. */
  readonly dir: string;
  readonly cluster?: string;
  /** Quiet period after the last fs event before re-reading a file written in place, or several (default 10 ms). */
  readonly debounceMs?: number;
  /** Quiet period before re-reading one file renamed into place, created or deleted (default 2 ms). */
  readonly atomicQuietMs?: number;
  /** How long a file that does not parse or became blank must stay unmodified before it counts (default 1 s). */
  readonly settleMs?: number;
  /** Upper bound on how long a stream of events delays an update (default 250 ms). */
  readonly maxDelayMs?: number;
  /** Full rescan period, the safety net for lost fs events (default 10 s; 0 disables). */
  readonly rescanIntervalMs?: number;
  /**
   * Unexpected errors while watching (a watch that fails, an fs error, a throwing callback). Default: an
   * error log line (`component: manifests`) on `logger` (else on stderr) and the metric.
   */
  readonly onError?: (error: unknown) => void;
  readonly logger?: Logger;
  readonly metrics?: ManifestsSourceMetrics;
  /** Size caps (default 8 MiB a file, 256 MiB in all). */
  readonly limits?: Partial<ManifestSizeLimits>;
  /** Parse in a worker thread (when the compiled worker is available) instead of on the event loop. */
  readonly parseInWorker?: boolean;
  readonly io?: ManifestsIo;
}

export class ManifestsSource implements ResourceSource {
  readonly root: string;
  /** The folder as the caller named it, for messages. */
  private readonly displayDir: string;
  private readonly cluster: string;
  private readonly rescanIntervalMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly folder: FolderScanner;
  private readonly changes: ChangeCoalescer;
  private readonly parser: ManifestParser;

  private emitted: ReadonlyMap<string, ManifestEntry> = new Map();
  private emittedDiagnostics: string | undefined;

  private chain: Promise<unknown> = Promise.resolve();
  private watching = false;
  private closed = false;
  private onUpdate: ((u: SourceUpdate) => void) | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private rescanQueued = false;
  /** Re-reads of held files (see `settleMs`), by path. */
  private readonly rechecks = new Map<string, NodeJS.Timeout>();

  constructor(options: ManifestsSourceOptions) {
    this.root = resolve(options.dir);
    this.displayDir = options.dir;
    this.cluster = options.cluster ?? DEFAULT_MANIFESTS_CLUSTER;
    const debounceMs = options.debounceMs ?? 10;
    const atomicQuietMs = Math.min(options.atomicQuietMs ?? 2, debounceMs);
    const maxDelayMs = Math.max(options.maxDelayMs ?? 250, debounceMs);
    this.rescanIntervalMs = options.rescanIntervalMs ?? 10_000;
    this.onError = options.onError ?? sourceErrorReporter(this.root, options.logger, options.metrics);
    this.parser = defaultManifestParser(options.parseInWorker ?? false);
    this.folder = new FolderScanner({
      root: this.root,
      cluster: this.cluster,
      io: options.io ?? { readFile: (p) => readFile(p) },
      parser: this.parser,
      limits: { ...DEFAULT_MANIFEST_SIZE_LIMITS, ...options.limits },
      debounceMs,
      settleMs: options.settleMs ?? 1000,
      holdsUnsettledFiles: () => this.watching,
      now: () => Date.now(),
      watchFolder: (rel) => (this.watching && !this.closed ? this.startWatcher(rel) : undefined),
      onEntryError: (rel, e) => this.onError(new Error(`${rel || '.'}: ${describeError(e)}`)),
      recheckLater: (rel, ms) => this.recheckLater(rel, ms),
    });
    this.changes = new ChangeCoalescer({ debounceMs, atomicQuietMs, maxDelayMs }, (batch) =>
      this.applyBatch(batch),
    );
  }

  /** Reads the whole folder. The update is relative to the previous one returned or emitted (first: all upserts). */
  load(): Promise<SourceUpdate> {
    return this.serialized(async () => {
      await this.checkRoot();
      await this.folder.scanDir('');
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
        await this.folder.scanDir('');
        this.emitIfChanged();
      });
    } catch (e) {
      this.watching = false;
      this.onUpdate = undefined;
      this.folder.closeWatchersUnder('');
      throw e;
    }
    if (this.rescanIntervalMs > 0 && !this.closed) {
      this.rescanTimer = setInterval(() => {
        if (this.rescanQueued) return;
        this.rescanQueued = true;
        this.enqueue(async () => {
          this.rescanQueued = false;
          await this.folder.rescan();
          this.emitIfChanged();
        });
      }, this.rescanIntervalMs);
      this.rescanTimer.unref();
    }
  }

  /** Stops watching; resolves after any update in progress. No callback happens afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    this.onUpdate = undefined;
    this.changes.cancel();
    for (const t of this.rechecks.values()) clearTimeout(t);
    this.rechecks.clear();
    if (this.rescanTimer) clearInterval(this.rescanTimer);
    this.rescanTimer = undefined;
    this.folder.closeAllWatchers();
    await this.chain.catch(() => undefined);
    await this.parser.close();
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

  private startWatcher(rel: string): FSWatcher | undefined {
    return startFolderWatcher(absolutePath(this.root, rel), {
      onEvent: (filename, kind) => {
        if (!this.closed) this.changes.addEvent(rel, filename, kind);
      },
      onBroken: (watcher) => {
        // The folder went away or the watch broke: the next scan of its parent re-creates it if needed.
        this.folder.dropWatcher(rel, watcher);
        this.changes.addFolder(parentFolder(rel));
      },
      onError: (e) => this.onError(new Error(`watching ${rel || '.'}: ${describeError(e)}`)),
    });
  }

  /** Reads a held file again in `ms` (one timer a path: the latest wins). */
  private recheckLater(rel: string, ms: number): void {
    if (this.closed) return;
    clearTimeout(this.rechecks.get(rel));
    const timer = setTimeout(() => {
      this.rechecks.delete(rel);
      if (!this.closed) this.changes.addPath(rel);
    }, ms);
    timer.unref();
    this.rechecks.set(rel, timer);
  }

  /** Every folder and path of the batch is refreshed on its own: one failure never holds back the others. */
  private applyBatch({ paths, dirs, atomic }: ChangeBatch): void {
    this.enqueue(async () => {
      // A file renamed away is often about to be replaced (an editor keeping a backup): a lone path that is
      // gone is read again after the full quiet period before its objects are dropped.
      const [only] = paths;
      if (atomic && only !== undefined && (await this.isMissing(only))) {
        this.changes.addPath(only);
        return;
      }
      const refreshes = [
        ...dirs.map((d) => ({ rel: d, run: () => this.folder.scanDir(d) })),
        ...paths
          .filter((p) => !dirs.some((d) => isUnder(p, d)))
          .map((p) => ({ rel: p, run: () => this.folder.refreshPath(p) })),
      ];
      for (const { rel, run } of refreshes) {
        try {
          await run();
        } catch (e) {
          this.onError(new Error(`${rel || '.'}: ${describeError(e)}`));
        }
      }
      this.emitIfChanged();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  private async isMissing(rel: string): Promise<boolean> {
    try {
      await stat(absolutePath(this.root, rel));
      return false;
    } catch (e) {
      return isGone(e);
    }
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

  // ---------------------------------------------------------------------------------------------
  // Composing the update

  private compose(): { update: SourceUpdate; diagnosticsKey: string } {
    const { winners, diagnostics } = composeFolder(
      this.folder.problems(),
      this.folder.fileStates(),
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

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The default `onError`: one log line (the logger's, else stderr) and the metric. */
function sourceErrorReporter(
  root: string,
  logger: Logger | undefined,
  metrics: ManifestsSourceMetrics | undefined,
): (e: unknown) => void {
  const log = logger?.child({ component: 'manifests' });
  return (e) => {
    metrics?.recordManifestsWatchError();
    const message = `manifests folder ${root}: ${describeError(e)}`;
    if (log !== undefined) log.error({ err: e }, message);
    else process.stderr.write(`causeway: ${message}\n`);
  };
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
