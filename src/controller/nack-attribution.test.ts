/**
 * NACK attribution from the source map of an IR's xDS translation, with error messages copied from a real Envoy 1.40 rejecting config
 * (a listener whose port is taken, a cluster it refuses, an RSA-1024 certificate).
 */
import type { ObjectRef } from '../errors.js';
import type { BackendIR, GatewayGroupIR, IR, RouteIR } from '../ir/ir-types.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import { attributeNack, namesInError } from './nack-attribution.js';

const ingress = (name: string): ObjectRef => ({ kind: 'Ingress', namespace: 'shop', name });
const service = (name: string): ObjectRef => ({ kind: 'Service', namespace: 'shop', name });

function backend(name: string, sources: readonly ObjectRef[]): BackendIR {
  return {
    name: `service/shop/${name}/80`,
    service: { namespace: 'shop', name, port: 80, portName: 'http' },
    protocol: 'http1',
    connectTimeoutSeconds: 2,
    crossCluster: 'failover',
    endpoints: [],
    sources,
  };
}

function route(ing: string, backendName: string, path = '/'): RouteIR {
  return {
    name: `ingress/shop/${ing}/rule/0/path/0`,
    match: { kind: 'prefix', path },
    action: { kind: 'forward', backend: backendName },
    timeoutSeconds: 15,
    idleTimeoutSeconds: 60,
    websocket: true,
    source: ingress(ing),
  };
}

const group: GatewayGroupIR = {
  name: 'edge',
  http: {
    name: 'http',
    port: 8080,
    virtualHosts: [
      {
        name: 'a.example.com',
        domains: ['a.example.com'],
        routes: [route('web', 'service/shop/web/80')],
      },
      { name: '*', domains: ['*'], routes: [route('api', 'service/shop/api/80', '/api')] },
    ],
  },
  https: {
    name: 'https',
    port: 8443,
    filterChains: [
      {
        name: 'https/shop/web-tls',
        serverNames: ['a.example.com'],
        secret: 'shop/web-tls',
        virtualHosts: [
          {
            name: 'a.example.com',
            domains: ['a.example.com'],
            routes: [route('web', 'service/shop/web/80')],
          },
        ],
      },
    ],
  },
  health: { name: 'health', port: 8081, path: '/healthz' },
  tcp: [{ name: 'tcp/9092', port: 9092, backend: 'service/shop/kafka/9092', source: service('kafka') }],
  backends: [
    backend('api', [ingress('api')]),
    backend('web', [ingress('web')]),
    { ...backend('kafka', []), name: 'service/shop/kafka/9092' },
  ],
  secrets: [{ name: 'shop/web-tls', certificateChain: 'c', privateKey: 'k', source: ingress('web') }],
};
const ir: IR = { groups: [group] };
const index = translateXds(ir).sources;

// Real Envoy 1.40 error_detail messages.
const LISTENER_BIND =
  "Error adding/updating listener(s) tcp/9092: cannot bind '0.0.0.0:9092': Address already in use";
const HEALTH_BIND =
  "Error adding/updating listener(s) health: cannot bind '0.0.0.0:8081': Address already in use";
const CLUSTERS =
  "Error adding/updating cluster(s) service/shop/api/80: cluster manager: cluster provided LB specified but cluster 'service/shop/api/80' did not provide one. Check cluster documentation., service/shop/web/80: cluster manager: cluster provided LB specified but cluster 'service/shop/web/80' did not provide one. Check cluster documentation.";
const WEAK_CERT =
  'Failed to load certificate chain from <inline>, only RSA certificates with 2048-bit or larger keys are supported';

describe('attributeNack', () => {
  it('narrows a SotW listener NACK to the listener the error names: the TCP Service', () => {
    const a = attributeNack(
      index,
      'edge',
      RESOURCE_TYPES.listener,
      ['http', 'https', 'tcp/9092'],
      LISTENER_BIND,
    );
    expect(a.narrowed).toBe(true);
    expect(a.resources.map((r) => r.name)).toEqual(['tcp/9092']);
    expect(a.objects).toEqual([service('kafka')]);
  });

  it('narrows a listener NACK to the health listener: the gateway group it belongs to', () => {
    const a = attributeNack(
      index,
      'edge',
      RESOURCE_TYPES.listener,
      ['health', 'http', 'https', 'tcp/9092'],
      HEALTH_BIND,
    );
    expect(a.narrowed).toBe(true);
    expect(a.resources).toEqual([
      { typeUrl: RESOURCE_TYPES.listener, name: 'health', objects: [{ kind: 'GatewayGroup', name: 'edge' }] },
    ]);
  });

  it('blames a TCP listener on the Service it exposes when the error names no listener', () => {
    const a = attributeNack(index, 'edge', RESOURCE_TYPES.listener, ['tcp/9092'], 'x');
    expect(a.narrowed).toBe(false);
    expect(a.resources).toEqual([
      { typeUrl: RESOURCE_TYPES.listener, name: 'tcp/9092', objects: [service('kafka')] },
    ]);
  });

  it('narrows a cluster NACK naming two clusters to their Services and Ingresses', () => {
    const a = attributeNack(
      index,
      'edge',
      RESOURCE_TYPES.cluster,
      ['service/shop/api/80', 'service/shop/kafka/9092', 'service/shop/web/80'],
      CLUSTERS,
    );
    expect(a.resources.map((r) => r.name)).toEqual(['service/shop/api/80', 'service/shop/web/80']);
    expect(a.objects).toEqual([ingress('api'), ingress('web'), service('api'), service('web')]);
  });

  it('blames every resource of the response when the error names none (SDS: <inline>)', () => {
    const a = attributeNack(index, 'edge', RESOURCE_TYPES.secret, ['shop/web-tls'], WEAK_CERT);
    expect(a.narrowed).toBe(false);
    expect(a.resources).toEqual([
      { typeUrl: RESOURCE_TYPES.secret, name: 'shop/web-tls', objects: [ingress('web')] },
    ]);
  });

  it('attributes listeners and route configurations to the Ingresses routed on them', () => {
    const http = attributeNack(index, 'edge', RESOURCE_TYPES.listener, ['http'], 'x');
    expect(http.objects).toEqual([ingress('api'), ingress('web')]);
    const httpsRoutes = attributeNack(index, 'edge', RESOURCE_TYPES.route, ['https/shop/web-tls'], 'x');
    expect(httpsRoutes.objects).toEqual([ingress('web')]);
  });

  it('keeps resources the source map does not know (or another group) with no objects', () => {
    expect(attributeNack(index, 'edge', RESOURCE_TYPES.listener, ['tcp/7000'], 'x').resources).toEqual([
      { typeUrl: RESOURCE_TYPES.listener, name: 'tcp/7000', objects: [] },
    ]);
    expect(attributeNack(index, 'other', RESOURCE_TYPES.listener, ['http'], 'x').objects).toEqual([]);
  });
});

describe('namesInError', () => {
  it('matches whole names only', () => {
    expect(namesInError('listener(s) https: bad', ['http', 'https'])).toEqual(['https']);
    expect(namesInError("cluster 'service/ns/a/80' bad", ['service/ns/a/8', 'service/ns/a/80'])).toEqual([
      'service/ns/a/80',
    ]);
    expect(namesInError('it failed for tcp/80.', ['tcp/80', 'tcp/8080'])).toEqual(['tcp/80']);
    expect(namesInError('nothing here', ['a'])).toEqual([]);
  });
});
