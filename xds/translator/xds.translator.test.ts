/** translateEndpoints: the fast path's ClusterLoadAssignments are the full translation's. */
import type { BackendIR, GatewayGroupIR, IR } from '../../src/ir/ir-types.js';
import { RESOURCE_TYPES } from '../protos/envoy-protos.js';
import { translateEndpoints, translateXds } from './xds.translator.js';

function backend(name: string, address: string): BackendIR {
  return {
    name: `service/shop/${name}/80`,
    service: { namespace: 'shop', name, port: 80, portName: 'http' },
    protocol: 'http1',
    connectTimeoutSeconds: 2,
    crossCluster: 'failover',
    endpoints: [
      { cluster: 'local', zone: '', priority: 0, endpoints: [{ address, port: 8080, state: 'ready' }] },
    ],
    sources: [{ kind: 'Ingress', namespace: 'shop', name }],
  };
}

function group(name: string, backends: readonly BackendIR[]): GatewayGroupIR {
  return { name, http: { name: 'http', port: 8080, virtualHosts: [] }, tcp: [], backends, secrets: [] };
}

const ir: IR = {
  groups: [
    group('default', [backend('api', '10.0.0.1'), backend('web', '10.0.0.2')]),
    group('edge', [backend('web', '10.0.0.2')]),
    group('quiet', [backend('api', '10.0.0.1')]),
  ],
};

describe('translateEndpoints', () => {
  it('gives the ClusterLoadAssignments of the changed backends, per group, as translateXds does', () => {
    const changed = new Map([
      ['default', new Set(['service/shop/web/80', 'service/shop/api/80'])],
      ['edge', new Set(['service/shop/web/80'])],
    ]);
    const out = translateEndpoints(ir, changed);
    expect([...out.keys()]).toEqual(['default', 'edge']);
    const full = translateXds(ir).resources;
    for (const [g, upserts] of out)
      expect(upserts).toEqual(
        full
          .get(g)!
          .get(RESOURCE_TYPES.endpoint)!
          .filter((r) => changed.get(g)!.has(r.name)),
      );
    expect(out.get('default')!.map((r) => r.name)).toEqual(['service/shop/api/80', 'service/shop/web/80']);
  });

  it('leaves out groups without a changed backend, and names the IR does not have', () => {
    const out = translateEndpoints(ir, new Map([['quiet', new Set(['service/shop/gone/80'])]]));
    expect(out.size).toBe(0);
  });
});
