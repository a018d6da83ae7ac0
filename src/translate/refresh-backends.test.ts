/**
 * The EndpointSlice fast path of translate: after an endpoints-only change, refreshing the changed
 * Services' backends gives the IR and diagnostics a full translation gives.
 */
import { compareDiagnostics, diagnostic, type Diagnostic } from '../errors.js';
import type { KubeObject } from '../resources/kube-types.js';
import { buildResourceSet, type ResourceSet } from '../resources/resource-set.js';
import { servicesOfChangedSlices } from '../sources/source-update.js';
import { refreshServiceBackends, replaceEndpointDiagnostics } from './refresh-backends.js';
import { backendsOfServices, indexServiceBackends } from './service-backend-index.js';
import { translate } from './translate.js';
import type { TranslateOptions } from './translate-options.js';

const options: TranslateOptions = {
  defaults: { httpPort: 8080, httpsPort: 8443 },
  groups: { edge: { homeCluster: 'east' }, other: {} },
  clusterZones: { west: 'west-a' },
};

const cls: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'causeway', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
  spec: { controller: 'causeway.dev/gateway' },
};
const svc = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop' },
  spec: { ports: [{ name: 'http', port: 80 }] },
});
const slice = (
  service: string,
  suffix: string,
  ip: string,
  ready = true,
  terminating = false,
): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: {
    name: `${service}-${suffix}`,
    namespace: 'shop',
    labels: { 'kubernetes.io/service-name': service },
  },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080 }],
  endpoints: [{ addresses: [ip], conditions: { ready, serving: true, terminating } }],
});
const ing = (name: string, group: string, services: readonly string[]): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'shop', annotations: { 'causeway.dev/gateway-group': group } },
  spec: {
    rules: services.map((s) => ({
      host: `${s}.example.com`,
      http: {
        paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: s, port: { number: 80 } } } }],
      },
    })),
  },
});

/** `east` objects, plus a copy of the `web` Service and its slices in `west` (multi-cluster endpoints). */
function resources(slices: readonly KubeObject[]): ResourceSet {
  const east = [cls, svc('web'), svc('api'), ing('edge', 'edge', ['web', 'api']), ing('o', 'other', ['web'])];
  const west = [svc('web'), slice('web', 'w', '10.1.0.1')];
  return buildResourceSet([
    ...[...east, ...slices].map((object) => ({ object, origin: { cluster: 'east' } })),
    ...west.map((object) => ({ object, origin: { cluster: 'west' } })),
  ]);
}

const sorted = (ds: readonly Diagnostic[]): Diagnostic[] => [...ds].sort(compareDiagnostics);

describe('refreshServiceBackends', () => {
  const before = resources([slice('web', '1', '10.0.0.1'), slice('api', '1', '10.0.0.2')]);
  const full = translate(before, options);

  it.each([
    ['a new address', [slice('web', '1', '10.0.0.9'), slice('api', '1', '10.0.0.2')]],
    [
      'only terminating endpoints',
      [slice('web', '1', '10.0.0.1', false, true), slice('api', '1', '10.0.0.2')],
    ],
    ['no slice left', [slice('api', '1', '10.0.0.2')]],
  ])('matches a full translation after %s for web', (_what, slices) => {
    const after = resources(slices);
    const services = servicesOfChangedSlices(
      [{ kind: 'EndpointSlice', key: 'shop/web-1', op: slices.length > 1 ? 'upsert' : 'delete' }],
      before,
      after,
    );
    expect([...services]).toEqual(['shop/web']);
    const r = refreshServiceBackends(full.ir, after, services, options);
    expect(refreshServiceBackends(full.ir, after, services, options, indexServiceBackends(full.ir))).toEqual(
      r,
    );
    const expected = translate(after, options);
    expect(r.ir).toEqual(expected.ir);
    expect(sorted(replaceEndpointDiagnostics(full.diagnostics, services, r.diagnostics))).toEqual(
      sorted(expected.diagnostics),
    );
  });

  it('reports the changed backends per group and shares everything else', () => {
    const after = resources([slice('web', '1', '10.0.0.9'), slice('api', '1', '10.0.0.2')]);
    const r = refreshServiceBackends(full.ir, after, new Set(['shop/web']), options);
    const indexed = refreshServiceBackends(
      full.ir,
      after,
      new Set(['shop/web']),
      options,
      indexServiceBackends(full.ir),
    );
    expect(indexed).toEqual(r);
    expect(indexed.ir.groups.map((g, i) => g === full.ir.groups[i])).toEqual(
      r.ir.groups.map((g, i) => g === full.ir.groups[i]),
    );
    expect(r.changed).toEqual(
      new Map([
        ['edge', new Set(['service/shop/web/80'])],
        ['other', new Set(['service/shop/web/80'])],
      ]),
    );
    const byName = (ir: typeof full.ir, g: string) => ir.groups.find((x) => x.name === g)!;
    expect(byName(r.ir, 'default')).toBe(byName(full.ir, 'default'));
    const api = (ir: typeof full.ir) => byName(ir, 'edge').backends.find((b) => b.service.name === 'api');
    expect(api(r.ir)).toBe(api(full.ir));
  });

  it('indexes each Service by group and cuts an IR down to its backends, in order', () => {
    const index = indexServiceBackends(full.ir);
    const names = (ir: typeof full.ir) => ir.groups.map((g) => [g.name, g.backends.map((b) => b.name)]);
    expect(names(backendsOfServices(full.ir, new Set(['shop/web']), index))).toEqual([
      ['edge', ['service/shop/web/80']],
      ['other', ['service/shop/web/80']],
    ]);
    const both = backendsOfServices(full.ir, new Set(['shop/web', 'shop/api']), index);
    const edge = full.ir.groups.find((g) => g.name === 'edge')!;
    expect(both.groups.find((g) => g.name === 'edge')!.backends).toEqual(
      edge.backends.filter((b) => ['web', 'api'].includes(b.service.name)),
    );
    expect(backendsOfServices(full.ir, new Set(['shop/unused']), index).groups).toEqual([]);
  });

  it('changes nothing for a Service no group uses', () => {
    const r = refreshServiceBackends(full.ir, before, new Set(['shop/unused']), options);
    expect(r.changed.size).toBe(0);
    expect(r.ir.groups.every((g, i) => g === full.ir.groups[i])).toBe(true);
    expect(r.diagnostics).toEqual([]);
  });
});

describe('replaceEndpointDiagnostics', () => {
  const service = (name: string) => ({ kind: 'Service', namespace: 'shop', name });
  const none = (name: string): Diagnostic => diagnostic('CW_E_ENDPOINTS_NONE', service(name), 'none');
  const other = diagnostic('CW_E_ANNOTATION_INVALID', service('web'), 'bad annotation');

  it('drops the endpoint diagnostics of the refreshed Services only, then adds the fresh ones', () => {
    const current = [none('web'), none('api'), other];
    expect(replaceEndpointDiagnostics(current, new Set(['shop/web']), [])).toEqual([none('api'), other]);
    expect(replaceEndpointDiagnostics(current, new Set(['shop/api']), [none('api')])).toEqual([
      none('web'),
      other,
      none('api'),
    ]);
  });
});
