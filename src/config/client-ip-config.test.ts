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

test('nothing set: the TCP peer is the client (no client address settings)', () => {
  const options = translateOptionsFrom(parseControllerConfig('c.yaml', 'httpPort: 80'), {});
  expect(clientAddressOf(groupSettings(options, 'default'))).toBeUndefined();
});

test.each([
  ['clientIp: 1', /clientIp must be a mapping \{trustedHops\}/],
  ['clientIp: {}', /clientIp.trustedHops is required/],
  ['clientIp: { trustedHop: 1 }', /unknown key clientIp.trustedHop \(allowed: trustedHops\)/],
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
