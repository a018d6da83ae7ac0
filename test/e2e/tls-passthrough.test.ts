/**
 * TLS passthrough through a real Envoy gateway (issue 13, item 4): on one HTTPS port, the SNI
 * `secure.example.com` (ssl-passthrough) reaches a Node HTTPS backend that terminates TLS with its own
 * self-signed certificate, while `www.example.com` is terminated by the gateway with the Secret's
 * certificate and routed over HTTP to an echo backend. A client sees each host's own certificate. A
 * passthrough host whose Service is missing is closed (fail closed), not served by the default chain.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend.js';
import {
  endpointSlice,
  generateCertificate,
  hostIngress,
  INGRESS_CLASS,
  tempDir,
  tlsSecret,
  yamlDocs,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';
import { tlsProbe } from '../support/tls-probe.js';

const backendCert = generateCertificate('secure.example.com');
const gatewayCert = generateCertificate('www.example.com');
const fingerprint = (pem: string): string => new crypto.X509Certificate(pem).fingerprint256;

let dir: string;
let stack: StandaloneGateway | undefined;
let web: EchoBackend;
let secure: https.Server;
/** The SNI each TLS connection of the passthrough backend arrived with. */
const backendSni: string[] = [];
let httpsPort: number;

function tcpService(name: string, port: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { ports: [{ name: 'http', port, targetPort: 8443 }] },
  };
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-passthrough-');
  web = await startEchoBackend({ name: 'web' });
  secure = https.createServer({ cert: backendCert.cert, key: backendCert.key }, (req, res) => {
    res.end(`backend terminated TLS for ${req.headers.host ?? ''}\n`);
  });
  secure.on('secureConnection', (s: { servername?: string | false }) =>
    backendSni.push(String(s.servername)),
  );
  await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
  const securePort = (secure.address() as AddressInfo).port;
  let httpPort: number;
  [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
  const www = hostIngress({ name: 'www', host: 'www.example.com', service: 'web' }) as {
    spec: { tls?: object[] };
  };
  // The same certificate is also the group's default (clients whose SNI matches no host).
  www.spec.tls = [{ hosts: ['www.example.com'], secretName: 'www-tls' }, { secretName: 'www-tls' }];
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      tcpService('web', 80),
      endpointSlice('web', [{ address: '127.0.0.1', port: web.port }]),
      tcpService('vault', 443),
      endpointSlice('vault', [{ address: '127.0.0.1', port: securePort }]),
      tlsSecret('www-tls', gatewayCert),
      www,
      hostIngress({
        name: 'vault',
        host: 'secure.example.com',
        service: 'vault',
        port: 443,
        annotations: { 'causeway.dev/ssl-passthrough': 'true' },
      }),
      hostIngress({
        name: 'gone',
        host: 'gone.example.com',
        service: 'missing',
        port: 443,
        annotations: { 'causeway.dev/ssl-passthrough': 'true' },
      }),
    ),
  );
  stack = await startStandaloneGateway({ manifests: dir, httpPort, httpsPort, name: 'passthrough-gateway' });
  await stack.gateway.waitForListener(httpsPort);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await web?.close();
  await new Promise((r) => secure?.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

test('the passthrough SNI gets the backend its own certificate, and the backend answers', async () => {
  const r = await tlsProbe({ port: httpsPort, servername: 'secure.example.com', get: '/' });
  if (!r.ok) throw new Error(r.error);
  expect(r.fingerprint256).toBe(fingerprint(backendCert.cert));
  expect(r.fingerprint256).not.toBe(fingerprint(gatewayCert.cert));
  expect(r.answer).toMatch(/^HTTP\/1\.1 200/);
  expect(r.answer).toContain('backend terminated TLS for secure.example.com');
  // The backend saw the client's own ClientHello (its SNI), not a connection the gateway opened.
  expect(backendSni).toContain('secure.example.com');
  // Nothing reached the HTTP echo backend: the gateway did not route the request itself.
  expect(web.requests).toHaveLength(0);
});

test('the terminated SNI on the same port gets the gateway certificate and is routed over HTTP', async () => {
  const r = await tlsProbe({ port: httpsPort, servername: 'www.example.com', get: '/hello' });
  if (!r.ok) throw new Error(r.error);
  expect(r.fingerprint256).toBe(fingerprint(gatewayCert.cert));
  expect(r.answer).toMatch(/^HTTP\/1\.1 200/);
  expect(web.requests.map((q) => q.path)).toEqual(['/hello']);
  expect(web.requests[0]!.headers['x-forwarded-proto']).toBe('https');
});

test('without group TLS options the terminated host offers h2 first and still serves TLS 1.2', async () => {
  // The defaults test/e2e/tls-options.test.ts changes with a config file.
  const h2 = await tlsProbe({ port: httpsPort, servername: 'www.example.com', alpn: ['h2', 'http/1.1'] });
  expect(h2).toMatchObject({ ok: true, alpn: 'h2', protocol: 'TLSv1.3' });
  const v12 = await tlsProbe({ port: httpsPort, servername: 'www.example.com', maxVersion: 'TLSv1.2' });
  expect(v12).toMatchObject({ ok: true, protocol: 'TLSv1.2' });
});

test('a passthrough host whose backend is missing is closed, not served with the default certificate', async () => {
  const other = await tlsProbe({ port: httpsPort, servername: 'other.example.com' });
  expect(other).toMatchObject({ ok: true, fingerprint256: fingerprint(gatewayCert.cert) });
  const gone = await tlsProbe({ port: httpsPort, servername: 'gone.example.com' });
  expect(gone.ok).toBe(false);
});
