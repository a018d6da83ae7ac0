/**
 * Client-certificate authentication through a real Envoy gateway (issue 13, item 2): with
 * `auth-tls-verify-client: on` a client without a certificate, or with one from another CA, fails the
 * TLS handshake and never reaches the backend, one from the CA gets 200 and the backend sees nginx's
 * `ssl-client-*` headers (subject, issuer, the URL-escaped PEM; client-sent copies replaced); with
 * `optional` no certificate passes as `ssl-client-verify: NONE` and a good one as `SUCCESS`. A protected
 * host cannot be reached through another host's SNI or over plain HTTP, a missing CA Secret fails closed
 * (403), and a host without client-certificate settings next to them is untouched. `optional_no_ca`
 * tells the backend SUCCESS, FAILED:unverified or NONE; `auth-tls-verify-depth` counts intermediates as
 * nginx does (1 accepts a certificate through one intermediate, 0 refuses it). Certificates are made
 * with openssl at test time (test/support/tls-certs.ts, client-cert-chain.ts).
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { startEchoBackend, type EchoBackend, type EchoBody } from '../support/echo-backend.js';
import { httpGet, type HttpResponse } from '../support/http-client.js';
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
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';
import { createTestCa, type PemPair, type TestCa } from '../support/tls-certs.js';
import { createChainedClient, type ChainedClient } from '../support/client-cert-chain.js';

const HOSTS = {
  required: 'required.example.com',
  optional: 'optional.example.com',
  open: 'open.example.com',
  broken: 'broken.example.com',
  noca: 'noca.example.com',
  chain: 'chain.example.com',
  direct: 'direct.example.com',
} as const;

let dir: string;
let clientCa: TestCa;
let otherCa: TestCa;
let alice: PemPair;
let mallory: PemPair;
let carol: ChainedClient;
let backend: EchoBackend;
let stack: StandaloneGateway | undefined;
let httpPort: number;
let httpsPort: number;

/** A CA-only Secret as cert-manager's CA issuer has it: `ca.crt`, empty certificate and key. */
function caSecret(name: string, caCert: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'kubernetes.io/tls',
    data: { 'ca.crt': Buffer.from(caCert).toString('base64'), 'tls.crt': '', 'tls.key': '' },
  };
}

/** An Ingress for `host` with TLS (its own certificate Secret `<name>-tls`) and these annotations. */
function tlsIngress(name: string, host: string, annotations: Record<string, string> = {}): object {
  const ingress = hostIngress({ name, host, service: 'echo', annotations }) as {
    spec: Record<string, unknown>;
  };
  return { ...ingress, spec: { ...ingress.spec, tls: [{ hosts: [host], secretName: `${name}-tls` }] } };
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-client-cert-');
  clientCa = createTestCa('client-ca');
  otherCa = createTestCa('other-ca');
  alice = clientCa.issueClient({ cn: 'alice' });
  mallory = otherCa.issueClient({ cn: 'mallory' });
  carol = createChainedClient('chain', 'carol');
  backend = await startEchoBackend({ name: 'echo' });
  [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
  const names = ['required', 'optional', 'open', 'broken', 'noca', 'chain', 'direct'] as const;
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      caSecret('client-ca', clientCa.caCert),
      caSecret('chain-root-ca', carol.rootCert),
      ...names.map((n) => tlsSecret(`${n}-tls`, generateCertificate(HOSTS[n]))),
      tlsIngress('required', HOSTS.required, {
        'causeway.dev/auth-tls-secret': 'default/client-ca',
        'causeway.dev/auth-tls-pass-certificate-to-upstream': 'true',
      }),
      tlsIngress('optional', HOSTS.optional, {
        'causeway.dev/auth-tls-secret': 'client-ca',
        'causeway.dev/auth-tls-verify-client': 'optional',
      }),
      tlsIngress('noca', HOSTS.noca, {
        'causeway.dev/auth-tls-secret': 'client-ca',
        'causeway.dev/auth-tls-verify-client': 'optional_no_ca',
      }),
      tlsIngress('open', HOSTS.open),
      tlsIngress('chain', HOSTS.chain, { 'causeway.dev/auth-tls-secret': 'chain-root-ca' }),
      tlsIngress('direct', HOSTS.direct, {
        'causeway.dev/auth-tls-secret': 'chain-root-ca',
        'causeway.dev/auth-tls-verify-depth': '0',
      }),
      tlsIngress('broken', HOSTS.broken, { 'causeway.dev/auth-tls-secret': 'no-such-ca' }),
    ),
  );
  stack = await startStandaloneGateway({ manifests: dir, httpPort, httpsPort, name: 'client-cert-gateway' });
  await stack.gateway.waitForListener(httpsPort);
  // Every filter chain's route configuration arrived: the open and the required host answer.
  await eventually(async () => (await tlsGet(HOSTS.open)).status === 200);
  await eventually(async () => (await tlsGet(HOSTS.required, { cert: alice })).status === 200);
}, 90_000);

afterAll(async () => {
  await backend?.close();
  await stack?.stop();
  clientCa?.remove();
  otherCa?.remove();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

beforeEach(() => backend.reset());

async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await check().catch(() => false);
    if (ok) return;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** GET over TLS to the gateway with SNI `sni` (default: the host), optionally with a client certificate. */
function tlsGet(
  host: string,
  o: {
    readonly cert?: { readonly cert: string; readonly key: string };
    readonly sni?: string;
    readonly headers?: Record<string, string>;
  } = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: httpsPort,
        path: '/',
        servername: o.sni ?? host,
        headers: { ...o.headers, host },
        agent: false,
        // The serving certificates are self-signed: this test is about the client's certificate.
        rejectUnauthorized: false,
        ...(o.cert ? { cert: o.cert.cert, key: o.cert.key } : {}),
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

function seenHeaders(r: HttpResponse): Readonly<Record<string, string>> {
  expect(r.status).toBe(200);
  return (JSON.parse(r.body) as EchoBody).headers;
}

/** Client-sent copies of the headers the gateway writes: they must never reach the backend as sent. */
const FORGED = {
  'ssl-client-verify': 'SUCCESS',
  'ssl-client-subject-dn': 'CN=admin',
  'ssl-client-issuer-dn': 'CN=client-ca',
  'ssl-client-cert': 'forged',
};

describe('auth-tls-verify-client: on', () => {
  test('without a client certificate the handshake fails and the backend sees nothing', async () => {
    await expect(tlsGet(HOSTS.required)).rejects.toThrow(/alert certificate required/);
    expect(backend.requests).toHaveLength(0);
  });

  test('a certificate from the CA gets 200; the backend sees the verified subject, issuer and PEM', async () => {
    const seen = seenHeaders(await tlsGet(HOSTS.required, { cert: alice, headers: FORGED }));
    expect(seen['ssl-client-verify']).toBe('SUCCESS');
    expect(seen['ssl-client-subject-dn']).toBe('CN=alice');
    expect(seen['ssl-client-issuer-dn']).toBe('CN=client-ca');
    expect(decodeURIComponent(seen['ssl-client-cert'] ?? '').trim()).toBe(alice.cert.trim());
  });

  test('a certificate from another CA fails the handshake', async () => {
    await expect(tlsGet(HOSTS.required, { cert: mallory })).rejects.toThrow(/alert unknown ca/);
    expect(backend.requests).toHaveLength(0);
  });

  test("the host cannot be reached through another host's SNI or over plain HTTP", async () => {
    expect((await tlsGet(HOSTS.required, { sni: HOSTS.open })).status).toBe(404);
    const plain = await httpGet(`http://127.0.0.1:${httpPort}/`, { host: HOSTS.required });
    expect(plain.status).toBe(403);
    expect(backend.requests).toHaveLength(0);
  });
});

describe('auth-tls-verify-client: optional', () => {
  test('without a certificate: 200 with ssl-client-verify NONE and no (forged) subject', async () => {
    const seen = seenHeaders(await tlsGet(HOSTS.optional, { headers: FORGED }));
    expect(seen['ssl-client-verify']).toBe('NONE');
    expect(seen['ssl-client-subject-dn']).toBeUndefined();
    expect(seen['ssl-client-issuer-dn']).toBeUndefined();
    expect(seen['ssl-client-cert']).toBeUndefined();
  });

  test('a certificate from the CA: 200 with SUCCESS and the subject (no PEM unless asked)', async () => {
    const seen = seenHeaders(await tlsGet(HOSTS.optional, { cert: alice }));
    expect(seen['ssl-client-verify']).toBe('SUCCESS');
    expect(seen['ssl-client-subject-dn']).toBe('CN=alice');
    expect(seen['ssl-client-cert']).toBeUndefined();
  });

  test('a certificate from another CA fails the handshake', async () => {
    await expect(tlsGet(HOSTS.optional, { cert: mallory })).rejects.toThrow(/alert unknown ca/);
    expect(backend.requests).toHaveLength(0);
  });
});

describe('auth-tls-verify-client: optional_no_ca', () => {
  test('the backend is told SUCCESS, FAILED:unverified or NONE, and decides', async () => {
    const good = seenHeaders(await tlsGet(HOSTS.noca, { cert: alice, headers: FORGED }));
    expect(good['ssl-client-verify']).toBe('SUCCESS');
    expect(good['ssl-client-subject-dn']).toBe('CN=alice');
    const other = seenHeaders(await tlsGet(HOSTS.noca, { cert: mallory, headers: FORGED }));
    expect(other['ssl-client-verify']).toBe('FAILED:unverified');
    expect(other['ssl-client-subject-dn']).toBe('CN=mallory');
    expect(other['ssl-client-issuer-dn']).toBe('CN=other-ca');
    const none = seenHeaders(await tlsGet(HOSTS.noca, { headers: FORGED }));
    expect(none['ssl-client-verify']).toBe('NONE');
    expect(none['ssl-client-subject-dn']).toBeUndefined();
  });
});

describe('auth-tls-verify-depth (intermediates, as nginx counts them)', () => {
  test('1 (the default): a certificate through one intermediate sent along gets 200', async () => {
    const seen = seenHeaders(await tlsGet(HOSTS.chain, { cert: { cert: carol.certChain, key: carol.key } }));
    expect(seen['ssl-client-verify']).toBe('SUCCESS');
    expect(seen['ssl-client-subject-dn']).toBe('CN=carol');
    expect(seen['ssl-client-issuer-dn']).toBe('CN=chain-intermediate');
  });

  test('0: the same certificate fails the handshake', async () => {
    await expect(tlsGet(HOSTS.direct, { cert: { cert: carol.certChain, key: carol.key } })).rejects.toThrow(
      /alert/,
    );
    expect(backend.requests).toHaveLength(0);
  });
});

test('a missing CA Secret fails closed: 403 over HTTPS and HTTP, the backend sees nothing', async () => {
  const r = await tlsGet(HOSTS.broken, { cert: alice });
  expect(r.status).toBe(403);
  const plain = await httpGet(`http://127.0.0.1:${httpPort}/`, { host: HOSTS.broken });
  expect(plain.status).toBe(403);
  expect(backend.requests).toHaveLength(0);
});

test('a host without client-certificate settings is untouched', async () => {
  const seen = seenHeaders(await tlsGet(HOSTS.open));
  expect(seen['ssl-client-verify']).toBeUndefined();
  expect((await httpGet(`http://127.0.0.1:${httpPort}/`, { host: HOSTS.open })).status).toBe(200);
});
