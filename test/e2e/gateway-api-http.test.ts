/**
 * Gateway API HTTP through a real Envoy gateway in standalone mode (issue 15): a Gateway (of a
 * GatewayClass of ours, in gateway group `default`) and two HTTPRoutes read from a manifests folder.
 * Requests are routed by path (segment-wise prefix) and by header to two backends; a RequestRedirect
 * answers from the gateway; header modifiers change what the backend and the client see; a second
 * listener on another port serves only the route attached to it by sectionName; an HTTPS listener
 * terminates TLS with the certificate of its Secret.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CAUSEWAY_GATEWAY_CLASS, GATEWAY_API, gatewayOf } from '../support/gateway-api-objects.js';
import { startEchoBackend, type EchoBackend, type EchoBody } from '../support/echo-backend.js';
import { httpGet, httpsGet, type HttpResponse } from '../support/http-client.js';
import {
  endpointSlice,
  generateCertificate,
  service,
  tempDir,
  tlsSecret,
  yamlDocs,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startRoutingGateway, type StandaloneGateway } from '../support/standalone-gateway.js';

let dir: string;
let web: EchoBackend;
let api: EchoBackend;
let stack: StandaloneGateway | undefined;
let httpPort: number;
let extraPort: number;
let securePort: number;
const cert = generateCertificate('secure.example.com');

function route(name: string, spec: object): object {
  return { apiVersion: GATEWAY_API, kind: 'HTTPRoute', metadata: { name, namespace: 'default' }, spec };
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-gateway-api-');
  web = await startEchoBackend({ name: 'web' });
  api = await startEchoBackend({ name: 'api' });
  [httpPort, extraPort, securePort] = (await freePorts(3)) as [number, number, number];
  const toWeb = [{ name: 'web', port: 80 }];
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      CAUSEWAY_GATEWAY_CLASS,
      gatewayOf({
        listeners: [
          { name: 'main', port: httpPort, protocol: 'HTTP' },
          { name: 'extra', port: extraPort, protocol: 'HTTP', hostname: 'extra.example.com' },
          {
            name: 'secure',
            port: securePort,
            protocol: 'HTTPS',
            hostname: 'secure.example.com',
            tls: { mode: 'Terminate', certificateRefs: [{ name: 'secure-tls' }] },
          },
        ],
      }),
      tlsSecret('secure-tls', cert),
      route('secure', {
        parentRefs: [{ name: 'edge', sectionName: 'secure' }],
        rules: [{ backendRefs: [{ name: 'api', port: 80 }] }],
      }),
      service('web'),
      endpointSlice('web', [{ address: '127.0.0.1', port: web.port }]),
      service('api'),
      endpointSlice('api', [{ address: '127.0.0.1', port: api.port }]),
      route('app', {
        parentRefs: [{ name: 'edge', sectionName: 'main' }],
        hostnames: ['app.example.com'],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
            backendRefs: [{ name: 'api', port: 80 }],
          },
          {
            matches: [{ headers: [{ name: 'X-Backend', value: 'api' }] }],
            backendRefs: [{ name: 'api', port: 80 }],
          },
          {
            filters: [
              {
                type: 'RequestHeaderModifier',
                requestHeaderModifier: {
                  set: [{ name: 'X-Gateway', value: 'causeway' }],
                  remove: ['X-Debug'],
                },
              },
              {
                type: 'ResponseHeaderModifier',
                responseHeaderModifier: { add: [{ name: 'X-Served-By', value: 'edge' }] },
              },
            ],
            backendRefs: toWeb,
          },
        ],
      }),
      route('moves', {
        parentRefs: [{ name: 'edge' }],
        hostnames: ['app.example.com', 'extra.example.com'],
        rules: [
          {
            matches: [{ path: { type: 'Exact', value: '/old' } }],
            filters: [
              {
                type: 'RequestRedirect',
                requestRedirect: {
                  path: { type: 'ReplaceFullPath', replaceFullPath: '/new' },
                  statusCode: 301,
                },
              },
            ],
          },
          {
            matches: [{ path: { type: 'PathPrefix', value: '/secure' } }],
            filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }],
          },
          { matches: [{ path: { type: 'PathPrefix', value: '/extra' } }], backendRefs: toWeb },
        ],
      }),
    ),
  );
  stack = await startRoutingGateway({ manifests: dir, httpPort, name: 'gateway-api-gateway' });
  await stack.gateway.waitForListener(extraPort);
  await stack.gateway.waitForListener(securePort);
}, 60_000);

afterAll(async () => {
  await web?.close();
  await api?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

function get(
  host: string,
  p: string,
  headers: Record<string, string> = {},
  port = httpPort,
): Promise<HttpResponse> {
  return httpGet(`http://127.0.0.1:${port}${p}`, { host, headers });
}

function backendOf(r: HttpResponse): string {
  expect(r.status).toBe(200);
  return (JSON.parse(r.body) as EchoBody).backend;
}

test('requests are routed by path prefix, segment-wise', async () => {
  expect(backendOf(await get('app.example.com', '/api'))).toBe('api');
  expect(backendOf(await get('app.example.com', '/api/users'))).toBe('api');
  expect(backendOf(await get('app.example.com', '/apix'))).toBe('web');
  expect(backendOf(await get('app.example.com', '/'))).toBe('web');
});

test('requests are routed by header', async () => {
  expect(backendOf(await get('app.example.com', '/', { 'X-Backend': 'api' }))).toBe('api');
  expect(backendOf(await get('app.example.com', '/', { 'X-Backend': 'other' }))).toBe('web');
});

test('header modifiers change what the backend and the client see', async () => {
  const r = await get('app.example.com', '/page', { 'X-Debug': '1', 'X-Gateway': 'client' });
  const seen = (JSON.parse(r.body) as EchoBody).headers;
  expect(seen['x-gateway']).toBe('causeway');
  expect(seen['x-debug']).toBeUndefined();
  expect(r.headers['x-served-by']).toBe('edge');
  const other = await get('app.example.com', '/api', { 'X-Debug': '1' });
  expect((JSON.parse(other.body) as EchoBody).headers['x-debug']).toBe('1');
  expect(other.headers['x-served-by']).toBeUndefined();
});

test('a RequestRedirect is answered by the gateway', async () => {
  const before = web.requests.length + api.requests.length;
  const r = await get('app.example.com', '/old');
  expect(r.status).toBe(301);
  // The Host the client sent with the new path, on the listener's port: a redirect without scheme and
  // port keeps the listener's port (the spec), even when the client's Host named none.
  expect(r.headers['location']).toBe(`http://app.example.com:${httpPort}/new`);
  expect(web.requests.length + api.requests.length).toBe(before);
});

test("a scheme redirect goes to the scheme's well-known port (left out of the Location)", async () => {
  const r = await httpGet(`http://127.0.0.1:${httpPort}/secure/x?q=1`, {
    host: `app.example.com:${httpPort}`,
  });
  expect(r.status).toBe(302);
  expect(r.headers['location']).toBe('https://app.example.com/secure/x?q=1');
});

test('an unknown host gets 404', async () => {
  expect((await get('nope.example.com', '/')).status).toBe(404);
});

test('the second listener serves only the hostnames and routes attached to it', async () => {
  expect(backendOf(await get('extra.example.com', '/extra/x', {}, extraPort))).toBe('web');
  expect((await get('extra.example.com', '/old', {}, extraPort)).status).toBe(301);
  // Route `app` names sectionName main: not on this listener; app.example.com is not its hostname.
  expect((await get('extra.example.com', '/api', {}, extraPort)).status).toBe(404);
  expect((await get('app.example.com', '/', {}, extraPort)).status).toBe(404);
});

test('an HTTPS listener terminates TLS with its certificate (SNI = its hostname) and routes its route', async () => {
  const r = await httpsGet(`https://127.0.0.1:${securePort}/anything`, {
    host: 'secure.example.com',
    ca: cert.cert,
  });
  expect(r.status).toBe(200);
  expect((JSON.parse(r.body) as EchoBody).backend).toBe('api');
});
