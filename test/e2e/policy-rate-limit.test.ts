/**
 * Local rate limits through a real Envoy gateway (issue 13, item 3): a burst from one client address gets
 * 200 up to the burst (rate x multiplier) and then 429 with `Retry-After` and the `X-RateLimit-*`
 * headers; a second client address (127.0.0.2: the socket's source address, no proxy header) still gets
 * 200 because buckets are per client; a whitelisted address is never limited; the bucket refills at the
 * rate; another Ingress on the same gateway is untouched. Then a group with `connectionLimit` in the
 * config file: the gateway serves that many connections held open at once and closes the others.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runController, type RunningController } from '../../src/controller/app.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { getFrom, heldConnections, statusesFrom } from '../support/from-address.js';
import {
  endpointSlice,
  hostIngress,
  INGRESS_CLASS,
  service,
  tempDir,
  yamlDocs,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startRoutingGateway, type StandaloneGateway } from '../support/standalone-gateway.js';

let dir: string;
let backend: EchoBackend;
let stack: StandaloneGateway | undefined;
let httpPort: number;

function ingress(name: string, annotations: Record<string, string>): object {
  return hostIngress({ name, host: `${name}.example.com`, service: 'echo', annotations });
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-rate-limit-');
  backend = await startEchoBackend({ name: 'echo' });
  [httpPort] = (await freePorts(1)) as [number];
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      // 1 per second, bursts of 5 (ingress-nginx's default multiplier).
      ingress('per-second', { 'causeway.dev/limit-rps': '1' }),
      // 5 per minute, no burst beyond: refills every 60 s, so the count is exact.
      ingress('per-minute', {
        'causeway.dev/limit-rpm': '5',
        'causeway.dev/limit-burst-multiplier': '1',
      }),
      ingress('partners', {
        'causeway.dev/limit-rpm': '2',
        'causeway.dev/limit-burst-multiplier': '1',
        'causeway.dev/limit-whitelist': '127.0.0.3',
      }),
      ingress('open', {}),
    ),
  );
  stack = await startRoutingGateway({ manifests: dir, httpPort, name: 'rate-limit-gateway' });
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

test('a burst from one client: 200 up to rate x multiplier, then 429 with Retry-After from the 1 s refill', async () => {
  const statuses = await statusesFrom('127.0.0.1', httpPort, 'per-second.example.com', 5);
  expect(statuses).toEqual([200, 200, 200, 200, 200]);
  // A refill tick (1 token a second) may land inside the burst: the next request or the one after is refused.
  let refused = await getFrom('127.0.0.1', httpPort, 'per-second.example.com');
  if (refused.status === 200) refused = await getFrom('127.0.0.1', httpPort, 'per-second.example.com');
  expect(refused.status).toBe(429);
  expect(refused.headers['retry-after']).toBe('1');
  expect(refused.headers['x-ratelimit-limit']).toBe('5');
  expect(refused.headers['x-ratelimit-remaining']).toBe('0');
  // Another client address has its own bucket.
  expect(await statusesFrom('127.0.0.2', httpPort, 'per-second.example.com', 3)).toEqual([200, 200, 200]);
  // The first client gets a token back within a second.
  await new Promise((r) => setTimeout(r, 1100));
  expect((await getFrom('127.0.0.1', httpPort, 'per-second.example.com')).status).toBe(200);
});

test('a per-minute limit admits exactly the burst; Retry-After counts the seconds to the next refill', async () => {
  const statuses = await statusesFrom('127.0.0.1', httpPort, 'per-minute.example.com', 7);
  expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  const refused = await getFrom('127.0.0.1', httpPort, 'per-minute.example.com');
  const retryAfter = Number(refused.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(refused.headers['x-ratelimit-remaining']).toBe('0');
  // A request refused by the gateway never reaches the backend.
  expect(backend.requests.filter((r) => r.headers['host'] === 'per-minute.example.com')).toHaveLength(5);
  expect(await statusesFrom('127.0.0.2', httpPort, 'per-minute.example.com', 5)).toEqual([
    200, 200, 200, 200, 200,
  ]);
});

test('a whitelisted client address is not limited; others are', async () => {
  expect(await statusesFrom('127.0.0.3', httpPort, 'partners.example.com', 8)).toEqual(Array(8).fill(200));
  const exempt = await getFrom('127.0.0.3', httpPort, 'partners.example.com');
  expect(exempt.headers['x-ratelimit-limit']).toBe('4294967295');
  expect(await statusesFrom('127.0.0.1', httpPort, 'partners.example.com', 3)).toEqual([200, 200, 429]);
});

test('an Ingress without a limit on the same gateway is untouched (no rate limit headers)', async () => {
  const statuses = await statusesFrom('127.0.0.1', httpPort, 'open.example.com', 20);
  expect(statuses).toEqual(Array(20).fill(200));
  const r = await getFrom('127.0.0.1', httpPort, 'open.example.com');
  expect(r.headers['x-ratelimit-limit']).toBeUndefined();
});

describe('a group connection limit (config file connectionLimit)', () => {
  let limitedDir: string;
  let controller: RunningController | undefined;
  let gateway: EnvoyProcess | undefined;
  let port: number;

  beforeAll(async () => {
    limitedDir = tempDir('causeway-e2e-connection-limit-');
    [port] = (await freePorts(1)) as [number];
    fs.mkdirSync(path.join(limitedDir, 'manifests'));
    fs.writeFileSync(
      path.join(limitedDir, 'manifests', 'objects.yaml'),
      yamlDocs(
        INGRESS_CLASS,
        service('echo'),
        endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
        ingress('open', {}),
      ),
    );
    fs.writeFileSync(path.join(limitedDir, 'causeway.yaml'), 'connectionLimit: { maxConnections: 3 }\n');
    controller = await runController({
      manifests: path.join(limitedDir, 'manifests'),
      config: path.join(limitedDir, 'causeway.yaml'),
      xdsAddress: '127.0.0.1:0',
      adminAddress: '127.0.0.1:0',
      httpPort: port,
      logLevel: 'silent',
    });
    gateway = await startEnvoy({
      name: 'connection-limit-gateway',
      bootstrap: buildBootstrap({
        group: 'default',
        xdsHost: '127.0.0.1',
        xdsPort: controller.xdsPort,
        nodeId: 'connection-limit-gateway',
        adminPort: 0,
      }),
    });
    await gateway.waitForListener(port);
    await gateway.waitForStat('http.http.rds.http.update_success', (v) => (v ?? 0) >= 1);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await controller?.stop();
    fs.rmSync(limitedDir, { recursive: true, force: true });
  }, 30_000);

  test('connections beyond maxConnections are closed; those within are served', async () => {
    const outcomes = await heldConnections(port, 'open.example.com', 6);
    expect(outcomes.filter((o) => o === '200')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'closed')).toHaveLength(3);
    const stats = await gateway!.stats('connection_limit');
    expect(stats['connection_limit.http.limited_connections']).toBe(3);
    // Once they are closed, new connections are served again.
    await new Promise((r) => setTimeout(r, 200));
    expect((await getFrom('127.0.0.1', port, 'open.example.com')).status).toBe(200);
  });
});
