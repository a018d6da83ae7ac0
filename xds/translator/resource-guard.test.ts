/**
 * The final guard before the cache (issue 11): a resource breaking a rule Envoy enforces is left out
 * with a diagnostic on its sources; a ClusterLoadAssignment loses only its bad endpoints; the rest of
 * the group is unchanged. The IR is built by hand here, as a translate bug could produce it.
 */
import type { BackendIR, GatewayGroupIR, IR } from '../../src/ir/ir-types.js';
import { RESOURCE_TYPES, encodeResource } from '../protos/envoy-protos.js';
import type { PlainResource } from '../cache/config-watcher.js';
import { guardGroup } from './resource-guard.js';
import { valueProblem } from './resource-rules.js';
import { translateEndpointsChecked, translateXds } from './xds.translator.js';

const ingressRef = { kind: 'Ingress', namespace: 'shop', name: 'shop' };

function backend(name: string, endpoints: BackendIR['endpoints']): BackendIR {
  return {
    name: `service/shop/${name}/80`,
    service: { namespace: 'shop', name, port: 80, portName: 'http' },
    protocol: 'http1',
    connectTimeoutSeconds: 2,
    crossCluster: 'failover',
    endpoints,
    sources: [ingressRef],
  };
}

const ep = (address: string, port = 8080) => ({ address, port, state: 'ready' as const });

function group(
  backends: readonly BackendIR[],
  domains: readonly string[] = ['shop.example.com'],
): GatewayGroupIR {
  return {
    name: 'default',
    http: {
      name: 'http',
      port: 8080,
      virtualHosts: [
        {
          name: 'shop',
          domains,
          routes: backends.map((b) => ({
            name: `route/${b.service.name}`,
            match: { kind: 'prefix' as const, path: `/${b.service.name}` },
            action: { kind: 'forward' as const, backend: b.name },
            timeoutSeconds: 15,
            idleTimeoutSeconds: 60,
            websocket: true,
            source: ingressRef,
          })),
        },
      ],
    },
    tcp: [],
    backends,
    secrets: [],
  };
}

const healthy = backend('web', [{ cluster: 'local', zone: 'a', priority: 0, endpoints: [ep('10.0.0.1')] }]);
const hostile = backend('api', [
  {
    cluster: 'local',
    zone: 'a',
    priority: 0,
    endpoints: [ep('10.0.0.2'), ep('not-an-ip'), ep('10.0.0.3', 0)],
  },
  { cluster: 'local', zone: 'zone-\ud800', priority: 0, endpoints: [ep('10.0.0.4')] },
]);

const resourcesOf = (ir: IR, t: string) =>
  translateXds(ir)
    .resources.get('default')!
    .get(t as never)!;

describe('rules', () => {
  test.each([
    [
      { socket_address: { address: 'not-an-ip', port_value: 80 } },
      'socket_address address is not an IP address',
    ],
    [
      { socket_address: { address: '::1', port_value: 65536 } },
      'socket_address port_value is not in 0..65535',
    ],
    [{ virtual_hosts: [{ name: 'x', domains: [] }] }, 'virtual_hosts[0] has no domain'],
    [{ name: 'a\r\nb' }, 'name holds the control character U+000D at index 1'],
    [
      { body: { inline_string: 'ok\n' }, name: '\udfff' },
      'name is not well-formed UTF-16/UTF-8 (lone surrogate U+DFFF at index 0)',
    ],
    [{ regex: 'x'.repeat(8193) }, 'regex is 8193 characters long (at most 8192)'],
  ])('%j breaks: %s', (value, problem) => {
    expect(valueProblem(value)).toBe(problem);
  });

  test('line breaks are fine in inline data only; a well-formed resource passes', () => {
    expect(valueProblem({ body: { inline_string: 'a\r\nb' } })).toBeUndefined();
    expect(valueProblem({ socket_address: { address: '0.0.0.0', port_value: 0 } })).toBeUndefined();
    expect(valueProblem({ socket_address: { address: '0.0.0.0', port_value: 0 } }, '', '', 1)).toMatch(
      /port_value/,
    );
  });
});

describe('translateXds with the guard', () => {
  test('a ClusterLoadAssignment loses only its bad endpoints and locality, with diagnostics on the Service', () => {
    const ir: IR = { groups: [group([healthy, hostile])] };
    const t = translateXds(ir);
    const endpoints = t.resources.get('default')!.get(RESOURCE_TYPES.endpoint)!;
    expect(endpoints.map((r) => r.name)).toEqual(['service/shop/api/80', 'service/shop/web/80']);
    expect(endpoints[0]!.resource).toEqual({
      cluster_name: 'service/shop/api/80',
      endpoints: [
        {
          locality: { region: 'local', zone: 'a' },
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '10.0.0.2', port_value: 8080 } } } },
          ],
        },
      ],
    });
    // The healthy backend's assignment is exactly what it is without the hostile one.
    expect(endpoints[1]).toEqual(resourcesOf({ groups: [group([healthy])] }, RESOURCE_TYPES.endpoint)[0]);
    const svc = { kind: 'Service', namespace: 'shop', name: 'api' };
    expect(t.diagnostics).toEqual(
      [
        'endpoints[0].lb_endpoints[1].endpoint.address.socket_address address is not an IP address',
        'endpoints[0].lb_endpoints[2].endpoint.address.socket_address port_value is not in 1..65535',
        'endpoints[1].locality.zone is not well-formed UTF-16/UTF-8 (lone surrogate U+D800 at index 5)',
      ].map((p) => ({
        code: 'CW_E_ENDPOINT_INVALID',
        severity: 'warning',
        object: svc,
        message: `ClusterLoadAssignment "service/shop/api/80": ${p}; the endpoint is left out`,
      })),
    );
    for (const r of endpoints)
      expect(() => encodeResource(RESOURCE_TYPES.endpoint, r.resource)).not.toThrow();
  });

  test('a route configuration with a bad domain is left out, with a diagnostic on its Ingress; clusters stay', () => {
    const t = translateXds({ groups: [group([healthy], ['shop.example.com\u0000'])] });
    const res = t.resources.get('default')!;
    expect(res.get(RESOURCE_TYPES.route)).toEqual([]);
    expect(res.get(RESOURCE_TYPES.cluster)!.map((r) => r.name)).toEqual(['service/shop/web/80']);
    expect(res.get(RESOURCE_TYPES.listener)!.map((r) => r.name)).toEqual(['http']);
    expect(t.diagnostics).toEqual([
      {
        code: 'CW_E_XDS_RESOURCE_INVALID',
        severity: 'error',
        object: ingressRef,
        message:
          'route "http": virtual_hosts[0].domains[0] holds the control character U+0000 at index 16; the resource is left out',
      },
    ]);
    expect(t.sources.get('default')!.resources.get(RESOURCE_TYPES.route)!.size).toBe(0);
  });

  test('a cluster left out takes its ClusterLoadAssignment along; a listener on port 70000 is left out', () => {
    const cluster = (name: string): PlainResource => ({ name, resource: { name, type: 'EDS' } });
    const cla = (name: string): PlainResource => ({ name, resource: { cluster_name: name, endpoints: [] } });
    const listener: PlainResource = {
      name: 'http',
      resource: { name: 'http', address: { socket_address: { address: '0.0.0.0', port_value: 70000 } } },
    };
    const g = guardGroup(
      'default',
      new Map([
        [RESOURCE_TYPES.cluster, [cluster('bad\u0001'), cluster('good')]],
        [RESOURCE_TYPES.endpoint, [cla('bad\u0001'), cla('good')]],
        [RESOURCE_TYPES.listener, [listener]],
      ]),
      new Map(),
    );
    expect(g.resources.get(RESOURCE_TYPES.cluster)!.map((r) => r.name)).toEqual(['good']);
    expect(g.resources.get(RESOURCE_TYPES.endpoint)!.map((r) => r.name)).toEqual(['good']);
    expect(g.resources.get(RESOURCE_TYPES.listener)).toEqual([]);
    expect(g.diagnostics.map((d) => `${d.object.kind}/${d.object.name}: ${d.message}`)).toEqual([
      'GatewayGroup/default: cluster (unprintable name): its name holds the control character U+0001 at index 3; the resource is left out',
      'GatewayGroup/default: endpoint (unprintable name): its name holds the control character U+0001 at index 3; the resource is left out',
      'GatewayGroup/default: listener "http": address.socket_address port_value is not in 0..65535; the resource is left out',
    ]);
  });
});

describe('translateEndpointsChecked (the fast path)', () => {
  test('applies the same guard and reports on the Service', () => {
    const ir: IR = { groups: [group([healthy, hostile])] };
    const r = translateEndpointsChecked(ir, new Map([['default', new Set([hostile.name, healthy.name])]]));
    expect(r.resources.get('default')).toEqual(resourcesOf(ir, RESOURCE_TYPES.endpoint));
    expect(r.diagnostics).toEqual(translateXds(ir).diagnostics);
    expect(r.diagnostics).toHaveLength(3);
  });
});
