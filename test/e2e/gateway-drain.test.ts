/**
 * Draining a gateway through the controller, with real Envoys: two gateways of group `default`, each in
 * its own network namespace (as on dedicated nodes, same listener ports), behind a test load balancer
 * that health-checks their health listener (`healthPort`, GET /healthz, every 200 ms) and spreads a
 * steady request loop over the healthy ones on keep-alive connections.
 *
 * POST /api/gateways/gw-a/drain -> gw-a's /healthz answers 503, the LB takes it out of rotation, its
 * keep-alive connections are closed gracefully (Connection: close, no reset), /api/gateways shows it
 * draining, and not one request fails; DELETE -> back in rotation.
 *
 * Needs root and iproute2 (network namespaces); without them, and only outside CI, the file is skipped.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import http2 from 'node:http2';
import path from 'node:path';
import { runController, type RunningController } from '../../src/controller/app.js';
import { httpGet } from '../support/http-client.js';
import {
  endpointSlice,
  INGRESS_CLASS,
  service,
  tempDir,
  yamlDocs,
  catchAllIngress,
} from '../support/manifests.js';
import { createPodNetwork, podNetworkSupport, type PodHttpEcho, type PodNetwork } from '../support/netns.js';
import { startNetnsGateway, type NetnsGateway } from '../support/netns-gateway.js';
import { startRequestLoop } from '../support/request-loop.js';
import { startTestLoadBalancer, type TestLoadBalancer } from '../support/test-load-balancer.js';

const support = podNetworkSupport();
const skipReason = !support.ok && !process.env['CI'] ? support.reason : undefined;
if (skipReason)
  console.warn(`test/e2e/gateway-drain.test.ts skipped: ${skipReason} (always run under CI=true)`);
const suite = skipReason ? describe.skip : describe;

const HTTP_PORT = 8080;
const HEALTH_PORT = 8081;
/** Envoy's --drain-time-s on the gateways: longer than the LBs here take to leave a drained gateway. */
const DRAIN_TIME_S = 3;

let dir: string;
let net: PodNetwork | undefined;
let echo: PodHttpEcho | undefined;
let controller: RunningController | undefined;
const gateways: NetnsGateway[] = [];
let lb: TestLoadBalancer | undefined;

function adminUrl(p: string): string {
  return `http://127.0.0.1:${controller!.adminPort}${p}`;
}

interface GatewayRow {
  readonly nodeId: string;
  readonly draining: boolean;
}

/** The gateways in /api/gateways, whatever its exact shape (a list, or the fleet view by group). */
async function fleet(): Promise<GatewayRow[]> {
  const r = await httpGet(adminUrl('/api/gateways'));
  expect(r.status).toBe(200);
  const rows: GatewayRow[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o['nodeId'] === 'string' && typeof o['draining'] === 'boolean')
        rows.push({ nodeId: o['nodeId'], draining: o['draining'] });
      else Object.values(o).forEach(visit);
    }
  };
  visit(JSON.parse(r.body));
  return rows;
}

/** One HTTP/2 (prior knowledge) request on a new connection; whether the server then sent a GOAWAY. */
function h2cGetThenGoaway(origin: string): Promise<{ status: number; goaway: boolean }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin);
    let goaway = false;
    let status = 0;
    const timer = setTimeout(() => {
      session.destroy();
      resolve({ status, goaway });
    }, 3000);
    session.on('goaway', () => {
      goaway = true;
      if (status !== 0) {
        clearTimeout(timer);
        session.destroy();
        resolve({ status, goaway });
      }
    });
    session.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    const req = session.request({ ':path': '/' });
    req.on('response', (h) => (status = Number(h[':status'])));
    req.resume();
    req.on('end', () => {
      if (goaway) {
        clearTimeout(timer);
        session.destroy();
        resolve({ status, goaway });
      }
    });
    req.end();
  });
}

beforeAll(async () => {
  if (skipReason) return;
  dir = tempDir('causeway-e2e-drain-');
  net = await createPodNetwork({ name: 'drain' });
  const backendPod = await net.addPod('web');
  echo = await backendPod.startHttpEcho('web', 8080);
  const manifests = path.join(dir, 'manifests');
  fs.mkdirSync(manifests);
  fs.writeFileSync(
    path.join(manifests, 'app.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('web'),
      endpointSlice('web', [{ address: echo.ip, port: 8080 }]),
      catchAllIngress('web', 'web'),
    ),
  );
  const config = path.join(dir, 'causeway.yaml');
  fs.writeFileSync(config, `healthPort: ${HEALTH_PORT}\n`);
  controller = await runController({
    manifests,
    config,
    xdsAddress: `${net.gateway}:0`,
    // Plaintext on the test network namespace's bridge address (not loopback): an explicit choice.
    xdsInsecure: true,
    adminAddress: '127.0.0.1:0',
    httpPort: HTTP_PORT,
    logLevel: 'silent',
  });
  for (const name of ['gw-a', 'gw-b']) {
    const pod = await net.addPod(name);
    gateways.push(
      await startNetnsGateway({
        pod,
        group: 'default',
        nodeId: name,
        xdsHost: net.gateway,
        xdsPort: controller.xdsPort,
        drainTimeS: DRAIN_TIME_S,
      }),
    );
  }
  lb = await startTestLoadBalancer({
    backends: gateways.map((g) => ({ name: g.nodeId, host: g.ip, port: HTTP_PORT, healthPort: HEALTH_PORT })),
    intervalMs: 200,
  });
  await lb.waitFor('both gateways in rotation', () => lb!.healthy().length === 2, 30_000);
}, 120_000);

afterAll(async () => {
  await lb?.close();
  for (const g of gateways) await g.stop();
  await controller?.stop();
  await echo?.stop();
  await net?.destroy();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

suite('drain through the controller', () => {
  test('an unknown node id is 404', async () => {
    const r = await httpGet(adminUrl('/api/gateways/nope/drain'), { method: 'POST' });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toEqual({ error: expect.stringContaining('nope') });
  });

  test('drain: /healthz 503, out of rotation, keep-alive connections closed gracefully, zero failed requests; undrain: back', async () => {
    const [a, b] = gateways as [NetnsGateway, NetnsGateway];
    expect((await httpGet(`http://${a.ip}:${HEALTH_PORT}/healthz`)).status).toBe(200);
    // Three concurrent loops, so the LB keeps several keep-alive connections to each gateway.
    const loops = [0, 1, 2].map(() => startRequestLoop({ url: `${lb!.url}/`, intervalMs: 5 }));
    try {
      // Both gateways carry traffic on keep-alive connections first.
      await lb!.waitFor(
        'traffic on both gateways',
        () => lb!.stats('gw-a').requests > 50 && lb!.stats('gw-b').requests > 50,
      );
      const before = { ...lb!.stats('gw-a') };
      expect(before.connectionsOpened).toBeLessThan(before.requests / 5);

      const drained = await httpGet(adminUrl('/api/gateways/gw-a/drain'), { method: 'POST' });
      expect(drained.status).toBe(200);
      expect(JSON.parse(drained.body)).toEqual({ nodeId: 'gw-a', draining: true });
      const drainedAt = Date.now();

      await lb!.waitFor('gw-a out of rotation', () => !lb!.healthy().includes('gw-a'));
      console.log(
        `gateway drain: gw-a left the LB rotation ${Date.now() - drainedAt} ms after the drain call`,
      );
      const health = await httpGet(`http://${a.ip}:${HEALTH_PORT}/healthz`);
      expect(health.status).toBe(503);
      expect(health.body).toBe('draining\n');
      expect((await httpGet(`http://${b.ip}:${HEALTH_PORT}/healthz`)).status).toBe(200);
      // A new connection to the drained gateway is served, and closed after its one request.
      const direct = await httpGet(`http://${a.ip}:${HTTP_PORT}/`);
      expect(direct.status).toBe(200);
      expect(direct.headers['connection']).toBe('close');
      // The same over HTTP/2 (h2c): the request is served, then the connection gets a GOAWAY.
      expect(await h2cGetThenGoaway(`http://${a.ip}:${HTTP_PORT}`)).toEqual({ status: 200, goaway: true });
      // (A serving gateway keeps the HTTP/2 connection open.)
      expect(await h2cGetThenGoaway(`http://${b.ip}:${HTTP_PORT}`)).toEqual({ status: 200, goaway: false });
      expect(await fleet()).toEqual(
        expect.arrayContaining([
          { nodeId: 'gw-a', draining: true },
          { nodeId: 'gw-b', draining: false },
        ]),
      );

      // Envoy's drain time ends: every connection to gw-a is gone, closed by gw-a without an error.
      const requestsAtRemoval = lb!.stats('gw-a').requests;
      await new Promise((r) => setTimeout(r, DRAIN_TIME_S * 1000 + 500));
      const after = lb!.stats('gw-a');
      expect(after.requests).toBe(requestsAtRemoval);
      expect(after.connectionsOpened).toBeGreaterThan(1);
      expect(after.connectionsClosed).toBe(after.connectionsOpened);
      expect(after.errors).toEqual([]);
      expect(lb!.stats('gw-b').requests).toBeGreaterThan(0);
      const failedSinceDrain = loops.flatMap((l) => l.since(drainedAt)).filter((s) => s.error !== undefined);
      expect(failedSinceDrain).toEqual([]);

      const undrained = await httpGet(adminUrl('/api/gateways/gw-a/drain'), { method: 'DELETE' });
      expect(undrained.status).toBe(200);
      expect(JSON.parse(undrained.body)).toEqual({ nodeId: 'gw-a', draining: false });
      await lb!.waitFor('gw-a back in rotation', () => lb!.healthy().includes('gw-a'));
      const back = lb!.stats('gw-a').requests;
      await lb!.waitFor('traffic on gw-a again', () => lb!.stats('gw-a').requests > back + 20);
      expect((await fleet()).every((g) => !g.draining)).toBe(true);
    } finally {
      const results = await Promise.all(loops.map((l) => l.stop()));
      const samples = results.flatMap((r) => r.samples);
      const failures = results.flatMap((r) => r.failures);
      const summary = (['gw-a', 'gw-b'] as const).map((n) => ({ n, ...lb!.stats(n) }));
      console.log(
        `gateway drain: ${samples.length} requests, ${failures.length} failed; ` +
          summary
            .map(
              (s) =>
                `${s.n}: ${s.requests} requests on ${s.connectionsOpened} connections (${s.connectionsClosed} closed cleanly, ${s.connectionCloseAnswers} Connection: close answers, ${s.errors.length} errors), rotation ${s.transitions
                  .map((t) => (t.healthy ? 'in' : 'out'))
                  .join('/')}`,
            )
            .join('; '),
      );
      expect(failures).toEqual([]);
    }
  }, 90_000);

  test('a slower load balancer keeps sending to the drained gateway for a while: every request is served, connections are told to close', async () => {
    // Out of rotation after 9 failed checks (about 2 s), within Envoy's drain time (3 s), and after Envoy
    // starts telling the connections of the drained chains to close (about 1 s in, gradual strategy).
    const slow = await startTestLoadBalancer({
      backends: gateways.map((g) => ({
        name: g.nodeId,
        host: g.ip,
        port: HTTP_PORT,
        healthPort: HEALTH_PORT,
      })),
      intervalMs: 200,
      unhealthyThreshold: 9,
    });
    await slow.waitFor('both gateways in rotation', () => slow.healthy().length === 2);
    const loops = [0, 1, 2].map(() => startRequestLoop({ url: `${slow.url}/`, intervalMs: 5 }));
    try {
      await slow.waitFor(
        'traffic on both',
        () => slow.stats('gw-a').requests > 50 && slow.stats('gw-b').requests > 50,
      );
      const before = slow.stats('gw-a').requests;
      expect((await httpGet(adminUrl('/api/gateways/gw-a/drain'), { method: 'POST' })).status).toBe(200);
      const drainedAt = Date.now();
      await slow.waitFor('gw-a out of rotation', () => !slow.healthy().includes('gw-a'));
      const leftAfterMs = Date.now() - drainedAt;
      await new Promise((r) => setTimeout(r, DRAIN_TIME_S * 1000));
      const a = slow.stats('gw-a');
      console.log(
        `gateway drain, slow LB: gw-a left after ${leftAfterMs} ms, served ${a.requests - before} requests meanwhile; ${a.connectionCloseAnswers} Connection: close answers; ${a.connectionsOpened} connections opened, ${a.connectionsClosed} closed cleanly`,
      );
      expect(a.requests - before).toBeGreaterThan(20);
      expect(a.connectionCloseAnswers).toBeGreaterThan(0);
      expect(a.errors).toEqual([]);
      expect(a.connectionsClosed).toBe(a.connectionsOpened);
    } finally {
      const failures = (await Promise.all(loops.map((l) => l.stop()))).flatMap((r) => r.failures);
      await httpGet(adminUrl('/api/gateways/gw-a/drain'), { method: 'DELETE' });
      await slow.close();
      expect(failures).toEqual([]);
    }
  }, 60_000);
});
