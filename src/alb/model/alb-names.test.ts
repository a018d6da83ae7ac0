import { awsName, conditionsKey, ruleResourceId } from './alb-names.js';

/** AWS's limit on load balancer and target group names. */
const AWS_NAME_MAX = 32;

test('AWS names: at most 32 of [a-z0-9-], no dash at either end, stable, hash-sensitive', () => {
  const long = awsName('A very/long group name___with stuff-that-goes-on-and-on', ['cluster', 'id']);
  expect(long.length).toBeLessThanOrEqual(AWS_NAME_MAX);
  expect(long).toMatch(/^cw-[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
  expect(awsName('x', ['a', 'b'])).toBe(awsName('x', ['a', 'b']));
  expect(awsName('x', ['a', 'b'])).not.toBe(awsName('x', ['a', 'c']));
  expect(awsName('---', ['a'])).toMatch(/^cw-[0-9a-f]{10}$/);
  for (const r of ['shop/web', 'a'.repeat(40), 'end-', '-start']) {
    const n = awsName(r, [r]);
    expect(n.length).toBeLessThanOrEqual(AWS_NAME_MAX);
    expect(n.endsWith('-')).toBe(false);
  }
});

test('rule ids depend on the conditions only, not their order', () => {
  const a = [
    { field: 'host-header' as const, values: ['b.com', 'a.com'] },
    { field: 'path-pattern' as const, values: ['/x'] },
  ];
  const b = [
    { field: 'path-pattern' as const, values: ['/x'] },
    { field: 'host-header' as const, values: ['a.com', 'b.com'] },
  ];
  expect(conditionsKey(a)).toBe(conditionsKey(b));
  expect(ruleResourceId('g/lb/0/listener/80', a)).toBe(ruleResourceId('g/lb/0/listener/80', b));
  expect(ruleResourceId('g/lb/0/listener/80', a)).not.toBe(ruleResourceId('g/lb/0/listener/80', [a[0]!]));
});
