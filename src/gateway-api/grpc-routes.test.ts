import { buildResourceSet, type Sourced } from '../resources/resource-set.js';
import type { KubeObject } from '../resources/kube-types.js';
import { readGateways } from './gateways.js';
import { readGrpcRoutes, resolveKindConflicts, type RouteModel } from './grpc-routes.js';
import { readHttpRoutes } from './http-routes.js';

const API = 'gateway.networking.k8s.io/v1';

function obj(o: object): Sourced<KubeObject> {
  return { object: o as KubeObject, origin: { cluster: 'local' } };
}

const BASE = [
  obj({
    apiVersion: API,
    kind: 'GatewayClass',
    metadata: { name: 'c' },
    spec: { controllerName: 'causeway.dev/gateway' },
  }),
  obj({
    apiVersion: API,
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'ns', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: {
      gatewayClassName: 'c',
      listeners: [
        { name: 'a', port: 80, protocol: 'HTTP' },
        { name: 'b', port: 81, protocol: 'HTTP' },
      ],
    },
  }),
];

function route(kind: string, name: string, day: number, hostnames: string[], sectionName?: string) {
  return obj({
    apiVersion: API,
    kind,
    metadata: { name, namespace: 'ns', creationTimestamp: `2024-01-0${day}T00:00:00Z` },
    spec: { parentRefs: [{ name: 'gw', ...(sectionName ? { sectionName } : {}) }], hostnames, rules: [{}] },
  });
}

function resolve(...routes: Sourced<KubeObject>[]): Map<string, { accepted: string; listeners: string[] }> {
  const resources = buildResourceSet([...BASE, ...routes]);
  const gateways = readGateways(resources);
  const all: RouteModel[] = [...readHttpRoutes(resources, gateways), ...readGrpcRoutes(resources, gateways)];
  return new Map(
    resolveKindConflicts(all).map((m) => [
      `${m.kind}/${m.name}`,
      {
        accepted: m.parents[0]!.conditions.find((c) => c.type === 'Accepted')!.reason,
        listeners: m.attachments.map((a) => a.listener.name),
      },
    ]),
  );
}

test('the older of an HTTPRoute and a GRPCRoute with intersecting hostnames keeps the listener', () => {
  const r = resolve(
    route('HTTPRoute', 'web', 2, ['*.example.com'], 'a'),
    route('GRPCRoute', 'rpc', 3, ['api.example.com'], 'a'),
  );
  expect(r.get('HTTPRoute/web')).toEqual({ accepted: 'Accepted', listeners: ['a'] });
  expect(r.get('GRPCRoute/rpc')).toEqual({ accepted: 'HostnameConflict', listeners: [] });
  const older = resolve(
    route('HTTPRoute', 'web', 3, ['*.example.com'], 'a'),
    route('GRPCRoute', 'rpc', 2, ['api.example.com'], 'a'),
  );
  expect(older.get('GRPCRoute/rpc')).toEqual({ accepted: 'Accepted', listeners: ['a'] });
  expect(older.get('HTTPRoute/web')).toEqual({ accepted: 'HostnameConflict', listeners: [] });
});

test('hostnames that do not intersect, or other listeners, are no conflict', () => {
  const r = resolve(
    route('HTTPRoute', 'web', 2, ['www.example.com'], 'a'),
    route('GRPCRoute', 'rpc', 3, ['api.example.com'], 'a'),
    route('GRPCRoute', 'other', 4, ['www.example.com'], 'b'),
  );
  expect(r.get('GRPCRoute/rpc')).toEqual({ accepted: 'Accepted', listeners: ['a'] });
  expect(r.get('GRPCRoute/other')).toEqual({ accepted: 'Accepted', listeners: ['b'] });
});

test('a route losing one listener of its parent keeps the others and stays Accepted', () => {
  const r = resolve(route('HTTPRoute', 'web', 2, [], 'a'), route('GRPCRoute', 'rpc', 3, []));
  expect(r.get('GRPCRoute/rpc')).toEqual({ accepted: 'Accepted', listeners: ['b'] });
  expect(r.get('HTTPRoute/web')).toEqual({ accepted: 'Accepted', listeners: ['a'] });
});

test('a listener allowing only HTTPRoute does not take a GRPCRoute (NotAllowedByListeners)', () => {
  const gw = obj({
    apiVersion: API,
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'ns' },
    spec: {
      gatewayClassName: 'c',
      listeners: [
        { name: 'a', port: 80, protocol: 'HTTP', allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }] } },
      ],
    },
  });
  const resources = buildResourceSet([BASE[0]!, gw, route('GRPCRoute', 'rpc', 2, [])]);
  const [m] = readGrpcRoutes(resources, readGateways(resources));
  expect(m!.parents[0]!.conditions[0]).toMatchObject({ status: 'False', reason: 'NotAllowedByListeners' });
});
