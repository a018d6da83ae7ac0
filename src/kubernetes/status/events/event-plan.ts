/**
 * Kubernetes Events for diagnostics: each diagnostic becomes an `events.k8s.io/v1` Event on the object it
 * belongs to, with the catalog's `reason` and `note` = `CODE: message`.
 *
 * - One Event per (object, code, message). Seen again, it is not re-created: its `series` (count and
 *   lastObservedTime) is patched, at most once per `seriesIntervalMs`. An observation is one `record()`
 *   call (a translation) that contains the diagnostic; the recorder re-records the last list every
 *   `resyncMs`, so a problem that persists keeps its Event alive (Events expire, by default after 1 h).
 * - Event names are derived from the series key (`<object>.<hash>`), so a new leader (or a restarted
 *   one) that meets an Event of the same series finds it (409 on create), adopts its count, and patches
 *   it instead of adding a duplicate.
 * - Writes are rate limited: a global token bucket (default 10/s, burst 25) and one per object (default
 *   one per 10 s, burst 10). What the buckets hold back is written later, in key order.
 * - Nothing is written unless this replica leads; the state is dropped whenever it does not.
 * - Skipped: diagnostics of manifest files (`object.file`), of kinds that are not Kubernetes objects
 *   Causeway knows, and of namespaced kinds without a namespace.
 *
 * This file is the pure part: `planEvents` (state + diagnostics + now -> writes + new state) and the
 * `settle*` functions that feed write outcomes back. `EventRecorder` (event-recorder.ts) does the I/O
 * through an `EventClient` (event-client.ts).
 */
import { createHash } from 'node:crypto';
import { ERRORS, type Diagnostic, type ObjectRef } from '../../../errors.js';
import { fullBucket, refill, tokenAt, type Bucket, type Rate } from '../../../util/token-bucket.js';

export const REPORTING_CONTROLLER = 'causeway.dev/gateway';
export const DEFAULT_ACTION = 'Translate';
/** `note` is at most 1 KiB (bytes of UTF-8), as the apiserver requires. */
export const NOTE_LIMIT_BYTES = 1024;
/** reportingInstance and action are at most 128 characters. */
export const FIELD_LIMIT = 128;

/** The kinds Events can be about: their apiVersion and whether they live in a namespace. */
export const EVENT_KINDS: Readonly<
  Record<string, { readonly apiVersion: string; readonly namespaced: boolean }>
> = {
  Ingress: { apiVersion: 'networking.k8s.io/v1', namespaced: true },
  IngressClass: { apiVersion: 'networking.k8s.io/v1', namespaced: false },
  Service: { apiVersion: 'v1', namespaced: true },
  Secret: { apiVersion: 'v1', namespaced: true },
  EndpointSlice: { apiVersion: 'discovery.k8s.io/v1', namespaced: true },
  GatewayClass: { apiVersion: 'gateway.networking.k8s.io/v1', namespaced: false },
  Gateway: { apiVersion: 'gateway.networking.k8s.io/v1', namespaced: true },
  HTTPRoute: { apiVersion: 'gateway.networking.k8s.io/v1', namespaced: true },
  GRPCRoute: { apiVersion: 'gateway.networking.k8s.io/v1', namespaced: true },
  TLSRoute: { apiVersion: 'gateway.networking.k8s.io/v1', namespaced: true },
  TCPRoute: { apiVersion: 'gateway.networking.k8s.io/v1', namespaced: true },
  UDPRoute: { apiVersion: 'gateway.networking.k8s.io/v1', namespaced: true },
  ReferenceGrant: { apiVersion: 'gateway.networking.k8s.io/v1', namespaced: true },
};

/** Events about cluster-scoped objects go to this namespace (as client-go does). */
export const CLUSTER_SCOPED_EVENT_NAMESPACE = 'default';

export interface EventRegarding {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly uid?: string;
}

/** Everything about an Event that does not change over its series. */
export interface EventSpec {
  /** The source cluster whose apiserver gets the Event (undefined: the default one). */
  readonly cluster?: string;
  readonly namespace: string;
  readonly name: string;
  readonly regarding: EventRegarding;
  readonly reason: string;
  readonly note: string;
  readonly type: 'Warning' | 'Normal';
  readonly action: string;
  readonly reportingController: string;
  readonly reportingInstance: string;
}

export interface SeriesState {
  readonly spec: EventSpec;
  /** `cluster/kind/namespace/name` of the object: the per-object rate limit's key. */
  readonly objectKey: string;
  /** Observations by this replica (this leadership term). */
  readonly count: number;
  /** Occurrences the Event already had when this replica adopted it (0 when it created it). */
  readonly base: number;
  readonly firstObserved: number;
  readonly lastObserved: number;
  /** What the apiserver holds, as far as we know: undefined until created. */
  readonly written?: { readonly count: number; readonly at: number };
  /** When a write failed with a final error (4xx): it is tried again only `seriesIntervalMs` later. */
  readonly failedAt?: number;
}

export interface EventState {
  /** By series key. */
  readonly series: ReadonlyMap<string, SeriesState>;
  readonly global: Bucket;
  /** Per object; buckets that are full again are dropped. */
  readonly perObject: ReadonlyMap<string, Bucket>;
}

export interface EventPlanOptions {
  /** The Event's `reportingInstance`: this replica's identity. */
  readonly reportingInstance: string;
  /** Default `Translate`. */
  readonly action?: string;
  /** A series is patched at most once per this (default 5 min). */
  readonly seriesIntervalMs?: number;
  /** A series not observed for this long is forgotten (default 1 h, the apiserver's default Event TTL). */
  readonly retainMs?: number;
  /** Default 10/s, burst 25. */
  readonly globalRate?: Rate;
  /** Default 0.1/s, burst 10. */
  readonly perObjectRate?: Rate;
  /** The uid of an object (so that `kubectl describe` lists the Event); undefined when unknown. */
  readonly uidOf?: (ref: ObjectRef) => string | undefined;
}

export const DEFAULT_SERIES_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_RETAIN_MS = 60 * 60_000;
export const DEFAULT_GLOBAL_RATE: Rate = { perSecond: 10, burst: 25 };
export const DEFAULT_PER_OBJECT_RATE: Rate = { perSecond: 0.1, burst: 10 };

export interface EventSeriesBody {
  readonly count: number;
  readonly lastObservedTime: number;
}

export interface EventCreate {
  readonly key: string;
  readonly spec: EventSpec;
  readonly eventTime: number;
  /** Set when the Event starts with more than one occurrence. */
  readonly series?: EventSeriesBody;
}

export interface EventPatch {
  readonly key: string;
  readonly spec: EventSpec;
  readonly series: EventSeriesBody;
}

export interface EventPlan {
  readonly create: readonly EventCreate[];
  readonly patch: readonly EventPatch[];
  readonly state: EventState;
  /** Writes held back by the rate limits. */
  readonly deferred: number;
  /** When a write held back (or a series patch waiting for its interval) is due; undefined if none. */
  readonly nextAt?: number;
}

export function emptyEventState(now: number, options: Pick<EventPlanOptions, 'globalRate'> = {}): EventState {
  return {
    series: new Map(),
    global: fullBucket(options.globalRate ?? DEFAULT_GLOBAL_RATE, now),
    perObject: new Map(),
  };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `text` cut to at most `limit` UTF-8 bytes (on a character boundary), ending in `...` when cut. */
export function trimToBytes(text: string, limit: number): string {
  if (Buffer.byteLength(text, 'utf8') <= limit) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch, 'utf8');
    if (bytes + size > limit - 3) break;
    out += ch;
    bytes += size;
  }
  return `${out}...`;
}

/** The Event's `note`: `CODE: message`, at most 1 KiB. */
export function eventNote(d: Diagnostic): string {
  return trimToBytes(`${d.code}: ${d.message}`, NOTE_LIMIT_BYTES);
}

/** The series key: object (with uid when known), code and message. */
export function seriesKey(d: Diagnostic, uid?: string): string {
  const o = d.object;
  return JSON.stringify([o.cluster ?? '', o.kind, o.namespace ?? '', o.name, uid ?? '', d.code, d.message]);
}

/** `<object name>.<16 hex of the key's hash>`: a valid, stable Event name (DNS subdomain, ≤ 253). */
export function eventName(objectName: string, key: string): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const base = objectName
    .toLowerCase()
    .slice(0, 253 - 17)
    .replace(/[^a-z0-9]+$/, '');
  return base === '' ? hash : `${base}.${hash}`;
}

/** The Event for a diagnostic, or undefined when it gets none (see the module comment). */
export function eventSpecFor(
  d: Diagnostic,
  options: EventPlanOptions,
): { readonly key: string; readonly spec: EventSpec; readonly objectKey: string } | undefined {
  const o = d.object;
  if (o.file !== undefined) return undefined;
  const kind = EVENT_KINDS[o.kind];
  const entry = ERRORS[d.code] as { readonly reason: string } | undefined;
  if (!kind || !entry) return undefined;
  if (kind.namespaced && !o.namespace) return undefined;
  const uid = options.uidOf?.(o);
  const key = seriesKey(d, uid);
  const regarding: EventRegarding = {
    apiVersion: kind.apiVersion,
    kind: o.kind,
    ...(kind.namespaced ? { namespace: o.namespace } : {}),
    name: o.name,
    ...(uid ? { uid } : {}),
  };
  return {
    key,
    objectKey: `${o.cluster ?? ''}/${o.kind}/${kind.namespaced ? (o.namespace ?? '') : ''}/${o.name}`,
    spec: {
      ...(o.cluster !== undefined ? { cluster: o.cluster } : {}),
      namespace: kind.namespaced ? (o.namespace as string) : CLUSTER_SCOPED_EVENT_NAMESPACE,
      name: eventName(o.name, key),
      regarding,
      reason: entry.reason,
      note: eventNote(d),
      type: 'Warning',
      action: (options.action ?? DEFAULT_ACTION).slice(0, FIELD_LIMIT),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: options.reportingInstance.slice(0, FIELD_LIMIT),
    },
  };
}

/** Occurrences the Event should show. */
function total(s: SeriesState): number {
  return s.base + s.count;
}

/** The earlier of two times; undefined counts as never. */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

/** The series after one observation of `diagnostics` at `now`, minus those not observed for `retainMs`. */
function observeSeries(
  previous: ReadonlyMap<string, SeriesState>,
  diagnostics: readonly Diagnostic[],
  now: number,
  options: EventPlanOptions,
  retainMs: number,
): Map<string, SeriesState> {
  const series = new Map(previous);
  const seen = new Set<string>();
  for (const d of diagnostics) {
    const ev = eventSpecFor(d, options);
    if (!ev || seen.has(ev.key)) continue;
    seen.add(ev.key);
    const old = series.get(ev.key);
    series.set(
      ev.key,
      old
        ? { ...old, count: old.count + 1, lastObserved: now }
        : {
            spec: ev.spec,
            objectKey: ev.objectKey,
            count: 1,
            base: 0,
            firstObserved: now,
            lastObserved: now,
          },
    );
  }
  for (const [key, s] of series) if (now - s.lastObserved > retainMs) series.delete(key);
  return series;
}

interface DueWrites {
  /** Series keys to create, then to patch, in key order. */
  readonly keys: readonly string[];
  /** When a series waiting for its interval (after a write or a final failure) is due. */
  readonly nextAt: number | undefined;
}

/** The writes due at `now`, before the rate limits: creates of new series, then patches of grown ones. */
function dueWrites(series: ReadonlyMap<string, SeriesState>, now: number, interval: number): DueWrites {
  const creates: string[] = [];
  const patches: string[] = [];
  let nextAt: number | undefined;
  for (const [key, s] of [...series].sort(([a], [b]) => compareStrings(a, b))) {
    if (s.failedAt !== undefined && now - s.failedAt < interval) {
      nextAt = earliest(nextAt, s.failedAt + interval);
      continue;
    }
    if (s.written === undefined) creates.push(key);
    else if (total(s) > s.written.count) {
      if (now - s.written.at >= interval) patches.push(key);
      else nextAt = earliest(nextAt, s.written.at + interval);
    }
  }
  return { keys: [...creates, ...patches], nextAt };
}

interface AdmittedWrites {
  readonly create: readonly EventCreate[];
  readonly patch: readonly EventPatch[];
  readonly deferred: number;
  /** When the first write held back by the buckets may go. */
  readonly nextAt: number | undefined;
  readonly global: Bucket;
  readonly perObject: ReadonlyMap<string, Bucket>;
}

/**
 * The due writes the (refilled) buckets allow, in order; each takes a token from the global bucket and
 * its object's. `series` is updated to assume every admitted write succeeds.
 */
function admitWrites(
  keys: readonly string[],
  series: Map<string, SeriesState>,
  previous: EventState,
  now: number,
  rates: { readonly global: Rate; readonly perObject: Rate },
): AdmittedWrites {
  let global = refill(previous.global, rates.global, now);
  const perObject = new Map<string, Bucket>();
  for (const [k, b] of previous.perObject) perObject.set(k, refill(b, rates.perObject, now));
  const create: EventCreate[] = [];
  const patch: EventPatch[] = [];
  let deferred = 0;
  let nextAt: number | undefined;
  for (const key of keys) {
    const s = series.get(key) as SeriesState;
    const bucket = perObject.get(s.objectKey) ?? fullBucket(rates.perObject, now);
    if (global.tokens < 1 || bucket.tokens < 1) {
      deferred++;
      nextAt = earliest(nextAt, Math.max(tokenAt(global, rates.global), tokenAt(bucket, rates.perObject)));
      continue;
    }
    global = { tokens: global.tokens - 1, at: global.at };
    perObject.set(s.objectKey, { tokens: bucket.tokens - 1, at: bucket.at });
    const count = total(s);
    const seriesBody = { count, lastObservedTime: s.lastObserved };
    if (s.written === undefined) {
      create.push({
        key,
        spec: s.spec,
        eventTime: s.firstObserved,
        ...(count >= 2 ? { series: seriesBody } : {}),
      });
    } else {
      patch.push({ key, spec: s.spec, series: seriesBody });
    }
    const { failedAt: _f, ...rest } = s;
    series.set(key, { ...rest, written: { count, at: now } });
  }
  for (const [k, b] of perObject) if (b.tokens >= rates.perObject.burst) perObject.delete(k);
  return { create, patch, deferred, nextAt, global, perObject };
}

/**
 * Records one observation of `diagnostics` at `now` and plans the writes the rate limits allow:
 * creates for new series (key order), then series patches due after `seriesIntervalMs`. The returned
 * state assumes every planned write succeeds; feed failures back with `settleFailed` / `settleAdopted`.
 * Call it with no diagnostics to only write what was held back (`nextAt`).
 */
export function planEvents(
  previous: EventState,
  diagnostics: readonly Diagnostic[],
  now: number,
  options: EventPlanOptions,
): EventPlan {
  const interval = options.seriesIntervalMs ?? DEFAULT_SERIES_INTERVAL_MS;
  const retainMs = options.retainMs ?? DEFAULT_RETAIN_MS;
  const rates = {
    global: options.globalRate ?? DEFAULT_GLOBAL_RATE,
    perObject: options.perObjectRate ?? DEFAULT_PER_OBJECT_RATE,
  };
  const series = observeSeries(previous.series, diagnostics, now, options, retainMs);
  const due = dueWrites(series, now, interval);
  const admitted = admitWrites(due.keys, series, previous, now, rates);
  const nextAt = earliest(due.nextAt, admitted.nextAt);
  return {
    create: admitted.create,
    patch: admitted.patch,
    state: { series, global: admitted.global, perObject: admitted.perObject },
    deferred: admitted.deferred,
    ...(nextAt !== undefined ? { nextAt } : {}),
  };
}

/**
 * A planned write failed. Retryable (5xx, 429, network): the series is as before the write, so a later
 * plan writes it again. Final (other 4xx, e.g. 403): the same, but not tried again before
 * `seriesIntervalMs` has passed. A patch that found no Event (404: it expired): created anew.
 */
export function settleFailed(
  state: EventState,
  key: string,
  previousWritten: SeriesState['written'],
  outcome: 'retry' | 'final' | 'gone',
  now: number,
): EventState {
  const s = state.series.get(key);
  if (!s) return state;
  const series = new Map(state.series);
  if (outcome === 'final') {
    const { written: _w, ...rest } = s;
    series.set(key, { ...rest, ...(previousWritten ? { written: previousWritten } : {}), failedAt: now });
  } else if (outcome === 'gone') {
    const { written: _w, ...rest } = s;
    series.set(key, { ...rest, base: 0 });
  } else {
    const { written: _w, ...rest } = s;
    series.set(key, previousWritten === undefined ? rest : { ...rest, written: previousWritten });
  }
  return { ...state, series };
}

/**
 * A create found the Event already there (409): another leader, or this replica before a restart,
 * created the same series with `existingCount` occurrences. Its count becomes our base, and the next
 * plan patches it at once.
 */
export function settleAdopted(state: EventState, key: string, existingCount: number): EventState {
  const s = state.series.get(key);
  if (!s) return state;
  const series = new Map(state.series);
  series.set(key, {
    ...s,
    base: existingCount,
    written: { count: existingCount, at: Number.NEGATIVE_INFINITY },
  });
  return { ...state, series };
}
