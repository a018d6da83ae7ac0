import type { Gateway } from '../resources/gateway-api-types.js';
import { defaultGatewayGroup, gatewayGroupOf } from './gateway-group-name.js';

function gw(name: string, annotations?: Record<string, string>): Gateway {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name, namespace: 'team-a', ...(annotations ? { annotations } : {}) },
    spec: { gatewayClassName: 'causeway', listeners: [] },
  };
}

test('the default group is <namespace>-<name>', () => {
  expect(gatewayGroupOf(gw('edge'))).toEqual({ ok: true, group: 'team-a-edge' });
});

test('past 63 characters: 54 of them, a dash and 8 hex digits, distinct per name, a DNS label', () => {
  const a = defaultGatewayGroup('n'.repeat(40), 'x'.repeat(40));
  const b = defaultGatewayGroup('n'.repeat(40), `${'x'.repeat(39)}y`);
  expect(a).toMatch(/^n{40}-x{13}-[0-9a-f]{8}$/);
  expect(a.length).toBeLessThanOrEqual(63);
  expect(a).not.toBe(b);
  expect(defaultGatewayGroup('n'.repeat(40), 'x'.repeat(40))).toBe(a);
});

test('the annotation names the group; a value that is not a DNS label is refused', () => {
  expect(gatewayGroupOf(gw('edge', { 'causeway.dev/gateway-group': 'public' }))).toEqual({
    ok: true,
    group: 'public',
  });
  expect(gatewayGroupOf(gw('edge', { 'causeway.dev/gateway-group': 'Not A Label' })).ok).toBe(false);
});
