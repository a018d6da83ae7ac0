/**
 * The controller's shared Prometheus registry and its controller-wide metrics (translations,
 * diagnostics, change-to-push latency, readiness, source clusters, rejected objects). Every instance
 * owns its own prom-client Registry (never the global one), so several controllers (or tests) can
 * coexist in one process. Subsystems register their own metrics on `registry`: the xDS side
 * (xds/server/xds-metrics.ts) and the AWS edge (src/alb/aws/aws-metrics.ts). Metric names and labels
 * are a contract: `docs/metrics.md` documents every one of them, and a test checks it.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ERRORS } from '../errors.js';
import type { Diagnostic, ErrorCode, Severity } from '../errors.js';

export const METRIC_PREFIX = 'causeway_';

export type TranslationKind = 'full' | 'incremental' | 'endpoints';
export type TranslationResult = 'ok' | 'error';

/** 1 ms to 10 s. */
export const CHANGE_TO_PUSH_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** 0.5 ms to 10 s: endpoint-only translations take well under a millisecond. */
export const TRANSLATION_BUCKETS: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface ControllerMetricsOptions {
  /** Register prom-client's default process and Node.js metrics (prefixed `causeway_`). Default true. */
  readonly defaultMetrics?: boolean;
}

export class ControllerMetrics {
  /** This instance's registry; other components may register their own `causeway_*` metrics on it. */
  readonly registry: Registry;

  private readonly translations: Counter<'result' | 'kind'>;
  private readonly translationDuration: Histogram<'kind'>;
  private readonly diagnostics: Gauge<'code' | 'severity'>;
  private readonly changeToPush: Histogram;
  private readonly ready: Gauge;
  private readonly clusterAvailable: Gauge<'cluster'>;
  private readonly rejectedObjects: Gauge<'group' | 'kind'>;
  private readonly manifestsWatchErrors: Counter;

  /** Diagnostic series ever set, so that a code that goes away drops to 0 instead of vanishing. */
  private readonly diagnosticSeries = new Map<string, { code: string; severity: string }>();

  constructor(options: ControllerMetricsOptions = {}) {
    this.registry = new Registry();
    const registers = [this.registry];
    if (options.defaultMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });

    this.translations = new Counter({
      name: 'causeway_translations_total',
      help: 'Translations of the sources into Envoy resources, by result (ok|error) and kind (full|incremental|endpoints).',
      labelNames: ['result', 'kind'],
      registers,
    });
    this.translationDuration = new Histogram({
      name: 'causeway_translation_duration_seconds',
      help: 'Duration of a translation, by kind (full|incremental|endpoints).',
      labelNames: ['kind'],
      buckets: [...TRANSLATION_BUCKETS],
      registers,
    });
    this.diagnostics = new Gauge({
      name: 'causeway_diagnostics',
      help: 'Current diagnostics (user configuration problems), by code and severity.',
      labelNames: ['code', 'severity'],
      registers,
    });
    this.changeToPush = new Histogram({
      name: 'causeway_change_to_push_seconds',
      help: 'Seconds from a source change to the first xDS push that carries it.',
      buckets: [...CHANGE_TO_PUSH_BUCKETS],
      registers,
    });
    this.ready = new Gauge({
      name: 'causeway_ready',
      help: '1 once the first full translation is done and the controller serves configuration, else 0.',
      registers,
    });
    this.clusterAvailable = new Gauge({
      name: 'causeway_source_cluster_available',
      help: '1 while a source cluster is listed and watched, 0 while it is unavailable (its last state, if any, is kept).',
      labelNames: ['cluster'],
      registers,
    });
    this.rejectedObjects = new Gauge({
      name: 'causeway_gateway_rejected_objects',
      help: 'Objects (Ingresses, Services) built into configuration a gateway of the group currently rejects (NACK), by group and kind.',
      labelNames: ['group', 'kind'],
      registers,
    });

    this.manifestsWatchErrors = new Counter({
      name: 'causeway_manifests_watch_errors_total',
      help: 'Errors of the manifests folder source itself (a folder watch that fails, an unexpected fs error); details in the log (component manifests).',
      registers,
    });

    this.ready.set(0);
    // Every catalog code is a series from the start (at 0): the set is bounded, and alerts and graphs
    // see "0 problems" rather than "no data".
    this.setDiagnostics([]);
  }

  recordTranslation(kind: TranslationKind, result: TranslationResult, seconds: number): void {
    this.translations.inc({ result, kind });
    this.translationDuration.observe({ kind }, seconds);
  }

  /** Sets `causeway_diagnostics` from the complete current list (replaces the previous one). */
  setDiagnostics(list: readonly Diagnostic[]): void {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      this.trackDiagnosticSeries(code, ERRORS[code].severity);
    }
    const counts = new Map<string, number>();
    for (const d of list) {
      const key = this.trackDiagnosticSeries(d.code, d.severity);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [key, labels] of this.diagnosticSeries) this.diagnostics.set(labels, counts.get(key) ?? 0);
  }

  recordManifestsWatchError(): void {
    this.manifestsWatchErrors.inc();
  }

  observeChangeToPush(seconds: number): void {
    this.changeToPush.observe(seconds);
  }

  setClusterAvailable(cluster: string, available: boolean): void {
    this.clusterAvailable.set({ cluster }, available ? 1 : 0);
  }

  /** The objects gateways currently reject config of, per group and kind (series not listed drop out). */
  setRejectedObjects(
    counts: Iterable<{ readonly group: string; readonly kind: string; readonly count: number }>,
  ): void {
    this.rejectedObjects.reset();
    for (const c of counts) this.rejectedObjects.set({ group: c.group, kind: c.kind }, c.count);
  }

  setReady(ready: boolean): void {
    this.ready.set(ready ? 1 : 0);
  }

  /** The Content-Type of `metricsText()`. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric in this registry. */
  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  private trackDiagnosticSeries(code: string, severity: Severity | string): string {
    const key = `${code}\u0000${severity}`;
    if (!this.diagnosticSeries.has(key)) this.diagnosticSeries.set(key, { code, severity });
    return key;
  }
}
