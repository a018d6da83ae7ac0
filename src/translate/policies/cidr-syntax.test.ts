import { parseCidr, parseCidrList, MAX_CIDRS } from './cidr-syntax.js';

test('IPv4 and IPv6 ranges: host bits cleared, a bare address is one host', () => {
  expect(parseCidr('10.1.2.3/8')).toEqual({ ok: true, value: { address: '10.0.0.0', prefixLength: 8 } });
  expect(parseCidr('192.168.0.7')).toEqual({ ok: true, value: { address: '192.168.0.7', prefixLength: 32 } });
  expect(parseCidr('172.16.255.1/12')).toEqual({
    ok: true,
    value: { address: '172.16.0.0', prefixLength: 12 },
  });
  expect(parseCidr('0.0.0.0/0')).toEqual({ ok: true, value: { address: '0.0.0.0', prefixLength: 0 } });
  expect(parseCidr('2001:DB8::1:0:0:1/64')).toEqual({
    ok: true,
    value: { address: '2001:db8::', prefixLength: 64 },
  });
  expect(parseCidr('::1')).toEqual({ ok: true, value: { address: '::1', prefixLength: 128 } });
  expect(parseCidr('::/0')).toEqual({ ok: true, value: { address: '::', prefixLength: 0 } });
  expect(parseCidr('2001:db8:0:1:0:0:0:1')).toEqual({
    ok: true,
    value: { address: '2001:db8:0:1::1', prefixLength: 128 },
  });
  expect(parseCidr('1:0:0:2:0:0:0:3/128')).toEqual({
    ok: true,
    value: { address: '1:0:0:2::3', prefixLength: 128 },
  });
  expect(parseCidr('1:2:3:4:5:6:7:8')).toEqual({
    ok: true,
    value: { address: '1:2:3:4:5:6:7:8', prefixLength: 128 },
  });
});

test('bad addresses and prefixes are refused', () => {
  for (const bad of [
    '300.1.1.1',
    '10.0.0.0/33',
    '2001:db8::/129',
    '10.0.0/8',
    'example.com',
    '::ffff:1.2.3.4',
    '1.2.3.4/-1',
    '10.0.0.0/ 8',
    '',
  ])
    expect(parseCidr(bad).ok).toBe(false);
});

test('lists: comma-separated, sorted, duplicates once, bounded', () => {
  expect(parseCidrList('10.0.0.0/8, 10.1.0.0/8,192.168.0.1')).toEqual({
    ok: true,
    value: [
      { address: '10.0.0.0', prefixLength: 8 },
      { address: '192.168.0.1', prefixLength: 32 },
    ],
  });
  expect(parseCidrList(' , ').ok).toBe(false);
  expect(parseCidrList('10.0.0.0/8, nope')).toEqual({
    ok: false,
    error: '"nope" is not an IPv4 or IPv6 address or CIDR',
  });
  const many = Array.from({ length: MAX_CIDRS + 1 }, (_, i) => `10.0.${i}.0/24`).join(',');
  expect(parseCidrList(many).ok).toBe(false);
});
