import { parseAwsFacts } from './aws-facts-file.js';

test('parses a facts file', () => {
  const r = parseAwsFacts(`
vpcId: vpc-0123
subnets:
  - { id: subnet-0a, availabilityZone: us-east-1a, roles: [internal] }
certificates:
  - { arn: "arn:aws:acm:us-east-1:123456789012:certificate/x", domains: ["*.example.com"] }
`);
  expect(r).toEqual({
    ok: true,
    facts: {
      vpcId: 'vpc-0123',
      subnets: [{ id: 'subnet-0a', availabilityZone: 'us-east-1a', roles: ['internal'] }],
      certificates: [{ arn: 'arn:aws:acm:us-east-1:123456789012:certificate/x', domains: ['*.example.com'] }],
    },
  });
});

test('refuses a wrong shape with a message naming the field', () => {
  expect(parseAwsFacts('vpcId: 3')).toEqual({ ok: false, error: 'vpcId must be a string' });
  const bad = parseAwsFacts('vpcId: v\nsubnets:\n  - { id: s, availabilityZone: z, roles: [public] }');
  expect(bad.ok).toBe(false);
  expect(!bad.ok && bad.error).toContain('subnets[0]');
  expect(parseAwsFacts('a: [').ok).toBe(false);
});
