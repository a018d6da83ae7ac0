import {
  MAX_WILDCARD_LABELS,
  normalizeHost,
  singleLabelAuthorityRegex,
  wildcardMatches,
  wildcardOf,
} from './hosts.js';

/** Envoy's RE2 is a full match here (anchored); JavaScript's RegExp reads the same syntax. */
function guardMatches(wildcard: string, authority: string): boolean {
  return new RegExp(singleLabelAuthorityRegex(wildcard)).test(authority);
}

test('the one-label check of a wildcard counts labels: one more than the suffix, any port', () => {
  expect(guardMatches('*.example.com', 'shop.example.com')).toBe(true);
  expect(guardMatches('*.example.com', 'shop.example.com:8443')).toBe(true);
  expect(guardMatches('*.example.com', 'a.shop.example.com')).toBe(false);
  expect(guardMatches('*.example.com', 'example.com')).toBe(false);
  // Its size does not grow with the suffix's length (Envoy limits a regex's RE2 program size).
  const long = `*.${'a'.repeat(60)}.${'b'.repeat(60)}.example.com`;
  expect(singleLabelAuthorityRegex(long)).toBe('^[^.]+(?:\\.[^.]+){4}(:[0-9]+)?$');
  // Agrees with the translator's own notion of a match.
  for (const host of ['x.example.com', 'x.y.example.com', 'example.com'])
    expect(guardMatches('*.example.com', host)).toBe(wildcardMatches('*.example.com', host));
});

test(`a wildcard host has at most ${MAX_WILDCARD_LABELS} labels after "*."; a concrete host is not limited`, () => {
  const labels = (n: number): string => Array.from({ length: n }, () => 'ab').join('.');
  expect(normalizeHost(`*.${labels(MAX_WILDCARD_LABELS)}`)).toEqual({
    ok: true,
    host: `*.${labels(MAX_WILDCARD_LABELS)}`,
  });
  const deep = normalizeHost(`*.${labels(MAX_WILDCARD_LABELS + 1)}`);
  expect(deep.ok).toBe(false);
  expect(!deep.ok && deep.error).toContain(`has ${MAX_WILDCARD_LABELS + 1} labels after "*."`);
  expect(normalizeHost(labels(MAX_WILDCARD_LABELS + 10)).ok).toBe(true);
});

test('wildcardOf names the one wildcard that matches a concrete host, as wildcardMatches decides', () => {
  expect(wildcardOf('shop.example.com')).toBe('*.example.com');
  expect(wildcardOf('a.b.example.com')).toBe('*.b.example.com');
  expect(wildcardOf('localhost')).toBeUndefined();
  expect(wildcardOf('*.example.com')).toBeUndefined();
  expect(wildcardOf('*')).toBeUndefined();
  const wildcards = ['*.example.com', '*.b.example.com', '*.com'];
  for (const host of ['shop.example.com', 'a.b.example.com', 'x.com', 'example.com', 'a.x.example.com'])
    expect(wildcards.filter((w) => wildcardMatches(w, host))).toEqual(
      wildcards.filter((w) => w === wildcardOf(host)),
    );
});
