/**
 * Basic auth with bcrypt entries through a real Envoy gateway and the standalone controller: a Secret
 * with a bcrypt entry is checked by the controller (the gateway's ext_authz filter asks the controller's
 * Authorization service over the xDS cluster). A bcrypt user gets 401 with the realm without or with a
 * wrong password and 200 with the right one; a `{SHA}` user of the same Secret signs in too (the
 * controller checks the whole Secret). With the controller stopped, the bcrypt route answers 503 (never
 * open) while a `{SHA}`-only route, verified in the gateway, keeps working.
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
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';

/** bcrypt (cost 10, made by libxcrypt's crypt(3)) of "password", and the jBCrypt vector (cost 6) of "abc". */
const BCRYPT_BOB = 'bob:$2y$10$Causeway.e2e.test.saleTM//PtSq2WNsk/ugfyZvPM5ZaeilbuW';
const BCRYPT_DAN = 'dan:$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i';
const HOST = 'shop.example.com';

let dir: string;
let backend: EchoBackend;
let stack: StandaloneGateway | undefined;
let controllerStopped = false;
let httpPort: number;

const auth = (secret: string, realm: string): Record<string, string> => ({
  'causeway.dev/auth-type': 'basic',
  'causeway.dev/auth-secret': secret,
  'causeway.dev/auth-realm': realm,
});

beforeAll(async () => {
  dir = tempDir('causeway-e2e-basic-auth-bcrypt-');
  backend = await startEchoBackend({ name: 'echo' });
  [httpPort] = (await freePorts(1)) as [number];
  const paths = (p: string): { path: string; pathType: string }[] => [{ path: p, pathType: 'Prefix' }];
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      htpasswdSecret('admins', [BCRYPT_BOB, BCRYPT_DAN, shaEntry('alice', 'alice-pw')]),
      htpasswdSecret('ops', [shaEntry('olga', 'ops-pw')]),
      hostIngress({
        name: 'admin',
        host: HOST,
        service: 'echo',
        paths: paths('/admin'),
        annotations: auth('admins', 'Shop admin'),
      }),
      hostIngress({
        name: 'ops',
        host: HOST,
        service: 'echo',
        paths: paths('/ops'),
        annotations: auth('ops', 'Ops'),
      }),
    ),
  );
  stack = await startStandaloneGateway({ manifests: dir, httpPort, name: 'basic-auth-bcrypt-gateway' });
  await stack.gateway.waitForListener(httpPort);
  await stack.gateway.waitForStat('http.http.rds.http.update_success', (v) => (v ?? 0) >= 1);
}, 60_000);

afterAll(async () => {
  await backend?.close();
  if (stack) {
    await stack.gateway.stop();
    if (!controllerStopped) await stack.controller.stop();
  }
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

beforeEach(() => backend.reset());

function get(p: string, authorization?: string): Promise<HttpResponse> {
  return httpGet(`http://127.0.0.1:${httpPort}${p}`, {
    host: HOST,
    headers: authorization ? { authorization } : {},
  });
}

test('a bcrypt user: 401 with the realm without or with a wrong password, never forwarded', async () => {
  for (const authorization of [
    undefined,
    basicAuthorization('bob', 'wrong'),
    basicAuthorization('eve', 'x'),
  ]) {
    const r = await get('/admin', authorization);
    expect([authorization, r.status]).toEqual([authorization, 401]);
    expect(r.headers['www-authenticate']).toBe('Basic realm="Shop admin"');
  }
  expect(backend.requests).toHaveLength(0);
});

test('the right bcrypt password: 200, the backend gets the Authorization header', async () => {
  const authorization = basicAuthorization('bob', 'password');
  const r = await get('/admin/page', authorization);
  expect(r.status).toBe(200);
  expect((JSON.parse(r.body) as EchoBody).headers['authorization']).toBe(authorization);
  expect((await get('/admin', basicAuthorization('dan', 'abc'))).status).toBe(200);
  // Again: from the controller's cache of successful checks.
  expect((await get('/admin', authorization)).status).toBe(200);
});

test('a {SHA} user of a Secret with bcrypt entries is checked by the controller too', async () => {
  expect((await get('/admin', basicAuthorization('alice', 'alice-pw'))).status).toBe(200);
  expect((await get('/admin', basicAuthorization('alice', 'nope'))).status).toBe(401);
});

test('controller stopped: the bcrypt route answers 503 (never open), the {SHA}-only route keeps working', async () => {
  expect((await get('/ops', basicAuthorization('olga', 'ops-pw'))).status).toBe(200);
  await stack!.controller.stop();
  controllerStopped = true;
  const r = await get('/admin', basicAuthorization('bob', 'password'));
  expect(r.status).toBe(503);
  expect((await get('/admin')).status).toBe(503);
  expect((await get('/ops', basicAuthorization('olga', 'ops-pw'))).status).toBe(200);
  expect((await get('/ops', basicAuthorization('olga', 'wrong'))).status).toBe(401);
  expect(backend.requests.filter((q) => q.path.startsWith('/admin'))).toHaveLength(0);
}, 30_000);
