/**
 * Traffic splitting through a real Envoy gateway (issue 12, item 5): a canary Ingress takes about its
 * weight of 2,000 requests; `canary-by-header` sends every `always` to the canary and every `never` to
 * the main backend, `canary-by-header-value` its exact value, `canary-by-header-pattern` the values
 * its regex matches, `canary-by-cookie` every `always` cookie,
 * with the header deciding before the cookie; weighted backends on one Ingress split about by weight.
 * Three echo backends share one port on 127.0.0.1-3; each answer names its backend (`x-echo-backend`).
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend.js';
import { endpointSlice, INGRESS_CLASS, service, tempDir, yamlDocs } from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';

const REQUESTS = 2000;

function ingress(
  name: string,
  host: string,
  backend: { name: string; port: { number: number } | { name: string } },
  annotations: Record<string, string> = {},
): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default', annotations },
    spec: {
      rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: backend } }] } }],
    },
  };
}

const MAIN = { name: 'main', port: { number: 80 } };
const CANARY = { name: 'canary', port: { number: 80 } };

let dir: string;
let backends: EchoBackend[] = [];
let stack: StandaloneGateway | undefined;
let httpPort: number;
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** One GET through the gateway: the name of the backend that answered (or `status <n>`). */
function get(host: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: httpPort, path: '/', agent, headers: { host, ...headers } },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve(
            res.statusCode === 200 ? String(res.headers['x-echo-backend']) : `status ${res.statusCode}`,
          ),
        );
      },
    );
    req.on('error', reject);
  });
}

/** How many of `n` requests (16 at a time, kept alive) each backend answered. */
async function tally(
  host: string,
  n: number,
  headers: Record<string, string> = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let sent = 0; sent < n; sent += 16) {
    const batch = await Promise.all(Array.from({ length: Math.min(16, n - sent) }, () => get(host, headers)));
    for (const b of batch) counts[b] = (counts[b] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-canary-');
  const [port, gatewayPort] = (await freePorts(2)) as [number, number];
  httpPort = gatewayPort;
  backends = await Promise.all(
    ['main', 'canary', 'v2'].map((name, i) => startEchoBackend({ name, address: `127.0.0.${i + 1}`, port })),
  );
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      ...backends.flatMap((b) => [service(b.name), endpointSlice(b.name, [{ address: b.address, port }])]),
      ingress('weighted', 'weight.example.com', MAIN),
      ingress('weighted-canary', 'weight.example.com', CANARY, {
        'causeway.dev/canary': 'true',
        'causeway.dev/canary-weight': '20',
      }),
      ingress('rules', 'rules.example.com', MAIN),
      ingress('rules-canary', 'rules.example.com', CANARY, {
        'causeway.dev/canary': 'true',
        'causeway.dev/canary-by-header': 'X-Canary',
        'causeway.dev/canary-by-cookie': 'canary',
      }),
      ingress('value', 'value.example.com', MAIN),
      ingress('value-canary', 'value.example.com', CANARY, {
        'causeway.dev/canary': 'true',
        'causeway.dev/canary-by-header': 'x-user',
        'causeway.dev/canary-by-header-value': 'beta-tester',
      }),
      ingress('pattern', 'pattern.example.com', MAIN),
      ingress('pattern-canary', 'pattern.example.com', CANARY, {
        'causeway.dev/canary': 'true',
        'causeway.dev/canary-by-header': 'x-region',
        'causeway.dev/canary-by-header-pattern': '^(eu|us)-west-[0-9]+$',
      }),
      ingress(
        'split',
        'split.example.com',
        { name: 'blue-green', port: { name: 'use-annotation' } },
        {
          'causeway.dev/weighted-backends.blue-green':
            '[{"service":"main","port":80,"weight":70},{"service":"v2","port":"http","weight":30}]',
        },
      ),
    ),
  );
  stack = await startStandaloneGateway({ manifests: dir, httpPort, name: 'canary-gateway' });
  await stack.gateway.waitForListener(httpPort);
  // The routes arrive once every cluster has its endpoints: wait until each host answers.
  for (const host of ['weight', 'rules', 'value', 'pattern', 'split']) {
    const deadline = Date.now() + 20_000;
    while (
      (await get(`${host}.example.com`).catch(() => 'down')).startsWith('status') &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(async () => {
  agent.destroy();
  await Promise.all(backends.map((b) => b.close()));
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

test('canary-weight 20 takes about 20 % of 2,000 requests (400 +- 100), the main Ingress the rest', async () => {
  const counts = await tally('weight.example.com', REQUESTS);
  process.stdout.write(`canary-weight 20 over ${REQUESTS} requests: ${JSON.stringify(counts)}\n`);
  expect(Object.keys(counts).sort()).toEqual(['canary', 'main']);
  expect(counts['canary']).toBeGreaterThanOrEqual(300);
  expect(counts['canary']).toBeLessThanOrEqual(500);
  expect(counts['main']).toBe(REQUESTS - counts['canary']!);
}, 60_000);

test('canary-by-header: every "always" goes to the canary, every "never" and other value to main', async () => {
  expect(await tally('rules.example.com', 100, { 'x-canary': 'always' })).toEqual({ canary: 100 });
  expect(await tally('rules.example.com', 100, { 'x-canary': 'never' })).toEqual({ main: 100 });
  expect(await tally('rules.example.com', 100, { 'x-canary': 'maybe' })).toEqual({ main: 100 });
  expect(await tally('rules.example.com', 100)).toEqual({ main: 100 });
});

test('canary-by-cookie: every "always" cookie goes to the canary; the header decides before the cookie', async () => {
  expect(await tally('rules.example.com', 100, { cookie: 'a=1; canary=always; b=2' })).toEqual({
    canary: 100,
  });
  expect(await tally('rules.example.com', 100, { cookie: 'canary=never' })).toEqual({ main: 100 });
  expect(await tally('rules.example.com', 100, { cookie: 'xcanary=always' })).toEqual({ main: 100 });
  expect(await tally('rules.example.com', 100, { 'x-canary': 'never', cookie: 'canary=always' })).toEqual({
    main: 100,
  });
  expect(await tally('rules.example.com', 100, { 'x-canary': 'other', cookie: 'canary=always' })).toEqual({
    canary: 100,
  });
});

test('canary-by-header-value: only that exact value goes to the canary', async () => {
  expect(await tally('value.example.com', 100, { 'x-user': 'beta-tester' })).toEqual({ canary: 100 });
  expect(await tally('value.example.com', 100, { 'x-user': 'always' })).toEqual({ main: 100 });
  expect(await tally('value.example.com', 100, { 'x-user': 'beta-tester2' })).toEqual({ main: 100 });
});

test('canary-by-header-pattern: a value the RE2 pattern matches goes to the canary, others to main', async () => {
  expect(await tally('pattern.example.com', 50, { 'x-region': 'eu-west-1' })).toEqual({ canary: 50 });
  expect(await tally('pattern.example.com', 50, { 'x-region': 'us-west-12' })).toEqual({ canary: 50 });
  expect(await tally('pattern.example.com', 50, { 'x-region': 'eu-east-1' })).toEqual({ main: 50 });
  expect(await tally('pattern.example.com', 50, { 'x-region': 'xeu-west-1' })).toEqual({ main: 50 });
});

test('weighted backends 70/30 on one Ingress split 2,000 requests about by weight (600 +- 100 to v2)', async () => {
  const counts = await tally('split.example.com', REQUESTS);
  process.stdout.write(`weighted-backends 70/30 over ${REQUESTS} requests: ${JSON.stringify(counts)}\n`);
  expect(Object.keys(counts).sort()).toEqual(['main', 'v2']);
  expect(counts['v2']).toBeGreaterThanOrEqual(500);
  expect(counts['v2']).toBeLessThanOrEqual(700);
}, 60_000);
