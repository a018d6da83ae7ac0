/**
 * Backend protocols through a real Envoy gateway (issue 12, item 7): an HTTPS backend whose certificate
 * a test CA issued for `<service>.default.svc` is reached with that CA from a Secret (200, the backend
 * sees the SNI and ALPN http/1.1); with another CA, or an SNI its certificate does not carry, Envoy
 * refuses it (503); `backend-tls-verify: "false"` reaches it unverified with a warning diagnostic at
 * /debug/diagnostics; HTTPS without a CA answers 503 with the diagnostic naming the annotation to add;
 * H2C and GRPC backends are spoken to in cleartext HTTP/2, GRPCS in HTTP/2 over TLS (ALPN h2); a
 * changed CA Secret reaches the gateway over SDS without a restart, and an HTTPS Service added with a new
 * CA Secret answers 200 from its first routed request (its cluster is not used before the CA arrived).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../../src/errors.js';
import { httpGet, type HttpResponse } from '../support/http-client.js';
import { endpointSlice, INGRESS_CLASS, tempDir, writeAtomic, yamlDocs } from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import {
  startH2cBackend,
  startHttpsBackend,
  type ProtocolBackend,
  type ProtocolSeen,
} from '../support/protocol-backends.js';
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';
import { createTestCa, type TestCa } from '../support/tls-certs.js';

function svc(name: string, port: number, annotations: Record<string, string>): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', annotations },
    spec: { ports: [{ name: 'http', port, targetPort: 8080 }] },
  };
}

/** A Secret carrying only CA certificates (type kubernetes.io/tls, as cert-manager writes them). */
function caSecret(name: string, caCert: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'kubernetes.io/tls',
    data: { 'ca.crt': Buffer.from(caCert).toString('base64'), 'tls.crt': '', 'tls.key': '' },
  };
}

function hostIngress(service: string, port: number): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: service, namespace: 'default' },
    spec: {
      rules: [
        {
          host: `${service}.example.com`,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: service, port: { number: port } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** The Services of the test: name -> port, annotations, which backend serves it. */
const HTTPS = { 'causeway.dev/backend-protocol': 'HTTPS' };
const SERVICES: Record<
  string,
  { port: number; annotations: Record<string, string>; backend: 'tls' | 'h2c' }
> = {
  secure: {
    port: 443,
    annotations: { ...HTTPS, 'causeway.dev/backend-tls-ca-secret': 'backend-ca' },
    backend: 'tls',
  },
  'wrong-ca': {
    port: 443,
    annotations: { ...HTTPS, 'causeway.dev/backend-tls-ca-secret': 'other-ca' },
    backend: 'tls',
  },
  'wrong-name': {
    port: 443,
    annotations: {
      ...HTTPS,
      'causeway.dev/backend-tls-ca-secret': 'backend-ca',
      'causeway.dev/backend-tls-sni': 'elsewhere.example.com',
    },
    backend: 'tls',
  },
  unverified: {
    port: 443,
    annotations: { ...HTTPS, 'causeway.dev/backend-tls-verify': 'false' },
    backend: 'tls',
  },
  'no-ca': { port: 443, annotations: HTTPS, backend: 'tls' },
  grpcs: {
    port: 443,
    annotations: {
      'causeway.dev/backend-protocol': 'GRPCS',
      'causeway.dev/backend-tls-ca-secret': 'backend-ca',
    },
    backend: 'tls',
  },
  h2c: { port: 80, annotations: { 'causeway.dev/backend-protocol': 'H2C' }, backend: 'h2c' },
  grpc: { port: 80, annotations: { 'causeway.dev/backend-protocol': 'GRPC' }, backend: 'h2c' },
};

let dir: string;
let ca: TestCa;
let otherCa: TestCa;
let tlsBackend: ProtocolBackend;
let h2cBackend: ProtocolBackend;
let stack: StandaloneGateway | undefined;
let httpPort: number;
/** Writes the manifests with this CA certificate in Secret backend-ca. */
let writeObjects: (backendCa: string, ...extra: object[]) => void;

beforeAll(async () => {
  dir = tempDir('causeway-e2e-backend-tls-');
  ca = createTestCa('backend-ca');
  otherCa = createTestCa('other-ca');
  const names = ['secure', 'wrong-ca', 'wrong-name', 'unverified', 'no-ca', 'grpcs', 'added'];
  tlsBackend = await startHttpsBackend(ca.issueServer({ dns: names.map((n) => `${n}.default.svc`) }));
  h2cBackend = await startH2cBackend();
  [httpPort] = (await freePorts(1)) as [number];
  const docs = Object.entries(SERVICES).flatMap(([name, s]) => [
    svc(name, s.port, s.annotations),
    endpointSlice(name, [
      { address: '127.0.0.1', port: (s.backend === 'tls' ? tlsBackend : h2cBackend).port },
    ]),
    hostIngress(name, s.port),
  ]);
  writeObjects = (backendCa, ...extra) =>
    writeAtomic(
      path.join(dir, 'objects.yaml'),
      yamlDocs(
        INGRESS_CLASS,
        caSecret('backend-ca', backendCa),
        caSecret('other-ca', otherCa.caCert),
        ...docs,
        ...extra,
      ),
    );
  writeObjects(ca.caCert);
  stack = await startStandaloneGateway({
    manifests: dir,
    httpPort,
    name: 'backend-tls-gateway',
    clusterStats: true,
  });
  await stack.gateway.waitForListener(httpPort);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await tlsBackend?.close();
  await h2cBackend?.close();
  ca?.remove();
  otherCa?.remove();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

function get(service: string): Promise<HttpResponse> {
  return httpGet(`http://127.0.0.1:${httpPort}/hello`, { host: `${service}.example.com` });
}

/** The first answer other than a 503 within 10 s (a cluster may still wait for its CA), else the last. */
async function settled(service: string): Promise<HttpResponse> {
  const until = Date.now() + 10_000;
  let r = await get(service);
  while (r.status === 503 && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    r = await get(service);
  }
  return r;
}

async function diagnostics(): Promise<readonly Diagnostic[]> {
  const r = await httpGet(`http://127.0.0.1:${stack!.controller.adminPort}/debug/diagnostics`);
  return JSON.parse(r.body) as Diagnostic[];
}

test('an HTTPS backend verified with the CA from a Secret: 200, with the SNI and ALPN http/1.1', async () => {
  const r = await settled('secure');
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)).toEqual({
    httpVersion: '1.1',
    path: '/hello',
    servername: 'secure.default.svc',
    alpn: 'http/1.1',
  } satisfies ProtocolSeen);
});

test('a CA that did not issue the certificate, or an SNI the certificate lacks: Envoy refuses (503)', async () => {
  await settled('secure'); // the gateway has its config
  const before = tlsBackend.seen.length;
  // Envoy counts why it refused: the chain (wrong CA) or the SAN (wrong SNI).
  for (const [service, failure] of [
    ['wrong-ca', 'fail_verify_error'],
    ['wrong-name', 'fail_verify_san'],
  ] as const) {
    const r = await get(service);
    expect({ service, status: r.status }).toEqual({ service, status: 503 });
    const stats = await stack!.gateway.stats(`${service}/443\\.ssl\\.`);
    expect(stats[`cluster.service/default/${service}/443.ssl.${failure}`]).toBeGreaterThanOrEqual(1);
    expect(stats[`cluster.service/default/${service}/443.ssl.handshake`]).toBe(0);
  }
  // The handshake failed: the backend never got those requests.
  expect(tlsBackend.seen.length).toBe(before);
});

test('backend-tls-verify "false": 200 unverified, with a warning on the Service', async () => {
  const r = await settled('unverified');
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)).toMatchObject({ servername: 'unverified.default.svc', alpn: 'http/1.1' });
  const warning = (await diagnostics()).find((d) => d.code === 'CW_E_BACKEND_TLS_UNVERIFIED');
  expect(warning).toMatchObject({ severity: 'warning', object: { kind: 'Service', name: 'unverified' } });
});

test('HTTPS without a CA: 503 at once, and the diagnostic names the annotation to add', async () => {
  const r = await get('no-ca');
  expect(r.status).toBe(503);
  const d = (await diagnostics()).find((x) => x.code === 'CW_E_BACKEND_TLS_NO_CA');
  expect(d).toMatchObject({ object: { kind: 'Service', name: 'no-ca' } });
  expect(d!.message).toContain('causeway.dev/backend-tls-ca-secret');
});

test('H2C and GRPC backends are spoken to in cleartext HTTP/2', async () => {
  for (const service of ['h2c', 'grpc']) {
    const r = await settled(service);
    expect({ service, status: r.status }).toEqual({ service, status: 200 });
    expect(JSON.parse(r.body)).toEqual({ httpVersion: '2.0', path: '/hello' });
  }
});

test('a GRPCS backend is spoken to in HTTP/2 over verified TLS (ALPN h2)', async () => {
  const r = await settled('grpcs');
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)).toEqual({
    httpVersion: '2.0',
    path: '/hello',
    servername: 'grpcs.default.svc',
    alpn: 'h2',
  });
});

test('/debug/config shows the CA as a validation context (public certificates only, no key)', async () => {
  const r = await httpGet(`http://127.0.0.1:${stack!.controller.adminPort}/debug/config?group=default`);
  const config = JSON.parse(r.body) as { secrets: { name: string; validation_context?: unknown }[] };
  expect(config.secrets.map((s) => s.name)).toEqual(['ca/default/backend-ca', 'ca/default/other-ca']);
  expect(JSON.stringify(config.secrets[0]!.validation_context)).toContain('BEGIN CERTIFICATE');
  expect(r.body).not.toContain('PRIVATE KEY');
});

/** Polls `service` (dropping the backend's connections first, so each try is a new handshake) until `status`. */
async function untilStatus(service: string, status: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    tlsBackend.dropConnections();
    const r = await get(service);
    if (r.status === status) return Date.now() - t0;
    if (Date.now() - t0 > 10_000) throw new Error(`${service} still answers ${r.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a changed CA Secret reaches the gateway over SDS: new connections are verified with the new CA', async () => {
  expect((await settled('secure')).status).toBe(200);
  const failures = async (): Promise<number> =>
    (await stack!.gateway.stats('secure/443\\.ssl\\.fail_verify_error'))[
      'cluster.service/default/secure/443.ssl.fail_verify_error'
    ] ?? 0;
  const failedBefore = await failures();
  writeObjects(otherCa.caCert);
  const refused = await untilStatus('secure', 503);
  // Refused by the handshake with the new CA (not a connection dropped under the request).
  expect(await failures()).toBeGreaterThan(failedBefore);
  writeObjects(ca.caCert);
  const accepted = await untilStatus('secure', 200);
  process.stdout.write(
    `CA rotation seen by the gateway: refused after ${refused} ms, accepted again after ${accepted} ms\n`,
  );
  expect(JSON.parse((await get('secure')).body)).toMatchObject({ servername: 'secure.default.svc' });
}, 30_000);

test('an HTTPS Service and its CA Secret added while serving: once its route exists it answers 200, never 503', async () => {
  await settled('secure');
  const statuses: number[] = [];
  // With a CA Secret of its own: the gateway learns a new SDS Secret with the new cluster.
  writeObjects(
    ca.caCert,
    caSecret('added-ca', ca.caCert),
    svc('added', 443, { ...HTTPS, 'causeway.dev/backend-tls-ca-secret': 'added-ca' }),
    endpointSlice('added', [{ address: '127.0.0.1', port: tlsBackend.port }]),
    hostIngress('added', 443),
  );
  const t0 = Date.now();
  while (Date.now() - t0 < 10_000) {
    const r = await get('added');
    statuses.push(r.status);
    if (statuses.filter((x) => x === 200).length >= 20) break;
  }
  const served = statuses.slice(statuses.findIndex((x) => x !== 404));
  process.stdout.write(
    `added HTTPS Service: ${statuses.length - served.length} x 404 before its route, then ${served.length} answers\n`,
  );
  expect(new Set(served)).toEqual(new Set([200]));
}, 30_000);
