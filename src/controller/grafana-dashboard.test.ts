/**
 * The Grafana dashboard shipped in manifests/grafana/causeway-dashboard.json references only metrics
 * that exist: every metric name in every PromQL expression (panels and template variables) is either
 * an Envoy metric family of a real Envoy 1.40 gateway's `/stats/prometheus` (testdata/envoy-stats-
 * prometheus.txt, captured from test/e2e/gateway-metrics.test.ts with CAUSEWAY_CAPTURE_ENVOY_STATS, after
 * requests, so histograms are there) or a metric of the controller's prom-client registry (its own,
 * the xDS server's and the AWS edge's). The labels an Envoy expression filters or groups by exist on
 * that family too, except `group` (the scrape config adds it) and `le`.
 */
import fs from 'node:fs';
import { ControllerMetrics } from '../observability/metrics.js';
import { XdsMetrics } from '../../xds/server/xds-metrics.js';
import { AwsMetrics } from '../alb/aws/aws-metrics.js';
import { parsePrometheusText } from '../../test/support/prometheus-text.js';

const dashboard = JSON.parse(
  fs.readFileSync(new URL('../../manifests/grafana/causeway-dashboard.json', import.meta.url), 'utf8'),
) as { panels: { title: string; targets?: { expr: string }[] }[]; templating: { list: unknown[] } };
const envoy = parsePrometheusText(
  fs.readFileSync(new URL('./testdata/envoy-stats-prometheus.txt', import.meta.url), 'utf8'),
);

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'and',
  'or',
  'unless',
]);

/** The metric selectors of a PromQL expression: each metric name with the labels it filters or groups by. */
function selectorsOf(expr: string): { metric: string; labels: string[] }[] {
  const grouping = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
    m[1]!
      .split(',')
      .map((l) => l.trim())
      .filter((l) => l !== ''),
  );
  const out: { metric: string; labels: string[] }[] = [];
  const cleaned = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\b(?:by|without)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ');
  for (const m of cleaned.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?(\s*\()?/g)) {
    const [, name, matchers, call] = m;
    if (call !== undefined || KEYWORDS.has(name!)) continue;
    const own = [...(matchers ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map(
      (x) => x[1]!,
    );
    out.push({ metric: name!, labels: [...own, ...grouping] });
  }
  return out;
}

function expressions(): string[] {
  const fromPanels = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const fromVariables = JSON.stringify(dashboard.templating.list).match(/label_values\(([a-z_:]+)/g) ?? [];
  return [...fromPanels, ...fromVariables.map((v) => v.replace('label_values(', ''))];
}

async function controllerNames(): Promise<Set<string>> {
  const m = new ControllerMetrics();
  new XdsMetrics(m.registry);
  new AwsMetrics(m.registry);
  const names = new Set<string>();
  for (const metric of await m.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const s of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${s}`);
  }
  return names;
}

/** The Envoy family a sample name belongs to (histogram suffixes included). */
function envoyFamily(name: string): string | undefined {
  if (envoy.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return envoy.get(base)?.type === 'histogram' ? base : undefined;
}

test('the capture is a real Envoy scrape and the dashboard has panels for gateways and the controller', () => {
  expect(envoy.get('envoy_server_live')?.type).toBe('gauge');
  expect(envoy.get('envoy_cluster_upstream_rq_time')?.type).toBe('histogram');
  const exprs = expressions();
  expect(exprs.length).toBeGreaterThanOrEqual(20);
  expect(exprs.some((e) => e.includes('envoy_'))).toBe(true);
  expect(exprs.some((e) => e.includes('causeway_'))).toBe(true);
});

test('every metric name in every dashboard expression exists (Envoy or controller)', async () => {
  const controller = await controllerNames();
  const unknown = expressions()
    .flatMap(selectorsOf)
    .map((s) => s.metric)
    .filter((n) => envoyFamily(n) === undefined && !controller.has(n));
  expect(unknown).toEqual([]);
});

/** `metric: label` for each label an Envoy selector uses that its family's samples never carry. */
function labelProblems(exprs: readonly string[]): string[] {
  const problems: string[] = [];
  for (const s of exprs.flatMap(selectorsOf)) {
    const family = envoyFamily(s.metric);
    if (family === undefined) continue;
    const present = new Set(envoy.get(family)!.samples.flatMap((x) => Object.keys(x.labels)));
    for (const l of s.labels)
      if (l !== 'group' && l !== 'le' && !present.has(l)) problems.push(`${s.metric}: ${l}`);
  }
  return problems;
}

test('the labels an Envoy expression uses exist on its family (group comes from the scrape config)', () => {
  expect(labelProblems(expressions())).toEqual([]);
});

test('the check can fail: a misspelt metric or label is found', async () => {
  const controller = await controllerNames();
  const s = selectorsOf(
    'sum by (group, envoy_cluster) (rate(envoy_cluster_upstream_rq_totl{group=~"$group"}[5m])) / causeway_translation_total',
  );
  expect(s.map((x) => x.metric)).toEqual(['envoy_cluster_upstream_rq_totl', 'causeway_translation_total']);
  expect(s[0]!.labels).toEqual(['group', 'group', 'envoy_cluster']);
  expect(s.filter((x) => envoyFamily(x.metric) === undefined && !controller.has(x.metric))).toHaveLength(2);
  expect(
    labelProblems([
      'sum by (envoy_cluster) (rate(envoy_cluster_upstream_rq_total{envoy_cluster_nam="a"}[5m]))',
    ]),
  ).toEqual([
    'envoy_cluster_upstream_rq_total: envoy_cluster_nam',
    'envoy_cluster_upstream_rq_total: envoy_cluster',
  ]);
});
