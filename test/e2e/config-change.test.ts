/**
 * Make-before-break through a real Envoy: switching a route to a new Service, and adding a path to a new
 * Service, never shows a request a 503 (a route pointing at a cluster Envoy does not have yet) while a
 * request loop runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startEchoBackend, type EchoBackend } from '../../src/demo/echo-backend.js';
import { httpGet } from '../support/http-client.js';
import {
  endpointSlice,
  INGRESS_CLASS,
  service,
  tempDir,
  writeAtomic,
  yamlDocs,
} from '../support/manifests.js';
import type { EnvoyProcess } from '../support/envoy-process.js';
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';
import { freePorts } from '../support/ports.js';

let dir: string;
let backends: EchoBackend[] = [];
let stack: StandaloneGateway | undefined;
let gateway: EnvoyProcess;
let httpPort: number;

function app(n: number, paths: readonly { path: string; svc: string }[]): string {
  return yamlDocs(
    ...Array.from({ length: n }, (_, i) => [
      service(`s${i}`),
      endpointSlice(`s${i}`, [{ address: '127.0.0.1', port: backends[i]!.port }]),
    ]).flat(),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        rules: [
          {
            host: 'mbb.example.com',
            http: {
              paths: paths.map((p) => ({
                path: p.path,
                pathType: 'Prefix',
                backend: { service: { name: p.svc, port: { number: 80 } } },
              })),
            },
          },
        ],
      },
    },
  );
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-mbb-');
  backends = await Promise.all(Array.from({ length: 6 }, (_, i) => startEchoBackend({ name: `s${i}` })));
  [httpPort] = (await freePorts(1)) as [number];
  fs.writeFileSync(path.join(dir, 'class.yaml'), yamlDocs(INGRESS_CLASS));
  fs.writeFileSync(path.join(dir, 'app.yaml'), app(1, [{ path: '/', svc: 's0' }]));
  stack = await startStandaloneGateway({ manifests: dir, httpPort, name: 'mbb-gateway' });
  gateway = stack.gateway;
  await gateway.waitForListener(httpPort);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  for (const b of backends) await b.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function loopUntil(p: string, done: (backend: string) => boolean, maxMs = 5000): Promise<string[]> {
  const seen: string[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < maxMs) {
    const r = await httpGet(`http://127.0.0.1:${httpPort}${p}`, { host: 'mbb.example.com' });
    const b = r.status === 200 ? (JSON.parse(r.body) as { backend: string }).backend : String(r.status);
    if (seen[seen.length - 1] !== b) seen.push(b);
    if (done(b)) return seen;
  }
  return seen;
}

test('switching the route of "/" from one Service to another new one never answers 503', async () => {
  for (let round = 1; round <= 5; round++) {
    writeAtomic(path.join(dir, 'app.yaml'), app(round + 1, [{ path: '/', svc: `s${round}` }]));
    const seen = await loopUntil('/', (b) => b === `s${round}`);
    expect(seen).toEqual(seen.length === 1 ? [`s${round}`] : [`s${round - 1}`, `s${round}`]);
  }
}, 60_000);

test('adding a path to a new Service goes from the old answer straight to the new backend', async () => {
  writeAtomic(path.join(dir, 'app.yaml'), app(1, [{ path: '/', svc: 's0' }]));
  await loopUntil('/new', (b) => b === 's0');
  writeAtomic(
    path.join(dir, 'app.yaml'),
    app(6, [
      { path: '/', svc: 's0' },
      { path: '/new', svc: 's5' },
    ]),
  );
  const seen = await loopUntil('/new', (b) => b === 's5');
  expect(seen[seen.length - 1]).toBe('s5');
  expect(seen.filter((b) => b !== 's0' && b !== 's5')).toEqual([]);
}, 60_000);
