/**
 * Gateway metrics through a real Envoy (issue 13, item 7): with `metricsPort` set, the gateway serves
 * its own Prometheus stats on that port through a listener (its admin interface stays on 127.0.0.1 and
 * is reached over the bootstrap's `causeway_admin` cluster). The scrape parses as Prometheus text (a
 * strict parser), a request counter grows after requests, only GET /stats/prometheus and /ready pass
 * (other admin paths, and other methods, get 404), and the fleet registry (`/api/gateways`) links the
 * gateway's metrics URL, which answers the same stats.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend.js';
import { httpGet } from '../support/http-client.js';
import {
  endpointSlice,
  hostIngress,
  INGRESS_CLASS,
  service,
  tempDir,
  yamlDocs,
} from '../support/manifests.js';
import { startObservedGateway, type ObservedGateway } from '../support/observed-gateway.js';
import { freePorts } from '../support/ports.js';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../support/prometheus-text.js';

let dir: string;
let backend: EchoBackend;
let stack: ObservedGateway | undefined;
let httpPort: number;
let metricsPort: number;

beforeAll(async () => {
  dir = tempDir('causeway-e2e-gateway-metrics-');
  backend = await startEchoBackend({ name: 'echo' });
  [httpPort, metricsPort] = (await freePorts(2)) as [number, number];
  const manifests = path.join(dir, 'manifests');
  fs.mkdirSync(manifests);
  fs.writeFileSync(
    path.join(manifests, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      hostIngress({ name: 'shop', host: 'shop.example.com', service: 'echo' }),
    ),
  );
  stack = await startObservedGateway({
    manifests,
    httpPort,
    name: 'metrics-gateway',
    config: `metricsPort: ${metricsPort}\naccessLog: { enabled: false }\n`,
  });
  await stack.gateway.waitForListener(httpPort);
  await stack.gateway.waitForListener(metricsPort);
  await stack.gateway.waitForStat('http.http.rds.http.update_success', (v) => (v ?? 0) >= 1);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await backend?.close();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

/**
 * With CAUSEWAY_CAPTURE_ENVOY_STATS=<file>, each scrape is written there (the last one stays): how
 * src/controller/testdata/envoy-stats-prometheus.txt, the dashboard test's Envoy metric names, is made.
 */
const CAPTURE = process.env['CAUSEWAY_CAPTURE_ENVOY_STATS'];

async function scrape(
  url = `http://127.0.0.1:${metricsPort}/stats/prometheus`,
): Promise<ReadonlyMap<string, MetricFamily>> {
  const r = await httpGet(url);
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toMatch(/^text\/plain/);
  if (CAPTURE) fs.writeFileSync(CAPTURE, r.body);
  return parsePrometheusText(r.body);
}

const requestsOnHttp = (f: ReadonlyMap<string, MetricFamily>): number =>
  sampleValue(f, 'envoy_http_downstream_rq_total', { envoy_http_conn_manager_prefix: 'http' });

test('the metrics port serves Prometheus text whose request counter grows with requests', async () => {
  const before = await scrape();
  expect(before.get('envoy_http_downstream_rq_total')?.type).toBe('counter');
  const start = requestsOnHttp(before);
  for (let i = 0; i < 5; i++) {
    const r = await httpGet(`http://127.0.0.1:${httpPort}/`, { host: 'shop.example.com' });
    expect(r.status).toBe(200);
  }
  // Counters are read live; histograms are merged at Envoy's stats flush (every 5 s).
  const histogramCount = (f: ReadonlyMap<string, MetricFamily>): number =>
    f.get('envoy_cluster_upstream_rq_time')
      ? sampleValue(f, 'envoy_cluster_upstream_rq_time_count', {
          envoy_cluster_name: 'service/default/echo/80',
        })
      : 0;
  const deadline = Date.now() + 15_000;
  let after = await scrape();
  while ((requestsOnHttp(after) < start + 5 || histogramCount(after) < 5) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    after = await scrape();
  }
  expect(requestsOnHttp(after)).toBeGreaterThanOrEqual(start + 5);
  expect(
    sampleValue(after, 'envoy_cluster_upstream_rq_total', { envoy_cluster_name: 'service/default/echo/80' }),
  ).toBeGreaterThanOrEqual(5);
  expect(after.get('envoy_cluster_upstream_rq_time')?.type).toBe('histogram');
  expect(histogramCount(after)).toBeGreaterThanOrEqual(5);
});

test('only GET /stats/prometheus and /ready pass: the rest of the admin interface is not reachable', async () => {
  const ready = await httpGet(`http://127.0.0.1:${metricsPort}/ready`);
  expect(ready.status).toBe(200);
  expect(ready.body.trim()).toBe('LIVE');
  for (const p of ['/config_dump', '/stats', '/clusters', '/quitquitquit', '/healthcheck/fail', '/']) {
    const r = await httpGet(`http://127.0.0.1:${metricsPort}${p}`);
    expect([p, r.status]).toEqual([p, 404]);
  }
  const post = await httpGet(`http://127.0.0.1:${metricsPort}/stats/prometheus`, { method: 'POST' });
  expect(post.status).toBe(404);
  // The gateway is still serving (nothing above reached the admin's mutating endpoints).
  expect((await httpGet(`http://127.0.0.1:${httpPort}/`, { host: 'shop.example.com' })).status).toBe(200);
});

test('the fleet registry links the gateway metrics URL, and it answers the stats', async () => {
  const r = await httpGet(`http://127.0.0.1:${stack!.controller.adminPort}/api/gateways`);
  expect(r.status).toBe(200);
  const view = JSON.parse(r.body) as {
    groups: { name: string; metricsPort?: number; gateways: { nodeId: string; metricsUrl?: string }[] }[];
  };
  const group = view.groups.find((g) => g.name === 'default')!;
  expect(group.metricsPort).toBe(metricsPort);
  const gw = group.gateways.find((g) => g.nodeId === 'metrics-gateway')!;
  expect(gw.metricsUrl).toBe(`http://127.0.0.1:${metricsPort}/stats/prometheus`);
  expect(requestsOnHttp(await scrape(gw.metricsUrl))).toBeGreaterThanOrEqual(0);
});
