/**
 * The ordering rule of ADS pushes, in one place. A change is pushed type by type in PUSH_ORDER
 * (clusters, endpoints, secrets, listeners, routes), and removals of clusters and endpoints wait until
 * the listeners and routes the client runs no longer need them: while a listener or route response is
 * being sent in the same pass, awaits its ACK, or was NACKed (the client still runs the previous
 * ones), removed clusters and endpoints are held back. They are released when those ACKs arrive, or by
 * the stream driver after a timeout.
 */
import type { ResourceTypeUrl } from '../protos/envoy-protos.js';
import { PUSH_ORDER, RESOURCE_TYPES } from '../protos/envoy-protos.js';
import type { AckTracker } from './ack-tracker.js';

/** Types whose removals wait. */
export const HELD_REMOVAL_TYPES: ReadonlySet<ResourceTypeUrl> = new Set([
  RESOURCE_TYPES.cluster,
  RESOURCE_TYPES.endpoint,
]);

/** Types whose acceptance releases held removals. */
export const GATING_TYPES: ReadonlySet<ResourceTypeUrl> = new Set([
  RESOURCE_TYPES.listener,
  RESOURCE_TYPES.route,
]);

export function removalsAllowed(acks: AckTracker, sendingNow: ReadonlySet<ResourceTypeUrl>): boolean {
  for (const typeUrl of GATING_TYPES) {
    if (sendingNow.has(typeUrl)) return false;
    const state = acks.state(typeUrl);
    if (state === 'pending' || state === 'nacked') return false;
  }
  return true;
}

/**
 * Plans one push pass over `types`: `plan(typeUrl, removalsAllowed)` returns what to send for a type,
 * or undefined for nothing. Listeners and routes are planned first, so that the plan for clusters and
 * endpoints knows whether their removals must wait. Returns the plans in PUSH_ORDER.
 */
export function planPass<P>(
  types: ReadonlySet<ResourceTypeUrl>,
  acks: AckTracker,
  plan: (typeUrl: ResourceTypeUrl, removalsAllowed: boolean) => P | undefined,
  force = false,
): Array<readonly [ResourceTypeUrl, P]> {
  const planned = new Map<ResourceTypeUrl, P>();
  for (const typeUrl of GATING_TYPES) {
    if (!types.has(typeUrl)) continue;
    const p = plan(typeUrl, true);
    if (p !== undefined) planned.set(typeUrl, p);
  }
  const allowed = force || removalsAllowed(acks, new Set(planned.keys()));
  for (const typeUrl of PUSH_ORDER) {
    if (!types.has(typeUrl) || GATING_TYPES.has(typeUrl)) continue;
    const p = plan(typeUrl, allowed);
    if (p !== undefined) planned.set(typeUrl, p);
  }
  return PUSH_ORDER.flatMap((t) => {
    const p = planned.get(t);
    return p === undefined ? [] : [[t, p] as const];
  });
}
