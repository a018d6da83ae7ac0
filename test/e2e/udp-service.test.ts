/**
 * UDP services through a real Envoy gateway (standalone mode, manifests folder): a Service annotated
 * `causeway.dev/gateway-udp-port` gets a UDP listener whose datagrams reach the endpoints of the
 * Service's UDP port (the EndpointSlice port with protocol UDP) and whose replies come back to the
 * client. The same gateway port number also serves the Service's TCP port (`gateway-tcp-port`): two
 * listeners, two protocols. Moving the UDP endpoint to a second echo (an EndpointSlice-only change,
 * the runner's endpoints fast path) sends new client sessions to it, and a session opened before the
 * move follows it; a UDP Service added while serving loses no datagram to a warming cluster. Each
 * session is one access log line (in the group's TCP format) when it ends.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { startTcpEchoBackend, type EchoBackend } from '../../src/demo/echo-backend.js';
import type { KubeObject } from '../../src/resources/kube-types.js';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import { translate } from '../../src/translate/translate.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import { staticBootstrap } from '../golden/static-bootstrap.js';
import { tcpRoundTrip } from '../support/tcp-client.js';
import { startEnvoy } from '../support/envoy-process.js';
import { INGRESS_CLASS, tempDir, writeAtomic, yamlDocs } from '../support/manifests.js';
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';
import { freePorts } from '../support/ports.js';

/** A UDP echo on 127.0.0.1: answers each datagram with `<name>:<datagram>` to its sender. */
interface UdpEcho {
  readonly name: string;
  readonly port: number;
  close(): Promise<void>;
}

async function startUdpEcho(name: string): Promise<UdpEcho> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, from) => socket.send(`${name}:${msg.toString()}`, from.port, from.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    name,
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

let dir: string;
let echoes: UdpEcho[] = [];
let tcpEcho: EchoBackend | undefined;
let stack: StandaloneGateway | undefined;
let gatewayPort: number;

function dnsService(port: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'dns',
      namespace: 'default',
      annotations: {
        'causeway.dev/gateway-udp-port': String(port),
        'causeway.dev/gateway-tcp-port': String(port),
        'causeway.dev/gateway-tcp-service-port': 'dns-tcp',
      },
    },
    spec: {
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
    },
  };
}

/** The Service's slice: one endpoint on 127.0.0.1, its UDP port the echo's, its TCP port the TCP echo's. */
function sliceObject(udp: UdpEcho): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'dns-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'dns' } },
    addressType: 'IPv4',
    ports: [
      { name: 'dns', port: udp.port, protocol: 'UDP' },
      { name: 'dns-tcp', port: tcpEcho!.port, protocol: 'TCP' },
    ],
    endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
  };
}

function slice(udp: UdpEcho): string {
  return yamlDocs(sliceObject(udp));
}

/** One datagram from a new client socket (so a new UDP proxy session); the reply, or undefined after `waitMs`. */
async function udpRoundTrip(payload: string, waitMs = 500, port = gatewayPort): Promise<string | undefined> {
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs);
      socket.on('message', (msg) => {
        clearTimeout(timer);
        resolve(msg.toString());
      });
      socket.on('error', () => undefined); // ICMP port unreachable before the listener exists
      socket.send(payload, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

/** A client socket kept open (one UDP proxy session while it is used); round trips retry like udpReply. */
async function openSession(
  port = gatewayPort,
): Promise<{ roundTrip(p: string): Promise<string>; close(): void }> {
  const socket = dgram.createSocket('udp4');
  const replies: string[] = [];
  socket.on('message', (msg) => replies.push(msg.toString()));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    async roundTrip(payload) {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        replies.length = 0;
        socket.send(payload, port, '127.0.0.1');
        for (let i = 0; i < 25 && replies.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        if (replies.length > 0) return replies[0]!;
      }
      throw new Error(`no UDP reply to ${JSON.stringify(payload)} on the kept session`);
    },
    close: () => socket.close(),
  };
}

/** Retries (UDP may be dropped, the listener may be on its way) until a reply comes, or `timeoutMs`. */
async function udpReply(payload: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await udpRoundTrip(payload);
    if (reply !== undefined) return reply;
    if (Date.now() > deadline) throw new Error(`no UDP reply to ${JSON.stringify(payload)}`);
  }
}

/** The controller's count of translations of `kind` (`full`, `incremental`, `endpoints`). */
async function translations(kind: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${stack!.controller.adminPort}/metrics`);
  const line = (await res.text())
    .split('\n')
    .find(
      (l) =>
        l.startsWith('causeway_translations_total{') &&
        l.includes(`kind="${kind}"`) &&
        l.includes('result="ok"'),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-udp-');
  echoes = [await startUdpEcho('echo-1'), await startUdpEcho('echo-2')];
  tcpEcho = await startTcpEchoBackend({ name: 'tcp-echo' });
  const [httpPort, port] = (await freePorts(2)) as [number, number];
  gatewayPort = port;
  fs.writeFileSync(path.join(dir, 'app.yaml'), yamlDocs(INGRESS_CLASS, dnsService(port)));
  fs.writeFileSync(path.join(dir, 'slice.yaml'), slice(echoes[0]!));
  stack = await startStandaloneGateway({ manifests: dir, httpPort, name: 'udp-gateway' });
  await stack.gateway.waitForListener(port);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  for (const e of echoes) await e.close();
  await tcpEcho?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a datagram to the gateway UDP port reaches the UDP endpoint and its reply comes back', async () => {
  expect(await udpReply('hello')).toBe('echo-1:hello');
  const listeners = await stack!.gateway.admin('/listeners?format=json');
  expect(listeners.body).toContain(`"udp/${gatewayPort}"`);
}, 20_000);

test('a datagram of 8000 bytes goes through both ways (larger than the 1500 of Envoy defaults)', async () => {
  const big = 'x'.repeat(8000);
  expect(await udpReply(big, 3000)).toBe(`echo-1:${big}`);
}, 20_000);

test('the same port number serves the TCP port of the Service over TCP', async () => {
  expect(await tcpRoundTrip(gatewayPort, 'over tcp\n')).toBe('tcp-echo\nover tcp\n');
  expect(await udpReply('over udp')).toBe('echo-1:over udp');
}, 20_000);

test('moving the UDP endpoint (endpoints fast path) sends new and existing sessions to the new echo', async () => {
  const fullBefore = await translations('full');
  const incrementalBefore = await translations('incremental');
  const endpointsBefore = await translations('endpoints');
  expect(fullBefore).toBeGreaterThan(0); // the metric is read (the first translation is a full one)
  const kept = await openSession();
  expect(await kept.roundTrip('before')).toBe('echo-1:before');
  writeAtomic(path.join(dir, 'slice.yaml'), slice(echoes[1]!));
  const deadline = Date.now() + 10_000;
  let reply = await udpReply('ping');
  while (reply !== 'echo-2:ping' && Date.now() < deadline) reply = await udpReply('ping');
  expect(reply).toBe('echo-2:ping');
  // Once a session reached the new echo, every new session does.
  for (let i = 0; i < 5; i++) expect(await udpReply(`again ${i}`)).toBe(`echo-2:again ${i}`);
  expect(await translations('endpoints')).toBeGreaterThan(endpointsBefore);
  expect(await translations('full')).toBe(fullBefore);
  expect(await translations('incremental')).toBe(incrementalBefore);
  // A session opened before the move (same client socket) follows it: Envoy ends the sessions of a
  // removed endpoint, so the next datagram starts a session to the new one.
  expect(await kept.roundTrip('after')).toBe('echo-2:after');
  kept.close();
  // TCP on the same port number is untouched.
  expect(await tcpRoundTrip(gatewayPort, 'still tcp\n')).toBe('tcp-echo\nstill tcp\n');
}, 30_000);

test('a UDP Service added while serving: no datagram reaching its new listener is dropped (make-before-break)', async () => {
  const [port] = (await freePorts(1)) as [number];
  const ntp: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'ntp',
        namespace: 'default',
        annotations: { 'causeway.dev/gateway-udp-port': String(port) },
      },
      spec: { ports: [{ port: 123, protocol: 'UDP' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'ntp-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'ntp' } },
      addressType: 'IPv4',
      ports: [{ port: echoes[1]!.port, protocol: 'UDP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    },
  ];
  writeAtomic(path.join(dir, 'ntp.yaml'), yamlDocs(...ntp));
  // New sessions, back to back, from before the listener exists until one is answered.
  const deadline = Date.now() + 10_000;
  let reply: string | undefined;
  while (reply === undefined && Date.now() < deadline) reply = await udpRoundTrip('time?', 100, port);
  expect(reply).toBe('echo-2:time?');
  const stats = await stack!.gateway.stats(`udp/${port}|ntp`);
  // Every datagram the listener took found a warm cluster and was answered.
  expect(stats[`cluster.udp/default/ntp/123.upstream_cx_none_healthy`]).toBe(0);
  expect(stats[`udp.udp/${port}.downstream_sess_no_route`]).toBe(0);
  expect(stats[`udp.udp/${port}.downstream_sess_rx_datagrams`]).toBeGreaterThan(0);
  expect(stats[`udp.udp/${port}.downstream_sess_tx_datagrams`]).toBe(
    stats[`udp.udp/${port}.downstream_sess_rx_datagrams`],
  );
}, 30_000);

test('a UDP session ends after its idle timeout with one access log line in the group TCP format', async () => {
  const [udpPort, httpPort] = (await freePorts(2)) as [number, number];
  const objects = [dnsService(udpPort), sliceObject(echoes[0]!)];
  const resources = buildResourceSet(objects.map((object) => ({ object, origin: { cluster: 'local' } })));
  const group = translate(resources, { defaults: { httpPort, httpsPort: 8443 }, groups: {} }).ir.groups[0]!;
  // The same IR with a 1 s idle timeout (the annotation's is 60 s), served as a static bootstrap.
  const udp = group.udp!.map((u) => ({ ...u, idleTimeoutSeconds: 1 }));
  const xds = translateXds({ groups: [{ ...group, udp }] }).resources.get('default')!;
  const envoy = await startEnvoy({ name: 'udp-access-log', bootstrap: staticBootstrap(xds) });
  try {
    const session = await openSession(udpPort);
    expect(await session.roundTrip('hello')).toBe('echo-1:hello');
    session.close();
    const ours = (l: string) => l.startsWith('{') && l.includes(`"listener_address":"127.0.0.1:${udpPort}"`);
    const deadline = Date.now() + 10_000;
    let line = envoy.logs().split('\n').find(ours);
    while (line === undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      line = envoy.logs().split('\n').find(ours);
    }
    const log = JSON.parse(line ?? '{}') as Record<string, unknown>;
    expect(log).toMatchObject({ client_address: '127.0.0.1', upstream_host: `127.0.0.1:${echoes[0]!.port}` });
    expect(log['bytes_received']).toBeGreaterThanOrEqual('hello'.length);
    expect(log['bytes_sent']).toBeGreaterThanOrEqual('echo-1:hello'.length);
    expect(typeof log['duration_ms']).toBe('number');
  } finally {
    await envoy.stop();
  }
}, 30_000);
