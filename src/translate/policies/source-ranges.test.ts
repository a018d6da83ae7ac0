import { MAX_SOURCE_RANGES, parseSourceRange, parseSourceRanges, subtractRanges } from './source-ranges.js';

function ok(raw: string): readonly string[] {
  const r = parseSourceRanges(raw);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function error(raw: string): string {
  const r = parseSourceRanges(raw);
  if (r.ok) throw new Error(`"${raw}" parsed`);
  return r.error;
}

test('IPv4 and IPv6 CIDRs and bare addresses, canonical, sorted (IPv4 first), without duplicates', () => {
  expect(ok('10.0.0.0/8, 192.0.2.7,2001:DB8::/32 ,10.0.0.0/8')).toEqual([
    '10.0.0.0/8',
    '192.0.2.7/32',
    '2001:db8::/32',
  ]);
  expect(ok('2001:0db8:0000:0000:0000:0000:0000:0001')).toEqual(['2001:db8::1/128']);
  expect(ok('9.0.0.0/8,10.0.0.0/8,10.0.0.0/16')).toEqual(['9.0.0.0/8', '10.0.0.0/8', '10.0.0.0/16']);
});

test('host bits below the prefix are cleared, as nginx does', () => {
  expect(parseSourceRange('10.1.2.3/8')).toEqual({
    ok: true,
    value: { address: '10.0.0.0', prefixLength: 8 },
  });
  expect(parseSourceRange('192.168.1.77/26')).toEqual({
    ok: true,
    value: { address: '192.168.1.64', prefixLength: 26 },
  });
  expect(parseSourceRange('2001:db8:1:2::ff/48')).toEqual({
    ok: true,
    value: { address: '2001:db8:1::', prefixLength: 48 },
  });
  expect(parseSourceRange('fe80::1:2/127')).toEqual({
    ok: true,
    value: { address: 'fe80::1:2', prefixLength: 127 },
  });
});

test('prefix bounds: 0 to 32 for IPv4, 0 to 128 for IPv6', () => {
  expect(ok('0.0.0.0/0, ::/0')).toEqual(['0.0.0.0/0', '::/0']);
  expect(ok('1.2.3.4/32, ::1/128')).toEqual(['1.2.3.4/32', '::1/128']);
  expect(error('10.0.0.0/33')).toBe(
    'entry 1 "10.0.0.0/33" has a prefix length that is not a number from 0 to 32',
  );
  expect(error('::/129')).toContain('from 0 to 128');
  expect(error('10.0.0.0/08')).toContain('prefix length');
  expect(error('10.0.0.0/')).toContain('prefix length');
  expect(error('10.0.0.0/-1')).toContain('prefix length');
  expect(error('10.0.0.0/8/8')).toContain('prefix length');
});

test('a bad entry is named with its position', () => {
  expect(error('10.0.0.0/8, 10.0.0.300')).toBe(
    'entry 2 "10.0.0.300" is not an IPv4 or IPv6 address or CIDR (like 10.0.0.0/8)',
  );
  expect(error('10.0.0.0/8,,192.0.2.1')).toBe('entry 2 is empty');
  expect(error('')).toBe('entry 1 is empty');
  expect(error('example.com')).toContain('not an IPv4 or IPv6');
  expect(error('fe80::1%eth0')).toContain('not an IPv4 or IPv6');
  expect(error('::ffff:1.2.3.4')).toContain('not an IPv4 or IPv6');
  expect(error('010.0.0.1')).toContain('not an IPv4 or IPv6');
  expect(error('10.0.0.0 /8')).toContain('not an IPv4 or IPv6');
});

test(`at most ${MAX_SOURCE_RANGES} entries`, () => {
  const list = (n: number): string =>
    Array.from({ length: n }, (_, i) => `10.${Math.floor(i / 256)}.${i % 256}.0/24`).join(',');
  expect(ok(list(MAX_SOURCE_RANGES))).toHaveLength(MAX_SOURCE_RANGES);
  expect(error(list(MAX_SOURCE_RANGES + 1))).toBe(
    `${MAX_SOURCE_RANGES + 1} entries are given (at most 1000)`,
  );
});

test('subtracting ranges: the halves around a denied range, deny wins whatever the prefixes', () => {
  expect(subtractRanges(['10.0.0.0/8'], ['10.128.0.0/9'], 100)).toEqual(['10.0.0.0/9']);
  expect(subtractRanges(['10.0.0.0/8'], ['10.0.0.0/10'], 100)).toEqual(['10.64.0.0/10', '10.128.0.0/9']);
  // A deny range wider than the allow range removes it entirely; a disjoint one changes nothing.
  expect(subtractRanges(['10.9.1.0/24'], ['10.0.0.0/8'], 100)).toEqual([]);
  expect(subtractRanges(['10.0.0.0/8'], ['192.0.2.0/24', '2001:db8::/32'], 100)).toEqual(['10.0.0.0/8']);
  // One address out of a /30: the other three as a /31 and a /32.
  expect(subtractRanges(['192.0.2.0/30'], ['192.0.2.1/32'], 100)).toEqual(['192.0.2.0/32', '192.0.2.2/31']);
  // No allow list: every IPv4 and IPv6 address but the denied ones.
  const all = subtractRanges(undefined, ['0.0.0.0/1', '::/1'], 100);
  expect(all).toEqual(['128.0.0.0/1', '8000::/1']);
  // Too many pieces: undefined (the caller fails closed).
  expect(subtractRanges(undefined, ['192.0.2.7/32'], 10)).toBeUndefined();
  expect(subtractRanges(undefined, ['192.0.2.7/32'], 100)).toHaveLength(33);
});
