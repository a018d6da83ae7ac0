import { compareIps, endpointAddressProblem, parseIp } from './ip-address.js';

test.each([
  ['192.0.2.10', { address: '192.0.2.10', family: 'IPv4' }],
  ['2001:DB8:0:0::1', { address: '2001:db8::1', family: 'IPv6' }],
  ['2001:db8::c000:0201', { address: '2001:db8::c000:201', family: 'IPv6' }],
])('%s parses to its canonical form', (text, parsed) => {
  expect(parseIp(text)).toEqual(parsed);
});

test.each(['', 'vm1', '192.0.2', '192.0.2.256', '010.0.0.1', 'fe80::1%eth0', '[::1]', '1.2.3.4/32'])(
  '%j is not an IP address',
  (text) => {
    expect(parseIp(text)).toBeUndefined();
  },
);

test.each([
  ['0.0.0.0', 'is the unspecified address'],
  ['::', 'is the unspecified address'],
  ['127.0.0.1', 'is a loopback address'],
  ['127.9.9.9', 'is a loopback address'],
  ['::1', 'is a loopback address'],
  ['169.254.169.254', 'is a link-local address'],
  ['fe80::1', 'is a link-local address'],
  ['224.0.0.1', 'is a link-local address'],
  ['ff02::1', 'is a link-local address'],
  ['239.1.2.3', 'is a multicast address'],
  ['ff05::2', 'is a multicast address'],
  ['::ffff:192.0.2.1', 'is an IPv4-mapped IPv6 address (use its IPv4 form)'],
  ['::ffff:127.0.0.1', 'is an IPv4-mapped IPv6 address (use its IPv4 form)'],
])('%s %s', (text, problem) => {
  expect(endpointAddressProblem(parseIp(text)!)).toBe(problem);
});

test.each(['192.0.2.1', '10.0.0.1', '255.255.255.254', '2001:db8::1', 'fd00::1', 'fec0::1', '::ffff'])(
  '%s may be an endpoint',
  (text) => {
    expect(endpointAddressProblem(parseIp(text)!)).toBeUndefined();
  },
);

test('allowed kinds are accepted', () => {
  expect(endpointAddressProblem(parseIp('127.0.0.1')!, ['loopback'])).toBeUndefined();
  expect(endpointAddressProblem(parseIp('0.0.0.0')!, ['loopback'])).toBe('is the unspecified address');
});

test('addresses sort numerically, IPv4 first', () => {
  expect(['2001:db8::a', '10.0.0.10', '2001:db8::9', '10.0.0.9', '9.0.0.1'].sort(compareIps)).toEqual([
    '9.0.0.1',
    '10.0.0.9',
    '10.0.0.10',
    '2001:db8::9',
    '2001:db8::a',
  ]);
});
