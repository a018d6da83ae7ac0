/**
 * Gateway API GRPCRoute through a real Envoy gateway in standalone mode (issue 15): a Gateway (of a
 * GatewayClass of ours, gateway group `default`) with one HTTP listener and a GRPCRoute read from a
 * manifests folder, in front of two real gRPC echo servers (@grpc/grpc-js, test/support/grpc-echo.ts).
 * The client speaks gRPC over cleartext HTTP/2 with prior knowledge (h2c) to the listener; the gateway
 * speaks HTTP/2 to the backends. Calls are routed by service/method and by header; a header modifier
 * is seen by the backend and a response one by the client; a method no rule matches is answered by
 * the gateway with UNIMPLEMENTED (HTTP 404, as the conformance suite expects), never reaching a backend;
 * another hostname is not served by the route; an HTTPS listener serves gRPC over TLS (ALPN h2); a
 * RequestMirror copies calls to a third echo.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { CAUSEWAY_GATEWAY_CLASS, GATEWAY_API, gatewayOf } from '../support/gateway-api-objects.js';
import {
  ECHO_SERVICE,
  grpcEchoClient,
  startGrpcEcho,
  type EchoOutcome,
  type GrpcEchoClient,
  type GrpcEchoServer,
} from '../support/grpc-echo.js';
import {
  endpointSlice,
  generateCertificate,
  service,
  tempDir,
  tlsSecret,
  yamlDocs,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startRoutingGateway, type StandaloneGateway } from '../support/standalone-gateway.js';

const HOST = 'grpc.example.com';

let dir: string;
let one: GrpcEchoServer;
let two: GrpcEchoServer;
let mirror: GrpcEchoServer;
let stack: StandaloneGateway | undefined;
let client: GrpcEchoClient;
let httpPort: number;
let securePort: number;
const SECURE_HOST = 'secure.example.com';
const cert = generateCertificate(SECURE_HOST);

const toOne = [{ name: 'echo-one', port: 80 }];
const toTwo = [{ name: 'echo-two', port: 80 }];
const exact = (method: string) => ({ method: { service: ECHO_SERVICE, method } });

beforeAll(async () => {
  dir = tempDir('causeway-e2e-grpcroute-');
  one = await startGrpcEcho('one');
  two = await startGrpcEcho('two');
  mirror = await startGrpcEcho('mirror');
  [httpPort, securePort] = (await freePorts(2)) as [number, number];
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      CAUSEWAY_GATEWAY_CLASS,
      gatewayOf({
        listeners: [
          { name: 'main', port: httpPort, protocol: 'HTTP' },
          {
            name: 'secure',
            port: securePort,
            protocol: 'HTTPS',
            hostname: SECURE_HOST,
            tls: { mode: 'Terminate', certificateRefs: [{ name: 'secure-tls' }] },
          },
        ],
      }),
      tlsSecret('secure-tls', cert),
      {
        apiVersion: GATEWAY_API,
        kind: 'GRPCRoute',
        metadata: { name: 'secure', namespace: 'default' },
        spec: {
          parentRefs: [{ name: 'edge', sectionName: 'secure' }],
          rules: [{ matches: [{ method: { service: ECHO_SERVICE } }], backendRefs: toTwo }],
        },
      },
      service('echo-one'),
      endpointSlice('echo-one', [{ address: '127.0.0.1', port: one.port }]),
      service('echo-two'),
      endpointSlice('echo-two', [{ address: '127.0.0.1', port: two.port }]),
      service('echo-mirror'),
      endpointSlice('echo-mirror', [{ address: '127.0.0.1', port: mirror.port }]),
      {
        apiVersion: GATEWAY_API,
        kind: 'GRPCRoute',
        metadata: { name: 'echo', namespace: 'default' },
        spec: {
          parentRefs: [{ name: 'edge' }],
          hostnames: [HOST],
          rules: [
            { matches: [exact('Say')], backendRefs: toOne },
            {
              matches: [exact('Shout')],
              filters: [
                { type: 'RequestMirror', requestMirror: { backendRef: { name: 'echo-mirror', port: 80 } } },
              ],
              backendRefs: toTwo,
            },
            {
              matches: [{ ...exact('Whisper'), headers: [{ name: 'X-Route-To', value: 'two' }] }],
              backendRefs: toTwo,
            },
            {
              matches: [exact('Whisper')],
              filters: [
                {
                  type: 'RequestHeaderModifier',
                  requestHeaderModifier: {
                    set: [{ name: 'X-Gateway', value: 'causeway' }],
                    remove: ['X-Debug'],
                  },
                },
                {
                  type: 'ResponseHeaderModifier',
                  responseHeaderModifier: { add: [{ name: 'X-Served-By', value: 'edge' }] },
                },
              ],
              backendRefs: toOne,
            },
          ],
        },
      },
    ),
  );
  stack = await startRoutingGateway({ manifests: dir, httpPort, name: 'gateway-api-grpc' });
  await stack.gateway.waitForListener(securePort);
  client = grpcEchoClient(`127.0.0.1:${httpPort}`, HOST);
}, 60_000);

afterAll(async () => {
  client?.close();
  await one?.close();
  await two?.close();
  await mirror?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

function backendOf(o: EchoOutcome): string {
  expect(o).toMatchObject({ code: status.OK });
  return o.reply!.backend;
}

test('calls are routed by exact service and method to two backends, over HTTP/2', async () => {
  const say = await client.call('Say');
  expect(backendOf(say)).toBe('one');
  expect(say.reply!.method).toBe('Say');
  const shout = await client.call('Shout');
  expect(backendOf(shout)).toBe('two');
  expect(shout.reply!.method).toBe('Shout');
});

test('a header match routes the same method elsewhere', async () => {
  expect(backendOf(await client.call('Whisper', { 'x-route-to': 'two' }))).toBe('two');
  expect(backendOf(await client.call('Whisper', { 'x-route-to': 'one' }))).toBe('one');
  expect(backendOf(await client.call('Whisper'))).toBe('one');
});

test('header modifiers change what the backend and the client see', async () => {
  const r = await client.call('Whisper', { 'x-debug': '1', 'x-gateway': 'client' });
  expect(backendOf(r)).toBe('one');
  expect(r.reply!.metadata['x-gateway']).toBe('causeway');
  expect(r.reply!.metadata['x-debug']).toBeUndefined();
  expect(r.headers['x-served-by']).toBe('edge');
  const other = await client.call('Say', { 'x-debug': '1' });
  expect(other.reply!.metadata['x-debug']).toBe('1');
  expect(other.headers['x-served-by']).toBeUndefined();
});

test('a method no rule matches gets UNIMPLEMENTED from the gateway, without reaching a backend', async () => {
  const before = one.calls.length + two.calls.length;
  const r = await client.call('Unrouted');
  expect(r.code).toBe(status.UNIMPLEMENTED);
  expect(one.calls.length + two.calls.length).toBe(before);
  // Both backends do serve the method: the answer above is the gateway's.
  const direct = grpcEchoClient(`127.0.0.1:${one.port}`, HOST);
  try {
    expect(await direct.call('Unrouted')).toMatchObject({ code: status.OK, reply: { backend: 'one' } });
  } finally {
    direct.close();
  }
});

test('another hostname is not served by the route', async () => {
  const other = grpcEchoClient(`127.0.0.1:${httpPort}`, 'other.example.com');
  try {
    expect((await other.call('Say')).code).toBe(status.UNIMPLEMENTED);
  } finally {
    other.close();
  }
});

test('an HTTPS listener serves gRPC over TLS (HTTP/2 by ALPN h2) with its certificate', async () => {
  const secure = grpcEchoClient(`127.0.0.1:${securePort}`, SECURE_HOST, cert.cert);
  try {
    expect(backendOf(await secure.call('Say'))).toBe('two');
    expect(backendOf(await secure.call('Unrouted'))).toBe('two');
  } finally {
    secure.close();
  }
});

test('a RequestMirror copies the call to its Service over HTTP/2; the client gets the backend answer', async () => {
  const shouts = (): number => mirror.calls.filter((c) => c === 'Shout').length;
  const before = shouts();
  expect(backendOf(await client.call('Shout'))).toBe('two');
  // The copy is sent beside the call, not before its answer: wait for it (bounded).
  for (let i = 0; i < 100 && shouts() === before; i++) await sleep(50);
  expect(shouts()).toBe(before + 1);
  expect(backendOf(await client.call('Say'))).toBe('one');
  expect(mirror.calls).not.toContain('Say');
});
