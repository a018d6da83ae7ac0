/**
 * Basic auth through a real Envoy gateway (issue 13, item 2): an Ingress with `causeway.dev/auth-type:
 * basic` answers 401 with `WWW-Authenticate: Basic realm="..."` without credentials, with a wrong
 * password and for an unknown user, and 200 with a right `{SHA}` password (the backend gets the
 * Authorization header, as from ingress-nginx); an apr1 user of the same file cannot sign in (left out,
 * with a diagnostic; bcrypt Secrets are policy-basic-auth-bcrypt.test.ts's); another Ingress on the same host stays open; two Ingresses on one host keep their
 * own users; a broken Secret fails closed (503) without touching the other routes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startEchoBackend, type EchoBackend, type EchoBody } from '../support/echo-backend.js';
import { basicAuthorization, htpasswdSecret, shaEntry } from '../support/htpasswd-secrets.js';
import { httpGet, type HttpResponse } from '../support/http-client.js';
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

const APR1_ENTRY = 'bob:$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/';
const HOST = 'shop.example.com';

let dir: string;
let backend: EchoBackend;
let stack: StandaloneGateway | undefined;
let httpPort: number;

function auth(name: string, secret: string, realm?: string): Record<string, string> {
  return {
    'causeway.dev/auth-type': 'basic',
    'causeway.dev/auth-secret': secret,
    ...(realm !== undefined ? { 'causeway.dev/auth-realm': realm } : {}),
  };
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-basic-auth-');
  backend = await startEchoBackend({ name: 'echo' });
  [httpPort] = (await freePorts(1)) as [number];
  const paths = (p: string): { path: string; pathType: string }[] => [{ path: p, pathType: 'Prefix' }];
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      htpasswdSecret('admins', ['# admins', shaEntry('alice', 'alice-pw'), APR1_ENTRY]),
      htpasswdSecret('ops', [shaEntry('olga', 'ops-pw')]),
      htpasswdSecret('broken', ['not an htpasswd line']),
      hostIngress({
        name: 'admin',
        host: HOST,
        service: 'echo',
        paths: paths('/admin'),
        annotations: auth('admin', 'admins', 'Shop admin'),
      }),
      hostIngress({
        name: 'ops',
        host: HOST,
        service: 'echo',
        paths: paths('/ops'),
        annotations: auth('ops', 'ops'),
      }),
      hostIngress({ name: 'public', host: HOST, service: 'echo' }),
      hostIngress({
        name: 'broken',
        host: 'broken.example.com',
        service: 'echo',
        annotations: auth('broken', 'broken'),
      }),
    ),
  );
  stack = await startRoutingGateway({ manifests: dir, httpPort, name: 'basic-auth-gateway' });
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

beforeEach(() => backend.reset());

function get(p: string, headers: Record<string, string> = {}, host = HOST): Promise<HttpResponse> {
  return httpGet(`http://127.0.0.1:${httpPort}${p}`, { host, headers });
}

test('without credentials: 401 with WWW-Authenticate and the realm; the backend sees nothing', async () => {
  const r = await get('/admin');
  expect(r.status).toBe(401);
  expect(r.headers['www-authenticate']).toBe('Basic realm="Shop admin"');
  expect(backend.requests).toHaveLength(0);
});

test('a wrong password, an unknown user and a malformed header: 401', async () => {
  for (const authorization of [
    basicAuthorization('alice', 'wrong'),
    basicAuthorization('mallory', 'alice-pw'),
    'Basic not-base64!',
    'Bearer alice-pw',
  ]) {
    const r = await get('/admin', { authorization });
    expect([authorization, r.status]).toEqual([authorization, 401]);
    expect(r.headers['www-authenticate']).toBe('Basic realm="Shop admin"');
  }
  expect(backend.requests).toHaveLength(0);
});

test('the right {SHA} password: 200, the backend gets the request with its Authorization header', async () => {
  const authorization = basicAuthorization('alice', 'alice-pw');
  const r = await get('/admin/page', { authorization });
  expect(r.status).toBe(200);
  const seen = JSON.parse(r.body) as EchoBody;
  expect(seen.path).toBe('/admin/page');
  expect(seen.headers['authorization']).toBe(authorization);
});

test('an apr1 entry (left out with a diagnostic) cannot sign in', async () => {
  expect((await get('/admin', { authorization: basicAuthorization('bob', 'password') })).status).toBe(401);
  const diags = await httpGet(`http://127.0.0.1:${stack!.controller.adminPort}/debug/diagnostics`);
  expect(diags.status).toBe(200);
  expect(diags.body).toContain('auth line 3: user \\"bob\\" is left out');
  expect(diags.body).not.toContain('$apr1$');
});

test('another Ingress on the same host stays open; two Ingresses keep their own users and realms', async () => {
  const open = await get('/');
  expect(open.status).toBe(200);
  expect(open.headers['www-authenticate']).toBeUndefined();
  const ops = await get('/ops');
  expect(ops.status).toBe(401);
  expect(ops.headers['www-authenticate']).toBe('Basic realm="Authentication Required"');
  expect((await get('/ops', { authorization: basicAuthorization('olga', 'ops-pw') })).status).toBe(200);
  expect((await get('/ops', { authorization: basicAuthorization('alice', 'alice-pw') })).status).toBe(401);
  expect((await get('/admin', { authorization: basicAuthorization('olga', 'ops-pw') })).status).toBe(401);
});

test('a Secret without a usable entry fails closed: 503, never forwarded', async () => {
  const r = await get('/', { authorization: basicAuthorization('alice', 'alice-pw') }, 'broken.example.com');
  expect(r.status).toBe(503);
  expect(backend.requests).toHaveLength(0);
});
