/**
 * The path annotations through a real Envoy gateway (issue 12, item 2): `rewrite-target` as the backend
 * sees it (prefix replace, regex capture groups, the query kept), `use-regex` paths matching the start
 * of the path (and a path no regex matches getting 404), and every redirect's status and Location:
 * `permanent-redirect` (+ code), `temporal-redirect`, `app-root`, `from-to-www-redirect` (HTTP and HTTPS).
 */
import fs from 'node:fs';
import path from 'node:path';
import { startEchoBackend, type EchoBackend, type EchoBody } from '../support/echo-backend.js';
import { httpGet, httpsGet } from '../support/http-client.js';
import {
  endpointSlice,
  generateCertificate,
  INGRESS_CLASS,
  service,
  tempDir,
  tlsSecret,
  yamlDocs,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';

type PathSpec = readonly [pathType: string, path: string];

function ingress(
  name: string,
  host: string,
  paths: readonly PathSpec[],
  annotations: Record<string, string> = {},
  tlsHosts: readonly string[] = [],
): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default', annotations },
    spec: {
      ...(tlsHosts.length > 0 ? { tls: [{ hosts: tlsHosts, secretName: 'www-cert' }] } : {}),
      rules: [
        {
          host,
          http: {
            paths: paths.map(([pathType, p]) => ({
              path: p,
              pathType,
              backend: { service: { name: 'echo', port: { number: 80 } } },
            })),
          },
        },
      ],
    },
  };
}

let dir: string;
let backend: EchoBackend;
let stack: StandaloneGateway | undefined;
let httpPort: number;
let httpsPort: number;

beforeAll(async () => {
  dir = tempDir('causeway-e2e-paths-');
  backend = await startEchoBackend({ name: 'echo' });
  [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      tlsSecret('www-cert', generateCertificate('tls.example.com')),
      ingress('strip', 'rw.example.com', [['Prefix', '/foo']], { 'causeway.dev/rewrite-target': '/' }),
      ingress('version', 'rw.example.com', [['Prefix', '/v1']], { 'causeway.dev/rewrite-target': '/v2' }),
      ingress('captures', 'cap.example.com', [['ImplementationSpecific', '/something(/|$)(.*)']], {
        'causeway.dev/use-regex': 'true',
        'causeway.dev/rewrite-target': '/$2',
      }),
      ingress(
        'regex',
        'regex.example.com',
        [
          ['ImplementationSpecific', '/api/v[0-9]+'],
          ['Exact', '/api/v1'],
        ],
        { 'causeway.dev/use-regex': 'true' },
      ),
      ingress('moved', 'moved.example.com', [['Prefix', '/']], {
        'causeway.dev/permanent-redirect': 'https://new.example.com/home?from=old',
      }),
      ingress('moved-308', 'moved308.example.com', [['Prefix', '/']], {
        'causeway.dev/permanent-redirect': 'http://new.example.com:8080/landing',
        'causeway.dev/permanent-redirect-code': '308',
      }),
      ingress('maintenance', 'temp.example.com', [['Prefix', '/']], {
        'causeway.dev/temporal-redirect': 'https://status.example.com/down',
      }),
      ingress('app', 'app.example.com', [['Prefix', '/']], { 'causeway.dev/app-root': '/app' }),
      ingress('www', 'tls.example.com', [['Prefix', '/']], { 'causeway.dev/from-to-www-redirect': 'true' }, [
        'tls.example.com',
        'www.tls.example.com',
      ]),
    ),
  );
  stack = await startStandaloneGateway({ manifests: dir, httpPort, httpsPort, name: 'paths-gateway' });
  await stack.gateway.waitForListener(httpPort);
  await stack.gateway.waitForListener(httpsPort);
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** The path (and query) the backend received for one request through the gateway. */
async function upstreamPath(host: string, requestPath: string): Promise<string> {
  const r = await httpGet(`http://127.0.0.1:${httpPort}${requestPath}`, { host });
  expect(r.status).toBe(200);
  return (JSON.parse(r.body) as EchoBody).path;
}

async function redirectOf(host: string, requestPath: string): Promise<[number, string | undefined]> {
  const r = await httpGet(`http://127.0.0.1:${httpPort}${requestPath}`, { host });
  return [r.status, r.headers.location];
}

test('rewrite-target without regex replaces the matched prefix and keeps the query', async () => {
  expect(await upstreamPath('rw.example.com', '/foo/bar')).toBe('/bar');
  expect(await upstreamPath('rw.example.com', '/foo')).toBe('/');
  expect(await upstreamPath('rw.example.com', '/foo/bar/baz?q=1&r=2')).toBe('/bar/baz?q=1&r=2');
  expect(await upstreamPath('rw.example.com', '/v1/items')).toBe('/v2/items');
  expect(await upstreamPath('rw.example.com', '/v1')).toBe('/v2');
});

test('rewrite-target with use-regex inserts capture groups ($2) and keeps the query', async () => {
  expect(await upstreamPath('cap.example.com', '/something/new')).toBe('/new');
  expect(await upstreamPath('cap.example.com', '/something')).toBe('/');
  expect(await upstreamPath('cap.example.com', '/something/a/b?x=y')).toBe('/a/b?x=y');
});

test('a regex path matches the start of the path; a path no route matches gets 404', async () => {
  expect(await upstreamPath('regex.example.com', '/api/v2/users')).toBe('/api/v2/users');
  expect(await upstreamPath('regex.example.com', '/api/v10')).toBe('/api/v10');
  expect(await upstreamPath('regex.example.com', '/api/v1')).toBe('/api/v1');
  // Case-sensitive, anchored at the start.
  for (const p of ['/api/vx', '/API/v2', '/x/api/v2']) {
    const r = await httpGet(`http://127.0.0.1:${httpPort}${p}`, { host: 'regex.example.com' });
    expect([p, r.status]).toEqual([p, 404]);
  }
});

test('permanent-redirect answers 301 (or its code) with the URL as given; the backend is not called', async () => {
  backend.reset();
  expect(await redirectOf('moved.example.com', '/any/path?drop=me')).toEqual([
    301,
    'https://new.example.com/home?from=old',
  ]);
  expect(await redirectOf('moved308.example.com', '/x')).toEqual([
    308,
    'http://new.example.com:8080/landing',
  ]);
  expect(backend.requests).toEqual([]);
});

test('temporal-redirect answers 302 with the URL', async () => {
  expect(await redirectOf('temp.example.com', '/page')).toEqual([302, 'https://status.example.com/down']);
});

test('app-root redirects exactly / (302) and routes other paths as usual', async () => {
  const [status, location] = await redirectOf('app.example.com', '/');
  expect(status).toBe(302);
  expect(location).toMatch(/^http:\/\/app\.example\.com(:\d+)?\/app$/);
  expect(await upstreamPath('app.example.com', '/app')).toBe('/app');
  expect(await upstreamPath('app.example.com', '/other')).toBe('/other');
});

test('from-to-www-redirect sends www.<host> to <host> (308, path and query kept), on HTTP and HTTPS', async () => {
  const [status, location] = await redirectOf('www.tls.example.com', '/a/b?c=d');
  expect(status).toBe(308);
  expect(location).toMatch(/^http:\/\/tls\.example\.com(:\d+)?\/a\/b\?c=d$/);
  expect(await upstreamPath('tls.example.com', '/a/b')).toBe('/a/b');
  const s = await httpsGet(`https://127.0.0.1:${httpsPort}/x?y=z`, {
    host: 'www.tls.example.com',
    rejectUnauthorized: false,
  });
  expect(s.status).toBe(308);
  expect(s.headers.location).toMatch(/^https:\/\/tls\.example\.com(:\d+)?\/x\?y=z$/);
  const direct = await httpsGet(`https://127.0.0.1:${httpsPort}/x`, {
    host: 'tls.example.com',
    rejectUnauthorized: false,
  });
  expect(direct.status).toBe(200);
});
