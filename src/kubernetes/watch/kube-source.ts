/**
 * The Kubernetes source for ONE cluster: a list+watch loop per kind (Ingress, IngressClass, Service,
 * EndpointSlice, TLS Secret, Opaque Secret) feeding one store, which composes the same `SourceUpdate` stream as the
 * manifests source.
 *
 * - The Gateway API kinds are optional (`GATEWAY_API_KUBE_KINDS`): a cluster without their CRDs (or the
 *   RBAC to read them) counts as having none, at once, and is checked again every `absentRecheckMs`.
 * - `load()` resolves once the first list of every kind completed, so a restart never pushes a partial
 *   configuration. A kind that cannot be listed within `initialListTimeoutMs` makes it reject with
 *   CW_E_KUBE_UNAVAILABLE naming the cluster, the kinds and their last error; the loops are then stopped
 *   (a later `load()` or `watch()` starts them again).
 * - `watch()` then emits an update after each batch of events whose normalized content changed (or whose
 *   diagnostics changed). `changed` lists exactly those objects: a relist or a status-only update changes no
 *   fingerprint and emits nothing.
 * - A lost apiserver never empties the state: the loops keep the last state and resume with backoff; while
 *   it is unreachable ONE readiness probe per cluster (`ReachabilityGate`) tells every loop when it is
 *   back, so they resume within about a second of it, not after a backoff grown to 30 s.
 * - Objects the readers reject become CW_E_KUBE_OBJECT diagnostics; their last good version stays in force.
 * - Every object has `origin = { cluster }`.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { CausewayError } from '../../errors.js';
import type { KubeKind } from '../../resources/kube-types.js';
import type { ResourceSource, SourceUpdate } from '../../sources/source-update.js';
import type { BackoffOptions } from '../../util/backoff.js';
import { KubeHttpTransport } from '../client/kube-http-transport.js';
import { ReachabilityGate } from '../client/reachability-gate.js';
import { KUBE_KINDS, watchScope } from './kube-kinds.js';
import { KubeObjectStore } from './kube-object-store.js';
import { describeError, type KubeTransport } from '../client/kube-transport.js';
import { KindWatch } from './kube-watch.js';

export const DEFAULT_INITIAL_LIST_TIMEOUT_MS = 60_000;

export interface KubernetesSourceOptions {
  /** The cluster's name: on every object's origin, in diagnostics and in logs. */
  readonly cluster: string;
  /** Credentials and address of the apiserver (its current context is used). */
  readonly kubeConfig: KubeConfig;
  /** How long `load()` waits for the first list of every kind (default 60 s). */
  readonly initialListTimeoutMs?: number;
  readonly logger?: Logger;
  /** Reconnect backoff of every list+watch loop (default 500 ms doubling up to 30 s, jittered). */
  readonly backoff?: BackoffOptions;
  /** Server-side timeout of each watch request (default: random in [300, 600) s). */
  readonly watchTimeoutSeconds?: number;
  /** Relist every kind this often as a safety net (default 0: never). */
  readonly relistIntervalMs?: number;
  /** Page size of lists (default 500). */
  readonly pageSize?: number;
  /** How often a Gateway API kind the cluster does not serve is listed again (default 60 s). */
  readonly absentRecheckMs?: number;
  /** Bound on a list page request without an answer (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** Backoff of the readiness probe while the apiserver is unreachable (default 100 ms doubling to 1 s). */
  readonly probeBackoff?: BackoffOptions;
  /** Replaces the HTTP transport (tests). */
  readonly transport?: KubeTransport;
  /** Source of randomness for jitter (tests). */
  readonly random?: () => number;
}

export class KubernetesSource implements ResourceSource {
  readonly cluster: string;
  private readonly store: KubeObjectStore;
  private readonly watches: readonly KindWatch[];
  private readonly gate: ReachabilityGate | undefined;
  private readonly transport: KubeTransport;
  private readonly log: Logger;
  private readonly initialListTimeoutMs: number;
  private loaded = false;
  private closed = false;
  private onUpdate: ((u: SourceUpdate) => void) | undefined;
  private flushHandle: NodeJS.Immediate | undefined;
  private readonly closing: Promise<void>;
  private signalClosed!: () => void;

  constructor(options: KubernetesSourceOptions) {
    this.cluster = options.cluster;
    this.initialListTimeoutMs = options.initialListTimeoutMs ?? DEFAULT_INITIAL_LIST_TIMEOUT_MS;
    this.log = (options.logger ?? pino({ level: 'silent' })).child({
      component: 'kubernetes-source',
      cluster: options.cluster,
    });
    this.closing = new Promise((resolve) => {
      this.signalClosed = resolve;
    });
    const namespaced = new Map(KUBE_KINDS.map((k) => [k.kind, k.namespaced]));
    this.store = new KubeObjectStore(options.cluster, (kind) => namespaced.get(kind) ?? true);
    const transport =
      options.transport ?? new KubeHttpTransport(options.kubeConfig, options.requestTimeoutMs);
    this.transport = transport;
    const probe = transport.probe?.bind(transport);
    this.gate =
      probe === undefined
        ? undefined
        : new ReachabilityGate({
            probe,
            logger: this.log,
            ...(options.probeBackoff !== undefined ? { backoff: options.probeBackoff } : {}),
            ...(options.random !== undefined ? { random: options.random } : {}),
          });
    this.watches = KUBE_KINDS.map((spec) => {
      const scope = watchScope(spec);
      return new KindWatch({
        spec,
        transport,
        logger: this.log,
        ...(this.gate !== undefined ? { gate: this.gate } : {}),
        ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
        ...(options.watchTimeoutSeconds !== undefined
          ? { watchTimeoutSeconds: options.watchTimeoutSeconds }
          : {}),
        ...(options.relistIntervalMs !== undefined ? { relistIntervalMs: options.relistIntervalMs } : {}),
        ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
        ...(options.absentRecheckMs !== undefined ? { absentRecheckMs: options.absentRecheckMs } : {}),
        ...(options.random !== undefined ? { random: options.random } : {}),
        handlers: {
          onList: (items) => {
            this.store.replace(spec.kind, items, scope);
            this.changed();
          },
          onEvent: (type, object) => {
            const ok =
              type === 'DELETED'
                ? this.store.remove(spec.kind, object, scope)
                : this.store.upsert(spec.kind, object, scope);
            if (!ok)
              this.log.warn({ kind: spec.kind, type }, 'watch event for an object without a name ignored');
            this.changed();
          },
        },
      });
    });
  }

  /** Waits for the first list of every kind; the update is relative to the previous one (first: all upserts). */
  async load(): Promise<SourceUpdate> {
    await this.waitForFirstLists();
    this.loaded = true;
    return this.store.takeUpdate().update;
  }

  /**
   * Starts emitting. When the state changed since the last `load()` (or there was none), the first call comes
   * right away; then one per batch of changes.
   */
  async watch(onUpdate: (u: SourceUpdate) => void): Promise<void> {
    if (this.onUpdate !== undefined) throw new Error('KubernetesSource.watch() called twice');
    if (!this.loaded) {
      await this.waitForFirstLists();
      this.loaded = true;
    }
    this.onUpdate = onUpdate;
    this.flush();
  }

  /** Stops every loop; no callback happens afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    this.onUpdate = undefined;
    this.signalClosed();
    if (this.flushHandle !== undefined) clearImmediate(this.flushHandle);
    this.flushHandle = undefined;
    this.gate?.close();
    await Promise.all(this.watches.map((w) => w.stop()));
    this.transport.close?.();
  }

  /** Relists every kind now (what a periodic resync does; for tests and the admin API). */
  relist(): void {
    for (const w of this.watches) w.requestRelist();
  }

  private async waitForFirstLists(): Promise<void> {
    if (this.closed) throw new Error('KubernetesSource is closed');
    for (const w of this.watches) w.start();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      Promise.all(this.watches.map((w) => w.listed)).then(() => 'listed' as const),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.initialListTimeoutMs);
      }),
      this.closing.then(() => 'closed' as const),
    ]);
    clearTimeout(timer);
    if (outcome === 'closed') throw new Error('KubernetesSource was closed while loading');
    if (outcome === 'listed') return;
    const unlisted = this.watches.filter((w) => !w.isListed);
    // The message names the kinds every cluster serves when some of them are missing (the optional
    // Gateway API kinds then fail for the same reason).
    const required = unlisted.filter((w) => w.optional !== true);
    const missing = required.length > 0 ? required : unlisted;
    const names = missing.map((w) => w.scope);
    await Promise.all(this.watches.map((w) => w.stop()));
    const why = missing
      .map((w) => `${w.scope}: ${w.lastError === undefined ? 'no answer' : describeError(w.lastError)}`)
      .join('; ');
    this.log.error({ kinds: names }, 'initial list timed out');
    throw new CausewayError(
      'CW_E_KUBE_UNAVAILABLE',
      `cluster ${this.cluster}: ${names.join(', ')} could not be listed within ${this.initialListTimeoutMs} ms (${why})`,
    );
  }

  private changed(): void {
    if (this.onUpdate === undefined || this.closed || this.flushHandle !== undefined) return;
    // Events that arrive together (a relist, a burst on the stream) make one update.
    this.flushHandle = setImmediate(() => {
      this.flushHandle = undefined;
      this.flush();
    });
  }

  private flush(): void {
    const cb = this.onUpdate;
    if (cb === undefined || this.closed) return;
    const { update, hasNews } = this.store.takeUpdate();
    if (!hasNews) return;
    this.log.debug({ changed: update.changed.length, diagnostics: update.diagnostics.length }, 'update');
    try {
      cb(update);
    } catch (err) {
      this.log.error({ err }, 'update callback failed');
    }
  }

  /** Known objects per kind (good or rejected, all TLS and Opaque Secrets); for logs and tests. */
  counts(): Readonly<Record<KubeKind, number>> {
    return Object.fromEntries(KUBE_KINDS.map((k) => [k.kind, this.store.count(k.kind)])) as Record<
      KubeKind,
      number
    >;
  }
}
