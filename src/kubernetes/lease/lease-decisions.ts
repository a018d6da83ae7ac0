/**
 * The pure decisions of leader election on a Lease (see leader-election.ts for the semantics): what a
 * replica observed (`observe`), what it should do with the Lease (`decide`), the record that releases it,
 * and the timing rules (`validateTimings`, the renew and acquire jitters).
 */

/** The leader election fields of a Lease's spec; times in epoch ms. */
export interface LeaseRecord {
  /** Empty or absent: nobody holds the Lease (released). */
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: number;
  readonly renewTime?: number;
  readonly leaseTransitions?: number;
}

/** A Lease as read from the apiserver. */
export interface StoredLease {
  readonly record: LeaseRecord;
  readonly resourceVersion: string;
}

/** A Lease and when (on the local clock) this replica first saw its current record. */
export interface ObservedLease extends StoredLease {
  readonly observedAt: number;
}

export interface DecideOptions {
  readonly leaseDurationMs: number;
}

export type LeaseDecision =
  /** No Lease: create it, held by us. */
  | { readonly action: 'create'; readonly record: LeaseRecord }
  /** Write the record (optimistic concurrency on `resourceVersion`): a renewal, or a takeover. */
  | {
      readonly action: 'update';
      readonly record: LeaseRecord;
      readonly resourceVersion: string;
      /** The holder changes (free or expired Lease); false when we already hold it. */
      readonly takeover: boolean;
    }
  /** Someone else holds a valid Lease; it expires at `expiresAt` (local clock) unless renewed. */
  | { readonly action: 'wait'; readonly holder: string; readonly expiresAt: number };

function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return (
    (a.holderIdentity ?? '') === (b.holderIdentity ?? '') &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}

/**
 * The observation after reading `current` at `now`: `observedAt` stays as it was while the record is
 * unchanged (a metadata-only change does not count), and is `now` when the record changed.
 */
export function observe(
  previous: ObservedLease | undefined,
  current: StoredLease | undefined,
  now: number,
): ObservedLease | undefined {
  if (current === undefined) return undefined;
  const observedAt =
    previous !== undefined && sameRecord(previous.record, current.record) ? previous.observedAt : now;
  return { record: current.record, resourceVersion: current.resourceVersion, observedAt };
}

/** Lease durations are whole seconds; a duration is never rounded down. */
export function leaseDurationSeconds(leaseDurationMs: number): number {
  return Math.max(1, Math.ceil(leaseDurationMs / 1000));
}

/** What this replica should do with the Lease it observed (undefined: there is none). */
export function decide(
  lease: ObservedLease | undefined,
  now: number,
  identity: string,
  options: DecideOptions,
): LeaseDecision {
  const seconds = leaseDurationSeconds(options.leaseDurationMs);
  if (lease === undefined) {
    return {
      action: 'create',
      record: {
        holderIdentity: identity,
        leaseDurationSeconds: seconds,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    };
  }
  const old = lease.record;
  const holder = old.holderIdentity ?? '';
  const transitions = old.leaseTransitions ?? 0;
  if (holder === identity) {
    return {
      action: 'update',
      resourceVersion: lease.resourceVersion,
      takeover: false,
      record: {
        holderIdentity: identity,
        leaseDurationSeconds: seconds,
        acquireTime: old.acquireTime ?? now,
        renewTime: now,
        leaseTransitions: transitions,
      },
    };
  }
  if (holder !== '') {
    // The holder's duration, as it wrote it: a replica with other settings must respect it.
    const heldSeconds = old.leaseDurationSeconds ?? seconds;
    const expiresAt = lease.observedAt + heldSeconds * 1000;
    if (now < expiresAt) return { action: 'wait', holder, expiresAt };
  }
  return {
    action: 'update',
    resourceVersion: lease.resourceVersion,
    takeover: true,
    record: {
      holderIdentity: identity,
      leaseDurationSeconds: seconds,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: transitions + 1,
    },
  };
}

/** The record that releases a Lease held by us (client-go's ReleaseOnCancel). */
export function releasedRecord(held: LeaseRecord, now: number): LeaseRecord {
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: held.leaseTransitions ?? 0,
  };
}

/** Jitter of the leader's renewals, and of a candidate's attempts. */
export const RENEW_JITTER = 0.1;
export const ACQUIRE_JITTER = 0.2;

export interface ElectionTimings {
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

/** Throws unless leaseDuration > renewDeadline > retryPeriod (with jitter) > 0, as client-go requires. */
export function validateTimings(t: ElectionTimings): void {
  if (!(t.retryPeriodMs > 0)) throw new Error(`retryPeriodMs must be > 0 (got ${t.retryPeriodMs})`);
  if (!(t.renewDeadlineMs > t.retryPeriodMs * (1 + ACQUIRE_JITTER))) {
    throw new Error(
      `renewDeadlineMs (${t.renewDeadlineMs}) must exceed retryPeriodMs × ${1 + ACQUIRE_JITTER} (${t.retryPeriodMs * (1 + ACQUIRE_JITTER)})`,
    );
  }
  if (!(t.leaseDurationMs > t.renewDeadlineMs)) {
    throw new Error(
      `leaseDurationMs (${t.leaseDurationMs}) must exceed renewDeadlineMs (${t.renewDeadlineMs})`,
    );
  }
}
