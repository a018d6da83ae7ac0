/**
 * Source allow/deny lists on Services exposed on a gateway TCP port, through real Envoy gateways (issue
 * 13, item 2 for TCP services): an allowed client's bytes reach the backend; a refused client's
 * connection is closed before the gateway connects to the backend, so the backend (which greets first
 * here, like a database or SMTP server) never sees it and the client gets none of its bytes; a bad list
 * closes every connection; in a group requiring the PROXY protocol, the list is matched against the
 * source the v1 or v2 header names.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startTcpEchoBackend, type EchoBackend } from '../../src/demo/echo-backend.js';
import { endpointSlice, INGRESS_CLASS, tempDir, yamlDocs } from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startConfiguredStack, type ConfiguredStack } from '../support/configured-stack.js';
import { proxyV1Header, proxyV2Header } from '../support/proxy-protocol-client.js';

function tcpService(name: string, port: number, group: string, annotations: Record<string, string>): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: 'default',
      annotations: {
        'causeway.dev/gateway-tcp-port': String(port),
        'causeway.dev/gateway-group': group,
        ...annotations,
      },
    },
    spec: { ports: [{ name: 'http', port: 5432, targetPort: 5432 }] },
  };
}

let dir: string;
let backend: EchoBackend;
let stack: ConfiguredStack | undefined;
let ports: { local: number; office: number; broken: number; edge: number };

/** Connects to a gateway TCP port, sends `header` then `payload`: what came back, or `closed` without the echo. */
function roundTrip(port: number, payload: string, header?: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let got = '';
    const done = (v: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(`timeout, got ${JSON.stringify(got)}`), 5000);
    socket.on('connect', () =>
      socket.write(Buffer.concat([header ?? Buffer.alloc(0), Buffer.from(payload)])),
    );
    socket.on('data', (c: Buffer) => {
      got += c.toString();
      if (got.endsWith(payload)) done(got);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => done(got === '' ? 'closed' : `closed after ${JSON.stringify(got)}`));
  });
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-source-tcp-');
  const manifests = path.join(dir, 'manifests');
  fs.mkdirSync(manifests);
  backend = await startTcpEchoBackend({ name: 'db' });
  const [http, https, edgeHttp, edgeHttps, local, office, broken, edge] = (await freePorts(
    8,
  )) as number[] as [number, number, number, number, number, number, number, number];
  ports = { local, office, broken, edge };
  const slice = (name: string): object => endpointSlice(name, [{ address: '127.0.0.1', port: backend.port }]);
  fs.writeFileSync(
    path.join(manifests, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      tcpService('local-db', local, 'default', { 'causeway.dev/whitelist-source-range': '127.0.0.0/8' }),
      slice('local-db'),
      tcpService('office-db', office, 'default', { 'causeway.dev/whitelist-source-range': '192.0.2.0/24' }),
      slice('office-db'),
      tcpService('broken-db', broken, 'default', {
        'causeway.dev/denylist-source-range': '10.0.0.0/8, nope',
      }),
      slice('broken-db'),
      tcpService('edge-db', edge, 'edge', {
        'causeway.dev/whitelist-source-range': '192.0.2.0/24',
        'causeway.dev/denylist-source-range': '192.0.2.66',
      }),
      slice('edge-db'),
    ),
  );
  stack = await startConfiguredStack({
    manifests,
    name: 'source-tcp',
    groups: ['default', 'edge'],
    clusterStats: true,
    config: [
      'groups:',
      `  default: { httpPort: ${http}, httpsPort: ${https} }`,
      `  edge: { httpPort: ${edgeHttp}, httpsPort: ${edgeHttps}, proxyProtocol: true }`,
    ].join('\n'),
  });
  for (const [group, port] of [
    ['default', local],
    ['default', office],
    ['default', broken],
    ['edge', edge],
  ] as const)
    await stack.gateways.get(group)!.waitForListener(port);
  // The endpoints arrived (the TCP proxy has somewhere to send the allowed connections).
  await stack.gateways
    .get('default')!
    .waitForStat('cluster.service/default/local-db/5432.membership_healthy', (v) => (v ?? 0) >= 1);
  await stack.gateways
    .get('edge')!
    .waitForStat('cluster.service/default/edge-db/5432.membership_healthy', (v) => (v ?? 0) >= 1);
}, 90_000);

afterAll(async () => {
  await backend?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

test('an allowed client reaches the backend; a refused one is closed before the backend sees it', async () => {
  expect(await roundTrip(ports.local, 'hello')).toBe('db\nhello');
  const served = backend.served();
  expect(await roundTrip(ports.office, 'hello')).toBe('closed');
  expect(backend.served()).toBe(served);
});

test('a bad list closes every connection (fail closed)', async () => {
  const served = backend.served();
  expect(await roundTrip(ports.broken, 'hello')).toBe('closed');
  expect(backend.served()).toBe(served);
});

test('with the PROXY protocol, the list is matched against the source the header names (v1 and v2)', async () => {
  const served = backend.served();
  const to = { address: '127.0.0.1', port: ports.edge };
  const v1 = (address: string): Buffer => proxyV1Header({ address, port: 40000 }, to);
  const v2 = (address: string): Buffer => proxyV2Header({ address, port: 40000 }, to);
  expect(await roundTrip(ports.edge, 'hi', v1('192.0.2.10'))).toBe('db\nhi');
  expect(await roundTrip(ports.edge, 'hi', v2('192.0.2.10'))).toBe('db\nhi');
  expect(await roundTrip(ports.edge, 'hi', v1('192.0.2.66'))).toBe('closed');
  expect(await roundTrip(ports.edge, 'hi', v2('203.0.113.5'))).toBe('closed');
  // No header: the gateway closes the connection (the loopback peer would not be allowed either).
  expect(await roundTrip(ports.edge, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toBe('closed');
  // Only the two allowed connections reached the backend.
  expect(backend.served()).toBe(served + 2);
});
