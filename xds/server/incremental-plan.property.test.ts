/**
 * Property: for random sequences of full translations (setAll) and incremental updates (updateResources)
 * of clusters, endpoints, listeners (some with a draining form) and routes,
 *
 * - the cache, updated in place, equals a fresh cache given the same content (every type's version,
 *   names and resource versions, sorted iteration), so versions stay content-derived;
 * - a stream machine told the changed names (planning O(change)) leaves its client with exactly what a
 *   machine planning the whole type on every change leaves it with, for SotW and Delta, and every
 *   subscribed resource the snapshot has is at the client at the snapshot's version.
 *
 * Seeded (fast-check); more cases: XDS_PROPERTY_RUNS=2000 XDS_PROPERTY_SEED=7 npx jest <this file>.
 */
import fc from 'fast-check';
import type { GroupResources, GroupSnapshot, PlainResource } from '../cache/config-watcher.js';
import { SnapshotCache } from '../cache/snapshot-cache.js';
import { PUSH_ORDER, RESOURCE_TYPES, type ResourceTypeUrl } from '../protos/envoy-protos.js';
import { DeltaMachine } from './delta-machine.js';
import { createNonceSource } from './nonce.js';
import { SotwMachine } from './sotw-machine.js';
import type { Push, Step, StreamMachine } from './stream-machine.js';

const SEED = Number(process.env['XDS_PROPERTY_SEED'] ?? 1414);
const RUNS = Number(process.env['XDS_PROPERTY_RUNS'] ?? 60);

const CDS = RESOURCE_TYPES.cluster;
const EDS = RESOURCE_TYPES.endpoint;
const LDS = RESOURCE_TYPES.listener;
const RDS = RESOURCE_TYPES.route;
const TYPES = [CDS, EDS, LDS, RDS] as const;
const POOL: Record<string, readonly string[]> = {
  [CDS]: ['a', 'b', 'c', 'd', 'e', 'f'],
  [EDS]: ['a', 'b', 'c', 'd', 'e', 'f'],
  [LDS]: ['l1', 'l2'],
  [RDS]: ['r1', 'r2'],
};

/** A resource of `typeUrl` named `name`, in one of a few variants. */
function resource(typeUrl: ResourceTypeUrl, name: string, variant: number): PlainResource {
  switch (typeUrl) {
    case CDS:
      return {
        name,
        resource: {
          name,
          type: 'EDS',
          eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
          connect_timeout: `${variant + 1}s`,
        },
      };
    case EDS:
      return {
        name,
        resource: {
          cluster_name: name,
          endpoints: [
            {
              lb_endpoints: [
                {
                  endpoint: {
                    address: { socket_address: { address: '10.0.0.1', port_value: 8000 + variant } },
                  },
                },
              ],
            },
          ],
        },
      };
    case LDS: {
      const listener = (port: number): object => ({
        name,
        address: { socket_address: { address: '0.0.0.0', port_value: port } },
      });
      return variant === 2
        ? { name, resource: listener(80), draining: listener(81) }
        : { name, resource: listener(80 + variant * 10) };
    }
    default:
      return { name, resource: { name, virtual_hosts: [{ name: `v${variant}`, domains: ['*'] }] } };
  }
}

type Content = Map<ResourceTypeUrl, Map<string, PlainResource>>;

type Op =
  | { readonly kind: 'setAll'; readonly picks: ReadonlyArray<readonly [number, string, number]> }
  | {
      readonly kind: 'update';
      readonly type: number;
      readonly upserts: ReadonlyArray<readonly [string, number]>;
      readonly removals: readonly string[];
    };

const typeIndex = fc.integer({ min: 0, max: TYPES.length - 1 });
const variant = fc.integer({ min: 0, max: 2 });
const anyName = fc.constantFrom(...new Set(Object.values(POOL).flat()));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('setAll' as const),
    picks: fc.array(fc.tuple(typeIndex, anyName, variant), { maxLength: 16 }),
  }),
  fc.record({
    kind: fc.constant('update' as const),
    type: typeIndex,
    upserts: fc.uniqueArray(fc.tuple(anyName, variant), { maxLength: 3, selector: ([n]) => n }),
    removals: fc.array(anyName, { maxLength: 2 }),
  }),
);

/** Applies an op to the model and the cache. */
function apply(op: Op, content: Content, cache: SnapshotCache): void {
  if (op.kind === 'setAll') {
    content.clear();
    for (const t of TYPES) content.set(t, new Map());
    for (const [ti, name, v] of op.picks) {
      const t = TYPES[ti]!;
      if (POOL[t]!.includes(name)) content.get(t)!.set(name, resource(t, name, v));
    }
    cache.setAll(new Map([['g', groupOf(content)]]));
    return;
  }
  const t = TYPES[op.type]!;
  const upserts = op.upserts.filter(([n]) => POOL[t]!.includes(n)).map(([n, v]) => resource(t, n, v));
  const removals = op.removals.filter((n) => POOL[t]!.includes(n));
  const m = content.get(t)!;
  for (const n of removals) m.delete(n);
  for (const r of upserts) m.set(r.name, r);
  cache.updateResources('g', t, upserts, removals);
}

function groupOf(content: Content): GroupResources {
  return new Map([...content].map(([t, m]) => [t, [...m.values()]]));
}

/** What the client holds per type: name -> version. */
type ClientState = Map<string, Map<string, string>>;

interface Client {
  readonly machine: StreamMachine<never>;
  readonly state: ClientState;
  request(typeUrl: ResourceTypeUrl, ack?: Push): Step;
}

const FULL_STATE: ReadonlySet<string> = new Set([CDS, LDS]);

function receive(kind: 'sotw' | 'delta', state: ClientState, push: Push): void {
  let m = state.get(push.typeUrl);
  if (!m) state.set(push.typeUrl, (m = new Map()));
  if (kind === 'sotw' && FULL_STATE.has(push.typeUrl)) m.clear();
  for (const r of push.resources) m.set(r.name, r.version);
  for (const n of push.removed) m.delete(n);
}

function client(kind: 'sotw' | 'delta', snapshot: () => GroupSnapshot): Client {
  const state: ClientState = new Map();
  const node = { id: 'n', cluster: 'g' };
  const names = (t: ResourceTypeUrl): readonly string[] => (FULL_STATE.has(t) ? [] : POOL[t]!);
  if (kind === 'delta') {
    const machine = new DeltaMachine(createNonceSource('d'));
    return {
      machine: machine as StreamMachine<never>,
      state,
      request: (t, ack) =>
        machine.onRequest(
          {
            node,
            type_url: t,
            resource_names_subscribe: ack ? [] : names(t),
            resource_names_unsubscribe: [],
            initial_resource_versions: {},
            response_nonce: ack?.nonce ?? '',
            error_detail: null,
          },
          snapshot(),
        ),
    };
  }
  const machine = new SotwMachine(createNonceSource('s'));
  return {
    machine: machine as StreamMachine<never>,
    state,
    request: (t, ack) =>
      machine.onRequest(
        {
          version_info: ack?.version ?? '',
          node,
          resource_names: names(t),
          type_url: t,
          response_nonce: ack?.nonce ?? '',
          error_detail: null,
        },
        snapshot(),
      ),
  };
}

/** Delivers every push to the client and ACKs it, until nothing more comes. */
function deliver(kind: 'sotw' | 'delta', c: Client, step: Step): void {
  for (const push of step.pushes) {
    receive(kind, c.state, push);
    deliver(kind, c, c.request(push.typeUrl, push));
  }
}

function cacheView(snapshot: GroupSnapshot): unknown {
  return PUSH_ORDER.map((t) => {
    const ts = snapshot.types.get(t)!;
    return [t, ts.version, [...ts.resources].map(([n, r]) => [n, r.version])];
  });
}

describe.each(['sotw', 'delta'] as const)('%s: incremental planning and cache', (kind) => {
  it('equal a from-scratch cache and a whole-type planning, on random change sequences', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 12 }), (ops) => {
        const cache = new SnapshotCache();
        const content: Content = new Map(TYPES.map((t) => [t, new Map()]));
        cache.setAll(new Map([['g', groupOf(content)]]));
        const snapshot = (): GroupSnapshot => cache.snapshot('g');
        const scoped = client(kind, snapshot);
        const whole = client(kind, snapshot);
        for (const c of [scoped, whole]) for (const t of TYPES) deliver(kind, c, c.request(t));
        cache.subscribe('g', (s, changed, names) => {
          deliver(kind, scoped, scoped.machine.onChange(s, changed, names));
          deliver(kind, whole, whole.machine.onChange(s, changed));
        });
        for (const op of ops) {
          apply(op, content, cache);
          // Held removals are released after the ACKs (or the timeout): release them now.
          for (const c of [scoped, whole]) deliver(kind, c, c.machine.releaseHeld(snapshot(), true));
          const fresh = new SnapshotCache();
          fresh.setAll(new Map([['g', groupOf(content)]]));
          expect(cacheView(snapshot())).toEqual(cacheView(fresh.snapshot('g')));
          expect(scoped.state).toEqual(whole.state);
          for (const t of TYPES)
            for (const [name, r] of snapshot().types.get(t)!.resources)
              expect([t, name, scoped.state.get(t)?.get(name)]).toEqual([t, name, r.version]);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
