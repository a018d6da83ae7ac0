/**
 * The client address and source access lists through real Envoy gateways (issue 13, items 1 and 2).
 * One controller with a config file serves three groups, each with its own gateway:
 *  - `default` trusts one X-Forwarded-For hop: an allowed address in XFF gets 200, a denied one (deny
 *    wins over allow) or one outside the allow list 403; the backend sees the client address Envoy
 *    derived; another Ingress on the same host without a list stays open; a bad list fails closed;
 *  - `direct` sets nothing (today's behaviour): XFF does not grant access, the TCP peer decides;
 *  - `proxied` requires the PROXY protocol on its HTTP and HTTPS listeners: v1 and v2 headers naming an
 *    allowed / denied source (IPv4 and IPv6) get 200 / 403, over TLS too (the header comes before the
 *    ClientHello), and a connection without the header is closed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startEchoBackend, type EchoBackend, type EchoBody } from '../support/echo-backend.js';
import { httpGet } from '../support/http-client.js';
import {
  endpointSlice,
  generateCertificate,
  hostIngress,
  INGRESS_CLASS,
  service,
  tempDir,
  tlsSecret,
  yamlDocs,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startConfiguredStack, type ConfiguredStack } from '../support/configured-stack.js';
import {
  proxyV1Header,
  proxyV2Header,
  rawHttpGet,
  rawHttpsGet,
  type RawAnswer,
} from '../support/proxy-protocol-client.js';

const OFFICE = {
  'causeway.dev/whitelist-source-range': '192.0.2.0/24, 2001:db8::/32',
  'causeway.dev/denylist-source-range': '192.0.2.66',
};

function ingress(
  name: string,
  host: string,
  group: string,
  annotations: Record<string, string> = {},
): object {
  return hostIngress({
    name,
    host,
    service: 'echo',
    annotations: { 'causeway.dev/gateway-group': group, ...annotations },
  });
}

function withTls(ing: object, host: string, secret: string): object {
  const o = ing as { spec: Record<string, unknown> };
  return { ...o, spec: { ...o.spec, tls: [{ hosts: [host], secretName: secret }] } };
}

let dir: string;
let backend: EchoBackend;
let stack: ConfiguredStack | undefined;
let ports: { trusted: number; direct: number; proxied: number; proxiedTls: number };

beforeAll(async () => {
  dir = tempDir('causeway-e2e-client-ip-');
  const manifests = path.join(dir, 'manifests');
  fs.mkdirSync(manifests);
  backend = await startEchoBackend({ name: 'echo' });
  const [trusted, trustedTls, direct, directTls, proxied, proxiedTls] = (await freePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  ports = { trusted, direct, proxied, proxiedTls };
  fs.writeFileSync(
    path.join(manifests, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      tlsSecret('secure-tls', generateCertificate('secure.example.com')),
      ingress('office', 'office.example.com', 'default', OFFICE),
      // Two Ingresses on one host: only the first one's routes are restricted.
      hostIngress({
        name: 'office-public',
        host: 'office.example.com',
        service: 'echo',
        paths: [{ path: '/public', pathType: 'Prefix' }],
      }),
      ingress('broken', 'broken.example.com', 'default', {
        'causeway.dev/whitelist-source-range': '192.0.2.0/24, 192.0.2.0/33',
      }),
      ingress('direct-office', 'office.example.com', 'direct', OFFICE),
      ingress('direct-local', 'local.example.com', 'direct', {
        'causeway.dev/whitelist-source-range': '127.0.0.0/8',
      }),
      ingress('proxied-office', 'office.example.com', 'proxied', OFFICE),
      withTls(
        ingress('proxied-secure', 'secure.example.com', 'proxied', OFFICE),
        'secure.example.com',
        'secure-tls',
      ),
    ),
  );
  stack = await startConfiguredStack({
    manifests,
    name: 'client-ip',
    groups: ['default', 'direct', 'proxied'],
    config: [
      'groups:',
      `  default: { httpPort: ${trusted}, httpsPort: ${trustedTls}, clientIp: { trustedHops: 1 } }`,
      `  direct: { httpPort: ${direct}, httpsPort: ${directTls} }`,
      `  proxied: { httpPort: ${proxied}, httpsPort: ${proxiedTls}, proxyProtocol: true }`,
    ].join('\n'),
  });
  for (const [group, port] of [
    ['default', trusted],
    ['direct', direct],
    ['proxied', proxied],
    ['proxied', proxiedTls],
  ] as const) {
    const gateway = stack.gateways.get(group)!;
    await gateway.waitForListener(port);
    await gateway.waitForStat('http.http.rds.http.update_success', (v) => (v ?? 0) >= 1);
  }
  await stack.gateways
    .get('proxied')!
    .waitForStat('http.https.rds.https/default/secure-tls.update_success', (v) => (v ?? 0) >= 1);
}, 90_000);

afterAll(async () => {
  await backend?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

beforeEach(() => backend.reset());

async function viaXff(
  port: number,
  host: string,
  xff: string | undefined,
  pathAndQuery = '/',
): Promise<number> {
  const r = await httpGet(`http://127.0.0.1:${port}${pathAndQuery}`, {
    host,
    ...(xff !== undefined ? { headers: { 'x-forwarded-for': xff } } : {}),
  });
  return r.status;
}

describe('a group trusting one X-Forwarded-For hop', () => {
  test('the address one hop from the right of XFF is the client: allowed 200, denied or outside 403', async () => {
    expect(await viaXff(ports.trusted, 'office.example.com', '192.0.2.10')).toBe(200);
    expect(await viaXff(ports.trusted, 'office.example.com', '2001:db8::7')).toBe(200);
    // Deny wins over allow.
    expect(await viaXff(ports.trusted, 'office.example.com', '192.0.2.66')).toBe(403);
    expect(await viaXff(ports.trusted, 'office.example.com', '203.0.113.5')).toBe(403);
    // Only the trusted hop counts: an allowed address further left is the client's own claim.
    expect(await viaXff(ports.trusted, 'office.example.com', '192.0.2.10, 203.0.113.5')).toBe(403);
    expect(await viaXff(ports.trusted, 'office.example.com', '203.0.113.5, 192.0.2.10')).toBe(200);
    // No XFF: the TCP peer (127.0.0.1), outside the list.
    expect(await viaXff(ports.trusted, 'office.example.com', undefined)).toBe(403);
  });

  test('the backend gets the derived client address and the XFF chain with the peer appended', async () => {
    const r = await httpGet(`http://127.0.0.1:${ports.trusted}/`, {
      host: 'office.example.com',
      headers: { 'x-forwarded-for': '192.0.2.10' },
    });
    expect(r.status).toBe(200);
    const seen = (JSON.parse(r.body) as EchoBody).headers;
    expect(seen['x-envoy-external-address']).toBe('192.0.2.10');
    // Envoy appends the peer (for a loopback peer, as here, its own node address instead).
    expect(seen['x-forwarded-for']).toMatch(/^192\.0\.2\.10,[0-9.]+$/);
  });

  test('a denied request never reaches the backend, and Envoy says why', async () => {
    const r = await httpGet(`http://127.0.0.1:${ports.trusted}/`, {
      host: 'office.example.com',
      headers: { 'x-forwarded-for': '192.0.2.66' },
    });
    expect(r.status).toBe(403);
    expect(r.body).toBe('RBAC: access denied');
    expect(backend.requests).toHaveLength(0);
  });

  test('another Ingress on the same host keeps its own (open) routes', async () => {
    expect(await viaXff(ports.trusted, 'office.example.com', '203.0.113.5', '/public')).toBe(200);
    expect(await viaXff(ports.trusted, 'office.example.com', undefined, '/public')).toBe(200);
  });

  test('a bad list fails closed: 403 even for an address the list would allow', async () => {
    expect(await viaXff(ports.trusted, 'broken.example.com', '192.0.2.10')).toBe(403);
    expect(backend.requests).toHaveLength(0);
  });
});

describe('a group with the default (XFF not trusted)', () => {
  test('X-Forwarded-For does not grant access: the TCP peer decides', async () => {
    expect(await viaXff(ports.direct, 'office.example.com', '192.0.2.10')).toBe(403);
    expect(await viaXff(ports.direct, 'local.example.com', undefined)).toBe(200);
    expect(await viaXff(ports.direct, 'local.example.com', '203.0.113.5')).toBe(200);
  });
});

describe('a group requiring the PROXY protocol', () => {
  const gateway = (): { address: string; port: number } => ({ address: '127.0.0.1', port: ports.proxied });
  const status = (a: RawAnswer): number | 'closed' => (a === 'closed' ? a : a.status);

  test('a v1 header naming an allowed source gets 200, a denied or outside one 403 (IPv4 and IPv6)', async () => {
    const v1 = (address: string): Buffer => proxyV1Header({ address, port: 40000 }, gateway());
    expect(status(await rawHttpGet(ports.proxied, v1('192.0.2.10'), 'office.example.com'))).toBe(200);
    expect(status(await rawHttpGet(ports.proxied, v1('192.0.2.66'), 'office.example.com'))).toBe(403);
    expect(status(await rawHttpGet(ports.proxied, v1('203.0.113.5'), 'office.example.com'))).toBe(403);
    const v6 = proxyV1Header({ address: '2001:db8::7', port: 40000 }, { address: '2001:db8::1', port: 80 });
    expect(status(await rawHttpGet(ports.proxied, v6, 'office.example.com'))).toBe(200);
  });

  test('a v2 header works the same way, and the backend sees the PROXY source', async () => {
    const v2 = (address: string): Buffer => proxyV2Header({ address, port: 40000 }, gateway());
    const allowed = await rawHttpGet(ports.proxied, v2('192.0.2.10'), 'office.example.com');
    expect(status(allowed)).toBe(200);
    const body = JSON.parse((allowed as { body: string }).body) as EchoBody;
    expect(body.headers['x-envoy-external-address']).toBe('192.0.2.10');
    expect(body.headers['x-forwarded-for']).toBe('192.0.2.10');
    expect(status(await rawHttpGet(ports.proxied, v2('192.0.2.66'), 'office.example.com'))).toBe(403);
    const v6 = proxyV2Header({ address: '2001:db8::7', port: 40000 }, { address: '2001:db8::1', port: 80 });
    expect(status(await rawHttpGet(ports.proxied, v6, 'office.example.com'))).toBe(200);
  });

  test('over TLS the header comes before the ClientHello: allowed 200, denied 403', async () => {
    const v1 = (address: string): Buffer =>
      proxyV1Header({ address, port: 40000 }, { address: '127.0.0.1', port: ports.proxiedTls });
    expect(status(await rawHttpsGet(ports.proxiedTls, v1('192.0.2.10'), 'secure.example.com'))).toBe(200);
    expect(status(await rawHttpsGet(ports.proxiedTls, v1('192.0.2.66'), 'secure.example.com'))).toBe(403);
  });

  test('a connection without the header is closed without an answer (HTTP and HTTPS)', async () => {
    expect(await rawHttpGet(ports.proxied, undefined, 'office.example.com')).toBe('closed');
    expect(await rawHttpsGet(ports.proxiedTls, undefined, 'secure.example.com')).toBe('closed');
    expect(backend.requests).toHaveLength(0);
  });
});
