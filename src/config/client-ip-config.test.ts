/** The `clientIp:` and `proxyProtocol:` settings of the config file: top level and per group, strict. */
import { CausewayError } from '../errors.js';
import { parseControllerConfig } from './controller-config.js';
import { translateOptionsFrom } from '../controller/translate-options-from-config.js';
import { groupSettings } from '../translate/translate-options.js';
import { clientAddressOf } from '../translate/client-address.js';

test('top-level settings are every group default; a group replaces each key it sets', () => {
  const text = [
    'clientIp: { trustedHops: 1 }',
    'proxyProtocol: true',
    'groups:',
    '  edge: { clientIp: { trustedHops: 2 } }',
    '  direct: { proxyProtocol: false, clientIp: { trustedHops: 0 } }',
  ].join('\n');
  const c = parseControllerConfig('c.yaml', text);
  expect(c.clientIp).toEqual({ trustedHops: 1 });
  expect(c.proxyProtocol).toBe(true);
  expect(c.groups['edge']).toEqual({ clientIp: { trustedHops: 2 } });
  const options = translateOptionsFrom(c, {});
  expect(clientAddressOf(groupSettings(options, 'other'))).toEqual({ trustedHops: 1, proxyProtocol: true });
  expect(clientAddressOf(groupSettings(options, 'edge'))).toEqual({ trustedHops: 2, proxyProtocol: true });
  // Both keys back to today's behaviour: nothing in the IR, so the group's xDS is unchanged.
  expect(clientAddressOf(groupSettings(options, 'direct'))).toBeUndefined();
});

test('trusted proxies by CIDR: canonical, deduplicated, sorted; a group may trust hops instead', () => {
  const text = [
    'clientIp: { trustedCidrs: [10.1.2.3/8, 10.0.0.0/8, "2001:DB8::/32", 192.0.2.7] }',
    'groups:',
    '  hops: { clientIp: { trustedHops: 1 } }',
  ].join('\n');
  const options = translateOptionsFrom(parseControllerConfig('c.yaml', text), {});
  expect(clientAddressOf(groupSettings(options, 'default'))).toEqual({
    trustedCidrs: ['10.0.0.0/8', '192.0.2.7/32', '2001:db8::/32'],
  });
  expect(clientAddressOf(groupSettings(options, 'hops'))).toEqual({ trustedHops: 1 });
});

test('nothing set: the TCP peer is the client (no client address settings)', () => {
  const options = translateOptionsFrom(parseControllerConfig('c.yaml', 'httpPort: 80'), {});
  expect(clientAddressOf(groupSettings(options, 'default'))).toBeUndefined();
});

test.each([
  ['clientIp: 1', /clientIp must be a mapping \{trustedHops\} or \{trustedCidrs\}/],
  ['clientIp: {}', /clientIp needs trustedHops or trustedCidrs/],
  ['clientIp: { trustedHop: 1 }', /unknown key clientIp.trustedHop \(allowed: trustedHops, trustedCidrs\)/],
  ['clientIp: { trustedHops: 1, trustedCidrs: [10.0.0.0/8] }', /set trustedHops or trustedCidrs, not both/],
  ['clientIp: { trustedCidrs: [] }', /clientIp.trustedCidrs must be a list of 1 to 64 CIDRs/],
  ['clientIp: { trustedCidrs: 10.0.0.0/8 }', /clientIp.trustedCidrs must be a list/],
  [
    'clientIp: { trustedCidrs: [10.0.0.0/8, 10.0.0.0/33] }',
    /clientIp.trustedCidrs\[1\]: "10.0.0.0\/33" has a prefix length that is not a number from 0 to 32/,
  ],
  [
    'clientIp: { trustedCidrs: [proxy.example.com] }',
    /trustedCidrs\[0\]: "proxy.example.com" is not an IPv4/,
  ],
  ['clientIp: { trustedCidrs: [8] }', /trustedCidrs\[0\]: 8 is not a string/],
  [
    `clientIp: { trustedCidrs: [${Array.from({ length: 65 }, (_, i) => `10.0.${i}.0/24`).join(', ')}] }`,
    /must be a list of 1 to 64 CIDRs/,
  ],
  ['clientIp: { trustedHops: -1 }', /clientIp.trustedHops must be a whole number from 0 to 16, got -1/],
  ['clientIp: { trustedHops: 17 }', /clientIp.trustedHops must be a whole number from 0 to 16/],
  ['clientIp: { trustedHops: 1.5 }', /clientIp.trustedHops must be a whole number/],
  ['clientIp: { trustedHops: "1" }', /clientIp.trustedHops must be a whole number/],
  ['proxyProtocol: "true"', /proxyProtocol must be true or false, got "true"/],
  ['proxyProtocol: 1', /proxyProtocol must be true or false/],
  ['groups:\n  edge: { proxyProtocol: yes please }', /groups.edge.proxyProtocol must be true or false/],
  [
    'groups:\n  edge: { clientIp: { trustedHops: x } }',
    /groups.edge.clientIp.trustedHops must be a whole number/,
  ],
])('%s is rejected with a message naming the key', (text, message) => {
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(CausewayError);
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(message);
});
