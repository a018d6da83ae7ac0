import { compareGrpcMatches, normalizeGrpcMatch, type RankedGrpcMatch } from './grpc-matches.js';

type Spec = Parameters<typeof normalizeGrpcMatch>[0];

function ranked(spec: Spec, name = 'r', ts = '2024-01-01T00:00:00Z', ruleIndex = 0): RankedGrpcMatch {
  const r = normalizeGrpcMatch(spec);
  if (!r.ok) throw new Error(r.error);
  return {
    match: r.match,
    rank: r.rank,
    route: { metadata: { name, namespace: 'ns', creationTimestamp: ts } },
    ruleIndex,
    matchIndex: 0,
  };
}

describe('normalizeGrpcMatch', () => {
  test('service and method: the exact path /service/method (type Exact by default)', () => {
    const r = ranked({ method: { service: 'echo.v1.Echo', method: 'Say' } });
    expect(r.match.path).toEqual({ kind: 'exact', value: '/echo.v1.Echo/Say' });
    expect(r.rank).toEqual({ service: 12, method: 3 });
  });
  test('service only: the /service/ prefix; method only: a regex over any service', () => {
    expect(ranked({ method: { service: 'echo.v1.Echo' } }).match.path).toEqual({
      kind: 'prefix',
      value: '/echo.v1.Echo',
    });
    expect(ranked({ method: { method: 'Say' } }).match.path).toEqual({ kind: 'regex', value: '/[^/]+/Say' });
  });
  test('no method match: every request; headers are kept (names lower-cased)', () => {
    const r = ranked({ headers: [{ name: 'X-Version', value: '2' }] });
    expect(r.match.path).toEqual({ kind: 'prefix', value: '/' });
    expect(r.match.headers).toEqual([{ name: 'x-version', kind: 'exact', value: '2' }]);
  });
  test('RegularExpression: an empty part matches any name', () => {
    expect(ranked({ method: { type: 'RegularExpression', service: 'a\\.b.*' } }).match.path).toEqual({
      kind: 'regex',
      value: '/(?:a\\.b.*)/[^/]+',
    });
  });
  test('refuses names that are not gRPC names, an empty match and RE2-incompatible regexes', () => {
    expect(normalizeGrpcMatch({ method: { service: 'a/b' } })).toMatchObject({ ok: false });
    expect(normalizeGrpcMatch({ method: { method: 'a-b' } })).toMatchObject({ ok: false });
    expect(normalizeGrpcMatch({ method: {} })).toMatchObject({ ok: false });
    expect(normalizeGrpcMatch({ method: { type: 'RegularExpression', method: '(?=a)b' } })).toMatchObject({
      ok: false,
    });
    expect(normalizeGrpcMatch({ headers: [{ name: 'bad header', value: 'x' }] })).toMatchObject({
      ok: false,
    });
  });
});

describe('compareGrpcMatches: the spec precedence', () => {
  const order = (list: RankedGrpcMatch[]) =>
    [...list].sort(compareGrpcMatches).map((r) => `${r.match.path.value}:${r.route.metadata.name}`);
  test('more service characters, then more method characters, then more headers', () => {
    expect(
      order([
        ranked(undefined),
        ranked({ method: { method: 'LongMethodName' } }),
        ranked({ method: { service: 'svc.A' } }),
        ranked({ method: { service: 'svc.A', method: 'M' } }),
        ranked({ method: { service: 'svc.A', method: 'M' }, headers: [{ name: 'h', value: '1' }] }, 's'),
      ]),
    ).toEqual(['/svc.A/M:s', '/svc.A/M:r', '/svc.A:r', '/[^/]+/LongMethodName:r', '/:r']);
  });
  test('ties: the older route, then namespace/name, then rule order', () => {
    expect(
      order([
        ranked(undefined, 'b', '2024-01-02T00:00:00Z'),
        ranked(undefined, 'c', '2024-01-01T00:00:00Z'),
        ranked(undefined, 'a', '2024-01-02T00:00:00Z'),
      ]),
    ).toEqual(['/:c', '/:a', '/:b']);
  });
});
