/**
 * Every bound on what an xDS client can make the server hold or do, over real grpc-js streams: NACK
 * messages clipped wherever they are kept, unknown types counted and logged rate-limited, the request
 * queue cap, the handshake timeout and the idle-connection timeout.
 */
import http2 from 'node:http2';
import { status } from '@grpc/grpc-js';
import type { AdsLogger } from './ads-logger.js';
import { CLIENT_TEXT_LIMITS, truncationMarker } from './client-input.js';
import type { Harness } from './testdata/ads-fixtures.js';
import { CDS, EDS, cla, cluster, eventually, resources, startHarness } from './testdata/ads-fixtures.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface Line {
  readonly level: string;
  readonly obj: Record<string, unknown>;
  readonly msg: string;
}

function recordingLogger(): { logger: AdsLogger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? '' });
    };
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

const group = (connectTimeout: string): ReturnType<typeof resources> =>
  resources({ clusters: [cluster('c1', connectTimeout)], endpoints: [cla('c1')] });

const MAX_NACK = CLIENT_TEXT_LIMITS.nackMessage + truncationMarker(3_000_000).length;

test('20 NACKs of 3 MB each: what the server keeps, reports and logs stays bounded', async () => {
  const { logger, lines } = recordingLogger();
  h = await startHarness({ logger });
  const huge = 'e'.repeat(3_000_000);
  const s = h.client.sotw({ id: 'gw-1' });
  s.subscribe(CDS);
  for (let i = 1; i <= 20; i++) {
    h.cache.setAll(new Map([['default', group(`${i}s`)]]));
    const res = await s.nextResponse(CDS, 5_000);
    s.nack(res, huge);
    await eventually(() => h!.events.of('nack').length === i, 5_000);
  }
  const nacks = h.events.of('nack');
  expect(nacks).toHaveLength(20);
  for (const n of nacks) {
    if (n.kind !== 'nack') throw new Error('not a nack');
    expect(n.message.length).toBe(MAX_NACK); // not toHaveLength: a failure would print 3 MB
    expect(n.message.startsWith('e'.repeat(CLIENT_TEXT_LIMITS.nackMessage))).toBe(true);
    expect(n.message.endsWith(truncationMarker(3_000_000 - CLIENT_TEXT_LIMITS.nackMessage))).toBe(true);
  }
  const registry = JSON.stringify(h.server.connections());
  const logged = lines.reduce((n, l) => n + JSON.stringify(l.obj).length + l.msg.length, 0);
  console.log(
    `20 NACKs of 3,000,000 chars: kept per NACK ${MAX_NACK} chars, /api/gateways view ${registry.length} chars, ` +
      `${logged} chars logged`,
  );
  expect(registry.length).toBeLessThan(2 * MAX_NACK);
  expect(logged).toBeLessThan(25 * MAX_NACK);
}, 30_000); // 60 MB through gRPC: seconds on a loaded 2-core CI machine (not a timing assertion)

test('requests for unknown types: every one counted, a few lines logged, none echoes a huge type URL', async () => {
  const { logger, lines } = recordingLogger();
  h = await startHarness({ logger });
  h.cache.setAll(new Map([['default', group('1s')]]));
  const s = h.client.sotw({ id: 'gw-1' });
  s.subscribe(CDS);
  await s.nextResponse(CDS);
  for (let i = 0; i < 100; i++) s.send({ type_url: `type.example/unknown.${i}.${'u'.repeat(10_000)}` });
  await eventually(() => h!.events.of('unknown-type').length === 100);
  const warned = lines.filter((l) => l.msg === 'ads request for a type not served; ignored');
  expect(warned).toHaveLength(5);
  for (const w of warned)
    expect(String(w.obj['typeUrl']).length).toBeLessThanOrEqual(
      CLIENT_TEXT_LIMITS.typeUrl + truncationMarker(10_000).length,
    );
  expect(h.server.connections()).toHaveLength(1); // ignored, the stream goes on
});

test('a client with more requests waiting than the cap is cut off; a normal one is not', async () => {
  const { logger, lines } = recordingLogger();
  h = await startHarness({ logger, maxQueuedRequests: 4 });
  const calm = h.client.sotw({ id: 'calm' });
  calm.subscribe(CDS);
  const flood = h.client.sotw({ id: 'flood' });
  for (let i = 0; i < 50; i++) flood.subscribe(CDS, [`c${i}`]); // the cache is not ready: all wait
  const end = await flood.status;
  expect(end.code).toBe(status.RESOURCE_EXHAUSTED);
  expect(end.details).toMatch(/cut off: more than 4 requests waiting/);
  expect(h.events.of('cut')).toEqual([{ kind: 'cut', node: 'flood', reason: 'request_queue_full' }]);
  expect(lines.find((l) => l.obj['code'] === 'CW_E_XDS_CLIENT_LIMIT')?.obj).toMatchObject({
    node: 'flood',
    reason: 'request_queue_full',
  });
  h.cache.setAll(new Map([['default', group('1s')]]));
  await calm.nextResponse(CDS);
});

test('a Delta client subscribing to more names than the cap is cut off; within the cap it is served', async () => {
  h = await startHarness({ maxSubscribedNames: 100, maxSubscribedNameChars: 10_000 });
  h.cache.setAll(new Map([['default', group('1s')]]));
  const within = h.client.delta({ id: 'within' });
  within.subscribe(
    EDS,
    Array.from({ length: 100 }, (_, i) => `c${i}`),
  );
  await within.nextResponse(EDS);
  const many = h.client.delta({ id: 'many' });
  for (let i = 0; i < 3; i++)
    many.subscribe(
      EDS,
      Array.from({ length: 40 }, (_, j) => `n${i}-${j}`),
    );
  expect((await many.status).code).toBe(status.RESOURCE_EXHAUSTED);
  const long = h.client.delta({ id: 'long' });
  long.subscribe(EDS, ['x'.repeat(6_000)]);
  long.subscribe(EDS, ['y'.repeat(6_000)]);
  const end = await long.status;
  expect(end.code).toBe(status.RESOURCE_EXHAUSTED);
  expect(end.details).toMatch(/subscribed to more than 100 names or 10000 characters/);
  expect(h.events.of('cut')).toEqual([
    { kind: 'cut', node: 'many', reason: 'too_many_subscriptions' },
    { kind: 'cut', node: 'long', reason: 'too_many_subscriptions' },
  ]);
  expect(h.server.connections().map((c) => c.nodeId)).toEqual(['within']);
});

test('a stream that never sends its first request is closed after the handshake timeout', async () => {
  h = await startHarness({ handshakeTimeoutMs: 200 });
  h.cache.setAll(new Map([['default', group('1s')]]));
  const silent = h.client.sotw({ id: 'silent' });
  const talker = h.client.sotw({ id: 'talker' });
  talker.subscribe(CDS);
  await talker.nextResponse(CDS);
  const end = await silent.status;
  expect(end.code).toBe(status.DEADLINE_EXCEEDED);
  expect(end.details).toMatch(/no DiscoveryRequest within 200 ms/);
  expect(h.events.of('cut')).toEqual([{ kind: 'cut', node: undefined, reason: 'handshake_timeout' }]);
  await new Promise((r) => setTimeout(r, 300));
  expect(h.server.connections().map((c) => c.nodeId)).toEqual(['talker']);
});

test('a connection that opens no stream is closed after the idle timeout', async () => {
  h = await startHarness({ connectionIdleTimeoutMs: 300 });
  const session = http2.connect(`http://127.0.0.1:${h.port}`);
  session.on('error', () => undefined);
  const started = Date.now();
  await new Promise<void>((resolve) => session.on('close', () => resolve()));
  const took = Date.now() - started;
  expect(took).toBeGreaterThanOrEqual(250);
  expect(took).toBeLessThan(5_000);
});
