/**
 * Tracing through a real Envoy gateway to a real OTLP receiver (issue 13, item 6): the config file's
 * `tracing:` sends the group's spans over OTLP/gRPC to the OpenTelemetry Collector's own otlpreceiver
 * (test/support/otlp-receiver), at 100 % sampling. A request through the gateway gives a server span
 * (service name, authority, path, status, route, request id) and a client span for the upstream
 * request, and the backend receives a `traceparent` of the same trace naming that client span, so a
 * backend joins the trace; a client's own `traceparent` is joined, not replaced.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runController, type RunningController } from '../../src/controller/app.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { httpGet } from '../support/http-client.js';
import {
  endpointSlice,
  hostIngress,
  INGRESS_CLASS,
  service,
  tempDir,
  yamlDocs,
} from '../support/manifests.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { freePorts } from '../support/ports.js';

const SERVER = 2;
const CLIENT = 3;

interface TracedGateway {
  readonly port: number;
  stop(): Promise<void>;
}

let dir: string;
let otlp: OtlpReceiver | undefined;
let backend: EchoBackend;
let port: number;
let stack: TracedGateway | undefined;

/** The controller on a manifests folder with the shop Ingress (and `extra`), and one real gateway. */
async function startTracedGateway(
  name: string,
  tracing: string,
  extra: object[] = [],
): Promise<TracedGateway> {
  const root = path.join(dir, name);
  const manifests = path.join(root, 'manifests');
  fs.mkdirSync(manifests, { recursive: true });
  const [httpPort] = (await freePorts(1)) as [number];
  fs.writeFileSync(
    path.join(manifests, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('shop'),
      endpointSlice('shop', [{ address: '127.0.0.1', port: backend.port }]),
      hostIngress({ name: 'shop', host: 'shop.example.com', service: 'shop' }),
      hostIngress({
        name: 'shop-health',
        host: 'shop.example.com',
        service: 'shop',
        paths: [{ path: '/healthz', pathType: 'Prefix' }],
        annotations: { 'causeway.dev/enable-opentelemetry': 'false' },
      }),
      ...extra,
    ),
  );
  const config = path.join(root, 'causeway.yaml');
  fs.writeFileSync(config, `tracing: ${tracing}\n`);
  const controller: RunningController = await runController({
    manifests,
    config,
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    httpPort,
    logLevel: 'silent',
  });
  let gateway: EnvoyProcess;
  try {
    gateway = await startEnvoy({
      name,
      bootstrap: buildBootstrap({
        group: 'default',
        xdsHost: '127.0.0.1',
        xdsPort: controller.xdsPort,
        nodeId: name,
        adminPort: 0,
      }),
    });
    await gateway.waitForListener(httpPort);
    await gateway.waitForStat('http.http.rds.http.update_success', (v) => (v ?? 0) >= 1);
  } catch (err) {
    await controller.stop();
    throw err;
  }
  return {
    port: httpPort,
    async stop() {
      await gateway.stop();
      await controller.stop();
    },
  };
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-tracing-');
  otlp = await startOtlpReceiver();
  backend = await startEchoBackend({ name: 'shop' });
  stack = await startTracedGateway(
    'tracing-gateway',
    `{ collector: "127.0.0.1:${otlp.port}", samplingPercent: 100, serviceName: shop-edge }`,
  );
  port = stack.port;
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  await backend?.close();
  await otlp?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** `00-<trace id>-<parent span id>-<flags>` split, or undefined when `value` is no W3C traceparent. */
function traceparent(
  value: string | undefined,
): { traceId: string; spanId: string; flags: string } | undefined {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value ?? '');
  return m ? { traceId: m[1]!, spanId: m[2]!, flags: m[3]! } : undefined;
}

async function spansOfTrace(traceId: string, count: number): Promise<ReceivedSpan[]> {
  const all = await otlp!.waitForSpans((s) => s.filter((x) => x.traceId === traceId).length >= count, 20_000);
  return all.filter((x) => x.traceId === traceId);
}

test('a request gives a server and an upstream span at the receiver; the backend gets a traceparent of that trace', async () => {
  backend.reset();
  const r = await httpGet(`http://127.0.0.1:${port}/cart/items?id=7`, { host: 'shop.example.com' });
  expect(r.status).toBe(200);
  const requestId = String(r.headers['x-request-id']);
  expect(backend.requests).toHaveLength(1);
  const sent = traceparent(backend.requests[0]!.headers['traceparent']);
  expect(sent).toBeDefined();
  expect(sent!.flags).toBe('01');

  const spans = await spansOfTrace(sent!.traceId, 2);
  const serverSpan = spans.find((s) => s.kind === SERVER);
  const upstream = spans.find((s) => s.kind === CLIENT);
  expect(serverSpan).toBeDefined();
  expect(upstream).toBeDefined();
  // The backend's parent is the gateway's upstream span, itself a child of the server span.
  expect(upstream!.spanId).toBe(sent!.spanId);
  expect(upstream!.parentSpanId).toBe(serverSpan!.spanId);
  expect(serverSpan!.parentSpanId).toBe('');
  for (const s of [serverSpan!, upstream!]) expect(s.serviceName).toBe('shop-edge');
  const a = serverSpan!.attributes;
  expect(a['http.url']).toBe('http://shop.example.com/cart/items?id=7');
  expect(a['http.method']).toBe('GET');
  expect(a['http.status_code']).toBe('200');
  // The request id the client got back is the one the backend received and the one on the span.
  expect(backend.requests[0]!.headers['x-request-id']).toBe(requestId);
  expect(a['guid:x-request-id']).toBe(requestId);
  expect(a['upstream_cluster']).toBe('service/default/shop/80');
  expect(a['http.host']).toBe('shop.example.com');
  // The server span is named after the route (its Ingress); Envoy's default would be `ingress`.
  expect(serverSpan!.name).toBe('ingress/default/shop/rule/0/path/0');
  // The decorator is not sent upstream.
  expect(backend.requests[0]!.headers['x-envoy-decorator-operation']).toBeUndefined();
}, 60_000);

test("a client's traceparent is joined: the gateway's spans are its children in its trace", async () => {
  backend.reset();
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parent = '00f067aa0ba902b7';
  const r = await httpGet(`http://127.0.0.1:${port}/joined`, {
    host: 'shop.example.com',
    headers: { traceparent: `00-${traceId}-${parent}-01` },
  });
  expect(r.status).toBe(200);
  const sent = traceparent(backend.requests[0]!.headers['traceparent']);
  expect(sent?.traceId).toBe(traceId);
  const spans = await spansOfTrace(traceId, 2);
  expect(spans.find((s) => s.kind === SERVER)?.parentSpanId).toBe(parent);
  expect(spans.find((s) => s.kind === CLIENT)?.spanId).toBe(sent!.spanId);
}, 60_000);

test('a request no route matches is traced too, with its 404', async () => {
  const r = await httpGet(`http://127.0.0.1:${port}/`, { host: 'unknown.example.com' });
  expect(r.status).toBe(404);
  const requestId = String(r.headers['x-request-id']);
  const spans = await otlp!.waitForSpans(
    (s) => s.some((x) => x.attributes['guid:x-request-id'] === requestId),
    20_000,
  );
  const span = spans.find((x) => x.attributes['guid:x-request-id'] === requestId)!;
  expect(span.serviceName).toBe('shop-edge');
  expect(span.attributes['http.status_code']).toBe('404');
  expect(span.attributes['http.url']).toBe('http://unknown.example.com/');
}, 60_000);

test('an Ingress with enable-opentelemetry "false" is never traced; the other Ingress on its host is', async () => {
  backend.reset();
  const off = await httpGet(`http://127.0.0.1:${port}/healthz`, {
    host: 'shop.example.com',
    headers: { 'x-client-trace-id': 'forced' },
  });
  expect(off.status).toBe(200);
  const offId = String(off.headers['x-request-id']);
  const on = await httpGet(`http://127.0.0.1:${port}/after-health`, { host: 'shop.example.com' });
  expect(on.status).toBe(200);
  const onId = String(on.headers['x-request-id']);
  // The untraced request's backend gets a traceparent marked not sampled (flags 00); the traced one's 01.
  expect(backend.requests.map((r) => r.path)).toEqual(['/healthz', '/after-health']);
  expect(traceparent(backend.requests[0]!.headers['traceparent'])?.flags).toBe('00');
  expect(traceparent(backend.requests[1]!.headers['traceparent'])?.flags).toBe('01');
  // Spans are flushed in batches: once the later request's span is in, the earlier one's would be too.
  const spans = await otlp!.waitForSpans((s) => s.some((x) => x.attributes['guid:x-request-id'] === onId));
  expect(spans.some((x) => x.attributes['guid:x-request-id'] === offId)).toBe(false);
  expect(spans.some((x) => (x.attributes['http.url'] ?? '').includes('/healthz'))).toBe(false);
}, 60_000);

describe('a collector Service', () => {
  let viaService: TracedGateway | undefined;

  beforeAll(async () => {
    // The receiver as the endpoint of a Service that names no protocol: the gateway speaks HTTP/2 to it.
    viaService = await startTracedGateway(
      'tracing-service-gateway',
      '{ collector: { service: default/otel-collector, port: 4317 }, samplingPercent: 100 }',
      [
        service('otel-collector', 4317),
        endpointSlice('otel-collector', [{ address: '127.0.0.1', port: otlp!.port }]),
      ],
    );
  }, 90_000);

  afterAll(async () => {
    await viaService?.stop();
  }, 30_000);

  test('spans reach the receiver through the Service, named causeway-gateway-<group> by default', async () => {
    backend.reset();
    const r = await httpGet(`http://127.0.0.1:${viaService!.port}/via-service`, { host: 'shop.example.com' });
    expect(r.status).toBe(200);
    const sent = traceparent(backend.requests[0]!.headers['traceparent']);
    expect(sent).toBeDefined();
    const spans = await spansOfTrace(sent!.traceId, 2);
    expect(spans.map((s) => s.serviceName)).toEqual(['causeway-gateway-default', 'causeway-gateway-default']);
    expect(spans.find((s) => s.kind === SERVER)?.attributes['http.url']).toBe(
      'http://shop.example.com/via-service',
    );
  }, 60_000);
});
