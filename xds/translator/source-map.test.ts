/** The source map of translateXds: every emitted resource, and only those, with the objects it came from. */
import type { ObjectRef } from '../../src/errors.js';
import type { BackendIR, GatewayGroupIR, IR, RouteIR } from '../../src/ir/ir-types.js';
import { RESOURCE_TYPES } from '../protos/envoy-protos.js';
import { sourcesOf, uniqueRefs } from './source-map.js';
import { translateXds } from './xds.translator.js';

const ingress = (name: string): ObjectRef => ({ kind: 'Ingress', namespace: 'shop', name });
const service = (name: string): ObjectRef => ({ kind: 'Service', namespace: 'shop', name });

function backend(name: string, port: number, sources: readonly ObjectRef[]): BackendIR {
  return {
    name: `service/shop/${name}/${port}`,
    service: { namespace: 'shop', name, port, portName: '' },
    protocol: 'http1',
    connectTimeoutSeconds: 2,
    crossCluster: 'failover',
    endpoints: [],
    sources,
  };
}

function route(ing: string, backendName: string): RouteIR {
  return {
    name: `ingress/shop/${ing}/rule/0/path/0`,
    match: { kind: 'prefix', path: '/' },
    action: { kind: 'forward', backend: backendName },
    timeoutSeconds: 15,
    idleTimeoutSeconds: 60,
    websocket: true,
    source: { ...ingress(ing), file: 'a.yaml', documentIndex: 2 },
  };
}

const vhost = (host: string, routes: readonly RouteIR[]) => ({ name: host, domains: [host], routes });

const edge: GatewayGroupIR = {
  name: 'edge',
  http: {
    name: 'http',
    port: 8080,
    virtualHosts: [
      vhost('b.example.com', [route('web', 'service/shop/web/80')]),
      vhost('*', [route('api', 'service/shop/api/80')]),
    ],
  },
  https: {
    name: 'https',
    port: 8443,
    filterChains: [
      {
        name: 'https/shop/web-tls',
        serverNames: ['b.example.com'],
        secret: 'shop/web-tls',
        virtualHosts: [vhost('b.example.com', [route('web', 'service/shop/web/80')])],
      },
      { name: 'https/default', serverNames: [], secret: 'shop/default-tls', virtualHosts: [] },
    ],
  },
  health: { name: 'health', port: 8081, path: '/healthz' },
  tcp: [{ name: 'tcp/9092', port: 9092, backend: 'service/shop/kafka/9092', source: service('kafka') }],
  backends: [
    backend('api', 80, [ingress('api')]),
    backend('kafka', 9092, []),
    backend('web', 80, [ingress('web')]),
  ],
  secrets: [
    { name: 'shop/default-tls', certificateChain: 'c', privateKey: 'k', source: ingress('api') },
    { name: 'shop/web-tls', certificateChain: 'c', privateKey: 'k', source: ingress('web') },
  ],
};
const quiet: GatewayGroupIR = {
  name: 'quiet',
  http: { name: 'http', port: 80, virtualHosts: [] },
  tcp: [],
  backends: [],
  secrets: [],
};
const ir: IR = { groups: [edge, quiet] };
const xds = translateXds(ir);

describe('the xDS source map', () => {
  it('has an entry for every emitted resource and no other, in the same order', () => {
    expect([...xds.sources.keys()]).toEqual(['edge', 'quiet']);
    for (const [group, resources] of xds.resources) {
      const sources = xds.sources.get(group)!.resources;
      expect([...sources.keys()]).toEqual([...resources.keys()]);
      for (const [typeUrl, list] of resources)
        expect([...sources.get(typeUrl)!.keys()]).toEqual(list.map((r) => r.name));
    }
  });

  it('names the objects of each listener: Ingresses on HTTP(S), the Service of TCP, the group of health', () => {
    const of = (name: string) => sourcesOf(xds.sources, 'edge', RESOURCE_TYPES.listener, name);
    expect(of('http')).toEqual([ingress('api'), ingress('web')]);
    expect(of('https')).toEqual([ingress('web')]);
    expect(of('tcp/9092')).toEqual([service('kafka')]);
    expect(of('health')).toEqual([{ kind: 'GatewayGroup', name: 'edge' }]);
    expect(sourcesOf(xds.sources, 'quiet', RESOURCE_TYPES.listener, 'http')).toEqual([]);
  });

  it('names the objects of route configurations, clusters, assignments and Secrets', () => {
    const of = (typeUrl: string, name: string) => sourcesOf(xds.sources, 'edge', typeUrl, name);
    expect(of(RESOURCE_TYPES.route, 'http')).toEqual([ingress('api'), ingress('web')]);
    expect(of(RESOURCE_TYPES.route, 'https/shop/web-tls')).toEqual([ingress('web')]);
    expect(of(RESOURCE_TYPES.route, 'https/default')).toEqual([]);
    for (const t of [RESOURCE_TYPES.cluster, RESOURCE_TYPES.endpoint]) {
      expect(of(t, 'service/shop/web/80')).toEqual([ingress('web'), service('web')]);
      expect(of(t, 'service/shop/kafka/9092')).toEqual([service('kafka')]);
    }
    expect(of(RESOURCE_TYPES.secret, 'shop/web-tls')).toEqual([ingress('web')]);
    expect(of(RESOURCE_TYPES.secret, 'shop/default-tls')).toEqual([ingress('api')]);
    expect(of(RESOURCE_TYPES.listener, 'tcp/1')).toBeUndefined();
    expect(sourcesOf(xds.sources, 'nope', RESOURCE_TYPES.listener, 'http')).toBeUndefined();
  });

  it('gives the ports the Ingresses of each group are served on', () => {
    expect(xds.sources.get('edge')!.ingressPorts).toEqual([8080, 8443]);
    expect(xds.sources.get('quiet')!.ingressPorts).toEqual([80]);
  });

  it('is deterministic', () => {
    expect(translateXds(ir).sources).toEqual(xds.sources);
  });
});

describe('uniqueRefs', () => {
  it('keeps the identity of each object once (no file or document), sorted by cluster, kind, namespace, name', () => {
    const a = { ...ingress('a'), file: 'x.yaml', documentIndex: 1 };
    const b = { ...ingress('a'), cluster: 'west' };
    expect(uniqueRefs([service('z'), b, a, ingress('a')])).toEqual([ingress('a'), service('z'), b]);
  });
});
