/**
 * Group TLS options from the config file through a real Envoy gateway (issue 13, item 4):
 * `tls: { minVersion: "1.3", alpn: [http/1.1] }` refuses a client that speaks at most TLS 1.2, serves
 * a TLS 1.3 client, negotiates ALPN http/1.1 for a client offering h2 first, and does not serve HTTP/2
 * to a client that skips ALPN and opens with the HTTP/2 preface (the connection manager's codec is
 * HTTP/1 only). The defaults (h2 offered, TLS 1.2 served) are checked in tls-passthrough.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { runController, type RunningController } from '../../src/controller/app.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
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
import { tlsProbe } from '../support/tls-probe.js';

let dir: string;
let controller: RunningController | undefined;
let gateway: EnvoyProcess | undefined;
let web: EchoBackend;
let httpsPort: number;

beforeAll(async () => {
  dir = tempDir('causeway-e2e-tls-options-');
  const manifests = path.join(dir, 'manifests');
  fs.mkdirSync(manifests);
  web = await startEchoBackend({ name: 'web' });
  let httpPort: number;
  [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
  const www = hostIngress({ name: 'www', host: 'www.example.com', service: 'web' }) as {
    spec: { tls?: object[] };
  };
  www.spec.tls = [{ hosts: ['www.example.com'], secretName: 'www-tls' }];
  fs.writeFileSync(
    path.join(manifests, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('web'),
      endpointSlice('web', [{ address: '127.0.0.1', port: web.port }]),
      tlsSecret('www-tls', generateCertificate('www.example.com')),
      www,
    ),
  );
  const config = path.join(dir, 'causeway.yaml');
  fs.writeFileSync(config, 'tls: { minVersion: "1.3", alpn: [http/1.1] }\n');
  controller = await runController({
    manifests,
    config,
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    httpPort,
    httpsPort,
    logLevel: 'silent',
  });
  gateway = await startEnvoy({
    name: 'tls-options-gateway',
    bootstrap: buildBootstrap({
      group: 'default',
      xdsHost: '127.0.0.1',
      xdsPort: controller.xdsPort,
      nodeId: 'tls-options-gateway',
      adminPort: 0,
    }),
  });
  await gateway.waitForListener(httpsPort);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await controller?.stop();
  await web?.close();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

test('minVersion 1.3: a client that speaks at most TLS 1.2 is refused, a TLS 1.3 client is served', async () => {
  const old = await tlsProbe({ port: httpsPort, servername: 'www.example.com', maxVersion: 'TLSv1.2' });
  expect(old.ok).toBe(false);
  const r = await tlsProbe({ port: httpsPort, servername: 'www.example.com', get: '/v13' });
  expect(r).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
  expect(r.ok && r.answer).toMatch(/^HTTP\/1\.1 200/);
  expect(web.requests.map((q) => q.path)).toContain('/v13');
});

test('alpn [http/1.1]: a client offering h2 first gets http/1.1', async () => {
  const r = await tlsProbe({ port: httpsPort, servername: 'www.example.com', alpn: ['h2', 'http/1.1'] });
  expect(r).toMatchObject({ ok: true, alpn: 'http/1.1' });
});

test('a client that skips ALPN and opens with the HTTP/2 preface is not served HTTP/2', async () => {
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: httpsPort,
      servername: 'www.example.com',
      rejectUnauthorized: false,
    });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
    socket.on('error', reject);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('secureConnect', () => {
      expect(socket.alpnProtocol).toBe(false);
      socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    });
  });
  // The HTTP/1 codec refuses the preface as a bad HTTP/1 request (an HTTP/2 server would send a
  // SETTINGS frame instead, which starts with a 3-byte length and type 0x04).
  expect(answer).toMatch(/^HTTP\/1\.1 400/);
});
