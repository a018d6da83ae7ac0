import type { Gateway, HttpRoute, ReferenceGrant } from './gateway-api-types.js';
import { IncrementalResourceSet } from './incremental-resource-set.js';
import { buildResourceSet, type Sourced } from './resource-set.js';
import { diffResourceSets, EMPTY_RESOURCE_SET } from './resource-set-diff.js';

const gateway = (cluster: string, listeners: number): Sourced<Gateway> => ({
  object: {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: 'infra' },
    spec: {
      gatewayClassName: 'causeway',
      listeners: Array.from({ length: listeners }, (_, i) => ({
        name: `l${i}`,
        port: 80 + i,
        protocol: 'HTTP',
      })),
    },
  },
  origin: { cluster },
});
const route = (cluster: string, name: string): Sourced<HttpRoute> => ({
  object: {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: 'app' },
    spec: { parentRefs: [{ name: 'edge', namespace: 'infra' }] },
  },
  origin: { cluster },
});
const grant: Sourced<ReferenceGrant> = {
  object: {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'ReferenceGrant',
    metadata: { name: 'g', namespace: 'app' },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'x' }], to: [] },
  },
  origin: { cluster: 'east' },
};

test('Gateways follow namespace sameness (first cluster wins); routes stay apart per cluster', () => {
  const rs = buildResourceSet([
    gateway('east', 1),
    gateway('west', 2),
    route('east', 'r'),
    route('west', 'r'),
    grant,
  ]);
  expect([...rs.gatewayApi.gateways.keys()]).toEqual(['infra/edge']);
  expect(rs.gatewayApi.gateways.get('infra/edge')!.origin.cluster).toBe('east');
  expect([...rs.gatewayApi.httpRoutes.keys()]).toEqual(['east/app/r', 'west/app/r']);
  expect([...rs.gatewayApi.referenceGrants.keys()]).toEqual(['app/g']);
});

test('the incremental set and the diff carry Gateway API changes like the from-scratch build', () => {
  const rank = (c: string): number => (c === 'east' ? 0 : 1);
  const inc = new IncrementalResourceSet(rank);
  inc.apply('west', [
    { kind: 'Gateway', key: 'infra/edge', object: gateway('west', 2) },
    { kind: 'HTTPRoute', key: 'app/r', object: route('west', 'r') },
  ]);
  const before = inc.resources;
  const after = inc.apply('east', [
    { kind: 'Gateway', key: 'infra/edge', object: gateway('east', 1) },
    { kind: 'ReferenceGrant', key: 'app/g', object: grant },
  ]);
  const scratch = buildResourceSet([gateway('east', 1), grant, gateway('west', 2), route('west', 'r')]);
  expect([...after.gatewayApi.gateways.values()]).toEqual([...scratch.gatewayApi.gateways.values()]);
  expect([...after.gatewayApi.httpRoutes.entries()]).toEqual([...scratch.gatewayApi.httpRoutes.entries()]);
  expect([...after.gatewayApi.referenceGrants.keys()]).toEqual(['app/g']);
  expect(before.gatewayApi.gateways.get('infra/edge')!.origin.cluster).toBe('west');

  const changes = diffResourceSets(before, after).map(
    (c) => `${c.kind} ${c.key} ${c.object ? 'up' : 'gone'}`,
  );
  expect(changes.sort()).toEqual(['Gateway infra/edge up', 'ReferenceGrant app/g up']);
  const gone = diffResourceSets(after, EMPTY_RESOURCE_SET).map((c) => `${c.kind} ${c.key} ${c.origin ?? ''}`);
  expect(gone).toContain('HTTPRoute app/r west');
});
