/**
 * Gateway API layer 4 through a real Envoy gateway in standalone mode (issue 15): one Gateway (group
 * `default`) read from a manifests folder with a TLS Passthrough listener, a TCP listener and a UDP
 * listener. TLSRoute: two Node HTTPS backends, each with its own certificate, chosen by SNI through
 * the one passthrough listener; the client sees the backend's own certificate, and an SNI no route
 * names is closed. TCPRoute: a TCP echo round trip; a younger TCPRoute on the same listener gets nothing. UDPRoute: a UDP echo round trip (Envoy's UDP proxy).
 */
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startTcpEchoBackend, type EchoBackend } from '../../src/demo/echo-backend.js';
import { tcpRoundTrip } from '../support/tcp-client.js';
import { CAUSEWAY_GATEWAY_CLASS, GATEWAY_API, gatewayOf } from '../support/gateway-api-objects.js';
import { endpointSlice, generateCertificate, service, tempDir, yamlDocs } from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';
import { tlsProbe } from '../support/tls-probe.js';

const certA = generateCertificate('a.example.com');
const certB = generateCertificate('b.example.com');
const fingerprint = (pem: string): string => new crypto.X509Certificate(pem).fingerprint256;

let dir: string;
let stack: StandaloneGateway | undefined;
let tlsPort: number;
let tcpPort: number;
let udpPort: number;
const servers: https.Server[] = [];
let tcpEcho: EchoBackend;
let youngerEcho: EchoBackend;
let udpEcho: dgram.Socket;

/** A Node HTTPS server terminating TLS with its own certificate; answers with its name. */
async function startHttps(name: string, c: { cert: string; key: string }): Promise<number> {
  const s = https.createServer({ cert: c.cert, key: c.key }, (req, res) => {
    res.end(`${name} terminated TLS for ${req.headers.host ?? ''}\n`);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

function route(kind: string, name: string, spec: object, creationTimestamp = '2024-01-01T00:00:00Z'): object {
  return { apiVersion: GATEWAY_API, kind, metadata: { name, namespace: 'default', creationTimestamp }, spec };
}

function udpObjects(echoPort: number): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'dns', namespace: 'default' },
      spec: { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'dns-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'dns' } },
      addressType: 'IPv4',
      ports: [{ name: 'dns', port: echoPort, protocol: 'UDP' }],
      endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
    },
  ];
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-gateway-api-l4-');
  const portA = await startHttps('a', certA);
  const portB = await startHttps('b', certB);
  tcpEcho = await startTcpEchoBackend({ name: 'tcp-echo' });
  youngerEcho = await startTcpEchoBackend({ name: 'younger-echo' });
  udpEcho = dgram.createSocket('udp4');
  udpEcho.on('message', (msg, from) => udpEcho.send(`echo:${msg.toString()}`, from.port, from.address));
  await new Promise<void>((r) => udpEcho.bind(0, '127.0.0.1', r));
  let httpPort: number;
  [httpPort, tlsPort, tcpPort, udpPort] = (await freePorts(4)) as [number, number, number, number];
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      CAUSEWAY_GATEWAY_CLASS,
      gatewayOf({
        listeners: [
          { name: 'tls', port: tlsPort, protocol: 'TLS', tls: { mode: 'Passthrough' } },
          { name: 'tcp', port: tcpPort, protocol: 'TCP' },
          { name: 'udp', port: udpPort, protocol: 'UDP' },
        ],
      }),
      service('a', 443),
      endpointSlice('a', [{ address: '127.0.0.1', port: portA }]),
      service('b', 443),
      endpointSlice('b', [{ address: '127.0.0.1', port: portB }]),
      service('kafka', 9092),
      endpointSlice('kafka', [{ address: '127.0.0.1', port: tcpEcho.port }]),
      service('younger', 9092),
      endpointSlice('younger', [{ address: '127.0.0.1', port: youngerEcho.port }]),
      ...udpObjects(udpEcho.address().port),
      route('TLSRoute', 'a', {
        parentRefs: [{ name: 'edge', sectionName: 'tls' }],
        hostnames: ['a.example.com'],
        rules: [{ backendRefs: [{ name: 'a', port: 443 }] }],
      }),
      route('TLSRoute', 'b', {
        parentRefs: [{ name: 'edge' }],
        hostnames: ['b.example.com'],
        rules: [{ backendRefs: [{ name: 'b', port: 443 }] }],
      }),
      route('TCPRoute', 'kafka', {
        parentRefs: [{ name: 'edge', sectionName: 'tcp' }],
        rules: [{ backendRefs: [{ name: 'kafka', port: 9092 }] }],
      }),
      // Younger than `kafka` on the same TCP listener: accepted, but the listener forwards to `kafka`.
      route(
        'TCPRoute',
        'younger',
        {
          parentRefs: [{ name: 'edge', sectionName: 'tcp' }],
          rules: [{ backendRefs: [{ name: 'younger', port: 9092 }] }],
        },
        '2024-01-02T00:00:00Z',
      ),
      route('UDPRoute', 'dns', {
        parentRefs: [{ name: 'edge', port: udpPort }],
        rules: [{ backendRefs: [{ name: 'dns', port: 53 }] }],
      }),
    ),
  );
  stack = await startStandaloneGateway({ manifests: dir, httpPort, name: 'gateway-api-l4-gateway' });
  await stack.gateway.waitForListener(tlsPort);
  await stack.gateway.waitForListener(tcpPort);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  for (const s of servers) await new Promise((r) => s.close(r));
  await tcpEcho?.close();
  await youngerEcho?.close();
  await new Promise<void>((r) => (udpEcho ? udpEcho.close(() => r()) : r()));
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('TLSRoute (TLS Passthrough listener)', () => {
  test.each([
    ['a.example.com', 'a', certA],
    ['b.example.com', 'b', certB],
  ])('SNI %s reaches backend %s, which terminates TLS with its own certificate', async (sni, name, c) => {
    const r = await tlsProbe({ port: tlsPort, servername: sni, get: '/' });
    if (!r.ok) throw new Error(r.error);
    expect(r.fingerprint256).toBe(fingerprint(c.cert));
    expect(r.answer).toMatch(/^HTTP\/1\.1 200/);
    expect(r.answer).toContain(`${name} terminated TLS for ${sni}`);
  });

  test('an SNI no TLSRoute names is closed', async () => {
    const r = await tlsProbe({ port: tlsPort, servername: 'c.example.com' });
    expect(r.ok).toBe(false);
  });
});

describe('TCPRoute (TCP listener)', () => {
  test('bytes sent through the gateway come back from the TCP echo', async () => {
    expect(await tcpRoundTrip(tcpPort, 'hello over tcp')).toBe('tcp-echo\nhello over tcp');
  });

  test('the listener forwards to the oldest TCPRoute only: the younger one gets no connection', async () => {
    for (let i = 0; i < 3; i++)
      expect(await tcpRoundTrip(tcpPort, `again ${i}`)).toBe(`tcp-echo\nagain ${i}`);
    expect(youngerEcho.served()).toBe(0);
  });
});

/** Sends `payload` from a fresh socket until an answer comes (the UDP listener may still be coming up). */
async function udpReply(payload: string, tries = 40): Promise<string> {
  for (let i = 0; i < tries; i++) {
    const socket = dgram.createSocket('udp4');
    const reply = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 500);
      socket.on('message', (m) => {
        clearTimeout(timer);
        resolve(m.toString());
      });
      socket.send(payload, udpPort, '127.0.0.1');
    });
    await new Promise<void>((r) => socket.close(() => r()));
    if (reply !== undefined) return reply;
  }
  throw new Error(`no UDP answer to ${payload} after ${tries} tries`);
}

describe('UDPRoute (UDP listener)', () => {
  test('a datagram sent through the gateway is answered by the UDP echo', async () => {
    expect(await udpReply('ping')).toBe('echo:ping');
  });
});
