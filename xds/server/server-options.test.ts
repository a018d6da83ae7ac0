import { AckTracker } from './ack-tracker.js';
import { createNonceSource } from './nonce.js';
import { DEFAULT_TUNING, grpcServerOptions, resolveTuning } from './server-options.js';
import { jittered } from '../../src/util/backoff.js';

describe('server options', () => {
  it('jitters the max connection age within ±fraction, per server start', () => {
    expect(jittered(1000, 0.1, () => 0)).toBe(900);
    expect(jittered(1000, 0.1, () => 0.5)).toBe(1000);
    expect(jittered(1000, 0.1, () => 0.999999)).toBe(1100);
    const t = resolveTuning({
      maxConnectionAgeMs: 60_000,
      maxConnectionAgeGraceMs: 5_000,
      keepaliveTimeMs: 7_000,
    });
    expect(grpcServerOptions(t, () => 0)).toMatchObject({
      'grpc.max_connection_age_ms': 54_000,
      'grpc.max_connection_age_grace_ms': 5_000,
      'grpc.keepalive_time_ms': 7_000,
      'grpc.keepalive_timeout_ms': DEFAULT_TUNING.keepaliveTimeoutMs,
    });
    expect(grpcServerOptions(resolveTuning({}), () => 1)['grpc.max_connection_age_ms']).toBe(33 * 60_000);
  });

  it('closes idle connections and bounds streams by default', () => {
    const t = resolveTuning({});
    expect(t).toMatchObject({
      handshakeTimeoutMs: 10_000,
      connectionIdleTimeoutMs: 60_000,
      maxQueuedRequests: 256,
      maxSubscribedNames: 100_000,
      maxSubscribedNameChars: 20_000_000,
    });
    expect(grpcServerOptions(t, () => 0.5)['grpc.max_connection_idle_ms']).toBe(60_000);
    expect(grpcServerOptions(resolveTuning({ connectionIdleTimeoutMs: 500 }), () => 0.5)).toMatchObject({
      'grpc.max_connection_idle_ms': 500,
    });
    expect(() => resolveTuning({ maxQueuedRequests: 0 })).toThrow(
      /maxQueuedRequests must be an integer >= 1/,
    );
    expect(() => resolveTuning({ maxQueuedRequests: 2.5 })).toThrow(/maxQueuedRequests/);
    expect(() => resolveTuning({ maxSubscribedNames: -5 })).toThrow(/maxSubscribedNames/);
    expect(() => resolveTuning({ connectionIdleTimeoutMs: 0 })).toThrow(/connectionIdleTimeoutMs/);
    expect(() => resolveTuning({ handshakeTimeoutMs: -1 })).toThrow(/handshakeTimeoutMs/);
    expect(resolveTuning({ handshakeTimeoutMs: 0 }).handshakeTimeoutMs).toBe(0);
  });

  it('rejects nonsense tuning', () => {
    expect(() => resolveTuning({ keepaliveTimeMs: -1 })).toThrow(/keepaliveTimeMs/);
    expect(() => resolveTuning({ maxConnectionAgeJitter: 1 })).toThrow(/below 1/);
    expect(() => resolveTuning({ holdRemovalsMs: Number.NaN })).toThrow(/holdRemovalsMs/);
  });
});

describe('nonces', () => {
  it('never repeat, within a source or across sources', () => {
    const a = createNonceSource();
    const b = createNonceSource();
    const all = new Set([a(), a(), a(), b(), b()]);
    expect(all.size).toBe(5);
  });
});

describe('AckTracker', () => {
  it('a Delta ACK says which resources it covers (updated or removed); a SotW ACK covers the whole type', () => {
    const t = new AckTracker(() => 0);
    t.recordPush('T', 'n1', 'v1', ['a'], ['gone']);
    expect(t.onRequest('T', 'n1', null)).toEqual({ kind: 'ack', version: 'v1', covers: ['a', 'gone'] });
    t.recordPush('T', 'n2', 'v2', ['a', 'b']);
    expect(t.onRequest('T', 'n2', null)).toEqual({ kind: 'ack', version: 'v2' });
  });

  it('classifies requests by their response_nonce', () => {
    const t = new AckTracker(() => 0);
    expect(t.onRequest('T', 'from-another-stream', null)).toEqual({ kind: 'none' });
    t.recordPush('T', 'n1', 'v1', ['a']);
    t.recordPush('T', 'n2', 'v2', ['a', 'b']);
    expect(t.onRequest('T', 'n1', null)).toEqual({ kind: 'stale' });
    expect(t.onRequest('T', '', null)).toEqual({ kind: 'none' });
    expect(t.onRequest('T', 'n2', { code: 3, message: 'no' })).toEqual({
      kind: 'nack',
      nack: { version: 'v2', message: 'no', resourceNames: ['a', 'b'], at: new Date(0).toISOString() },
    });
    expect(t.onRequest('T', 'n2', null)).toEqual({ kind: 'none' }); // already answered
    t.recordPush('T', 'n3', 'v3', []);
    expect(t.onRequest('T', 'n3', null)).toEqual({ kind: 'ack', version: 'v3' });
    expect(t.info()).toEqual([
      {
        typeUrl: 'T',
        sentVersion: 'v3',
        ackedVersion: 'v3',
        state: 'acked',
        sentAt: new Date(0).toISOString(),
        lastNack: { version: 'v2', message: 'no', resourceNames: ['a', 'b'], at: new Date(0).toISOString() },
      },
    ]);
  });
});
