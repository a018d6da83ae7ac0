import { register as globalRegistry } from 'prom-client';
import { ERRORS, diagnostic } from '../errors.js';
import { CHANGE_TO_PUSH_BUCKETS, ControllerMetrics } from './metrics.js';
import { scrape, value } from './testdata/exposition.js';

describe('ControllerMetrics', () => {
  it('owns its registry: instances are independent and the global registry stays empty', async () => {
    const a = new ControllerMetrics({ defaultMetrics: false });
    const b = new ControllerMetrics({ defaultMetrics: false });
    a.recordTranslation('full', 'ok', 0.1);
    a.recordTranslation('full', 'ok', 0.1);
    b.recordTranslation('full', 'ok', 0.1);
    expect(await value(a.registry, 'causeway_translations_total', { result: 'ok', kind: 'full' })).toBe(2);
    expect(await value(b.registry, 'causeway_translations_total', { result: 'ok', kind: 'full' })).toBe(1);
    expect(globalRegistry.getMetricsAsArray().filter((m) => m.name.startsWith('causeway_'))).toEqual([]);
  });

  it('registers the default process metrics with the causeway_ prefix, and nothing unprefixed', async () => {
    const metrics = new ControllerMetrics();
    const names = new Set((await scrape(metrics.registry)).map((s) => s.name));
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
    expect(await value(metrics.registry, 'causeway_translations_total', { result: 'ok', kind: 'full' })).toBe(
      1,
    );
    expect(
      await value(metrics.registry, 'causeway_translations_total', { result: 'error', kind: 'full' }),
    ).toBe(1);
    expect(
      await value(metrics.registry, 'causeway_translations_total', { result: 'ok', kind: 'endpoints' }),
    ).toBe(2);
    expect(
      await value(metrics.registry, 'causeway_translations_total', { result: 'error', kind: 'endpoints' }),
    ).toBe(undefined);
    expect(
      await value(metrics.registry, 'causeway_translation_duration_seconds_count', { kind: 'full' }),
    ).toBe(2);
    expect(
      await value(metrics.registry, 'causeway_translation_duration_seconds_sum', { kind: 'full' }),
    ).toBeCloseTo(0.5);
    expect(
      await value(metrics.registry, 'causeway_translation_duration_seconds_bucket', {
        kind: 'endpoints',
        le: '0.0005',
      }),
    ).toBe(1);
    expect(
      await value(metrics.registry, 'causeway_translation_duration_seconds_bucket', {
        kind: 'endpoints',
        le: '0.001',
      }),
    ).toBe(2);
  });

  it('sets the diagnostics gauge from the current list: counts per code, every catalog code at 0 otherwise', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    const ing = { kind: 'Ingress', namespace: 'shop', name: 'web' };
    // Before any diagnostics: every catalog code is a series at 0.
    const initial = (await scrape(metrics.registry)).filter((s) => s.name === 'causeway_diagnostics');
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
      await value(metrics.registry, 'causeway_diagnostics', {
        code: 'CW_E_SERVICE_NOT_FOUND',
        severity: 'warning',
      }),
    ).toBe(2);
    expect(
      await value(metrics.registry, 'causeway_diagnostics', {
        code: 'CW_E_INGRESS_PATH_INVALID',
        severity: 'error',
      }),
    ).toBe(1);

    // The list replaces the previous one: a code that is gone drops to 0 (it does not linger or vanish).
    metrics.setDiagnostics([diagnostic('CW_E_INGRESS_PATH_INVALID', ing, 'bad path')]);
    expect(
      await value(metrics.registry, 'causeway_diagnostics', {
        code: 'CW_E_SERVICE_NOT_FOUND',
        severity: 'warning',
      }),
    ).toBe(0);
    expect(
      await value(metrics.registry, 'causeway_diagnostics', {
        code: 'CW_E_INGRESS_PATH_INVALID',
        severity: 'error',
      }),
    ).toBe(1);
    metrics.setDiagnostics([]);
    expect(
      await value(metrics.registry, 'causeway_diagnostics', {
        code: 'CW_E_INGRESS_PATH_INVALID',
        severity: 'error',
      }),
    ).toBe(0);
  });

  it('observes change-to-push latency in buckets from 1 ms to 10 s', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    expect(CHANGE_TO_PUSH_BUCKETS[0]).toBe(0.001);
    expect(CHANGE_TO_PUSH_BUCKETS[CHANGE_TO_PUSH_BUCKETS.length - 1]).toBe(10);
    metrics.observeChangeToPush(0.0004);
    metrics.observeChangeToPush(0.03);
    metrics.observeChangeToPush(12);
    const buckets = (await scrape(metrics.registry)).filter(
      (s) => s.name === 'causeway_change_to_push_seconds_bucket',
    );
    expect(buckets.map((b) => b.labels['le'])).toEqual([...CHANGE_TO_PUSH_BUCKETS.map(String), '+Inf']);
    const at = (le: string): number | undefined => buckets.find((b) => b.labels['le'] === le)?.value;
    expect(at('0.001')).toBe(1);
    expect(at('0.025')).toBe(1);
    expect(at('0.05')).toBe(2);
    expect(at('10')).toBe(2);
    expect(at('+Inf')).toBe(3);
    expect(await value(metrics.registry, 'causeway_change_to_push_seconds_count')).toBe(3);
  });

  it('reports readiness as 0 until set, then 1', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    expect(await value(metrics.registry, 'causeway_ready')).toBe(0);
    metrics.setReady(true);
    expect(await value(metrics.registry, 'causeway_ready')).toBe(1);
    metrics.setReady(false);
    expect(await value(metrics.registry, 'causeway_ready')).toBe(0);
  });

  it('serves the Prometheus text content type with HELP and TYPE lines', async () => {
    const metrics = new ControllerMetrics({ defaultMetrics: false });
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.metricsText();
    expect(text).toContain('# TYPE causeway_translations_total counter');
    expect(text).toContain('# TYPE causeway_change_to_push_seconds histogram');
    expect(text).toContain('# HELP causeway_ready ');
  });
});
