/** The strict Prometheus text parser the scrape tests use: what it reads, and what it refuses. */
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

const GOOD = [
  '# HELP envoy_http_downstream_rq_total Total requests',
  '# TYPE envoy_http_downstream_rq_total counter',
  'envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="http"} 12',
  'envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="admin"} 3',
  '# a comment',
  '',
  '# TYPE envoy_cluster_upstream_rq_time histogram',
  'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="a",le="0.5"} 1',
  'envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="a",le="+Inf"} 2',
  'envoy_cluster_upstream_rq_time_sum{envoy_cluster_name="a"} 1.5e2',
  'envoy_cluster_upstream_rq_time_count{envoy_cluster_name="a"} 2',
  'odd{v="a \\"quoted\\" \\\\ back\\nslash"} NaN 1700000000000',
  'inf_gauge -Inf',
].join('\n');

test('reads families, types, help, labels with escapes, histograms and special values', () => {
  const f = parsePrometheusText(GOOD);
  expect(f.get('envoy_http_downstream_rq_total')).toMatchObject({ type: 'counter', help: 'Total requests' });
  expect(sampleValue(f, 'envoy_http_downstream_rq_total', { envoy_http_conn_manager_prefix: 'http' })).toBe(
    12,
  );
  const h = f.get('envoy_cluster_upstream_rq_time')!;
  expect(h.type).toBe('histogram');
  expect(h.samples.map((s) => s.name)).toEqual([
    'envoy_cluster_upstream_rq_time_bucket',
    'envoy_cluster_upstream_rq_time_bucket',
    'envoy_cluster_upstream_rq_time_sum',
    'envoy_cluster_upstream_rq_time_count',
  ]);
  expect(sampleValue(f, 'envoy_cluster_upstream_rq_time_bucket', { le: '+Inf' })).toBe(2);
  expect(sampleValue(f, 'envoy_cluster_upstream_rq_time_sum')).toBe(150);
  expect(f.get('odd')?.samples[0]?.labels['v']).toBe('a "quoted" \\ back\nslash');
  expect(sampleValue(f, 'odd')).toBeNaN();
  expect(sampleValue(f, 'inf_gauge')).toBe(-Infinity);
  expect(() => sampleValue(f, 'envoy_http_downstream_rq_total')).toThrow(/2 samples/);
});

test.each([
  ['a sample without value', 'foo{a="b"}', /expected a value/],
  ['a bad value', 'foo 12abc', /bad value/],
  ['a bad metric name', '1foo 1', /bad metric name|not a sample/],
  ['an unquoted label value', 'foo{a=b} 1', /not quoted/],
  ['an unterminated label value', 'foo{a="b} 1', /unterminated/],
  ['a bad escape', 'foo{a="\\t"} 1', /bad escape/],
  ['a repeated label', 'foo{a="1",a="2"} 1', /repeated/],
  ['a bad label name', 'foo{1a="1"} 1', /bad label name/],
  ['a bad type', '# TYPE foo countr', /bad type/],
  ['a second TYPE', '# TYPE foo counter\n# TYPE foo gauge', /second # TYPE/],
  ['a TYPE after samples', 'foo 1\n# TYPE foo counter', /after its samples/],
  ['a bad timestamp', 'foo 1 soon', /bad timestamp/],
  ['three fields', 'foo 1 2 3', /expected a value/],
])('refuses %s', (_what, text, message) => {
  expect(() => parsePrometheusText(text)).toThrow(message);
});

test('a _bucket sample of a counter family is its own (untyped) family, not the counter', () => {
  const f = parsePrometheusText('# TYPE foo counter\nfoo 1\nfoo_bucket{le="1"} 1');
  expect(f.get('foo')?.samples).toHaveLength(1);
  expect(f.get('foo_bucket')?.type).toBe('untyped');
});
