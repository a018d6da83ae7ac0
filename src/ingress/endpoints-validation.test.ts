/**
 * Hostile EndpointSlices (issue 11, finding 1): an endpoint whose address is not an IP of the slice's
 * addressType, or whose zone is not well-formed text, is left out with a diagnostic on its Service; the
 * Service's other endpoints, and other Services, are selected as before.
 */
import type { EndpointSlice, KubeObject } from '../resources/kube-types.js';
import { buildResourceSet } from '../resources/resource-set.js';
import { isEndpointDiagnostic, selectEndpoints } from './endpoints.js';
import { addressProblem, textProblem } from './text-checks.js';

const svc = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop' },
  spec: { ports: [{ name: 'http', port: 80 }] },
});

function slice(
  service: string,
  endpoints: EndpointSlice['endpoints'],
  addressType: EndpointSlice['addressType'] = 'IPv4',
  port = 8080,
): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service}-${addressType.toLowerCase()}`,
      namespace: 'shop',
      labels: { 'kubernetes.io/service-name': service },
    },
    addressType,
    ports: [{ name: 'http', port }],
    endpoints,
  };
}

const ref = (name: string) => ({ namespace: 'shop', name, port: 80, portName: 'http' });

function select(objects: readonly KubeObject[], name = 'a') {
  const rs = buildResourceSet(objects.map((object) => ({ object, origin: { cluster: 'local' } })));
  return selectEndpoints(rs, ref(name));
}

const addresses = (r: ReturnType<typeof select>) =>
  r.localities.flatMap((l) => l.endpoints.map((e) => e.address)).sort();

describe('text checks', () => {
  test('accepts plain text and paired surrogates (an emoji), refuses lone surrogates and controls', () => {
    expect(textProblem('eu-west-1a')).toBeUndefined();
    expect(textProblem('zone-\ud83d\ude00')).toBeUndefined();
    expect(textProblem('zone-\ud800')).toMatch(/lone surrogate U\+D800 at index 5/);
    expect(textProblem('\udc00zone')).toMatch(/lone surrogate U\+DC00 at index 0/);
    expect(textProblem('a\u0000b')).toMatch(/control character U\+0000/);
    expect(textProblem('a\nb')).toMatch(/control character U\+000A/);
    expect(textProblem('a\nb', { allowLineBreaks: true })).toBeUndefined();
    expect(textProblem('a\u007fb', { allowLineBreaks: true })).toMatch(/U\+007F/);
    expect(textProblem('x'.repeat(1025))).toBe('is 1025 characters long (at most 1024)');
    expect(textProblem('x'.repeat(1024))).toBeUndefined();
  });

  test('addresses must be IPs of the slice address type', () => {
    expect(addressProblem('10.0.0.1', 'IPv4')).toBeUndefined();
    expect(addressProblem('fd00::1', 'IPv6')).toBeUndefined();
    expect(addressProblem('not-an-ip', 'IPv4')).toBe('"not-an-ip" is not an IPv4 address');
    expect(addressProblem('fd00::1', 'IPv4')).toBe('"fd00::1" is not an IPv4 address');
    expect(addressProblem('10.0.0.1', 'IPv6')).toBe('"10.0.0.1" is not an IPv6 address');
    expect(addressProblem('10.0.0.256', 'IPv4')).toMatch(/not an IPv4/);
    expect(addressProblem('x\u0000'.repeat(40), 'IPv4')).toBe('the address is not an IPv4 address');
  });
});

describe('selectEndpoints drops bad endpoints, keeps the others', () => {
  test('an address that is not an IP is left out with a diagnostic on the Service', () => {
    const r = select([svc('a'), slice('a', [{ addresses: ['10.0.0.1'] }, { addresses: ['not-an-ip'] }])]);
    expect(addresses(r)).toEqual(['10.0.0.1']);
    expect(r.diagnostics).toEqual([
      {
        code: 'CW_E_ENDPOINT_INVALID',
        severity: 'warning',
        object: { kind: 'Service', namespace: 'shop', name: 'a' },
        message:
          'EndpointSlice shop/a-ipv4, endpoint 1: "not-an-ip" is not an IPv4 address; the endpoint is left out',
      },
    ]);
    expect(r.diagnostics.every(isEndpointDiagnostic)).toBe(true);
  });

  test('an IPv6 address in an IPv4 slice, and an IPv4 address in an IPv6 slice, are left out', () => {
    const r = select([
      svc('a'),
      slice('a', [{ addresses: ['fd00::1'] }, { addresses: ['10.0.0.2'] }]),
      slice('a', [{ addresses: ['10.0.0.3'] }, { addresses: ['fd00::4'] }], 'IPv6'),
    ]);
    expect(addresses(r)).toEqual(['10.0.0.2', 'fd00::4']);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'EndpointSlice shop/a-ipv4, endpoint 0: "fd00::1" is not an IPv4 address; the endpoint is left out',
      'EndpointSlice shop/a-ipv6, endpoint 0: "10.0.0.3" is not an IPv6 address; the endpoint is left out',
    ]);
  });

  test('a zone with a lone surrogate, a control character or over the cap drops only its endpoint', () => {
    const r = select([
      svc('a'),
      slice('a', [
        { addresses: ['10.0.0.1'], zone: 'zone-\ud800' },
        { addresses: ['10.0.0.2'], zone: 'zone\r\nX-Injected: 1' },
        { addresses: ['10.0.0.3'], zone: 'z'.repeat(5000) },
        { addresses: ['10.0.0.4'], zone: 'eu-west-1a' },
      ]),
    ]);
    expect(r.localities).toEqual([
      {
        cluster: 'local',
        zone: 'eu-west-1a',
        priority: 0,
        endpoints: [{ address: '10.0.0.4', port: 8080, state: 'ready' }],
      },
    ]);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'EndpointSlice shop/a-ipv4, endpoint 0: its zone is not well-formed UTF-16/UTF-8 (lone surrogate U+D800 at index 5); the endpoint is left out',
      'EndpointSlice shop/a-ipv4, endpoint 1: its zone holds the control character U+000D at index 4; the endpoint is left out',
      'EndpointSlice shop/a-ipv4, endpoint 2: its zone is 5000 characters long (at most 1024); the endpoint is left out',
    ]);
  });

  test('an FQDN slice is reported and ignored; a port out of range ignores its slice', () => {
    const r = select([
      svc('a'),
      slice('a', [{ addresses: ['backend.example.com'] }], 'FQDN'),
      slice('a', [{ addresses: ['fd00::9'] }], 'IPv6', 70000),
      slice('a', [{ addresses: ['10.0.0.1'] }]),
    ]);
    expect(addresses(r)).toEqual(['10.0.0.1']);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'EndpointSlice shop/a-fqdn has addressType FQDN, which gateways cannot route to; ignored',
      'EndpointSlice shop/a-ipv6: port 70000 is not in 1..65535; the slice is ignored',
    ]);
  });

  test('when every endpoint is bad the Service has none (and says why), another Service is untouched', () => {
    const objects = [
      svc('a'),
      svc('b'),
      slice('a', [{ addresses: ['not-an-ip'] }]),
      slice('b', [{ addresses: ['10.0.0.7'], zone: 'z1' }]),
    ];
    const a = select(objects, 'a');
    expect(a.localities).toEqual([]);
    expect(a.diagnostics.map((d) => d.code)).toEqual(['CW_E_ENDPOINT_INVALID', 'CW_E_ENDPOINTS_NONE']);
    const b = select(objects, 'b');
    expect(b).toEqual(select([svc('b'), slice('b', [{ addresses: ['10.0.0.7'], zone: 'z1' }])], 'b'));
    expect(b.diagnostics).toEqual([]);
  });
});
