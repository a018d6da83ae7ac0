/**
 * The resilience policies through a real Envoy gateway (issue 12, items 4 and 8): a retry turns one
 * failing answer into a 200 (the backend counts two requests), no status is retried without the
 * annotation, a POST is not retried after the app saw it, and the default retries a refused connect on
 * another endpoint; gzip and br on one Ingress (chosen by Accept-Encoding) and identity on another;
 * mirrored requests counted at the mirror (all of them at 100 %, about half at 50 %); and compression
 * turned on for a whole group by the config file, with its minimum size, and off on one Ingress.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { startEchoBackend, type EchoAnswer, type EchoBackend } from '../support/echo-backend.js';
import {
  endpointSlice,
  INGRESS_CLASS,
  service,
  tempDir,
  yamlDocs,
  hostIngress as ingressFor,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';
import { runController, type RunningController } from '../../src/controller/app.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';

function hostIngress(
  name: string,
  host: string,
  svc: string,
  annotations: Record<string, string> = {},
  path = '/',
): object {
  return ingressFor({ name, host, service: svc, annotations, paths: [{ path, pathType: 'Prefix' }] });
}

interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request through the gateway on a kept-alive agent, the body as raw bytes (no decoding). */
function request(
  port: number,
  host: string,
  p: string,
  o: { method?: string; headers?: Record<string, string>; agent?: http.Agent; body?: Buffer } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: p,
        method: o.method ?? 'GET',
        headers: { host, ...o.headers },
        agent: o.agent ?? false,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(o.body ?? (o.method === 'POST' ? '{"order":1}' : undefined));
  });
}

async function eventually(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

/** A compressible HTML page of about 8 KiB. */
const PAGE = `<html><body>${'<p>the quick brown fox jumps over the lazy dog</p>\n'.repeat(160)}</body></html>`;

/** A 600-byte HTML page sent with its Content-Length. */
const SMALL = `<html><body>${'<p>small</p>'.repeat(46)}</body></html>`.slice(0, 600);

let dir: string;
let flaky: EchoBackend;
let web: EchoBackend;
let shadow: EchoBackend;
let alive: EchoBackend;
/** Two endpoints of Service `pair` (127.0.0.1 and 127.0.0.3, one port); the first request to either fails. */
let pair: EchoBackend[];
let stack: StandaloneGateway | undefined;
let httpPort: number;
let sharedPort: number;

beforeAll(async () => {
  dir = tempDir('causeway-e2e-resilience-');
  // Answers 503 to its first request after each reset, 200 afterwards.
  flaky = await startEchoBackend({ name: 'flaky', respond: (_r, n) => (n === 0 ? { status: 503 } : {}) });
  web = await startEchoBackend({
    name: 'web',
    respond: (r): EchoAnswer =>
      r.path.startsWith('/page')
        ? { headers: { 'content-type': 'text/html' }, body: PAGE }
        : r.path.startsWith('/small')
          ? { headers: { 'content-type': 'text/html', 'content-length': String(SMALL.length) }, body: SMALL }
          : {},
  });
  shadow = await startEchoBackend({ name: 'shadow' });
  let pairPort: number;
  [httpPort, sharedPort, pairPort] = (await freePorts(3)) as [number, number, number];
  let pairRequests = 0;
  const failFirst = (): EchoAnswer => (pairRequests++ === 0 ? { status: 503 } : {});
  pair = [
    await startEchoBackend({ name: 'pair-1', address: '127.0.0.1', port: pairPort, respond: failFirst }),
    await startEchoBackend({ name: 'pair-3', address: '127.0.0.3', port: pairPort, respond: failFirst }),
  ];
  // `half-dead`: one endpoint alive on 127.0.0.1, one refusing connections (nothing on 127.0.0.2).
  alive = await startEchoBackend({ name: 'alive', address: '127.0.0.1', port: sharedPort });
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('flaky'),
      endpointSlice('flaky', [{ address: '127.0.0.1', port: flaky.port }]),
      service('web'),
      endpointSlice('web', [{ address: '127.0.0.1', port: web.port }]),
      service('shadow'),
      endpointSlice('shadow', [{ address: '127.0.0.1', port: shadow.port }]),
      service('pair'),
      endpointSlice('pair', [
        { address: '127.0.0.1', port: pairPort },
        { address: '127.0.0.3', port: pairPort },
      ]),
      hostIngress('pair', 'pair.example.com', 'pair', { 'causeway.dev/retry-status-codes': '503' }),
      service('half-dead'),
      endpointSlice('half-dead', [
        { address: '127.0.0.1', port: sharedPort },
        { address: '127.0.0.2', port: sharedPort },
      ]),
      hostIngress('retry', 'retry.example.com', 'flaky', { 'causeway.dev/retry-status-codes': '503' }),
      hostIngress('plain', 'plain.example.com', 'flaky'),
      hostIngress('half-dead', 'half-dead.example.com', 'half-dead'),
      // Same host, its own path: this route must not retry although its neighbour does.
      hostIngress(
        'half-dead-once',
        'half-dead.example.com',
        'half-dead',
        { 'causeway.dev/retry-count': '0' },
        '/once',
      ),
      hostIngress('gzip', 'gzip.example.com', 'web', { 'causeway.dev/compression': 'gzip,br' }),
      hostIngress('identity', 'identity.example.com', 'web'),
      hostIngress('mirror-all', 'mirror-all.example.com', 'web', {
        'causeway.dev/mirror-target': 'shadow:80',
      }),
      hostIngress('mirror-half', 'mirror-half.example.com', 'web', {
        'causeway.dev/mirror-target': 'shadow:http',
        'causeway.dev/mirror-percent': '50',
      }),
    ),
  );
  stack = await startStandaloneGateway({ manifests: dir, httpPort, name: 'resilience-gateway' });
  await stack.gateway.waitForListener(httpPort);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  for (const b of [flaky, web, shadow, alive, ...(pair ?? [])]) await b?.close();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('retries', () => {
  beforeEach(() => flaky.reset());

  test('retry-status-codes 503: a failing first answer becomes a 200 (the backend saw two requests)', async () => {
    const r = await request(httpPort, 'retry.example.com', '/item');
    expect(r.status).toBe(200);
    expect(flaky.requests.map((q) => q.path)).toEqual(['/item', '/item']);
  });

  test('the retry goes to the other endpoint of the Service', async () => {
    const r = await request(httpPort, 'pair.example.com', '/item');
    expect(r.status).toBe(200);
    // One endpoint answered 503 to the first try, the other 200 to the retry (not the same one twice).
    expect(pair.map((b) => b.requests.length)).toEqual([1, 1]);
  });

  test('without the annotation a 503 answer is not retried (one request)', async () => {
    const r = await request(httpPort, 'plain.example.com', '/item');
    expect(r.status).toBe(503);
    expect(flaky.requests).toHaveLength(1);
  });

  test('a POST is not retried once the app saw it (ingress-nginx semantics)', async () => {
    const r = await request(httpPort, 'retry.example.com', '/orders', { method: 'POST' });
    expect(r.status).toBe(503);
    expect(flaky.requests).toHaveLength(1);
  });

  async function statuses(host: string, p: string, n: number): Promise<number[]> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await request(httpPort, host, p, { agent })).status);
    agent.destroy();
    return out;
  }

  test('a PUT is retried with its body; past the 32 KiB the gateway buffers it is not (Envoy cannot replay it)', async () => {
    const small = await request(httpPort, 'retry.example.com', '/put', {
      method: 'PUT',
      body: Buffer.alloc(16 * 1024, 97),
    });
    expect(small.status).toBe(200);
    expect(flaky.requests.map((q) => q.bodyBytes)).toEqual([16 * 1024, 16 * 1024]);
    flaky.reset();
    const large = await request(httpPort, 'retry.example.com', '/put', {
      method: 'PUT',
      body: Buffer.alloc(100 * 1024, 97),
    });
    expect(large.status).toBe(503);
    expect(flaky.requests.map((q) => q.bodyBytes)).toEqual([100 * 1024]);
  });

  test('by default a refused connect is retried on the other endpoint: every request gets 200', async () => {
    expect((await statuses('half-dead.example.com', '/', 40)).filter((s) => s !== 200)).toEqual([]);
  });

  test('retry-count 0 on another Ingress of the same host: requests to the refusing endpoint fail', async () => {
    const failed = (await statuses('half-dead.example.com', '/once', 40)).filter((s) => s !== 200);
    expect(failed.length).toBeGreaterThan(5);
    expect(new Set(failed)).toEqual(new Set([503]));
  });
});

describe('compression', () => {
  test('gzip: Content-Encoding gzip, and the body decompresses to the original', async () => {
    const r = await request(httpPort, 'gzip.example.com', '/page', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBe('gzip');
    expect(r.headers['vary']).toMatch(/accept-encoding/i);
    expect(r.body.length).toBeLessThan(PAGE.length / 4);
    expect(zlib.gunzipSync(r.body).toString()).toBe(PAGE);
  });

  test("Envoy picks by q-value, ties going to the client's order; `*` to the first filter (br)", async () => {
    const encodingFor = async (acceptEncoding: string): Promise<string | undefined> => {
      const r = await request(httpPort, 'gzip.example.com', '/page', {
        headers: { 'accept-encoding': acceptEncoding },
      });
      return r.headers['content-encoding'];
    };
    expect(await encodingFor('gzip, br')).toBe('gzip');
    expect(await encodingFor('br, gzip')).toBe('br');
    expect(await encodingFor('br;q=0.5, gzip;q=0.8')).toBe('gzip');
    expect(await encodingFor('*')).toBe('br');
    expect(await encodingFor('zstd')).toBeUndefined();
    const br = await request(httpPort, 'gzip.example.com', '/page', { headers: { 'accept-encoding': 'br' } });
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(PAGE);
  });

  test('an Ingress without the annotation answers identity (uncompressed)', async () => {
    const r = await request(httpPort, 'identity.example.com', '/page', {
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(r.status).toBe(200);
    expect(r.headers['content-encoding']).toBeUndefined();
    expect(r.body.toString()).toBe(PAGE);
  });
});

describe('mirroring', () => {
  beforeEach(() => {
    web.reset();
    shadow.reset();
  });

  async function send(host: string, n: number): Promise<number[]> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const statuses = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        request(httpPort, host, `/m/${i}`, { agent }).then((r) => r.status),
      ),
    );
    agent.destroy();
    return statuses;
  }

  test('mirror-percent 100 (the default): 100 requests, 100 copies at the mirror with a -shadow host', async () => {
    const statuses = await send('mirror-all.example.com', 100);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await eventually(() => shadow.requests.length >= 100);
    expect(web.requests).toHaveLength(100);
    expect(shadow.requests).toHaveLength(100);
    expect(new Set(shadow.requests.map((q) => q.headers['host']))).toEqual(
      new Set(['mirror-all.example.com-shadow']),
    );
  });

  test('a 1 MiB request body reaches both the backend and the mirror whole (mirrors stream)', async () => {
    const body = Buffer.alloc(1024 * 1024, 97);
    const r = await request(httpPort, 'mirror-all.example.com', '/upload', { method: 'POST', body });
    expect(r.status).toBe(200);
    await eventually(() => shadow.requests.length >= 1);
    expect(web.requests.map((q) => q.bodyBytes)).toEqual([body.length]);
    expect(shadow.requests.map((q) => q.bodyBytes)).toEqual([body.length]);
  });

  test('mirror-percent 50: about half of 1,000 requests reach the mirror', async () => {
    await send('mirror-half.example.com', 1000);
    await new Promise((r) => setTimeout(r, 500));
    const share = shadow.requests.length / 1000;
    process.stdout.write(`mirror-percent 50: ${shadow.requests.length} of 1000 requests mirrored\n`);
    expect(web.requests).toHaveLength(1000);
    // 50 % of 1,000: a standard deviation of about 16 requests; 8 points is 5 of them.
    expect(share).toBeGreaterThan(0.42);
    expect(share).toBeLessThan(0.58);
  });
});

describe('compression for a whole group (config file)', () => {
  let groupDir: string;
  let controller: RunningController | undefined;
  let gateway: EnvoyProcess | undefined;
  let port: number;

  beforeAll(async () => {
    groupDir = tempDir('causeway-e2e-resilience-group-');
    const manifests = path.join(groupDir, 'manifests');
    fs.mkdirSync(manifests);
    [port] = (await freePorts(1)) as [number];
    fs.writeFileSync(
      path.join(manifests, 'objects.yaml'),
      yamlDocs(
        INGRESS_CLASS,
        service('web'),
        endpointSlice('web', [{ address: '127.0.0.1', port: web.port }]),
        hostIngress('group-default', 'group.example.com', 'web'),
        hostIngress('group-off', 'off.example.com', 'web', { 'causeway.dev/compression': 'off' }),
      ),
    );
    const config = path.join(groupDir, 'causeway.yaml');
    fs.writeFileSync(config, 'compression: { encodings: [gzip], minBytes: 1024 }\n');
    controller = await runController({
      manifests,
      config,
      xdsAddress: '127.0.0.1:0',
      adminAddress: '127.0.0.1:0',
      httpPort: port,
      logLevel: 'silent',
    });
    gateway = await startEnvoy({
      name: 'resilience-group-gateway',
      bootstrap: buildBootstrap({
        group: 'default',
        xdsHost: '127.0.0.1',
        xdsPort: controller.xdsPort,
        nodeId: 'resilience-group-gateway',
        adminPort: 0,
      }),
    });
    await gateway.waitForListener(port);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await controller?.stop();
    fs.rmSync(groupDir, { recursive: true, force: true });
  }, 30_000);

  test('every route of the group is gzipped without an annotation; an Ingress with "off" is not', async () => {
    const on = await request(port, 'group.example.com', '/page', { headers: { 'accept-encoding': 'gzip' } });
    expect(on.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(on.body).toString()).toBe(PAGE);
    const off = await request(port, 'off.example.com', '/page', { headers: { 'accept-encoding': 'gzip' } });
    expect(off.headers['content-encoding']).toBeUndefined();
    expect(off.body.toString()).toBe(PAGE);
  });

  test('an answer with a Content-Length under minBytes passes uncompressed; one without is compressed', async () => {
    const small = await request(port, 'group.example.com', '/small', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(small.status).toBe(200);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.body.toString()).toBe(SMALL);
    // The JSON echo is sent chunked (no Content-Length): Envoy cannot know its size and compresses it.
    const chunked = await request(port, 'group.example.com', '/echo', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(chunked.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(zlib.gunzipSync(chunked.body).toString())).toMatchObject({
      backend: 'web',
      path: '/echo',
    });
  });
});
