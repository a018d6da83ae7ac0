/**
 * UDP services (`causeway.dev/gateway-udp-port`): the claim read from a Service, the endpoints of its
 * UDP port only, the endpoints fast path on a UDP backend, and one report of an internal error on a
 * Service read for both TCP and UDP.
 */
import type { KubeObject, Service } from '../resources/kube-types.js';
import { buildResourceSet } from '../resources/resource-set.js';
import { refreshServiceBackends } from './refresh-backends.js';
import { translate } from './translate.js';
import type { TranslateOptions } from './translate-options.js';
import { readServicePortClaims } from './udp-services.js';
import type { Diagnostic } from '../errors.js';

const options: TranslateOptions = { defaults: { httpPort: 8080, httpsPort: 8443 }, groups: {} };

const dns = (annotations: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'dns', namespace: 'net', annotations },
  spec: {
    ports: [
      { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      { name: 'dns', port: 53, protocol: 'UDP' },
    ],
  },
});

/** A slice of `dns` whose port `dns` has `protocol` (absent: none given). */
const slice = (ip: string, port: number, protocol?: string): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `dns-${ip}`, namespace: 'net', labels: { 'kubernetes.io/service-name': 'dns' } },
  addressType: 'IPv4',
  ports: [{ name: 'dns', port, ...(protocol ? { protocol } : {}) }],
  endpoints: [{ addresses: [ip], conditions: { ready: true } }],
});

const resources = (objects: readonly KubeObject[]) =>
  buildResourceSet(objects.map((object) => ({ object, origin: { cluster: 'local' } })));

test('a Service with both annotations claims its TCP and its UDP port on the same gateway port number', () => {
  const diags: Diagnostic[] = [];
  const s = dns({
    'causeway.dev/gateway-tcp-port': '5353',
    'causeway.dev/gateway-tcp-service-port': 'dns-tcp',
    'causeway.dev/gateway-udp-port': '5353',
  });
  const claims = readServicePortClaims({ object: s, origin: { cluster: 'local' } }, diags);
  expect(diags).toEqual([]);
  expect(claims.tcp?.port).toBe(5353);
  expect(claims.udp?.port).toBe(5353);
  expect(claims.udp?.servicePort).toEqual({
    namespace: 'net',
    name: 'dns',
    port: 53,
    portName: 'dns',
    protocol: 'UDP',
  });
});

test('the UDP backend takes only slice ports with protocol UDP', () => {
  const r = translate(
    resources([
      dns({ 'causeway.dev/gateway-udp-port': '5353' }),
      slice('10.0.0.1', 5353, 'UDP'),
      slice('10.0.0.2', 5354, 'TCP'),
      slice('10.0.0.3', 5355),
    ]),
    options,
  );
  const group = r.ir.groups[0]!;
  expect(group.udp?.map((u) => [u.name, u.backend])).toEqual([['udp/5353', 'udp/net/dns/53']]);
  const backend = group.backends.find((b) => b.name === 'udp/net/dns/53')!;
  expect(backend.endpoints.flatMap((l) => l.endpoints.map((e) => `${e.address}:${e.port}`))).toEqual([
    '10.0.0.1:5353',
  ]);
  expect(backend.healthCheck).toBeUndefined();
});

test('an endpoints-only change refreshes the UDP backend as a full translation would', () => {
  const svc = dns({ 'causeway.dev/gateway-udp-port': '5353', 'causeway.dev/health-check-tcp': 'true' });
  const before = translate(resources([svc, slice('10.0.0.1', 5353, 'UDP')]), options);
  const after = resources([svc, slice('10.0.0.9', 6000, 'UDP')]);
  const refresh = refreshServiceBackends(before.ir, after, new Set(['net/dns']), options);
  expect(refresh.changed.get('default')).toEqual(new Set(['udp/net/dns/53']));
  expect(refresh.ir).toEqual(translate(after, options).ir);
});

test('an internal error reading a Service is reported once, and the Service is left out of TCP and UDP', () => {
  const s = dns({ 'causeway.dev/gateway-tcp-port': '5353', 'causeway.dev/gateway-udp-port': '5353' });
  const meta = s.metadata;
  Object.defineProperty(meta, 'annotations', {
    get: () => {
      throw new Error('simulated bug');
    },
  });
  const diags: Diagnostic[] = [];
  expect(readServicePortClaims({ object: s, origin: { cluster: 'local' } }, diags)).toEqual({});
  expect(diags.map((d) => d.code)).toEqual(['CW_E_INTERNAL_OBJECT']);
});
