/**
 * mTLS between a real Envoy gateway and the controller (docs/security.md): the gateway's client
 * certificate names its group and it gets that group's config and serves traffic; a client with a
 * certificate for group `default` asking for group `b` is refused (PERMISSION_DENIED) and gets nothing of
 * b; a client without a certificate gets nothing; and rotating the controller's and the gateway's
 * certificates on disk during a steady request loop fails no request, keeps the ADS stream, and new
 * connections see the new certificates.
 */
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { credentials, status } from '@grpc/grpc-js';
import { runController, type RunningController } from '../../src/controller/app.js';
import { startEchoBackend, type EchoBackend } from '../../src/demo/echo-backend.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { bootstrapToYaml, buildBootstrap, buildXdsTlsSdsFiles } from '../../xds/bootstrap/bootstrap.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { endpointSlice, INGRESS_CLASS, service, tempDir, yamlDocs } from '../support/manifests.js';
import { connectedGateways, type ConnectedGateway } from '../support/fleet-api.js';
import { freePorts } from '../support/ports.js';
import { startRequestLoop } from '../support/request-loop.js';
import type { PemPair, TestCa } from '../support/tls-certs.js';
import { createTestCa, installTlsFiles, TEST_TRUST_DOMAIN } from '../support/tls-certs.js';
import { deltaResourceNames, XdsClient } from '../support/xds-client.js';

const LDS = RESOURCE_TYPES.listener;

let dir: string;
let ca: TestCa;
let backend: EchoBackend;
let controller: RunningController | undefined;
let gateway: EnvoyProcess | undefined;
const clients: XdsClient[] = [];
let httpPort: number;

function ingress(name: string, host: string, group?: string): object {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: 'default',
      ...(group ? { annotations: { 'causeway.dev/gateway-group': group } } : {}),
    },
    spec: {
      rules: [
        {
          host,
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  };
}

/** Envoy's serial numbers are lowercase hex without leading zeros; Node's uppercase with them. */
const serial = (s: string): string => s.toLowerCase().replace(/^0+/, '');

/** Serial numbers of the certificates Envoy holds (admin /certs). */
async function envoyCertSerials(gw: EnvoyProcess): Promise<string[]> {
  const body = JSON.parse((await gw.admin('/certs')).body) as {
    certificates?: Array<{ cert_chain?: Array<{ serial_number: string }> }>;
  };
  return (body.certificates ?? []).flatMap((c) => (c.cert_chain ?? []).map((x) => serial(x.serial_number)));
}

/** The serial number of the certificate the xDS server presents to a new TLS connection. */
function servedSerial(port: number, client: PemPair): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        ca: ca.caCert,
        cert: client.cert,
        key: client.key,
        ALPNProtocols: ['h2'],
      },
      () => {
        const s = socket.getPeerCertificate().serialNumber;
        socket.destroy();
        resolve(serial(s));
      },
    );
    socket.on('error', reject);
  });
}

async function gatewayStream(adminPort: number, nodeId: string): Promise<ConnectedGateway | undefined> {
  return (await connectedGateways(adminPort)).find((g) => g.nodeId === nodeId);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function grpcClient(port: number, pair: PemPair | undefined): XdsClient {
  const creds = pair
    ? credentials.createSsl(Buffer.from(ca.caCert), Buffer.from(pair.key), Buffer.from(pair.cert))
    : credentials.createSsl(Buffer.from(ca.caCert));
  const c = new XdsClient(`127.0.0.1:${port}`, {
    credentials: creds,
    channelOptions: { 'grpc.ssl_target_name_override': 'localhost' },
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-mtls-');
  ca = createTestCa();
  backend = await startEchoBackend({ name: 'echo' });
  const [http, https] = (await freePorts(2)) as [number, number];
  httpPort = http;
  fs.mkdirSync(path.join(dir, 'manifests'));
  fs.writeFileSync(
    path.join(dir, 'manifests', 'app.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      ingress('app-a', 'a.example.com'),
      ingress('app-b', 'b.example.com', 'b'),
    ),
  );
  const server = ca.issueServer({ dns: ['localhost'], ips: ['127.0.0.1'] });
  const serverFiles = installTlsFiles(path.join(dir, 'controller-tls'), {
    'tls.crt': server.cert,
    'tls.key': server.key,
    'ca.crt': ca.caCert,
  });
  controller = await runController({
    manifests: path.join(dir, 'manifests'),
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    httpPort: http,
    httpsPort: https,
    logLevel: 'silent',
    xdsTlsCert: serverFiles['tls.crt']!,
    xdsTlsKey: serverFiles['tls.key']!,
    xdsTlsClientCa: serverFiles['ca.crt']!,
    xdsTlsTrustDomain: TEST_TRUST_DOMAIN,
  });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await gateway?.stop();
  await controller?.stop();
  await backend?.close();
  ca?.remove();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a certificate for group default asking for group b gets nothing of b; no certificate gets nothing', async () => {
  const port = controller!.xdsPort;
  // Positive control: group b has config, and a certificate for b gets it.
  const b = grpcClient(port, ca.issueClient({ cn: 'gw-b', group: 'b' })).delta({ id: 'gw-b', cluster: 'b' });
  b.subscribe(LDS);
  expect(deltaResourceNames(await b.nextResponse(LDS, 10_000)).length).toBeGreaterThan(0);

  const certA = ca.issueClient({ cn: 'gw-a', group: 'default' });
  const sneaky = grpcClient(port, certA).delta({ id: 'sneaky', cluster: 'b' });
  sneaky.subscribe(LDS);
  const st = await sneaky.status;
  expect(st.code).toBe(status.PERMISSION_DENIED);
  expect(st.details).toContain('node.cluster "b" names another gateway group');
  expect(sneaky.responseCount).toBe(0);

  const anonymous = grpcClient(port, undefined).delta({ id: 'anonymous', cluster: 'default' });
  anonymous.subscribe(LDS);
  expect((await anonymous.status).code).toBe(status.UNAVAILABLE);
  expect(anonymous.responseCount).toBe(0);
  b.cancel();
}, 60_000);

test('Envoy with a certificate for its group serves traffic; rotating both certificates on disk fails no request and keeps the stream', async () => {
  const port = controller!.xdsPort;
  const gwDir = path.join(dir, 'gateway-tls');
  const first = ca.issueClient({ cn: 'gw-1', group: 'default' });
  const gwFiles = installTlsFiles(gwDir, {
    'tls.crt': first.cert,
    'tls.key': first.key,
    'ca.crt': ca.caCert,
  });
  const xdsTls = {
    certFile: gwFiles['tls.crt']!,
    keyFile: gwFiles['tls.key']!,
    caFile: gwFiles['ca.crt']!,
    sdsDir: path.join(dir, 'sds'),
  };
  for (const f of buildXdsTlsSdsFiles(xdsTls, ['127.0.0.1'])) {
    fs.mkdirSync(path.dirname(f.path), { recursive: true });
    fs.writeFileSync(f.path, bootstrapToYaml(f.content));
  }
  gateway = await startEnvoy({
    name: 'mtls-gateway',
    bootstrap: buildBootstrap({
      group: 'default',
      xdsHost: '127.0.0.1',
      xdsPort: port,
      nodeId: 'mtls-gw',
      adminPort: 0,
      xdsTls,
    }),
  });
  await gateway.waitForListener(httpPort);
  let streamBefore: ConnectedGateway | undefined;
  const loop = startRequestLoop({ url: `http://127.0.0.1:${httpPort}/`, host: 'a.example.com' });
  try {
    await loop.waitFor('traffic through the mTLS gateway', (s) => s.status === 200);
    streamBefore = await gatewayStream(controller!.adminPort, 'mtls-gw');
    expect(streamBefore).toMatchObject({ group: 'default' });
    const before = (await gateway.stats('cluster\\.causeway_xds\\.upstream_cx_total'))[
      'cluster.causeway_xds.upstream_cx_total'
    ];
    expect(before).toBe(1);
    expect(await envoyCertSerials(gateway)).toContain(serial(first.serialNumber));
    const oldServer = await servedSerial(port, first);

    // Rotate: a new controller certificate, and a new gateway client certificate, each by one atomic move.
    const server2 = ca.issueServer({ dns: ['localhost'], ips: ['127.0.0.1'] });
    installTlsFiles(path.join(dir, 'controller-tls'), {
      'tls.crt': server2.cert,
      'tls.key': server2.key,
      'ca.crt': ca.caCert,
    });
    const second = ca.issueClient({ cn: 'gw-1', group: 'default' });
    installTlsFiles(gwDir, { 'tls.crt': second.cert, 'tls.key': second.key, 'ca.crt': ca.caCert });

    const newServer = await until('the controller serves its new certificate', async () => {
      const s = await servedSerial(port, second);
      return s === serial(server2.serialNumber) ? s : undefined;
    });
    expect(newServer).not.toBe(oldServer);
    await until('Envoy loaded its new client certificate', async () => {
      const serials = await envoyCertSerials(gateway!);
      return serials.includes(serial(second.serialNumber)) && !serials.includes(serial(first.serialNumber))
        ? true
        : undefined;
    });
    // A new connection with the new client certificate is served.
    const fresh = grpcClient(port, second).delta({ id: 'fresh', cluster: 'default' });
    fresh.subscribe(LDS);
    expect(deltaResourceNames(await fresh.nextResponse(LDS, 10_000)).length).toBeGreaterThan(0);
    fresh.cancel();
    // Keep the loop going a little after the rotation.
    const after = Date.now();
    await loop.waitFor('traffic after the rotation', (s) => s.status === 200 && s.at > after + 500, 10_000);
  } finally {
    const { samples, failures } = await loop.stop();
    expect(failures).toEqual([]);
    expect(samples.length).toBeGreaterThan(20);
  }
  // The ADS stream opened before the rotation is the one still open: Envoy never reconnected.
  const stats = await gateway.stats('cluster\\.causeway_xds\\.upstream_cx_(total|destroy)$');
  expect(stats['cluster.causeway_xds.upstream_cx_total']).toBe(1);
  expect(stats['cluster.causeway_xds.upstream_cx_destroy'] ?? 0).toBe(0);
  expect((await gateway.stats('control_plane\\.connected_state'))['control_plane.connected_state']).toBe(1);
  expect(await gatewayStream(controller!.adminPort, 'mtls-gw')).toEqual(streamBefore);
}, 120_000);
