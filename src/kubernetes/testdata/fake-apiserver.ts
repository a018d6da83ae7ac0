/**
 * An in-memory apiserver behind the `KubeTransport` interface, for unit tests: collections by path with a
 * global resourceVersion counter, paged lists, watches that replay history from a resourceVersion (and answer
 * 410 Gone below the compaction point), bookmarks, and switches to take it down or fail requests. With
 * `{ readyz: true }` it also answers the readiness probe (`probe`), 0 while down.
 */
import { KubeApiError, type KubeListPage, type KubeQuery, type KubeTransport, type KubeWatchHandle } from '../client/kube-transport.js';
import type { ProbeAnswer } from '../client/reachability-gate.js';

type Json = Record<string, unknown>;

interface LoggedEvent {
  readonly rv: number;
  readonly path: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: Json;
}

interface OpenWatch {
  readonly path: string;
  readonly query: KubeQuery;
  readonly onEvent: (type: string, object: unknown) => void;
  readonly onDone: (error: unknown) => void;
  closed: boolean;
}

function keyOf(o: Json): string {
  const m = o['metadata'] as Json;
  return `${typeof m['namespace'] === 'string' ? m['namespace'] : ''}/${String(m['name'])}`;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function selected(o: Json, query: KubeQuery): boolean {
  const fs = query['fieldSelector'];
  if (fs === undefined) return true;
  const [field, value] = fs.split('=');
  return field === 'type' ? o['type'] === value : true;
}

export class FakeApiserver implements KubeTransport {
  rv = 1000;
  /** Events at or below this resourceVersion are forgotten: watching from there answers 410. */
  compactedRv = 0;
  /** While true, every request fails as if the apiserver were gone (and open watches are cut). */
  private isDown = false;
  /** Requests for these paths fail with this error (e.g. 403). */
  readonly failPaths = new Map<string, Error>();
  readonly listCalls: { path: string; query: KubeQuery }[] = [];
  readonly watchCalls: { path: string; query: KubeQuery }[] = [];
  /** When set, an aborted watch reports its end this many ms later (as a real stream does), not at once. */
  abortDoneDelayMs: number | undefined;
  private readonly collections = new Map<string, Map<string, Json>>();
  private readonly log: LoggedEvent[] = [];
  private readonly watches: OpenWatch[] = [];
  /** The readiness probe (only with `{ readyz: true }`). */
  readonly probe?: (signal: AbortSignal) => Promise<ProbeAnswer>;
  /** Probe requests received. */
  probeCalls = 0;
  /** What the probe answers while up (default 200), e.g. 500 for an apiserver not ready yet. */
  readyzAnswer: ProbeAnswer = { status: 200 };
  /** The next this-many list requests with a continue token answer 410 Expired. */
  expireContinueTokens = 0;

  constructor(options: { readonly readyz?: boolean } = {}) {
    if (options.readyz === true) {
      this.probe = () => {
        this.probeCalls++;
        return Promise.resolve(this.isDown ? { status: 0 } : this.readyzAnswer);
      };
    }
  }

  private collection(path: string): Map<string, Json> {
    let c = this.collections.get(path);
    if (c === undefined) {
      c = new Map();
      this.collections.set(path, c);
    }
    return c;
  }

  /** Creates or replaces an object (a new resourceVersion), and tells the watches. */
  put(path: string, object: Json): Json {
    const o = clone(object);
    this.rv++;
    (o['metadata'] as Json)['resourceVersion'] = String(this.rv);
    const c = this.collection(path);
    const type = c.has(keyOf(o)) ? 'MODIFIED' : 'ADDED';
    c.set(keyOf(o), o);
    this.record({ rv: this.rv, path, type, object: o });
    return o;
  }

  delete(path: string, namespace: string | undefined, name: string): void {
    const c = this.collection(path);
    const key = `${namespace ?? ''}/${name}`;
    const o = c.get(key);
    if (o === undefined) return;
    c.delete(key);
    this.rv++;
    const last = clone(o);
    (last['metadata'] as Json)['resourceVersion'] = String(this.rv);
    this.record({ rv: this.rv, path, type: 'DELETED', object: last });
  }

  get(path: string, namespace: string | undefined, name: string): Json | undefined {
    return this.collection(path).get(`${namespace ?? ''}/${name}`);
  }

  /** Changes the stored object without telling anyone (as if the event were lost). */
  putSilently(path: string, object: Json): void {
    const o = clone(object);
    this.rv++;
    (o['metadata'] as Json)['resourceVersion'] = String(this.rv);
    this.collection(path).set(keyOf(o), o);
  }

  /** Forgets history up to now: resuming any watch from an older resourceVersion answers 410. */
  compact(): void {
    this.compactedRv = this.rv;
    this.log.length = 0;
  }

  private record(e: LoggedEvent): void {
    this.log.push(e);
    for (const w of this.watches) {
      if (!w.closed && w.path === e.path && selected(e.object, w.query)) w.onEvent(e.type, clone(e.object));
    }
  }

  get openWatches(): number {
    return this.watches.filter((w) => !w.closed).length;
  }

  /** Ends every open watch: `error` undefined is a normal close (a timeout), else a failure. */
  endWatches(error?: unknown): void {
    for (const w of this.watches.splice(0)) {
      if (w.closed) continue;
      w.closed = true;
      w.onDone(error ?? null);
    }
  }

  /** Sends an ERROR event with a Status of this code to every open watch, then ends them (as the apiserver does). */
  sendError(code: number, message = 'error'): void {
    for (const w of this.watches.splice(0)) {
      if (w.closed) continue;
      w.onEvent('ERROR', { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message });
      w.closed = true;
      w.onDone(null);
    }
  }

  /** Sends a bookmark to every open watch. */
  bookmark(): void {
    for (const w of this.watches) {
      if (!w.closed) w.onEvent('BOOKMARK', { metadata: { resourceVersion: String(this.rv) } });
    }
  }

  down(): void {
    this.isDown = true;
    this.endWatches(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  }

  up(): void {
    this.isDown = false;
  }

  private refused(path: string): Error | undefined {
    if (this.isDown) return Object.assign(new Error(`connect ECONNREFUSED ${path}`), { code: 'ECONNREFUSED' });
    return this.failPaths.get(path);
  }

  list(path: string, query: KubeQuery, signal: AbortSignal): Promise<KubeListPage> {
    this.listCalls.push({ path, query });
    const err = this.refused(path);
    if (err !== undefined) return Promise.reject(err);
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    if (query['continue'] !== undefined && this.expireContinueTokens > 0) {
      this.expireContinueTokens--;
      return Promise.reject(new KubeApiError(410, `GET ${path}: 410 Gone: the continue token has expired`));
    }
    const all = [...this.collection(path).values()]
      .filter((o) => selected(o, query))
      .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
    const limit = Number(query['limit'] ?? all.length);
    const from = Number(query['continue'] ?? 0);
    const items = all.slice(from, from + limit).map((o) => {
      // Items of a list carry no apiVersion/kind.
      const { apiVersion: _a, kind: _k, ...rest } = clone(o);
      return rest;
    });
    const next = from + limit < all.length ? String(from + limit) : undefined;
    return Promise.resolve({
      items,
      resourceVersion: String(this.rv),
      ...(next !== undefined ? { continueToken: next } : {}),
    });
  }

  watch(
    path: string,
    query: KubeQuery,
    onEvent: (type: string, object: unknown) => void,
    onDone: (error: unknown) => void,
  ): Promise<KubeWatchHandle> {
    this.watchCalls.push({ path, query });
    const w: OpenWatch = { path, query, onEvent, onDone, closed: false };
    const handle = {
      abort: (): void => {
        if (w.closed) return;
        w.closed = true;
        const err = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
        if (this.abortDoneDelayMs === undefined) onDone(err);
        else setTimeout(() => onDone(err), this.abortDoneDelayMs);
      },
    };
    const err = this.refused(path);
    if (err !== undefined) {
      w.closed = true;
      onDone(err);
      return Promise.resolve(handle);
    }
    const from = Number(query['resourceVersion'] ?? '0');
    if (from < this.compactedRv) {
      onEvent('ERROR', {
        kind: 'Status',
        code: 410,
        reason: 'Expired',
        message: `too old resource version: ${from} (${this.compactedRv})`,
      });
      w.closed = true;
      onDone(null);
      return Promise.resolve(handle);
    }
    for (const e of this.log) {
      if (e.rv > from && e.path === path && selected(e.object, query)) onEvent(e.type, clone(e.object));
    }
    this.watches.push(w);
    return Promise.resolve(handle);
  }
}
