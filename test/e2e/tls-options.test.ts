/**
 * Group TLS options from the config file through a real Envoy gateway (issue 13, item 4):
 * `tls: { minVersion: "1.3", alpn: [http/1.1] }` refuses a client that speaks at most TLS 1.2, serves
 * a TLS 1.3 client, negotiates ALPN http/1.1 for a client offering h2 first, and does not serve HTTP/2
 * to a client that skips ALPN and opens with the HTTP/2 preface (the connection manager's codec is
 * HTTP/1 only). Another group's `tls: { maxVersion: "1.2", cipherSuites: [...], alpn: [h2] }` serves
 * only the listed TLS 1.2 suite, refuses a TLS 1.3-only client and a client without that suite, and
 * negotiates h2 for a client preferring http/1.1. The defaults (h2 offered, TLS 1.2 served) are checked
 * in tls-passthrough.test.ts.
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

interface Stack {
  readonly dir: string;
  readonly controller: RunningController;
  readonly gateway: EnvoyProcess;
  readonly web: EchoBackend;
  readonly httpsPort: number;
}

/** The controller with `tlsConfig` as its config file and one gateway, serving www.example.com on HTTPS. */
async function startStack(name: string, tlsConfig: string): Promise<Stack> {
  const dir = tempDir(`causeway-e2e-${name}-`);
  const manifests = path.join(dir, 'manifests');
  fs.mkdirSync(manifests);
  const web = await startEchoBackend({ name: 'web' });
  const [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
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
      // An ECDSA P-256 certificate: the ECDHE-ECDSA suites apply.
      tlsSecret('www-tls', generateCertificate('www.example.com')),
      www,
    ),
  );
  const config = path.join(dir, 'causeway.yaml');
  fs.writeFileSync(config, tlsConfig);
  const controller = await runController({
    manifests,
    config,
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    httpPort,
    httpsPort,
    logLevel: 'silent',
  });
  const gateway = await startEnvoy({
    name,
    bootstrap: buildBootstrap({
      group: 'default',
      xdsHost: '127.0.0.1',
      xdsPort: controller.xdsPort,
      nodeId: name,
      adminPort: 0,
    }),
  });
  await gateway.waitForListener(httpsPort);
  return { dir, controller, gateway, web, httpsPort };
}

async function stopStack(s: Stack | undefined): Promise<void> {
  await s?.gateway.stop();
  await s?.controller.stop();
  await s?.web.close();
  if (s) fs.rmSync(s.dir, { recursive: true, force: true });
}

describe('tls: { minVersion: "1.3", alpn: [http/1.1] }', () => {
  let stack: Stack | undefined;
  let httpsPort: number;
  beforeAll(async () => {
    stack = await startStack('tls-options-gateway', 'tls: { minVersion: "1.3", alpn: [http/1.1] }\n');
    httpsPort = stack.httpsPort;
  }, 60_000);
  afterAll(() => stopStack(stack), 30_000);

  test('minVersion 1.3: a client that speaks at most TLS 1.2 is refused, a TLS 1.3 client is served', async () => {
    const old = await tlsProbe({ port: httpsPort, servername: 'www.example.com', maxVersion: 'TLSv1.2' });
    expect(old.ok).toBe(false);
    const r = await tlsProbe({ port: httpsPort, servername: 'www.example.com', get: '/v13' });
    expect(r).toMatchObject({ ok: true, protocol: 'TLSv1.3' });
    expect(r.ok && r.answer).toMatch(/^HTTP\/1\.1 200/);
    expect(stack!.web.requests.map((q) => q.path)).toContain('/v13');
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
});

describe('tls: { maxVersion: "1.2", cipherSuites: [ECDHE-ECDSA-AES256-GCM-SHA384], alpn: [h2] }', () => {
  let stack: Stack | undefined;
  let httpsPort: number;
  beforeAll(async () => {
    stack = await startStack(
      'tls-ciphers-gateway',
      'tls: { maxVersion: "1.2", cipherSuites: [ECDHE-ECDSA-AES256-GCM-SHA384], alpn: [h2] }\n',
    );
    httpsPort = stack.httpsPort;
  }, 60_000);
  afterAll(() => stopStack(stack), 30_000);

  test('TLS 1.2 with the one listed suite is served; a client without it or TLS 1.3 only is refused', async () => {
    const r = await tlsProbe({ port: httpsPort, servername: 'www.example.com' });
    expect(r).toMatchObject({ ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
    const other = await tlsProbe({
      port: httpsPort,
      servername: 'www.example.com',
      ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305',
    });
    expect(other.ok).toBe(false);
    const v13 = await tlsProbe({ port: httpsPort, servername: 'www.example.com', minVersion: 'TLSv1.3' });
    expect(v13.ok).toBe(false);
  });

  test('alpn [h2]: a client preferring http/1.1 but offering h2 gets h2', async () => {
    const r = await tlsProbe({ port: httpsPort, servername: 'www.example.com', alpn: ['http/1.1', 'h2'] });
    expect(r).toMatchObject({ ok: true, alpn: 'h2' });
  });
});
