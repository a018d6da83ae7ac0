/**
 * The endpoint fast path keeps CW_E_ENDPOINT_INVALID as the full translation does: a bad endpoint
 * appearing on an endpoints-only change is reported, and the report goes away when the slice is fixed.
 */
import type { KubeObject } from '../resources/kube-types.js';
import { buildResourceSet } from '../resources/resource-set.js';
import { refreshServiceBackends, replaceEndpointDiagnostics } from './refresh-backends.js';
import { translate } from './translate.js';
import type { TranslateOptions } from './translate-options.js';

const options: TranslateOptions = { defaults: { httpPort: 8080, httpsPort: 8443 }, groups: {} };
const objects = (address: string): KubeObject[] => [
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'causeway', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
    spec: { controller: 'causeway.dev/gateway' },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { ports: [{ name: 'http', port: 80 }] },
  },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
  },
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080 }],
    endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: [address] }],
  },
];
const resources = (address: string) =>
  buildResourceSet(objects(address).map((object) => ({ object, origin: { cluster: 'local' } })));
const codes = (ds: readonly { code: string }[]) => ds.map((d) => d.code);

test('bad endpoint appears, then is fixed, on the fast path: diagnostics and IR match a full translation', () => {
  const services = new Set(['shop/web']);
  const good = translate(resources('10.0.0.2'), options);
  expect(codes(good.diagnostics)).toEqual([]);

  const bad = refreshServiceBackends(good.ir, resources('not-an-ip'), services, options);
  const badDiags = replaceEndpointDiagnostics(good.diagnostics, services, bad.diagnostics);
  const fullBad = translate(resources('not-an-ip'), options);
  expect(badDiags).toEqual(fullBad.diagnostics);
  expect(codes(badDiags)).toEqual(['CW_E_ENDPOINT_INVALID']);
  expect(bad.ir).toEqual(fullBad.ir);

  const fixed = refreshServiceBackends(bad.ir, resources('10.0.0.2'), services, options);
  expect(replaceEndpointDiagnostics(badDiags, services, fixed.diagnostics)).toEqual([]);
  expect(fixed.ir).toEqual(good.ir);
});
