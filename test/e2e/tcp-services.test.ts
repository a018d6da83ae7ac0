/**
 * TCP services through a real Envoy gateway: a Service annotated `causeway.dev/gateway-tcp-port` is
 * proxied to its endpoints; moving its EndpointSlice to another backend while connections keep coming
 * fails none of them, and new connections reach the new backend.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startTcpEchoBackend, type EchoBackend } from '../../src/demo/echo-backend.js';
import { endpointSlice, INGRESS_CLASS, tempDir, writeAtomic, yamlDocs } from '../support/manifests.js';
import type { EnvoyProcess } from '../support/envoy-process.js';
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';
import { freePorts } from '../support/ports.js';

let dir: string;
let backends: EchoBackend[] = [];
let stack: StandaloneGateway | undefined;
let gateway: EnvoyProcess;
let tcpPort: number;

function service(port: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kafka',
      namespace: 'default',
      annotations: { 'causeway.dev/gateway-tcp-port': String(port) },
    },
    spec: { ports: [{ name: 'kafka', port: 9092, targetPort: 9092 }] },
  };
}

function slice(b: EchoBackend): string {
  const s = endpointSlice('kafka', [{ address: '127.0.0.1', port: b.port }]) as {
    ports: { name: string }[];
  };
  s.ports[0]!.name = 'kafka';
  return yamlDocs(s);
}

/** Opens a connection through the gateway, sends `payload`, returns what came back (name line + echo). */
function roundTrip(payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: tcpPort });
    let got = '';
    const timer = setTimeout(() => socket.destroy(new Error(`timeout, got ${JSON.stringify(got)}`)), 3000);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (c: Buffer) => {
      got += c.toString();
      if (got.endsWith(payload)) {
        clearTimeout(timer);
        socket.end();
        resolve(got);
      }
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

beforeAll(async () => {
  dir = tempDir('causeway-e2e-tcp-');
  backends = [
    await startTcpEchoBackend({ name: 'broker-1' }),
    await startTcpEchoBackend({ name: 'broker-2' }),
  ];
  const [httpPort, port] = (await freePorts(2)) as [number, number];
  tcpPort = port;
  fs.writeFileSync(path.join(dir, 'app.yaml'), yamlDocs(INGRESS_CLASS, service(tcpPort)));
  fs.writeFileSync(path.join(dir, 'slice.yaml'), slice(backends[0]!));
  stack = await startStandaloneGateway({ manifests: dir, httpPort, name: 'tcp-gateway' });
  gateway = stack.gateway;
  await gateway.waitForListener(tcpPort);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  for (const b of backends) await b.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('bytes go through the gateway TCP port to the Service endpoint and back', async () => {
  expect(await roundTrip('hello\n')).toBe('broker-1\nhello\n');
});

test('moving the endpoint mid-traffic fails no connection; new connections reach the new backend', async () => {
  const seen: string[] = [];
  const failures: string[] = [];
  let stop = false;
  const loop = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        const reply = await roundTrip(`ping ${i}\n`);
        seen.push(reply.split('\n')[0]!);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  writeAtomic(path.join(dir, 'slice.yaml'), slice(backends[1]!));
  const t0 = Date.now();
  while (seen[seen.length - 1] !== 'broker-2' && Date.now() - t0 < 10_000) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  await loop;
  expect(failures).toEqual([]);
  expect(seen[0]).toBe('broker-1');
  const firstNew = seen.indexOf('broker-2');
  expect(firstNew).toBeGreaterThan(0);
  // Once a connection reached the new backend, every later one does too.
  expect(seen.slice(firstNew).every((b) => b === 'broker-2')).toBe(true);
}, 30_000);
