import { buildResourceSet, type Sourced } from '../resources/resource-set.js';
import type { KubeObject } from '../resources/kube-types.js';
import { readGateways } from './gateways.js';
import { readL4Routes } from './l4-routes.js';

const API = 'gateway.networking.k8s.io/v1';

function obj(o: object): Sourced<KubeObject> {
  return { object: o as KubeObject, origin: { cluster: 'local' } };
}

function meta(name: string, day: number): object {
  return { name, namespace: 'default', creationTimestamp: `2024-01-0${day}T00:00:00Z`, generation: 1 };
}

function route(kind: string, name: string, day: number, spec: object): Sourced<KubeObject> {
  return obj({ apiVersion: API, kind, metadata: meta(name, day), spec });
}

function svc(name: string, protocol: 'TCP' | 'UDP'): Sourced<KubeObject> {
  return obj({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { ports: [{ port: 53, protocol }] },
  });
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
    metadata: meta('gw', 1),
    spec: {
      gatewayClassName: 'c',
      listeners: [
        { name: 'tcp', port: 5000, protocol: 'TCP' },
        { name: 'udp', port: 5000, protocol: 'UDP' },
        { name: 'tls', port: 6000, protocol: 'TLS', hostname: '*.example.com', tls: { mode: 'Passthrough' } },
      ],
    },
  }),
  svc('tcp-svc', 'TCP'),
  svc('udp-svc', 'UDP'),
];

function read(...routes: Sourced<KubeObject>[]): ReturnType<typeof readL4Routes> {
  const resources = buildResourceSet([...BASE, ...routes]);
  return readL4Routes(resources, readGateways(resources));
}

function accepted(models: ReturnType<typeof readL4Routes>, name: string): string {
  const m = models.find((r) => r.name === name)!;
  return m.parents.map((p) => p.conditions.find((c) => c.type === 'Accepted')!.reason).join(',');
}

const tcpSpec = { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'tcp-svc', port: 53 }] }] };

test('a TCP listener forwards to the oldest TCPRoute, whatever the input order; the younger is Accepted and counted, without traffic', () => {
  const models = read(route('TCPRoute', 'young', 3, tcpSpec), route('TCPRoute', 'old', 2, tcpSpec));
  expect(accepted(models, 'old')).toBe('Accepted');
  expect(accepted(models, 'young')).toBe('Accepted');
  const young = models.find((r) => r.name === 'young')!;
  expect(models.find((r) => r.name === 'old')!.attachments.map((a) => a.listener.name)).toEqual(['tcp']);
  expect(young.attachments).toEqual([]);
  expect(young.allowedOn).toEqual(['default/gw\ntcp']);
  expect(young.shadowed?.map((s) => s.message)).toEqual([
    'listener tcp of Gateway default/gw forwards to the older TCPRoute default/old (one route per TCP listener); this route gets no traffic there',
  ]);
});

test('TCP and UDP listeners on one port are both usable, each for its own route kind', () => {
  const udpSpec = {
    parentRefs: [{ name: 'gw', port: 5000 }],
    rules: [{ backendRefs: [{ name: 'udp-svc', port: 53 }] }],
  };
  const models = read(route('TCPRoute', 't', 2, tcpSpec), route('UDPRoute', 'u', 2, udpSpec));
  expect(models.find((r) => r.name === 't')!.attachments.map((a) => a.listener.name)).toEqual(['tcp']);
  expect(models.find((r) => r.name === 'u')!.attachments.map((a) => a.listener.name)).toEqual(['udp']);
});

test('a backendRef must name a port of the route transport', () => {
  const spec = { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'tcp-svc', port: 53 }] }] };
  const [m] = read(route('UDPRoute', 'u', 2, spec));
  expect(m!.parents[0]!.conditions[1]).toMatchObject({ type: 'ResolvedRefs', reason: 'BackendNotFound' });
});

test('TLSRoute hostnames are intersected with the listener hostname; none in common: NoMatchingListenerHostname', () => {
  const spec = (hostnames: string[]): object => ({
    parentRefs: [{ name: 'gw' }],
    hostnames,
    rules: [{ backendRefs: [{ name: 'tcp-svc', port: 53 }] }],
  });
  const models = read(
    route('TLSRoute', 'in', 2, spec(['a.example.com', 'a.example.org'])),
    route('TLSRoute', 'out', 2, spec(['b.example.org'])),
  );
  expect(models.find((r) => r.name === 'in')!.attachments[0]!.hostnames).toEqual(['a.example.com']);
  expect(accepted(models, 'out')).toBe('NoMatchingListenerHostname');
});
