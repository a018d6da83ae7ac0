/**
 * End to end through a real Envoy gateway: controller (in-process, standalone from a temp manifests
 * folder) -> ADS (Delta) -> Envoy -> echo backends on 127.0.0.1.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startEchoBackend, type EchoBackend } from '../../src/demo/echo-backend.js';
import { httpGet, httpsGet } from '../support/http-client.js';
import {
  endpointSlice,
  generateCertificate,
  INGRESS_CLASS,
  service,
  tempDir,
  tlsSecret,
  writeAtomic,
  yamlDocs,
} from '../support/manifests.js';
import type { EnvoyProcess } from '../support/envoy-process.js';
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';
import { freePorts } from '../support/ports.js';

const ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    tls: [{ hosts: ['secure.example.com'], secretName: 'secure-tls' }],
    rules: [
      {
        host: 'foo.example.com',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'a', port: { number: 80 } } } },
            { path: '/b', pathType: 'Prefix', backend: { service: { name: 'b', port: { name: 'http' } } } },
            { path: '/exact', pathType: 'Exact', backend: { service: { name: 'b', port: { number: 80 } } } },
            {
              path: '/empty',
              pathType: 'Prefix',
              backend: { service: { name: 'empty', port: { number: 80 } } },
            },
            {
              path: '/missing',
              pathType: 'Prefix',
              backend: { service: { name: 'missing', port: { number: 80 } } },
            },
          ],
        },
      },
      {
        host: '*.wild.example.com',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'b', port: { number: 80 } } } },
          ],
        },
      },
      {
        host: 'secure.example.com',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'c', port: { number: 80 } } } },
          ],
        },
      },
      {
        http: {
          paths: [
            { path: '/any', pathType: 'Prefix', backend: { service: { name: 'c', port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
};

let dir: string;
let backends: Record<'a' | 'b' | 'c', EchoBackend>;
let stack: StandaloneGateway | undefined;
let gateway: EnvoyProcess;
let httpPort: number;
let httpsPort: number;
const cert = generateCertificate('secure.example.com');

function slicesFile(a: EchoBackend): string {
  return yamlDocs(
    endpointSlice('a', [{ address: '127.0.0.1', port: a.port }]),
    endpointSlice('b', [{ address: '127.0.0.1', port: backends.b.port }]),
    endpointSlice('c', [{ address: '127.0.0.1', port: backends.c.port }]),
  );
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-routing-');
  backends = {
    a: await startEchoBackend({ name: 'a' }),
    b: await startEchoBackend({ name: 'b' }),
    c: await startEchoBackend({ name: 'c' }),
  };
  [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
  fs.writeFileSync(path.join(dir, 'class.yaml'), yamlDocs(INGRESS_CLASS));
  fs.writeFileSync(
    path.join(dir, 'services.yaml'),
    yamlDocs(service('a'), service('b'), service('c'), service('empty')),
  );
  fs.writeFileSync(path.join(dir, 'slices.yaml'), slicesFile(backends.a));
  fs.writeFileSync(path.join(dir, 'ingress.yaml'), yamlDocs(ingress, tlsSecret('secure-tls', cert)));
  stack = await startStandaloneGateway({ manifests: dir, httpPort, httpsPort, name: 'routing-gateway' });
  gateway = stack.gateway;
  await gateway.waitForListener(httpPort);
  await gateway.waitForListener(httpsPort);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  for (const b of Object.values(backends ?? {})) await b.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function backendOf(host: string, p: string): Promise<string | number> {
  const r = await httpGet(`http://127.0.0.1:${httpPort}${p}`, { host });
  return r.status === 200 ? (JSON.parse(r.body) as { backend: string }).backend : r.status;
}

test.each([
  ['foo.example.com', '/', 'a'],
  ['foo.example.com', '/b', 'b'],
  ['foo.example.com', '/b/c', 'b'],
  ['foo.example.com', '/bc', 'a'], // element-wise prefix: /b does not match /bc
  ['foo.example.com', '/exact', 'b'],
  ['foo.example.com', '/exact/', 'a'], // Exact is the whole path
  ['FOO.example.com:8080', '/b', 'b'], // host case and port are ignored
  ['x.wild.example.com', '/', 'b'],
  ['a.b.wild.example.com', '/any', 'c'], // wildcard is one label deep: falls to the rules without host
  ['a.b.wild.example.com', '/', 404],
  ['unknown.example.com', '/any/thing', 'c'],
  ['unknown.example.com', '/', 404],
  ['foo.example.com', '/missing', 503],
])('Host %s path %s -> %s', async (host, p, expected) => {
  expect(await backendOf(host, p)).toBe(expected);
});

test('a gateway on State-of-the-World xDS gets the same configuration', async () => {
  const [port, sotwHttpsPort] = (await freePorts(2)) as [number, number];
  const second = await startStandaloneGateway({
    manifests: dir,
    httpPort: port,
    httpsPort: sotwHttpsPort,
    name: 'sotw-gateway',
    xdsProtocol: 'sotw',
  });
  const sotw = second.gateway;
  try {
    await sotw.waitForListener(port);
    const r = await httpGet(`http://127.0.0.1:${port}/b/x`, { host: 'foo.example.com' });
    expect((JSON.parse(r.body) as { backend: string }).backend).toBe('b');
    const sotwStats = await sotw.stats('control_plane.connected_state');
    expect(sotwStats['control_plane.connected_state']).toBe(1);
  } finally {
    await second.stop();
  }
}, 60_000);

test('a Service with no endpoints answers 503 quickly', async () => {
  const t0 = performance.now();
  const r = await httpGet(`http://127.0.0.1:${httpPort}/empty`, { host: 'foo.example.com' });
  expect(r.status).toBe(503);
  expect(performance.now() - t0).toBeLessThan(1000);
});

test('HTTPS with SNI serves the Secret certificate and routes to the host', async () => {
  const r = await httpsGet(`https://127.0.0.1:${httpsPort}/`, {
    host: 'secure.example.com',
    servername: 'secure.example.com',
    ca: cert.cert,
  });
  expect(r.status).toBe(200);
  expect((JSON.parse(r.body) as { backend: string }).backend).toBe('c');
  expect(r.peerCertificate?.subject?.CN).toBe('secure.example.com');
});

test('editing an EndpointSlice file moves traffic within a second', async () => {
  expect(await backendOf('foo.example.com', '/')).toBe('a');
  const t0 = performance.now();
  writeAtomic(path.join(dir, 'slices.yaml'), slicesFile(backends.c));
  let moved = false;
  while (performance.now() - t0 < 5000) {
    if ((await backendOf('foo.example.com', '/')) === 'c') {
      moved = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  process.stdout.write(`EndpointSlice file edit -> Envoy serving the new endpoint: ${ms.toFixed(0)} ms\n`);
  expect(moved).toBe(true);
  expect(ms).toBeLessThan(1000);
  writeAtomic(path.join(dir, 'slices.yaml'), slicesFile(backends.a));
});
