import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createLogger } from '../../observability/logger.js';
import { LeaderElector } from './leader-election.js';
import type { LeaseClient } from './lease-client.js';
import type { LeaseRecord, StoredLease } from './lease-decisions.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');

// ---------------------------------------------------------------------------------------------------
// The elector, against an in-memory Lease with the apiserver's optimistic concurrency, on fake timers.

type Mode = 'ok' | 'fail' | 'hang';

function apiError(code: number): Error {
  return Object.assign(new Error(`HTTP-Code: ${code}`), { code });
}

class FakeLeaseStore {
  lease: StoredLease | undefined;
  mode: Mode = 'ok';
  /** The next replace finds the Lease changed under it (someone labelled it): 409. */
  conflictOnce = false;
  conflicts = 0;
  private rv = 0;
  readonly writes: { by: string; record: LeaseRecord }[] = [];

  set(record: LeaseRecord): void {
    this.lease = { record, resourceVersion: String(++this.rv) };
  }

  client(who: string): LeaseClient {
    const op = async <T>(fn: () => T): Promise<T> => {
      await Promise.resolve();
      if (this.mode === 'fail')
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
      if (this.mode === 'hang') return new Promise<T>(() => undefined);
      return fn();
    };
    return {
      get: () => op(() => this.lease),
      create: (record) =>
        op(() => {
          if (this.lease) throw apiError(409);
          this.set(record);
          this.writes.push({ by: who, record });
          return this.lease!;
        }),
      replace: (record, resourceVersion) =>
        op(() => {
          if (!this.lease) throw apiError(404);
          if (this.conflictOnce) {
            this.conflictOnce = false;
            this.set(this.lease.record);
          }
          if (this.lease.resourceVersion !== resourceVersion) this.conflicts++;
          if (this.lease.resourceVersion !== resourceVersion) throw apiError(409);
          this.set(record);
          this.writes.push({ by: who, record });
          return this.lease;
        }),
    };
  }
}

const logger = createLogger({ level: 'silent' });

interface Harness {
  readonly elector: LeaderElector;
  readonly events: string[];
}

function elector(store: FakeLeaseStore, identity: string, extra: { onStopped?: () => void } = {}): Harness {
  const events: string[] = [];
  const e = new LeaderElector({
    namespace: 'causeway-system',
    name: 'causeway-leader',
    identity,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    logger,
    client: store.client(identity),
    random: () => 0.5,
    onStartedLeading: () => events.push(`started@${Date.now() - T0}`),
    onStoppedLeading: () => {
      events.push(`stopped@${Date.now() - T0}`);
      extra.onStopped?.();
    },
  });
  return { elector: e, events };
}

describe('LeaderElector', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('creates the Lease, leads, and renews every retry period', async () => {
    const store = new FakeLeaseStore();
    const { elector: a, events } = elector(store, 'a');
    a.start();
    await jest.advanceTimersByTimeAsync(1);
    expect(a.isLeader()).toBe(true);
    expect(events).toEqual(['started@0']);
    expect(store.lease?.record).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
    });
    await jest.advanceTimersByTimeAsync(10_000);
    const renewals = store.writes.filter((w) => w.by === 'a').map((w) => w.record.renewTime! - T0);
    expect(renewals).toEqual([0, 2_000, 4_000, 6_000, 8_000, 10_000]);
    expect(new Set(store.writes.map((w) => w.record.acquireTime))).toEqual(new Set([T0]));
    expect(events).toEqual(['started@0']);
    await a.stop();
  });

  it('lets exactly one of two candidates lead; the other takes over when the leader stops', async () => {
    const store = new FakeLeaseStore();
    const a = elector(store, 'a');
    const b = elector(store, 'b');
    a.elector.start();
    b.elector.start();
    await jest.advanceTimersByTimeAsync(1);
    // Both read "no Lease" and tried to create it; the apiserver let one win (409 for the other).
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    await jest.advanceTimersByTimeAsync(30_000);
    expect(leader.elector.isLeader()).toBe(true);
    expect(follower.elector.isLeader()).toBe(false);
    expect(follower.events).toEqual([]);

    const stopping = leader.elector.stop();
    // onStoppedLeading has already run: stop() calls it synchronously.
    expect(leader.events.at(-1)).toMatch(/^stopped@/);
    expect(leader.elector.isLeader()).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await stopping;
    expect(store.lease?.record.holderIdentity).toBe('');
    const stoppedAt = Date.now();
    // The successor takes the released Lease at its next attempt (retry period ± 20 %), not after expiry.
    await jest.advanceTimersByTimeAsync(2_500);
    expect(follower.elector.isLeader()).toBe(true);
    expect(Number(follower.events[0]!.split('@')[1]) + T0 - stoppedAt).toBeLessThanOrEqual(2_400);
    expect(store.lease?.record).toMatchObject({
      holderIdentity: follower.elector.identity,
      leaseTransitions: 1,
    });
    await follower.elector.stop();
  });

  it('takes over a crashed leader only after leaseDuration without renewals', async () => {
    const store = new FakeLeaseStore();
    store.set({
      holderIdentity: 'crashed',
      leaseDurationSeconds: 15,
      renewTime: T0,
      acquireTime: T0,
      leaseTransitions: 0,
    });
    const { elector: b, events } = elector(store, 'b');
    b.start();
    await jest.advanceTimersByTimeAsync(14_000);
    expect(b.isLeader()).toBe(false);
    await jest.advanceTimersByTimeAsync(3_000);
    expect(b.isLeader()).toBe(true);
    // First observed at 0; expired at 15 s; taken at the first attempt after that (every 2 s).
    expect(events).toEqual(['started@16000']);
    expect(store.lease?.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await b.stop();
  });

  it('stops leading within renewDeadline when renewals fail, and leads again when they work', async () => {
    const store = new FakeLeaseStore();
    const { elector: a, events } = elector(store, 'a');
    a.start();
    await jest.advanceTimersByTimeAsync(4_001); // renewed at 0, 2 s, 4 s
    store.mode = 'fail';
    await jest.advanceTimersByTimeAsync(9_990);
    expect(a.isLeader()).toBe(true);
    expect(events).toEqual(['started@0']);
    await jest.advanceTimersByTimeAsync(20);
    // The last successful round started at 4 s: it stops leading at 4 s + 10 s.
    expect(events).toEqual(['started@0', 'stopped@14000']);
    expect(a.isLeader()).toBe(false);
    store.mode = 'ok';
    await jest.advanceTimersByTimeAsync(2_500);
    expect(a.isLeader()).toBe(true);
    expect(events).toHaveLength(3);
    await a.stop();
  });

  it('stops leading at the deadline even when requests hang', async () => {
    const store = new FakeLeaseStore();
    const { elector: a, events } = elector(store, 'a');
    a.start();
    await jest.advanceTimersByTimeAsync(1);
    store.mode = 'hang';
    await jest.advanceTimersByTimeAsync(10_000);
    expect(events).toEqual(['started@0', 'stopped@10000']);
    void a.stop();
  });

  it('reports not leading as soon as the deadline passed, even if its timer has not run yet', () => {
    const store = new FakeLeaseStore();
    const { elector: a, events } = elector(store, 'a');
    a.start();
    return (async () => {
      await jest.advanceTimersByTimeAsync(1);
      store.mode = 'hang';
      // The clock jumps (a blocked event loop): no timer has fired.
      jest.setSystemTime(T0 + 10_500);
      expect(a.isLeader()).toBe(false);
      expect(events).toEqual(['started@0', 'stopped@10500']);
      void a.stop();
    })();
  });

  it('stops leading within one renew period when another replica took the Lease', async () => {
    const store = new FakeLeaseStore();
    const { elector: a, events } = elector(store, 'a');
    a.start();
    await jest.advanceTimersByTimeAsync(1);
    // Someone (say, a replica that believed it expired) writes itself in.
    store.set({
      holderIdentity: 'usurper',
      leaseDurationSeconds: 15,
      renewTime: Date.now(),
      leaseTransitions: 1,
    });
    await jest.advanceTimersByTimeAsync(2_000);
    expect(a.isLeader()).toBe(false);
    expect(events).toEqual(['started@0', 'stopped@2000']);
    await a.stop();
    // It does not release a Lease it no longer holds.
    expect(store.lease?.record.holderIdentity).toBe('usurper');
  });

  it('re-reads at once after a 409 while leading', async () => {
    const store = new FakeLeaseStore();
    const { elector: a, events } = elector(store, 'a');
    a.start();
    await jest.advanceTimersByTimeAsync(1);
    // A metadata-only change (someone labels the Lease) between read and write: the renewal conflicts,
    // and the elector re-reads and renews at once (a 0 ms timer: 1 ms) rather than a retry period later.
    store.conflictOnce = true;
    await jest.advanceTimersByTimeAsync(2_001);
    expect(store.conflicts).toBe(1);
    expect(a.isLeader()).toBe(true);
    expect(store.writes.filter((w) => w.by === 'a').map((w) => w.record.renewTime! - T0)).toEqual([0, 2_001]);
    expect(events).toEqual(['started@0']);
    await a.stop();
  });

  it('does not lead on a write that succeeds after the deadline', async () => {
    const store = new FakeLeaseStore();
    let release: (() => void) | undefined;
    const slow: LeaseClient = {
      ...store.client('a'),
      get: async () => {
        await new Promise<void>((resolve) => (release = resolve));
        return store.lease;
      },
    };
    const events: string[] = [];
    const a = new LeaderElector({
      namespace: 'ns',
      name: 'lease',
      identity: 'a',
      logger,
      client: slow,
      onStartedLeading: () => events.push('started'),
    });
    a.start();
    await jest.advanceTimersByTimeAsync(11_000);
    release?.();
    await jest.advanceTimersByTimeAsync(1);
    expect(a.isLeader()).toBe(false);
    expect(events).toEqual([]);
    void a.stop();
  });

  it('calls onStoppedLeading before anything else, with isLeader already false', async () => {
    const store = new FakeLeaseStore();
    const seen: unknown[] = [];
    const holder: { e?: LeaderElector } = {};
    const h = elector(store, 'a', {
      onStopped: () =>
        seen.push({ leader: holder.e!.isLeader(), holder: store.lease?.record.holderIdentity }),
    });
    holder.e = h.elector;
    h.elector.start();
    await jest.advanceTimersByTimeAsync(1);
    const done = h.elector.stop();
    // Synchronous, and before the Lease is released.
    expect(seen).toEqual([{ leader: false, holder: 'a' }]);
    await jest.advanceTimersByTimeAsync(1);
    await done;
    expect(store.lease?.record.holderIdentity).toBe('');
  });

  it('needs a kubeConfig or a client, and a non-empty identity', () => {
    expect(() => new LeaderElector({ namespace: 'n', name: 'l', identity: 'a', logger })).toThrow(
      /kubeConfig/,
    );
    const client = new FakeLeaseStore().client('x');
    expect(() => new LeaderElector({ namespace: 'n', name: 'l', identity: '', logger, client })).toThrow(
      /identity/,
    );
  });
});
