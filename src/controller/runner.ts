/**
 * The controller runner: source -> translate -> xds translate -> cache. The only place that connects
 * the pure stages to the edges. A lone change is applied at once, a storm at most once per
 * `minFlushGapMs` (flush-throttle.ts); a change that touches only EndpointSlices takes the fast path (only the affected ClusterLoadAssignments are rebuilt and pushed);
 * any other change translates again only the gateway groups it touches (incremental-translate.ts, xds-reuse.ts).
 * A bug on one object is isolated by translate (that object is left out with CW_E_INTERNAL_OBJECT); a
 * bug elsewhere in a stage is logged and the last good state keeps being served.
 */
import type { Logger } from 'pino';
import type { Diagnostic } from '../errors.js';
import type { IR } from '../ir/ir-types.js';
import { EMPTY_GATEWAY_API_STATUS, type GatewayApiStatus } from '../gateway-api/status-model.js';
import type { ResourceSet } from '../resources/resource-set.js';
import {
  onlyEndpointsChanged,
  servicesOfChangedSlices,
  type ResourceChange,
  type ResourceSource,
  type SourceUpdate,
} from '../sources/source-update.js';
import { refreshServiceBackends } from '../translate/refresh-backends.js';
import {
  backendsOfServices,
  indexServiceBackends,
  type ServiceBackendIndex,
} from '../translate/service-backend-index.js';
import type { ServedIngress } from '../translate/translate.js';
import { IncrementalTranslation } from '../translate/incremental-translate.js';
import type { TranslateOptions } from '../translate/translate-options.js';
import type { ControllerMetrics } from '../observability/metrics.js';
import {
  createValuePublisher,
  type AppliedState,
  type AppliedStateStream,
  type ValuePublisher,
} from '../pipeline/applied-state.js';
import type { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import type { XdsSourceMap } from '../../xds/translator/source-map.js';
import { translateEndpointsChecked } from '../../xds/translator/xds.translator.js';
import { translateXdsReusing, type XdsReuse } from '../../xds/translator/xds-reuse.js';
import { FlushThrottle } from './flush-throttle.js';
import { RunnerDiagnostics } from './runner-diagnostics.js';

export interface RunnerOptions {
  readonly source: ResourceSource;
  readonly translateOptions: TranslateOptions;
  readonly cache: SnapshotCache;
  readonly metrics: ControllerMetrics;
  readonly logger: Logger;
  /** While changes keep coming, the least time between two flushes (default 10 ms). */
  readonly minFlushGapMs?: number;
}

export class ControllerRunner {
  private resources?: ResourceSet;
  /** The translation kept for incremental steps (undefined: the next change translates in full). */
  private translation?: IncrementalTranslation;
  private xdsReuse?: XdsReuse;
  private currentIr?: IR;
  /** Where each Service's backends are in `currentIr` (built on the first endpoints-only change after a translation). */
  private backendIndex?: ServiceBackendIndex;
  /** The source map of the last full translation (the fast path changes no resource's sources). */
  private currentSources?: XdsSourceMap;
  private servedIngresses: readonly ServedIngress[] = [];
  private gatewayApiStatus: GatewayApiStatus = EMPTY_GATEWAY_API_STATUS;
  private readonly diags = new RunnerDiagnostics();
  private latest?: SourceUpdate;
  private pending: ResourceChange[] = [];
  private firstChangeAt?: number;
  private readonly throttle: FlushThrottle;
  /** When the last applied change was first seen (for the change-to-push metric). */
  private unpushedChangeAt?: number;
  private readonly publisher: ValuePublisher<AppliedState>;

  constructor(private readonly o: RunnerOptions) {
    this.throttle = new FlushThrottle(() => this.flush(), o.minFlushGapMs ?? 10);
    this.publisher = createValuePublisher((err) =>
      o.logger.error({ err }, 'a subscriber of the applied state failed'),
    );
  }

  /** Every applied change (full, endpoints-only, or diagnostics-only), for the ALB loop, leader writers, NACK tracker. */
  get applied(): AppliedStateStream {
    return this.publisher;
  }

  /** Loads the source, runs the first full translation (the server starts answering), then watches. */
  async start(): Promise<void> {
    const first = await this.o.source.load();
    this.latest = first;
    this.applyChanges(first);
    await this.o.source.watch((u) => this.onUpdate(u));
  }

  async stop(): Promise<void> {
    this.throttle.cancel();
    await this.o.source.close();
  }

  isReady(): boolean {
    return this.currentIr !== undefined;
  }

  ir(): IR | undefined {
    return this.currentIr;
  }

  /** Where each xDS resource served comes from (for NACK attribution), from the last full translation. */
  xdsSources(): XdsSourceMap | undefined {
    return this.currentSources;
  }

  /** The Ingresses the last full translation serves (for NACK outputs: their clusters and groups). */
  served(): readonly ServedIngress[] {
    return this.servedIngresses;
  }

  /** Source and translation diagnostics, sorted; the same array while their content is the same. */
  diagnostics(): readonly Diagnostic[] {
    return this.diags.all();
  }

  /** Called by the xDS server's push hook: records seconds from the change to its first push. */
  notePushed(): void {
    if (this.unpushedChangeAt === undefined) return;
    this.o.metrics.observeChangeToPush((performance.now() - this.unpushedChangeAt) / 1000);
    this.unpushedChangeAt = undefined;
  }

  private onUpdate(u: SourceUpdate): void {
    this.latest = u;
    this.pending.push(...u.changed);
    this.firstChangeAt ??= performance.now();
    this.throttle.poke();
  }

  private flush(): void {
    const u = this.latest;
    if (!u) return;
    const changes = this.pending;
    this.pending = [];
    this.unpushedChangeAt = this.firstChangeAt;
    this.firstChangeAt = undefined;
    if (changes.length === 0 && this.currentIr) {
      // Only the source's own problems changed (e.g. a file broke and its last good version stays).
      this.setDiagnostics(u.diagnostics, this.diags.translation());
      return;
    }
    if (this.currentIr && this.resources && onlyEndpointsChanged(changes)) this.applyEndpoints(u, changes);
    else this.applyChanges(u, changes);
  }

  /** Translates the groups `changes` touch (all of them without `changes` or a kept translation). */
  private applyChanges(u: SourceUpdate, changes?: readonly ResourceChange[]): void {
    const t0 = performance.now();
    const incremental =
      changes !== undefined && this.translation !== undefined && this.resources !== undefined;
    try {
      const step = incremental
        ? this.translation!.apply(u.resources, changes, this.resources!)
        : this.startTranslation(u.resources);
      const result = this.translation!.result();
      const xds = translateXdsReusing(result.ir, step.full ? undefined : this.xdsReuse);
      if (step.full) this.o.cache.setAll(xds.xds.resources);
      else this.o.cache.setGroups(xds.changed, xds.removed);
      this.xdsReuse = xds.reuse;
      this.resources = u.resources;
      this.currentIr = result.ir;
      this.backendIndex = undefined;
      this.currentSources = xds.xds.sources;
      this.servedIngresses = result.served;
      this.gatewayApiStatus = result.gatewayApiStatus;
      this.setDiagnostics(u.diagnostics, [...result.diagnostics, ...xds.xds.diagnostics]);
      const kind = step.full ? 'full' : 'incremental';
      this.o.metrics.recordTranslation(kind, 'ok', (performance.now() - t0) / 1000);
      this.o.metrics.setReady(true);
      this.o.logger.info(
        {
          kind,
          groups: step.full ? result.ir.groups.map((g) => g.name) : [...xds.changed.keys()],
          diagnostics: result.diagnostics.length,
          ms: Math.round(performance.now() - t0),
        },
        'translated',
      );
    } catch (err) {
      this.translation = undefined;
      this.xdsReuse = undefined;
      this.o.metrics.recordTranslation('full', 'error', (performance.now() - t0) / 1000);
      this.o.logger.error({ err }, 'translation failed; serving the last good configuration');
    }
  }

  private startTranslation(resources: ResourceSet): { readonly full: true } {
    this.translation = IncrementalTranslation.from(resources, this.o.translateOptions);
    return { full: true };
  }

  private applyEndpoints(u: SourceUpdate, changes: readonly ResourceChange[]): void {
    const t0 = performance.now();
    try {
      const services = servicesOfChangedSlices(changes, this.resources!, u.resources);
      this.backendIndex ??= indexServiceBackends(this.currentIr!);
      const refresh = refreshServiceBackends(
        this.currentIr!,
        u.resources,
        services,
        this.o.translateOptions,
        this.backendIndex,
      );
      const endpoints = translateEndpointsChecked(
        backendsOfServices(refresh.ir, services, this.backendIndex),
        refresh.changed,
      );
      for (const [group, upserts] of endpoints.resources)
        this.o.cache.updateResources(group, RESOURCE_TYPES.endpoint, upserts, []);
      this.resources = u.resources;
      this.currentIr = refresh.ir;
      this.translation?.endpointsRefreshed(services, refresh.changed.keys());
      this.setDiagnostics(
        u.diagnostics,
        this.diags.withEndpointDiagnostics(services, [...refresh.diagnostics, ...endpoints.diagnostics]),
      );
      this.o.metrics.recordTranslation('endpoints', 'ok', (performance.now() - t0) / 1000);
      this.o.logger.debug(
        { services: [...services], ms: Math.round(performance.now() - t0) },
        'endpoints updated',
      );
    } catch (err) {
      this.o.metrics.recordTranslation('endpoints', 'error', (performance.now() - t0) / 1000);
      this.o.logger.error({ err }, 'endpoint update failed; running a full translation');
      this.translation = undefined;
      this.applyChanges(u);
    }
  }

  /**
   * Stores the current diagnostics, logs the ones that are new and publishes the applied state. Costs
   * nothing more when the diagnostics did not change (RunnerDiagnostics).
   */
  private setDiagnostics(source: readonly Diagnostic[], translated: readonly Diagnostic[]): void {
    const change = this.diags.set(source, translated);
    for (const d of change.added) {
      const obj = `${d.object.kind} ${d.object.namespace ? `${d.object.namespace}/` : ''}${d.object.name}`;
      this.o.logger.warn(
        { code: d.code, object: obj, file: d.object.file, document: d.object.documentIndex },
        d.message,
      );
    }
    const all = this.diags.all();
    if (change.changed) this.o.metrics.setDiagnostics(all);
    if (this.resources && this.currentIr && this.currentSources)
      this.publisher.publish({
        resources: this.resources,
        xdsSources: this.currentSources,
        served: this.servedIngresses,
        diagnostics: all,
        gatewayApiStatus: this.gatewayApiStatus,
      });
  }
}
