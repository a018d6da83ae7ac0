import { describe, expect, it } from '@jest/globals';
import {
  decide,
  leaseDurationSeconds,
  observe,
  releasedRecord,
  validateTimings,
  type LeaseRecord,
  type ObservedLease,
} from './lease-decisions.js';
import { jittered } from '../../util/backoff.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const OPTS = { leaseDurationMs: 15_000 };

function observed(record: LeaseRecord, observedAt: number, resourceVersion = '7'): ObservedLease {
  return { record, resourceVersion, observedAt };
}

describe('observe', () => {
  const rec: LeaseRecord = {
    holderIdentity: 'a',
    leaseDurationSeconds: 15,
    renewTime: T0,
    leaseTransitions: 1,
  };

  it('is undefined without a Lease', () => {
    expect(observe(observed(rec, T0), undefined, T0 + 5)).toBeUndefined();
  });

  it('keeps the first observation time while the record is unchanged, even if the resourceVersion moves', () => {
    const first = observe(undefined, { record: rec, resourceVersion: '1' }, T0);
    expect(first?.observedAt).toBe(T0);
    const again = observe(first, { record: { ...rec }, resourceVersion: '2' }, T0 + 9_000);
    expect(again).toEqual({ record: rec, resourceVersion: '2', observedAt: T0 });
  });

  it('restarts the observation when the record changes (a renewal)', () => {
    const first = observe(undefined, { record: rec, resourceVersion: '1' }, T0);
    const renewed = observe(
      first,
      { record: { ...rec, renewTime: T0 + 2_000 }, resourceVersion: '2' },
      T0 + 2_100,
    );
    expect(renewed?.observedAt).toBe(T0 + 2_100);
  });
});

describe('decide', () => {
  it('creates a missing Lease, held by us', () => {
    expect(decide(undefined, T0, 'me', OPTS)).toEqual({
      action: 'create',
      record: {
        holderIdentity: 'me',
        leaseDurationSeconds: 15,
        acquireTime: T0,
        renewTime: T0,
        leaseTransitions: 0,
      },
    });
  });

  it('renews its own Lease, keeping acquireTime and the transition count', () => {
    const lease = observed(
      {
        holderIdentity: 'me',
        leaseDurationSeconds: 15,
        acquireTime: T0 - 60_000,
        renewTime: T0 - 2_000,
        leaseTransitions: 3,
      },
      T0 - 2_000,
    );
    expect(decide(lease, T0, 'me', OPTS)).toEqual({
      action: 'update',
      resourceVersion: '7',
      takeover: false,
      record: {
        holderIdentity: 'me',
        leaseDurationSeconds: 15,
        acquireTime: T0 - 60_000,
        renewTime: T0,
        leaseTransitions: 3,
      },
    });
  });

  it("waits while another holder's Lease is valid, until leaseDuration after it was observed", () => {
    const lease = observed({ holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: T0 }, T0);
    expect(decide(lease, T0 + 14_999, 'me', OPTS)).toEqual({
      action: 'wait',
      holder: 'other',
      expiresAt: T0 + 15_000,
    });
  });

  it('takes over an expired Lease and counts the transition', () => {
    const lease = observed(
      {
        holderIdentity: 'other',
        leaseDurationSeconds: 15,
        acquireTime: T0 - 99_000,
        renewTime: T0,
        leaseTransitions: 4,
      },
      T0,
    );
    expect(decide(lease, T0 + 15_000, 'me', OPTS)).toEqual({
      action: 'update',
      resourceVersion: '7',
      takeover: true,
      record: {
        holderIdentity: 'me',
        leaseDurationSeconds: 15,
        acquireTime: T0 + 15_000,
        renewTime: T0 + 15_000,
        leaseTransitions: 5,
      },
    });
  });

  it('takes a released Lease (empty holder) at once', () => {
    const lease = observed(releasedRecord({ holderIdentity: 'other', leaseTransitions: 2 }, T0), T0);
    const d = decide(lease, T0 + 1, 'me', OPTS);
    expect(d).toMatchObject({
      action: 'update',
      takeover: true,
      record: { holderIdentity: 'me', leaseTransitions: 3 },
    });
    expect(decide(observed({ leaseDurationSeconds: 15 }, T0), T0, 'me', OPTS)).toMatchObject({
      takeover: true,
    });
  });

  it("judges expiry on the local clock, not on the holder's renewTime (clock skew)", () => {
    // The holder's clock is an hour behind: its renewTime looks ancient, but it renews; we just saw it.
    const skewedBehind = observed(
      { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: T0 - 3_600_000 },
      T0,
    );
    expect(decide(skewedBehind, T0 + 1_000, 'me', OPTS)).toMatchObject({ action: 'wait' });
    // Its clock is ahead: renewTime in the future does not keep a dead holder forever.
    const skewedAhead = observed(
      { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: T0 + 3_600_000 },
      T0,
    );
    expect(decide(skewedAhead, T0 + 15_000, 'me', OPTS)).toMatchObject({ action: 'update', takeover: true });
  });

  it("respects the holder's lease duration rather than ours", () => {
    const lease = observed({ holderIdentity: 'other', leaseDurationSeconds: 60 }, T0);
    expect(decide(lease, T0 + 30_000, 'me', OPTS)).toMatchObject({ action: 'wait', expiresAt: T0 + 60_000 });
    expect(decide(lease, T0 + 60_000, 'me', OPTS)).toMatchObject({ action: 'update', takeover: true });
  });
});

describe('timings', () => {
  it('rounds lease durations up to whole seconds', () => {
    expect(leaseDurationSeconds(15_000)).toBe(15);
    expect(leaseDurationSeconds(1_500)).toBe(2);
    expect(leaseDurationSeconds(10)).toBe(1);
  });

  it('jitters within ±fraction', () => {
    expect(jittered(2_000, 0.1, () => 0)).toBe(1_800);
    expect(jittered(2_000, 0.1, () => 0.5)).toBe(2_000);
    expect(jittered(2_000, 0.1, () => 0.999999)).toBe(2_200);
    for (let i = 0; i < 200; i++) {
      const v = jittered(2_000, 0.2);
      expect(v).toBeGreaterThanOrEqual(1_600);
      expect(v).toBeLessThanOrEqual(2_400);
    }
  });

  it('requires leaseDuration > renewDeadline > retryPeriod with jitter', () => {
    expect(() =>
      validateTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }),
    ).not.toThrow();
    expect(() =>
      validateTimings({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }),
    ).toThrow(/leaseDurationMs/);
    expect(() =>
      validateTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 2_200, retryPeriodMs: 2_000 }),
    ).toThrow(/renewDeadlineMs/);
    expect(() =>
      validateTimings({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 0 }),
    ).toThrow(/retryPeriodMs/);
  });
});
