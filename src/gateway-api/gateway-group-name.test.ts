import { GATEWAY_GROUP_ANNOTATION, derivedGroupName, gatewayGroupOf } from './gateway-group-name.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

describe('gatewayGroupOf', () => {
  test('the annotation names the group when it is a DNS label', () => {
    expect(
      gatewayGroupOf({ namespace: 'infra', name: 'gw', annotations: { [GATEWAY_GROUP_ANNOTATION]: 'edge' } }),
    ).toEqual({ ok: true, group: 'edge', fromAnnotation: true });
  });

  test('an annotation that is not a DNS label is an error, not a silent fallback', () => {
    const result = gatewayGroupOf({
      namespace: 'infra',
      name: 'gw',
      annotations: { [GATEWAY_GROUP_ANNOTATION]: 'Edge_1' },
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain('"Edge_1" is not a DNS label');
  });

  test('without the annotation the group is <namespace>-<name>', () => {
    expect(gatewayGroupOf({ namespace: 'gateway-conformance-infra', name: 'same-namespace' })).toEqual({
      ok: true,
      group: 'gateway-conformance-infra-same-namespace',
      fromAnnotation: false,
    });
  });
});

describe('derivedGroupName', () => {
  test('a long name is cut to 63 characters with a hash suffix, deterministically', () => {
    const ns = 'n'.repeat(40);
    const a = derivedGroupName(ns, 'g'.repeat(40));
    expect(a).toHaveLength(63);
    expect(a).toMatch(DNS_LABEL);
    expect(a).toMatch(/-[0-9a-f]{10}$/);
    expect(derivedGroupName(ns, 'g'.repeat(40))).toBe(a);
    expect(derivedGroupName(ns, `${'g'.repeat(39)}h`)).not.toBe(a);
  });

  test('a name with dots or upper case becomes a DNS label, distinct from its look-alike', () => {
    const dotted = derivedGroupName('infra', 'gw.example');
    expect(dotted).toMatch(DNS_LABEL);
    expect(dotted).toMatch(/^infra-gw-example-[0-9a-f]{10}$/);
    expect(dotted).not.toBe(derivedGroupName('infra', 'gw-example'));
    expect(derivedGroupName('infra', 'GW')).toMatch(/^infra-gw-[0-9a-f]{10}$/);
  });

  test('a cut that ends on a dash drops it', () => {
    const name = derivedGroupName('a'.repeat(51), 'b'.repeat(20));
    expect(name).toMatch(DNS_LABEL);
    expect(name).toMatch(/^a{51}-[0-9a-f]{10}$/);
  });
});
