import fs from 'node:fs';
import path from 'node:path';
import { register as globalRegistry } from 'prom-client';
import { ERRORS, diagnostic } from '../errors.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { CHANGE_TO_PUSH_BUCKETS, ControllerMetrics, xdsTypeLabel } from './metrics.js';

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Parses the Prometheus text exposition (the format scrapers read), not prom-client's internals. */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparseable exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1] as string] = l[2] as string;
    }
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

async function scrape(metrics: ControllerMetrics): Promise<Sample[]> {
  return parseExposition(await metrics.metricsText());
}

/** The value of the series with exactly these labels; undefined when the series does not exist. */
async function value(
  metrics: ControllerMetrics,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const found = (await scrape(metrics)).filter((s) => s.name === name && sameLabels(s.labels, labels));
  if (found.length > 1) throw new Error(`several series ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

describe('ControllerMetrics', () => {
  it('owns its registry: instances are independent and the global registry stays empty', async () => {
    const a = new ControllerMetrics({ defaultMetrics: false });
    const b = new ControllerMetrics({ defaultMetrics: false });
    a.recordAck('edge', RESOURCE_TYPES.cluster);
    a.recordAck('edge', RESOURCE_TYPES.cluster);
    b.recordAck('edge', RESOURCE_TYPES.cluster);
    expect(await value(a, 'causeway_xds_acks_total', { group: 'edge', type: 'cluster' })).toBe(2);
    expect(await value(b, 'causeway_xds_acks_total', { group: 'edge', type: 'cluster' })).toBe(1);
    expect(globalRegistry.getMetricsAsArray().filter((m) => m.name.startsWith('causeway_'))).toEqual([]);
  });

  it('registers the default process metrics with the causeway_ prefix, and nothing unprefixed', async () => {
    const metrics = new ControllerMetrics();
    const names = new Set((await scrape(metrics)).map((s) => s.name));
    expect(names).toContain('causeway_process_cpu_user_seconds_total');
    expect(names).toContain('causeway_process_start_time_seconds');
    expect(names).toContain('causeway_nodejs_heap_size_used_bytes');
    expect([...names].filter((n) => !n.startsWith('causeway_'))).toEqual([]);
    // Two instances with default metrics coexist (no "already registered" error).
    expect(() => new ControllerMetrics()).not.toThrow();
  });

  it('counts translations by result and kind and observes their duration', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    metrics.recordTranslation('full', 'ok', 0.2);
    metrics.recordTranslation('full', 'error', 0.3);
    metrics.recordTranslation('endpoints', 'ok', 0.0004);
    metrics.recordTranslation('endpoints', 'ok', 0.0006);
    expect(await value(metrics, 'causeway_translations_total', { result: 'ok', kind: 'full' })).toBe(1);
    expect(await value(metrics, 'causeway_translations_total', { result: 'error', kind: 'full' })).toBe(1);
    expect(await value(metrics, 'causeway_translations_total', { result: 'ok', kind: 'endpoints' })).toBe(2);
    expect(await value(metrics, 'causeway_translations_total', { result: 'error', kind: 'endpoints' })).toBe(
      undefined,
    );
    expect(await value(metrics, 'causeway_translation_duration_seconds_count', { kind: 'full' })).toBe(2);
    expect(await value(metrics, 'causeway_translation_duration_seconds_sum', { kind: 'full' })).toBeCloseTo(
      0.5,
    );
    expect(
      await value(metrics, 'causeway_translation_duration_seconds_bucket', {
        kind: 'endpoints',
        le: '0.0005',
      }),
    ).toBe(1);
    expect(
      await value(metrics, 'causeway_translation_duration_seconds_bucket', {
        kind: 'endpoints',
        le: '0.001',
      }),
    ).toBe(2);
  });

  it('sets the diagnostics gauge from the current list: counts per code, every catalog code at 0 otherwise', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    const ing = { kind: 'Ingress', namespace: 'shop', name: 'web' };
    // Before any diagnostics: every catalog code is a series at 0.
    const initial = (await scrape(metrics)).filter((s) => s.name === 'causeway_diagnostics');
    expect(initial).toHaveLength(Object.keys(ERRORS).length);
    expect(initial.every((s) => s.value === 0)).toBe(true);
    expect(initial.find((s) => s.labels['code'] === 'CW_E_ROUTE_CONFLICT')?.labels['severity']).toBe(
      'warning',
    );

    metrics.setDiagnostics([
      diagnostic('CW_E_SERVICE_NOT_FOUND', ing, 'service "a" not found'),
      diagnostic('CW_E_SERVICE_NOT_FOUND', ing, 'service "b" not found'),
      diagnostic('CW_E_INGRESS_PATH_INVALID', ing, 'bad path'),
    ]);
    expect(
      await value(metrics, 'causeway_diagnostics', { code: 'CW_E_SERVICE_NOT_FOUND', severity: 'warning' }),
    ).toBe(2);
    expect(
      await value(metrics, 'causeway_diagnostics', { code: 'CW_E_INGRESS_PATH_INVALID', severity: 'error' }),
    ).toBe(1);

    // The list replaces the previous one: a code that is gone drops to 0 (it does not linger or vanish).
    metrics.setDiagnostics([diagnostic('CW_E_INGRESS_PATH_INVALID', ing, 'bad path')]);
    expect(
      await value(metrics, 'causeway_diagnostics', { code: 'CW_E_SERVICE_NOT_FOUND', severity: 'warning' }),
    ).toBe(0);
    expect(
      await value(metrics, 'causeway_diagnostics', { code: 'CW_E_INGRESS_PATH_INVALID', severity: 'error' }),
    ).toBe(1);
    metrics.setDiagnostics([]);
    expect(
      await value(metrics, 'causeway_diagnostics', { code: 'CW_E_INGRESS_PATH_INVALID', severity: 'error' }),
    ).toBe(0);
  });

  it('labels xDS metrics with the short resource kind, never the type URL', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    metrics.recordPush('edge', RESOURCE_TYPES.listener, 1200);
    metrics.recordPush('edge', RESOURCE_TYPES.listener, 300);
    metrics.recordPush('edge', RESOURCE_TYPES.endpoint, 50);
    metrics.recordPush('internal', RESOURCE_TYPES.secret, 4000);
    metrics.recordAck('edge', RESOURCE_TYPES.route);
    metrics.recordNack('edge', RESOURCE_TYPES.route);
    metrics.recordNack('edge', 'type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig');

    expect(await value(metrics, 'causeway_xds_pushes_total', { group: 'edge', type: 'listener' })).toBe(2);
    expect(await value(metrics, 'causeway_xds_push_bytes_total', { group: 'edge', type: 'listener' })).toBe(
      1500,
    );
    expect(await value(metrics, 'causeway_xds_pushes_total', { group: 'edge', type: 'endpoint' })).toBe(1);
    expect(await value(metrics, 'causeway_xds_push_bytes_total', { group: 'internal', type: 'secret' })).toBe(
      4000,
    );
    expect(await value(metrics, 'causeway_xds_acks_total', { group: 'edge', type: 'route' })).toBe(1);
    expect(await value(metrics, 'causeway_xds_nacks_total', { group: 'edge', type: 'route' })).toBe(1);
    expect(await value(metrics, 'causeway_xds_nacks_total', { group: 'edge', type: 'unknown' })).toBe(1);

    const typeValues = new Set(
      (await scrape(metrics)).filter((s) => s.name.startsWith('causeway_xds_')).map((s) => s.labels['type']),
    );
    expect([...typeValues].sort()).toEqual(['endpoint', 'listener', 'route', 'secret', 'unknown']);
  });

  it('maps every served type URL (and a bare kind) to its kind', () => {
    for (const [kind, url] of Object.entries(RESOURCE_TYPES)) {
      expect(xdsTypeLabel(url)).toBe(kind);
      expect(xdsTypeLabel(kind)).toBe(kind);
    }
    expect(xdsTypeLabel('toString')).toBe('unknown');
    expect(xdsTypeLabel('')).toBe('unknown');
  });

  it('tracks connected gateways per group and stream, never below 0', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    metrics.gatewayConnected('edge', 'sotw');
    metrics.gatewayConnected('edge', 'sotw');
    metrics.gatewayConnected('edge', 'delta');
    metrics.gatewayConnected('internal', 'sotw');
    metrics.gatewayDisconnected('edge', 'sotw');
    expect(await value(metrics, 'causeway_xds_connected_gateways', { group: 'edge', stream: 'sotw' })).toBe(
      1,
    );
    expect(await value(metrics, 'causeway_xds_connected_gateways', { group: 'edge', stream: 'delta' })).toBe(
      1,
    );
    expect(
      await value(metrics, 'causeway_xds_connected_gateways', { group: 'internal', stream: 'sotw' }),
    ).toBe(1);
    metrics.gatewayDisconnected('edge', 'delta');
    metrics.gatewayDisconnected('edge', 'delta');
    expect(await value(metrics, 'causeway_xds_connected_gateways', { group: 'edge', stream: 'delta' })).toBe(
      0,
    );
    metrics.gatewayConnected('edge', 'delta');
    expect(await value(metrics, 'causeway_xds_connected_gateways', { group: 'edge', stream: 'delta' })).toBe(
      1,
    );
  });

  it('observes change-to-push latency in buckets from 1 ms to 10 s', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    expect(CHANGE_TO_PUSH_BUCKETS[0]).toBe(0.001);
    expect(CHANGE_TO_PUSH_BUCKETS[CHANGE_TO_PUSH_BUCKETS.length - 1]).toBe(10);
    metrics.observeChangeToPush(0.0004);
    metrics.observeChangeToPush(0.03);
    metrics.observeChangeToPush(12);
    const buckets = (await scrape(metrics)).filter(
      (s) => s.name === 'causeway_change_to_push_seconds_bucket',
    );
    expect(buckets.map((b) => b.labels['le'])).toEqual([...CHANGE_TO_PUSH_BUCKETS.map(String), '+Inf']);
    const at = (le: string): number | undefined => buckets.find((b) => b.labels['le'] === le)?.value;
    expect(at('0.001')).toBe(1);
    expect(at('0.025')).toBe(1);
    expect(at('0.05')).toBe(2);
    expect(at('10')).toBe(2);
    expect(at('+Inf')).toBe(3);
    expect(await value(metrics, 'causeway_change_to_push_seconds_count')).toBe(3);
  });

  it('reports readiness as 0 until set, then 1', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    expect(await value(metrics, 'causeway_ready')).toBe(0);
    metrics.setReady(true);
    expect(await value(metrics, 'causeway_ready')).toBe(1);
    metrics.setReady(false);
    expect(await value(metrics, 'causeway_ready')).toBe(0);
  });

  it('serves the Prometheus text content type with HELP and TYPE lines', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.metricsText();
    expect(text).toContain('# TYPE causeway_xds_pushes_total counter');
    expect(text).toContain('# TYPE causeway_change_to_push_seconds histogram');
    expect(text).toContain('# HELP causeway_ready ');
  });
});

describe('docs/metrics.md', () => {
  interface DocRow {
    readonly type: string;
    readonly labels: readonly string[];
  }
  const docPath = path.resolve(process.cwd(), 'docs/metrics.md');
  const rows = new Map<string, DocRow>();
  for (const line of fs.readFileSync(docPath, 'utf8').split('\n')) {
    const m = /^\|\s*`(causeway_[a-z0-9_]+)`\s*\|\s*([a-z]+)\s*\|([^|]*)\|/.exec(line);
    if (!m) continue;
    const labels = [...(m[3] ?? '').matchAll(/`([a-zA-Z_][a-zA-Z0-9_]*)`/g)].map((l) => l[1] as string);
    rows.set(m[1] as string, { type: m[2] as string, labels: labels.sort() });
  }

  /** Metrics with every series exercised, so their label names show in the registry. */
  function exercised(): ControllerMetrics {
    const metrics = new ControllerMetrics();
    metrics.recordTranslation('full', 'ok', 0.01);
    metrics.recordPush('edge', RESOURCE_TYPES.cluster, 10);
    metrics.recordAck('edge', RESOURCE_TYPES.cluster);
    metrics.recordNack('edge', RESOURCE_TYPES.cluster);
    metrics.gatewayConnected('edge', 'sotw');
    metrics.observeChangeToPush(0.01);
    metrics.setClusterAvailable('east', true);
    metrics.setRejectedObjects([{ group: 'edge', kind: 'Ingress', count: 1 }]);
    return metrics;
  }

  it('documents every registered metric with its type', async () => {
    const registered = await exercised().registry.getMetricsAsJSON();
    expect(registered.length).toBeGreaterThan(10);
    const missing = registered.filter((m) => !rows.has(m.name)).map((m) => m.name);
    expect(missing).toEqual([]);
    for (const m of registered)
      expect({ name: m.name, type: rows.get(m.name)?.type }).toEqual({ name: m.name, type: m.type });
  });

  it("documents the controller metrics' exact label names, and no metric that does not exist", async () => {
    const registered = await exercised().registry.getMetricsAsJSON();
    const own = registered.filter((m) => !/^causeway_(process|nodejs)_/.test(m.name));
    expect(own.map((m) => m.name).sort()).toEqual(
      [...rows.keys()].filter((n) => !/^causeway_(process|nodejs)_/.test(n)).sort(),
    );
    for (const m of own) {
      const labels = new Set<string>();
      for (const v of m.values) for (const k of Object.keys(v.labels)) if (k !== 'le') labels.add(k);
      expect({ name: m.name, labels: [...labels].sort() }).toEqual({
        name: m.name,
        labels: rows.get(m.name)?.labels,
      });
    }
  });
});
