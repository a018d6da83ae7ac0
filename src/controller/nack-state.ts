/**
 * Which gateways currently reject which configuration, as a pure reducer over the ADS server's events.
 *
 * One rejection per (node, group, type URL): the version the node NACKed, the error, and the resources and
 * objects it is attributed to (nack-attribution.ts). It ends when the node ACKs another version of that
 * type (the config changed and the gateway took it). A node whose streams all closed keeps its
 * rejections (a reconnecting gateway is not sent the rejected version again, so it will not NACK it
 * again), until it has been gone for `forgetAfterMs` (`prune`): then it is a gateway that left.
 *
 * An object is "rejected" while at least one rejection is attributed to it: `rejectedObjects` lists
 * them with every rejection that names them; outputs (Events, status, metrics) derive from it.
 */
import type { ObjectRef } from '../errors.js';
import { objectKey, uniqueRefs } from '../../xds/translator/source-map.js';
import type { AttributedResource } from './nack-attribution.js';

export interface Rejection {
  readonly node: string;
  readonly group: string;
  readonly typeUrl: string;
  /** The version the node rejected. */
  readonly version: string;
  /** Envoy's error_detail message. */
  readonly message: string;
  readonly resources: readonly AttributedResource[];
  /** Union of the resources' objects, sorted. */
  readonly objects: readonly ObjectRef[];
  /** Epoch ms of the NACK. */
  readonly at: number;
}

export interface NackState {
  /** By `rejectionKey`. */
  readonly rejections: ReadonlyMap<string, Rejection>;
  /** Open streams per node (`group\nnode`). */
  readonly streams: ReadonlyMap<string, number>;
  /** Epoch ms since when a node has no open stream (`group\nnode`). */
  readonly goneSince: ReadonlyMap<string, number>;
}

export type NackEvent =
  | {
      readonly kind: 'nack';
      readonly node: string;
      readonly group: string;
      readonly typeUrl: string;
      readonly version: string;
      readonly message: string;
      readonly resources: readonly AttributedResource[];
      readonly at: number;
    }
  | {
      readonly kind: 'ack';
      readonly node: string;
      readonly group: string;
      readonly typeUrl: string;
      readonly version: string;
      /** Delta: the resources the ACKed response updated or removed; absent for SotW (whole state). */
      readonly covers?: readonly string[];
    }
  | { readonly kind: 'open' | 'close'; readonly node: string; readonly group: string; readonly at: number };

export const EMPTY_NACK_STATE: NackState = {
  rejections: new Map(),
  streams: new Map(),
  goneSince: new Map(),
};

export function rejectionKey(r: { node: string; group: string; typeUrl: string }): string {
  return `${r.group}\n${r.node}\n${r.typeUrl}`;
}

function nodeKey(e: { node: string; group: string }): string {
  return `${e.group}\n${e.node}`;
}

export function reduceNack(state: NackState, e: NackEvent): NackState {
  switch (e.kind) {
    case 'nack': {
      const rejections = new Map(state.rejections);
      rejections.set(rejectionKey(e), {
        node: e.node,
        group: e.group,
        typeUrl: e.typeUrl,
        version: e.version,
        message: e.message,
        resources: e.resources,
        objects: uniqueRefs(e.resources.flatMap((r) => r.objects)),
        at: e.at,
      });
      return { ...state, rejections };
    }
    case 'ack': {
      const key = rejectionKey(e);
      const current = state.rejections.get(key);
      // An ACK of the rejected version itself cannot happen (same bytes, same verdict); ignore it.
      if (!current || current.version === e.version) return state;
      const rejections = new Map(state.rejections);
      // A Delta ACK only vouches for the resources its response touched: the other rejected ones stay.
      const covered = e.covers ? new Set(e.covers) : undefined;
      const remaining = covered ? current.resources.filter((r) => !covered.has(r.name)) : [];
      if (remaining.length === 0) rejections.delete(key);
      else
        rejections.set(key, {
          ...current,
          resources: remaining,
          objects: uniqueRefs(remaining.flatMap((r) => r.objects)),
        });
      return { ...state, rejections };
    }
    case 'open': {
      const streams = new Map(state.streams);
      streams.set(nodeKey(e), (streams.get(nodeKey(e)) ?? 0) + 1);
      const goneSince = new Map(state.goneSince);
      goneSince.delete(nodeKey(e));
      return { ...state, streams, goneSince };
    }
    case 'close': {
      const n = (state.streams.get(nodeKey(e)) ?? 0) - 1;
      const streams = new Map(state.streams);
      const goneSince = new Map(state.goneSince);
      if (n > 0) streams.set(nodeKey(e), n);
      else {
        streams.delete(nodeKey(e));
        goneSince.set(nodeKey(e), e.at);
      }
      return { ...state, streams, goneSince };
    }
  }
}

/** Forgets the rejections of nodes without a stream for at least `forgetAfterMs`. */
export function prune(state: NackState, now: number, forgetAfterMs: number): NackState {
  const gone = new Set([...state.goneSince].filter(([, t]) => now - t >= forgetAfterMs).map(([k]) => k));
  if (gone.size === 0) return state;
  const rejections = new Map([...state.rejections].filter(([, r]) => !gone.has(nodeKey(r))));
  const goneSince = new Map([...state.goneSince].filter(([k]) => !gone.has(k)));
  return { ...state, rejections, goneSince };
}

/** Every rejection, sorted by group, node and type URL. */
export function rejections(state: NackState): Rejection[] {
  return [...state.rejections.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

export interface RejectedObject {
  readonly object: ObjectRef;
  /** The rejections attributed to it, sorted by group, node and type URL. */
  readonly rejections: readonly Rejection[];
}

/** The objects at least one rejection is attributed to, sorted by objectKey. */
export function rejectedObjects(state: NackState): RejectedObject[] {
  const byObject = new Map<string, { object: ObjectRef; rejections: Rejection[] }>();
  for (const r of rejections(state)) {
    for (const o of r.objects) {
      const key = objectKey(o);
      const entry = byObject.get(key) ?? { object: o, rejections: [] };
      entry.rejections.push(r);
      byObject.set(key, entry);
    }
  }
  return [...byObject.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}
