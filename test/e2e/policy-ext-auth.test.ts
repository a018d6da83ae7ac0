/**
 * External auth through a real Envoy gateway (issue 13, item 2: `causeway.dev/auth-url` and friends) with
 * a small test auth server: an allowed request reaches the backend with the auth answer's header passed
 * back; a denied one gets the auth server's status and body and never reaches the backend; the headers
 * the auth server receives (the client's allowed ones, the gateway's X-Original-*); an unreachable auth
 * Service with failure mode closed (503) and open (200); auth-signin turning the auth service's 401
 * (not the backend's) into a 302 with the original URL escaped in `rd` (or the parameter named by
 * auth-signin-redirect-param); a bad auth-url fails closed (503) while an
 * Ingress without auth on the same gateway is untouched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startAuthServer, type AuthDecision, type AuthServer } from '../support/auth-server.js';
import { startEchoBackend, type EchoBackend, type EchoBody } from '../support/echo-backend.js';
import { httpGet, type HttpResponse } from '../support/http-client.js';
import {
  endpointSlice,
  hostIngress,
  INGRESS_CLASS,
  service,
  tempDir,
  yamlDocs,
} from '../support/manifests.js';
import { freePort, refusingPort, type RefusingPort } from '../support/ports.js';
import { startRoutingGateway, type StandaloneGateway } from '../support/standalone-gateway.js';

let dir: string;
let backend: EchoBackend;
let auth: AuthServer;
let stack: StandaloneGateway | undefined;
let httpPort: number;
/** The "down" auth Service: a reserved port that resets every connection. */
let authDown: RefusingPort;

/** Bearer good: allowed as alice; Bearer quiet: allowed, no header; Bearer teapot: 403; else 401. */
function decide(req: { readonly headers: Readonly<Record<string, string>> }): AuthDecision {
  const a = req.headers['authorization'];
  if (a === 'Bearer good') return { status: 200, headers: { 'x-auth-user': 'alice', 'x-auth-secret': 'no' } };
  if (a === 'Bearer quiet') return { status: 200 };
  if (a === 'Bearer teapot') return { status: 403, body: 'forbidden by the auth service\n' };
  return { status: 401, headers: { 'www-authenticate': 'Bearer realm="test"' }, body: 'who are you?\n' };
}

function ingress(name: string, host: string, annotations: Record<string, string> = {}): object {
  return hostIngress({ name, host, service: 'echo', annotations });
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-ext-auth-');
  // The backend answers 401 itself on /backend-401: a sign-in route must leave that one alone.
  backend = await startEchoBackend({
    name: 'echo',
    respond: (req) => (req.path.startsWith('/backend-401') ? { status: 401, body: 'backend says no\n' } : {}),
  });
  auth = await startAuthServer({ decide });
  authDown = await refusingPort();
  httpPort = await freePort();
  const down = { 'causeway.dev/auth-url': 'http://auth-down.default.svc', 'causeway.dev/auth-timeout': '1s' };
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      service('auth'),
      endpointSlice('auth', [{ address: '127.0.0.1', port: auth.port }]),
      service('auth-down'),
      endpointSlice('auth-down', [{ address: '127.0.0.1', port: authDown.port }]),
      ingress('public', 'public.example.com'),
      ingress('secured', 'secured.example.com', {
        'causeway.dev/auth-url': 'http://auth.default.svc.cluster.local/check',
        'causeway.dev/auth-response-headers': 'X-Auth-User',
        'causeway.dev/auth-request-headers': 'Authorization, Cookie, X-Tenant',
      }),
      ingress('signin', 'signin.example.com', {
        'causeway.dev/auth-url': 'http://auth.default.svc',
        'causeway.dev/auth-signin': 'https://login.example.com/start?app=shop',
      }),
      ingress('signin-param', 'signin-param.example.com', {
        'causeway.dev/auth-url': 'http://auth.default.svc',
        'causeway.dev/auth-signin': 'https://login.example.com/start',
        'causeway.dev/auth-signin-redirect-param': 'redirect_to',
      }),
      ingress('closed', 'closed.example.com', down),
      ingress('open', 'open.example.com', { ...down, 'causeway.dev/auth-failure-mode': 'open' }),
      ingress('misconfigured', 'bad.example.com', { 'causeway.dev/auth-url': 'http://auth.other-team' }),
    ),
  );
  stack = await startRoutingGateway({ manifests: dir, httpPort, name: 'ext-auth-gateway' });
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await auth?.close();
  await authDown?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

beforeEach(() => {
  backend.reset();
  auth.reset();
});

function get(host: string, p = '/', headers: Record<string, string> = {}): Promise<HttpResponse> {
  return httpGet(`http://127.0.0.1:${httpPort}${p}`, { host, headers });
}

test('allowed: the request reaches the backend with the auth answer header passed back', async () => {
  const r = await get('secured.example.com', '/orders?id=7', {
    Authorization: 'Bearer good',
    'X-Auth-User': 'mallory',
  });
  expect(r.status).toBe(200);
  const seen = (JSON.parse(r.body) as EchoBody).headers;
  // The auth service's value replaces the client's; a header not listed is not copied.
  expect(seen['x-auth-user']).toBe('alice');
  expect(seen['x-auth-secret']).toBeUndefined();
  expect(backend.requests).toHaveLength(1);
});

test("a client's own copy of an auth response header never reaches the backend", async () => {
  // The auth service allows without sending X-Auth-User: the client's value must not pass as if trusted.
  const r = await get('secured.example.com', '/', {
    Authorization: 'Bearer quiet',
    'X-Auth-User': 'mallory',
  });
  expect(r.status).toBe(200);
  expect((JSON.parse(r.body) as EchoBody).headers['x-auth-user']).toBeUndefined();
});

test('denied: the auth server status and body reach the client, the backend sees nothing', async () => {
  const unauthenticated = await get('secured.example.com', '/orders');
  expect(unauthenticated.status).toBe(401);
  expect(unauthenticated.body).toBe('who are you?\n');
  expect(unauthenticated.headers['www-authenticate']).toBe('Bearer realm="test"');
  const forbidden = await get('secured.example.com', '/orders', { Authorization: 'Bearer teapot' });
  expect(forbidden.status).toBe(403);
  expect(forbidden.body).toBe('forbidden by the auth service\n');
  expect(backend.requests).toHaveLength(0);
});

test('the auth server receives the allowed client headers and the gateway X-Original-* headers', async () => {
  await get('secured.example.com', '/orders?id=7', {
    Authorization: 'Bearer good',
    Cookie: 'session=1',
    'X-Tenant': 'acme',
    'X-Not-Listed': 'nope',
    // The gateway's own values replace what a client sends.
    'X-Original-URL': 'http://evil.example.com/',
    'X-Original-Method': 'DELETE',
  });
  expect(auth.requests).toHaveLength(1);
  const check = auth.requests[0]!;
  expect(check.method).toBe('GET');
  // The auth URL's path exactly (as ingress-nginx); the original URL is in X-Original-URL.
  expect(check.path).toBe('/check');
  expect(check.bodyBytes).toBe(0);
  expect(check.headers).toMatchObject({
    authorization: 'Bearer good',
    cookie: 'session=1',
    'x-tenant': 'acme',
    'x-original-url': 'http://secured.example.com/orders?id=7',
    'x-original-method': 'GET',
    'x-forwarded-host': 'secured.example.com',
    'x-auth-request-redirect': '/orders?id=7',
  });
  expect(check.headers['x-not-listed']).toBeUndefined();
});

test('auth service down: failure mode closed answers 503, open lets the request through', async () => {
  const closed = await get('closed.example.com', '/x');
  expect(closed.status).toBe(503);
  expect(backend.requests).toHaveLength(0);
  const open = await get('open.example.com', '/x');
  expect(open.status).toBe(200);
  expect(backend.requests).toHaveLength(1);
});

test('a bad auth-url fails closed (503); an Ingress without auth is untouched', async () => {
  const bad = await get('bad.example.com', '/', { Authorization: 'Bearer good' });
  expect(bad.status).toBe(503);
  const pub = await get('public.example.com');
  expect(pub.status).toBe(200);
  expect(auth.requests).toHaveLength(0);
  expect(backend.requests).toHaveLength(1);
});

test('auth-signin: the auth service 401 becomes a 302 to the sign-in URL with the original URL in rd', async () => {
  const r = await get('signin.example.com', '/cart/items?id=7&sort=asc');
  expect(r.status).toBe(302);
  const original = 'http://signin.example.com/cart/items?id=7&sort=asc';
  expect(r.headers['location']).toBe(
    `https://login.example.com/start?app=shop&rd=${encodeURIComponent(original)}`,
  );
  expect(backend.requests).toHaveLength(0);
  // A 403 of the auth service stays a 403; an allowed request passes.
  expect((await get('signin.example.com', '/', { Authorization: 'Bearer teapot' })).status).toBe(403);
  expect((await get('signin.example.com', '/', { Authorization: 'Bearer good' })).status).toBe(200);
  // The backend's own 401 is not redirected.
  const fromBackend = await get('signin.example.com', '/backend-401', { Authorization: 'Bearer good' });
  expect(fromBackend.status).toBe(401);
  expect(fromBackend.body).toBe('backend says no\n');
});

test('auth-signin-redirect-param renames rd; routes without auth-signin keep the 401', async () => {
  const r = await get('signin-param.example.com', '/a b');
  expect(r.status).toBe(302);
  expect(r.headers['location']).toBe(
    `https://login.example.com/start?redirect_to=${encodeURIComponent('http://signin-param.example.com/a%20b')}`,
  );
  expect((await get('secured.example.com', '/')).status).toBe(401);
});
