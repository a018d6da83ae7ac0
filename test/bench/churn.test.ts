/**
 * The churn run's bookkeeping (churn.ts): the write schedule covers every Service and cluster with unique
 * addresses, the queue depth counts overlapping intervals, and the tracker marks a write in the cache only
 * when a stored ClusterLoadAssignment holds its address and ACKed only once every gateway of its group
 * ACKed that version or a newer one.
 */
import type { Harness } from './bench-harness.js';
import { EDS } from './bench-harness.js';
import {
  churnAddress,
  ChurnTracker,
  churnWrite,
  churnWriteCount,
  maxOverlap,
  type ChurnPlan,
} from './churn.js';
import { monotonicMs } from './http-prober.js';

const PLAN: ChurnPlan = {
  rate: 1000,
  seconds: 0.01,
  churnServices: 5,
  services: 20,
  endpointsPerSlice: 3,
  clusters: 2,
};

describe('churn schedule', () => {
  it('writes every churned Service in every cluster once per round, each with a new address', () => {
    const writes = Array.from({ length: 2 * PLAN.churnServices }, (_, k) => churnWrite(PLAN, k));
    const pairs = new Set(writes.map((w) => `${w.service}/${w.cluster}`));
    expect(pairs.size).toBe(2 * PLAN.churnServices);
    expect(new Set(writes.map((w) => w.service))).toEqual(new Set([13, 12, 11, 10, 9]));
    expect(new Set(writes.map((w) => w.address)).size).toBe(writes.length);
    expect(churnAddress(65_536 + 258)).toBe('10.129.1.2');
  });

  it('counts the most intervals open at once, open-ended ones to the end', () => {
    expect(maxOverlap([0, 1, 2, 10], [5, 3, NaN, 11])).toBe(3);
    expect(maxOverlap([0, 5], [5, 6])).toBe(1);
  });
});

/** A cache and an ACK board with just what the tracker reads. */
function fakeHarness() {
  let snapshot = {
    version: 'v0',
    resources: new Map<string, { name: string; version: string; value: Uint8Array }>(),
  };
  const listeners: Array<() => void> = [];
  const waiters: Array<
    (conn: { group: string; nodeId: string }, typeUrl: string, version: string) => boolean
  > = [];
  const h = {
    cache: {
      snapshot: () => ({ types: new Map([[EDS, snapshot]]) }),
      subscribe: (_g: string, fn: () => void) => {
        listeners.push(fn);
        return () => undefined;
      },
    },
    board: {
      until: (w: (typeof waiters)[number]) => {
        waiters.push(w);
        return new Promise<void>(() => undefined);
      },
    },
  } as unknown as Harness;
  return {
    h,
    store(version: string, addresses: readonly string[]) {
      const value = Buffer.concat(
        addresses.map((a) => Buffer.concat([Buffer.from([a.length]), Buffer.from(a)])),
      );
      snapshot = { version, resources: new Map([['cla', { name: 'cla', version, value }]]) };
      for (const l of listeners) l();
    },
    ack(nodeId: string, version: string) {
      for (const w of waiters) w({ group: 'g', nodeId }, EDS, version);
    },
  };
}

describe('ChurnTracker', () => {
  it('is in the cache when the address is stored and ACKed when every member ACKed it', () => {
    const plan: ChurnPlan = { ...PLAN, churnServices: 1, services: 1 };
    const f = fakeHarness();
    const t = new ChurnTracker(f.h, {
      plan,
      startMs: monotonicMs() - 1000,
      groupsOf: () => ['g'],
      claName: () => 'cla',
      members: new Map([['g', ['a', 'b']]]),
    });
    expect(churnWriteCount(plan)).toBe(10);
    f.store('v1', ['10.0.0.1']);
    expect(Number.isNaN(t.inCacheAt[0]!)).toBe(true);
    // Write 1 (the other cluster's slice) says nothing of write 0.
    f.store('v2', [churnAddress(1)]);
    expect(Number.isNaN(t.inCacheAt[0]!)).toBe(true);
    expect(Number.isNaN(t.inCacheAt[1]!)).toBe(false);
    expect(Number.isNaN(t.inCacheAt[2]!)).toBe(true);
    f.ack('a', 'v2');
    expect(Number.isNaN(t.ackedAt[1]!)).toBe(true);
    f.ack('b', 'v1');
    expect(Number.isNaN(t.ackedAt[1]!)).toBe(true);
    // Write 2 is of write 0's slice: both are in (write 0's address was overwritten).
    f.store('v3', [churnAddress(1), churnAddress(2)]);
    expect(Number.isNaN(t.inCacheAt[0]!)).toBe(false);
    f.ack('b', 'v3');
    expect(Number.isNaN(t.ackedAt[1]!)).toBe(false);
    // Writes 0 and 2 (in v3) wait for member a.
    expect(Number.isNaN(t.ackedAt[0]!)).toBe(true);
    expect(Number.isNaN(t.ackedAt[2]!)).toBe(true);
    f.ack('a', 'v3');
    expect(Number.isNaN(t.ackedAt[0]!)).toBe(false);
    expect(Number.isNaN(t.ackedAt[2]!)).toBe(false);
    t.close();
  });
});
