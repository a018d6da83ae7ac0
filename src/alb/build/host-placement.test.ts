import { placeUnits, placementsFromActual } from './host-placement.js';

const unit = (key: string, cost: number): { key: string; hosts: string[]; cost: number } => ({
  key,
  hosts: [key],
  cost,
});

test('cold start: first fit in host order', () => {
  const p = placeUnits('g', [unit('a', 60), unit('b', 30), unit('c', 30)], 100, {});
  expect(Object.fromEntries(p.shards)).toEqual({ 0: ['a', 'b'], 1: ['c'] });
});

test('units stay where they are; an overflowing load balancer sheds its smallest units only', () => {
  const previous = { a: 'g/lb/1', b: 'g/lb/0', c: 'g/lb/0', d: 'g/lb/0' };
  // b grows: lb/0 holds 50 + 30 + 5 = 85 > 80, so the 5-rule unit d moves, not b nor c.
  const p = placeUnits('g', [unit('a', 10), unit('b', 50), unit('c', 30), unit('d', 5)], 80, previous);
  expect(Object.fromEntries(p.shards)).toEqual({ 0: ['b', 'c'], 1: ['a', 'd'] });
});

test('a unit larger than one load balancer gets one of its own and is reported', () => {
  const p = placeUnits('g', [unit('big', 150), unit('small', 10)], 100, {});
  expect(p.oversized).toEqual(['big']);
  expect(Object.fromEntries(p.shards)).toEqual({ 0: ['big'], 1: ['small'] });
});

test('an empty group still has its first load balancer; placements read back from host-header conditions', () => {
  expect(Object.fromEntries(placeUnits('g', [], 100, {}).shards)).toEqual({ 0: [] });
  const rule = (hosts: string[]): never =>
    ({ arn: 'r', priority: 1, conditions: [{ field: 'host-header', values: hosts }], action: {} }) as never;
  const lb = (resourceId: string, hosts: string[]): never =>
    ({ resourceId, listeners: [{ rules: [rule(hosts)] }] }) as never;
  expect(
    placementsFromActual({
      loadBalancers: [lb('g/lb/1', ['B.com']), lb('g/lb/0', ['a.com'])],
      targetGroups: [],
    }),
  ).toEqual({
    'a.com': 'g/lb/0',
    'b.com': 'g/lb/1',
  });
});
