/**
 * Access logs through a real Envoy gateway (issue 13, item 5). With nothing configured, the gateway
 * writes one JSON object per request to stdout with the default fields, and their values are the
 * request's: method, authority, path, status, client address, upstream host and cluster, bytes,
 * durations, route name, and the request id the backend received as X-Request-Id. An Ingress with
 * `causeway.dev/enable-access-log: "false"` on the same host writes no line, while a 404 without a
 * route still does. A second gateway logs a custom text line to a file.
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

let dir: string;
let backend: EchoBackend;
let httpPort: number;

beforeAll(async () => {
  dir = tempDir('causeway-e2e-access-logs-');
  backend = await startEchoBackend({ name: 'echo' });
  [httpPort] = (await freePorts(1)) as [number];
  fs.mkdirSync(path.join(dir, 'manifests'));
  fs.writeFileSync(
    path.join(dir, 'manifests', 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      hostIngress({ name: 'shop', host: 'shop.example.com', service: 'echo' }),
      hostIngress({
        name: 'probes',
        host: 'shop.example.com',
        service: 'echo',
        paths: [{ path: '/healthz', pathType: 'Exact' }],
        annotations: { 'causeway.dev/enable-access-log': 'false' },
      }),
    ),
  );
}, 30_000);

afterAll(async () => {
  await backend?.close();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

async function startStack(name: string, config?: string): Promise<ObservedGateway> {
  const stack = await startObservedGateway({
    manifests: path.join(dir, 'manifests'),
    httpPort,
    name,
    ...(config !== undefined ? { config } : {}),
  });
  await stack.gateway.waitForListener(httpPort);
  await stack.gateway.waitForStat('http.http.rds.http.update_success', (v) => (v ?? 0) >= 1);
  return stack;
}

/** The JSON lines of the gateway's stdout (its own log lines go to stderr and are not JSON). */
function jsonLines(stack: ObservedGateway): Record<string, unknown>[] {
  return stack.gateway
    .logs()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('default: JSON to stdout', () => {
  let stack: ObservedGateway;
  beforeAll(async () => {
    stack = await startStack('access-log-json');
  }, 60_000);
  afterAll(async () => stack?.stop(), 30_000);

  test('one JSON line per request with the default fields and the request values', async () => {
    backend.reset();
    const r = await httpGet(`http://127.0.0.1:${httpPort}/items?page=2`, {
      host: 'shop.example.com',
      headers: { 'user-agent': 'access-log-test/1.0' },
    });
    expect(r.status).toBe(200);
    const seenId = backend.requests[0]?.headers['x-request-id'];
    expect(seenId).toMatch(/^[0-9a-f-]{36}$/);
    const line = await waitFor('the access log line', () =>
      jsonLines(stack).find((l) => l['path'] === '/items?page=2'),
    );
    expect(Object.keys(line).sort()).toEqual([
      'authority',
      'bytes_received',
      'bytes_sent',
      'client_address',
      'duration_ms',
      'method',
      'path',
      'protocol',
      'request_id',
      'response_flags',
      'route_name',
      'start_time',
      'status',
      'upstream_cluster',
      'upstream_host',
      'upstream_service_time_ms',
      'user_agent',
    ]);
    expect(line).toMatchObject({
      method: 'GET',
      authority: 'shop.example.com',
      status: 200,
      protocol: 'HTTP/1.1',
      client_address: '127.0.0.1',
      upstream_host: `127.0.0.1:${backend.port}`,
      upstream_cluster: 'service/default/echo/80',
      route_name: 'ingress/default/shop/rule/0/path/0',
      request_id: seenId,
      user_agent: 'access-log-test/1.0',
      response_flags: '-',
      bytes_received: 0,
    });
    expect(line['bytes_sent']).toBe(Buffer.byteLength(r.body));
    expect(typeof line['duration_ms']).toBe('number');
    expect(Number(line['upstream_service_time_ms'])).toBeLessThanOrEqual(line['duration_ms'] as number);
    expect(Date.parse(line['start_time'] as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  test('a client-sent X-Request-Id is the logged one; a POST body is counted', async () => {
    backend.reset();
    const r = await httpGet(`http://127.0.0.1:${httpPort}/orders`, {
      host: 'shop.example.com',
      method: 'POST',
      body: 'x'.repeat(123),
      headers: { 'x-request-id': 'client-chosen-id-1', 'content-type': 'text/plain' },
    });
    expect(r.status).toBe(200);
    expect(backend.requests[0]?.headers['x-request-id']).toBe('client-chosen-id-1');
    const line = await waitFor('the POST line', () =>
      jsonLines(stack).find((l) => l['request_id'] === 'client-chosen-id-1'),
    );
    expect(line).toMatchObject({ method: 'POST', path: '/orders', status: 200, bytes_received: 123 });
  });

  test('the silenced Ingress writes no line on the same host; a 404 without a route is logged', async () => {
    backend.reset();
    for (let i = 0; i < 3; i++) {
      const r = await httpGet(`http://127.0.0.1:${httpPort}/healthz`, { host: 'shop.example.com' });
      expect(r.status).toBe(200);
    }
    // The backend got them: they were routed by the silenced Ingress, not refused.
    expect(backend.requests.filter((q) => q.path === '/healthz')).toHaveLength(3);
    const missing = await httpGet(`http://127.0.0.1:${httpPort}/x`, { host: 'nobody.example.com' });
    expect(missing.status).toBe(404);
    // A logged request after them: lines are written in order, so once it is there the others would be.
    await httpGet(`http://127.0.0.1:${httpPort}/after-probes`, { host: 'shop.example.com' });
    await waitFor('the line after the probes', () =>
      jsonLines(stack).find((l) => l['path'] === '/after-probes'),
    );
    const lines = jsonLines(stack);
    expect(lines.filter((l) => l['path'] === '/healthz')).toEqual([]);
    expect(lines.find((l) => l['authority'] === 'nobody.example.com')).toMatchObject({
      status: 404,
      route_name: null,
      response_flags: 'NR',
    });
  });
});

test('a custom text line to a file', async () => {
  const file = path.join(dir, 'logs', 'access.log');
  fs.mkdirSync(path.dirname(file));
  const stack = await startStack(
    'access-log-text',
    [
      'accessLog:',
      '  format: text',
      `  destination: ${file}`,
      `  textFormat: 'client=%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% "%REQ(:METHOD)% %REQ(:PATH)%" %RESPONSE_CODE% id=%REQ(X-REQUEST-ID)%'`,
    ].join('\n'),
  );
  try {
    const r = await httpGet(`http://127.0.0.1:${httpPort}/text`, {
      host: 'shop.example.com',
      headers: { 'x-request-id': 'text-line-id' },
    });
    expect(r.status).toBe(200);
    const text = await waitFor('the text line', () => {
      const t = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      return t.includes('text-line-id') ? t : undefined;
    });
    expect(text).toBe('client=127.0.0.1 "GET /text" 200 id=text-line-id\n');
    // Nothing went to stdout.
    expect(jsonLines(stack)).toEqual([]);
  } finally {
    await stack.stop();
  }
}, 60_000);

test('sampling 0 writes no line (the file test above shows a line lands within a second)', async () => {
  const file = path.join(dir, 'logs', 'sampled.log');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const stack = await startStack('access-log-sampled', `accessLog: { destination: ${file}, sampling: 0 }\n`);
  try {
    for (let i = 0; i < 10; i++) {
      const r = await httpGet(`http://127.0.0.1:${httpPort}/sampled`, { host: 'shop.example.com' });
      expect(r.status).toBe(200);
    }
    // Envoy opened the file with the listener; lines would be flushed every 100 ms.
    await new Promise((r) => setTimeout(r, 1500));
    expect(fs.readFileSync(file, 'utf8')).toBe('');
  } finally {
    await stack.stop();
  }
}, 60_000);
