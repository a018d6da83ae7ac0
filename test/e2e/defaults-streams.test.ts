/**
 * The stream defaults through a real Envoy gateway (issue 12, item 1): a WebSocket round trip and a 30 s
 * server-sent-event stream pass with no annotation; `causeway.dev/websocket: "false"` refuses the
 * upgrade on its own Ingress only; `causeway.dev/idle-timeout` cuts a stream that goes quiet; request
 * bodies are unlimited by default and `causeway.dev/max-body-size` answers 413 past its cap.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  endpointSlice,
  INGRESS_CLASS,
  service,
  tempDir,
  yamlDocs,
  hostIngress as ingressFor,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startStandaloneGateway, type StandaloneGateway } from '../support/standalone-gateway.js';
import {
  postBody,
  readEventStream,
  startStreamBackend,
  webSocketRoundTrip,
  type StreamBackend,
} from '../support/stream-backend.js';

function hostIngress(name: string, host: string, annotations: Record<string, string> = {}): object {
  return ingressFor({ name, host, service: 'streams', annotations });
}

let dir: string;
let backend: StreamBackend;
let stack: StandaloneGateway | undefined;
let httpPort: number;

beforeAll(async () => {
  dir = tempDir('causeway-e2e-streams-');
  backend = await startStreamBackend();
  [httpPort] = (await freePorts(1)) as [number];
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('streams'),
      endpointSlice('streams', [{ address: '127.0.0.1', port: backend.port }]),
      hostIngress('defaults', 'defaults.example.com'),
      hostIngress('no-ws', 'no-ws.example.com', { 'causeway.dev/websocket': 'false' }),
      hostIngress('quick-idle', 'quick-idle.example.com', { 'causeway.dev/idle-timeout': '1s' }),
      hostIngress('capped', 'capped.example.com', { 'causeway.dev/max-body-size': '64k' }),
    ),
  );
  stack = await startStandaloneGateway({ manifests: dir, httpPort, name: 'streams-gateway' });
  await stack.gateway.waitForListener(httpPort);
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

test('a WebSocket round trip passes with default settings', async () => {
  const r = await webSocketRoundTrip(httpPort, 'defaults.example.com', '/chat', 'hello');
  expect(r).toEqual({ upgraded: true, reply: 'echo:hello' });
});

test('websocket "false" refuses the upgrade on that Ingress only', async () => {
  expect(await webSocketRoundTrip(httpPort, 'no-ws.example.com', '/chat', 'hello')).toEqual({
    upgraded: false,
    status: 403,
  });
  // Plain requests to that Ingress still pass.
  const plain = await readEventStream(httpPort, 'no-ws.example.com', '/events?count=1&interval=10');
  expect(plain).toMatchObject({ status: 200, events: 1, complete: true });
});

test('a 30 s server-sent-event stream (an event every 2 s) passes completely by default', async () => {
  const r = await readEventStream(httpPort, 'defaults.example.com', '/events?count=15&interval=2000');
  process.stdout.write(
    `30 s event stream through the gateway: ${r.events} events in ${r.ms.toFixed(0)} ms\n`,
  );
  expect(r).toMatchObject({ status: 200, events: 15, complete: true });
  expect(r.ms).toBeGreaterThanOrEqual(29_000);
}, 60_000);

test('idle-timeout cuts a stream that goes quiet for longer than it', async () => {
  const r = await readEventStream(httpPort, 'quick-idle.example.com', '/events?count=3&interval=2500');
  expect(r.complete).toBe(false);
  expect(r.events).toBe(0);
  expect(r.ms).toBeGreaterThanOrEqual(900);
  expect(r.ms).toBeLessThan(2400);
});

test('request bodies are unlimited by default (8 MiB passes, streamed past every buffer limit)', async () => {
  const r = await postBody(httpPort, 'defaults.example.com', 8 * 1024 * 1024);
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)).toEqual({ bytes: 8 * 1024 * 1024 });
});

test('max-body-size 64k: a body under it passes, one past it gets 413 (with or without Content-Length)', async () => {
  const under = await postBody(httpPort, 'capped.example.com', 60 * 1024);
  expect(under.status).toBe(200);
  expect(JSON.parse(under.body)).toEqual({ bytes: 60 * 1024 });
  expect((await postBody(httpPort, 'capped.example.com', 65 * 1024)).status).toBe(413);
  expect((await postBody(httpPort, 'capped.example.com', 65 * 1024, true)).status).toBe(413);
  // The cap is that Ingress's own: another Ingress on the gateway still takes a large body.
  expect((await postBody(httpPort, 'defaults.example.com', 65 * 1024)).status).toBe(200);
});
