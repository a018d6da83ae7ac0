/**
 * Load balancing and session affinity through a real Envoy gateway (issue 12, item 6), with three
 * backends on 127.0.0.1, .2 and .3 sharing one port (one EndpointSlice per Service):
 * - `causeway.dev/affinity: cookie`: the first answer sets the cookie; 50 requests carrying it reach the
 *   same backend, while requests without it (each on its own connection) spread;
 * - `causeway.dev/affinity: header`: every request with the same header value reaches one backend;
 * - `causeway.dev/affinity: source-ip` with `maglev`: one client address, one backend;
 * - `causeway.dev/load-balance: least-request` under skew (one backend answers after 200 ms): it gets
 *   clearly fewer of the concurrent requests than `round-robin` gives it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend.js';
import { startDelayedBackend, type DelayedBackend } from '../support/delayed-backend.js';
import { httpGet, type HttpResponse } from '../support/http-client.js';
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

const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'] as const;
const SLOW_MS = 200;

function annotatedService(name: string, annotations: Record<string, string>): object {
  const s = service(name) as { metadata: Record<string, unknown> };
  return { ...s, metadata: { ...s.metadata, annotations } };
}

function hostIngress(name: string, host: string, backend: string): object {
  return ingressFor({ name, host, service: backend });
}

let dir: string;
let echo: EchoBackend[] = [];
let delayed: DelayedBackend[] = [];
let stack: StandaloneGateway | undefined;
let httpPort: number;

async function startTrio<T extends { readonly port: number }>(
  start: (address: string, port: number | undefined, i: number) => Promise<T>,
): Promise<T[]> {
  const first = await start(ADDRESSES[0], undefined, 0);
  const rest = await Promise.all(ADDRESSES.slice(1).map((a, i) => start(a, first.port, i + 1)));
  return [first, ...rest];
}

function slice(svc: string, port: number): object {
  return endpointSlice(
    svc,
    ADDRESSES.map((address) => ({ address, port })),
  );
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-lb-');
  echo = await startTrio((address, port, i) =>
    startEchoBackend({ name: `echo-${i + 1}`, address, ...(port !== undefined ? { port } : {}) }),
  );
  delayed = await startTrio((address, port, i) =>
    startDelayedBackend({
      name: `delayed-${i + 1}`,
      address,
      ...(port !== undefined ? { port } : {}),
      delayMs: i === 0 ? SLOW_MS : 0,
    }),
  );
  [httpPort] = (await freePorts(1)) as [number];
  const echoPort = echo[0]!.port;
  const delayedPort = delayed[0]!.port;
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      annotatedService('sticky', {
        'causeway.dev/affinity': 'cookie',
        'causeway.dev/session-cookie-name': 'sticky',
        'causeway.dev/session-cookie-max-age': '3600',
      }),
      slice('sticky', echoPort),
      annotatedService('by-user', {
        'causeway.dev/affinity': 'header',
        'causeway.dev/session-header-name': 'x-user',
      }),
      slice('by-user', echoPort),
      annotatedService('by-ip', {
        'causeway.dev/affinity': 'source-ip',
        'causeway.dev/load-balance': 'maglev',
      }),
      slice('by-ip', echoPort),
      annotatedService('rr', { 'causeway.dev/load-balance': 'round-robin' }),
      slice('rr', delayedPort),
      annotatedService('lr', { 'causeway.dev/load-balance': 'least-request' }),
      slice('lr', delayedPort),
      hostIngress('sticky', 'sticky.example.com', 'sticky'),
      hostIngress('by-user', 'user.example.com', 'by-user'),
      hostIngress('by-ip', 'ip.example.com', 'by-ip'),
      hostIngress('rr', 'rr.example.com', 'rr'),
      hostIngress('lr', 'lr.example.com', 'lr'),
    ),
  );
  stack = await startStandaloneGateway({ manifests: dir, httpPort, name: 'lb-gateway' });
  await stack.gateway.waitForListener(httpPort);
  for (const host of ['sticky', 'user', 'ip', 'rr', 'lr']) await untilOk(`${host}.example.com`);
  for (const b of [...echo, ...delayed]) b.reset();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([...echo, ...delayed].map((b) => b.close()));
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

async function untilOk(host: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await httpGet(`http://127.0.0.1:${httpPort}/`, { host }).catch(() => undefined);
    if (r?.status === 200) return;
    if (Date.now() > deadline) throw new Error(`${host} never answered 200 (last ${r?.status})`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

function get(host: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
  return httpGet(`http://127.0.0.1:${httpPort}/`, { host, headers });
}

function backendOf(r: HttpResponse): string {
  expect(r.status).toBe(200);
  return String(r.headers['x-echo-backend']);
}

function counts(names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const n of names) out[n] = (out[n] ?? 0) + 1;
  return out;
}

test('cookie affinity: the first answer sets the cookie, 50 requests with it reach one backend', async () => {
  const first = await get('sticky.example.com');
  const setCookie = first.headers['set-cookie']?.[0] ?? '';
  process.stdout.write(`affinity cookie set by the gateway: ${setCookie.replace(/=[^;]*/, '=<hash>')}\n`);
  expect(setCookie).toMatch(/^sticky=[^;]+; Max-Age=3600; Path=\/; HttpOnly$/);
  const cookie = setCookie.split(';')[0]!;
  const pinned = backendOf(first);
  const seen: string[] = [];
  for (let i = 0; i < 50; i++) seen.push(backendOf(await get('sticky.example.com', { cookie })));
  expect(counts(seen)).toEqual({ [pinned]: 50 });
}, 30_000);

test('cookie affinity: clients without the cookie spread over the three backends', async () => {
  const seen: string[] = [];
  for (let i = 0; i < 30; i++) seen.push(backendOf(await get('sticky.example.com')));
  process.stdout.write(`30 new clients without the cookie: ${JSON.stringify(counts(seen))}\n`);
  expect(Object.keys(counts(seen)).length).toBeGreaterThanOrEqual(2);
}, 30_000);

test('header affinity: one backend per header value, different values spread', async () => {
  const firstOf = new Map<string, string>();
  for (let round = 0; round < 5; round++) {
    for (let u = 0; u < 12; u++) {
      const b = backendOf(await get('user.example.com', { 'x-user': `user-${u}` }));
      if (round === 0) firstOf.set(`user-${u}`, b);
      else expect(b).toBe(firstOf.get(`user-${u}`));
    }
  }
  process.stdout.write(`12 users over the backends: ${JSON.stringify(counts([...firstOf.values()]))}\n`);
  expect(new Set(firstOf.values()).size).toBeGreaterThanOrEqual(2);
}, 30_000);

test('source-ip affinity (maglev): every connection from one client address reaches one backend', async () => {
  const seen: string[] = [];
  for (let i = 0; i < 30; i++) seen.push(backendOf(await get('ip.example.com')));
  expect(Object.keys(counts(seen))).toHaveLength(1);
}, 30_000);

/** `total` requests from `concurrency` clients in parallel; the share of the slow backend. */
async function slowShare(host: string, total: number, concurrency: number): Promise<number> {
  for (const b of delayed) b.reset();
  let left = total;
  const client = async (): Promise<void> => {
    while (left > 0) {
      left -= 1;
      expect((await get(host)).status).toBe(200);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const served = delayed.map((b) => b.served);
  expect(served.reduce((a, b) => a + b, 0)).toBe(total);
  return served[0]! / total;
}

test('least-request sends the slow backend clearly fewer requests than round-robin', async () => {
  const rr = await slowShare('rr.example.com', 240, 12);
  const lr = await slowShare('lr.example.com', 240, 12);
  process.stdout.write(
    `share of the ${SLOW_MS} ms backend, 240 requests from 12 clients: round-robin ${(rr * 100).toFixed(1)} %, least-request ${(lr * 100).toFixed(1)} %\n`,
  );
  expect(rr).toBeGreaterThan(0.28);
  expect(lr).toBeLessThan(0.2);
}, 60_000);
