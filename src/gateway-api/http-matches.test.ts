import { compareMatches, normalizeMatch, type NormalizedMatch, type RankedMatch } from './http-matches.js';

function m(spec: Parameters<typeof normalizeMatch>[0]): NormalizedMatch {
  const r = normalizeMatch(spec);
  if (!r.ok) throw new Error(r.error);
  return r.match;
}

function ranked(match: NormalizedMatch, name = 'r', ts = '2024-01-01T00:00:00Z', ruleIndex = 0): RankedMatch {
  return {
    match,
    route: { metadata: { name, namespace: 'ns', creationTimestamp: ts } },
    ruleIndex,
    matchIndex: 0,
  };
}

function order(list: RankedMatch[]): string[] {
  return [...list]
    .sort(compareMatches)
    .map((r) => `${r.match.path.kind}:${r.match.path.value}:${r.route.metadata.name}:${r.ruleIndex}`);
}

describe('normalizeMatch', () => {
  test('defaults to PathPrefix /', () => {
    expect(m(undefined).path).toEqual({ kind: 'prefix', value: '/' });
  });
  test('drops a prefix trailing slash, keeps an exact one', () => {
    expect(m({ path: { type: 'PathPrefix', value: '/a/' } }).path.value).toBe('/a');
    expect(m({ path: { type: 'Exact', value: '/a/' } }).path.value).toBe('/a/');
  });
  test('keeps the first of repeated header names, case-insensitively', () => {
    const h = m({
      headers: [
        { name: 'X-A', value: '1' },
        { name: 'x-a', value: '2' },
      ],
    }).headers;
    expect(h).toEqual([{ name: 'x-a', kind: 'exact', value: '1' }]);
  });
  test('refuses a path without a leading slash', () => {
    expect(normalizeMatch({ path: { type: 'PathPrefix', value: 'a' } }).ok).toBe(false);
  });
});

describe('compareMatches (the spec precedence)', () => {
  test('exact beats regex beats prefix; longer prefix first', () => {
    const list = [
      ranked(m({ path: { type: 'PathPrefix', value: '/a' } })),
      ranked(m({ path: { type: 'PathPrefix', value: '/a/b' } })),
      ranked(m({ path: { type: 'RegularExpression', value: '/a.*' } })),
      ranked(m({ path: { type: 'Exact', value: '/a' } })),
    ];
    expect(order(list)).toEqual(['exact:/a:r:0', 'regex:/a.*:r:0', 'prefix:/a/b:r:0', 'prefix:/a:r:0']);
  });
  test('on equal paths: method, then more headers, then more query params', () => {
    const plain = ranked(m({}), 'plain');
    const method = ranked(m({ method: 'GET' }), 'method');
    const headers = ranked(m({ headers: [{ name: 'a', value: '1' }] }), 'headers');
    const query = ranked(m({ queryParams: [{ name: 'a', value: '1' }] }), 'query');
    expect([plain, query, headers, method].sort(compareMatches).map((r) => r.route.metadata.name)).toEqual([
      'method',
      'headers',
      'query',
      'plain',
    ]);
  });
  test('then the older route, then name, then rule order', () => {
    const newer = ranked(m({}), 'a', '2024-02-01T00:00:00Z');
    const older = ranked(m({}), 'z', '2024-01-01T00:00:00Z');
    const sameAgeB = ranked(m({}), 'b', '2024-03-01T00:00:00Z');
    const sameAgeA = ranked(m({}), 'a', '2024-03-01T00:00:00Z', 1);
    const sameAgeA0 = ranked(m({}), 'a', '2024-03-01T00:00:00Z', 0);
    expect(order([sameAgeB, sameAgeA, newer, older, sameAgeA0])).toEqual([
      'prefix:/:z:0',
      'prefix:/:a:0',
      'prefix:/:a:0',
      'prefix:/:a:1',
      'prefix:/:b:0',
    ]);
  });
});
