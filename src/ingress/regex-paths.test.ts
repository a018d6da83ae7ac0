/**
 * Regex paths: what the conservative RE2 check accepts and refuses (with the program size budget Envoy
 * enforces), how `normalizePath` reads ImplementationSpecific paths with `regex`, and the route order of
 * a host with regex paths.
 */
import type { PathMatch } from './ingress-types.js';
import { comparePathMatches, compareRegexHostMatches, normalizePath, pathOrderFor } from './paths.js';
import { checkRegexPath, estimateProgramSize, REGEX_PROGRAM_BUDGET } from './regex-paths.js';

describe('checkRegexPath', () => {
  test.each([
    ['/api/v[0-9]+', 0],
    ['/something(/|$)(.*)', 2],
    ['/(?:docs|help)/(.+)\\.html$', 1],
    ['/v([0-9]+)/(items|orders)(/.*)?', 3],
    ['/[^/]+/[^/]+/[^/]+/[^/]+/[^/]+/[^/]+/[^/]+/[^/]+/[^/]+/[^/]+/[^/]+/[^/]+', 0],
    ['/a\\.b\\+c', 0],
  ])('accepts %s with %i capture groups', (re, groups) => {
    expect(checkRegexPath(re)).toEqual({ ok: true, groups });
  });

  test.each([
    ['/look(?=ahead)', 'lookaround'],
    ['/look(?!ahead)', 'lookaround'],
    ['/(?<=x)y', 'lookaround'],
    ['/(?<name>x)', 'named groups'],
    ['/(?P<name>x)', 'named groups'],
    ['/(?i)case', 'inline flags'],
    ['/(a)\\1', 'escape "\\1"'],
    ['/\\k<a>', 'escape "\\k"'],
    ['/\\p{L}', 'escape "\\p"'],
    ['/\\u0041', 'escape "\\u"'],
    ['/\\cA', 'escape "\\c"'],
    ['/[\\b]', 'escape "\\b"'],
    ['/unbalanced(/', 'not a valid regular expression'],
    ['/a)(', 'not a valid regular expression'],
    ['/a++', 'not a valid regular expression'],
    ['/a{1,200}', 'too complex'],
    ['/' + '.'.repeat(60), 'too complex'],
    ['no-slash', 'must start with "/"'],
    ['/caf\u00e9', 'printable ASCII'],
    ['/a b', 'printable ASCII'],
    ['/' + 'x'.repeat(256), 'longer than 256'],
  ])('refuses %s (%s)', (re, why) => {
    const r = checkRegexPath(re);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.error).toContain(why);
  });

  test('the program size estimate grows with repetition and stays under budget for a long literal', () => {
    expect(estimateProgramSize('/a{1,10}')).toBeLessThan(estimateProgramSize('/a{1,20}'));
    expect(estimateProgramSize('/' + 'abcdefghij'.repeat(8))).toBeLessThanOrEqual(REGEX_PROGRAM_BUDGET);
    // Envoy measured 102 for (?:/a{1,48}).*: the estimate must refuse it.
    expect(estimateProgramSize('/a{1,48}')).toBeGreaterThan(REGEX_PROGRAM_BUDGET);
  });
});

describe('normalizePath with regex', () => {
  test('ImplementationSpecific paths become regexes, other types keep their meaning', () => {
    expect(normalizePath('ImplementationSpecific', '/api/v[0-9]+', { regex: true })).toEqual({
      ok: true,
      match: { kind: 'regex', path: '/api/v[0-9]+' },
    });
    expect(normalizePath('Prefix', '/api/', { regex: true })).toEqual({
      ok: true,
      match: { kind: 'prefix', path: '/api' },
    });
    expect(normalizePath('Exact', '/x', { regex: true })).toEqual({
      ok: true,
      match: { kind: 'exact', path: '/x' },
    });
    expect(normalizePath('ImplementationSpecific', '', { regex: true })).toEqual({
      ok: true,
      match: { kind: 'prefix', path: '/' },
    });
  });

  test('without regex a regex-looking path is refused as a URL path (ALB mode and default)', () => {
    expect(normalizePath('ImplementationSpecific', '/api/v[0-9]+').ok).toBe(false);
  });

  test('a bad regex names the annotation', () => {
    const r = normalizePath('ImplementationSpecific', '/(?=x)', { regex: true });
    expect(r.ok ? '' : r.error).toContain('causeway.dev/use-regex');
  });
});

describe('route order of a host with regex paths', () => {
  const m = (kind: PathMatch['kind'], path: string): PathMatch => ({ kind, path });
  const paths = [
    m('prefix', '/api/very/long/prefix'),
    m('exact', '/a'),
    m('regex', '/api/v[0-9]+'),
    m('prefix', '/'),
    m('regex', '/api/v[0-9]+/users/[0-9]+'),
    m('exact', '/api/v1'),
  ];

  test('Exact first, then regexes longest first, then Prefix longest first', () => {
    expect([...paths].sort(compareRegexHostMatches)).toEqual([
      m('exact', '/api/v1'),
      m('exact', '/a'),
      m('regex', '/api/v[0-9]+/users/[0-9]+'),
      m('regex', '/api/v[0-9]+'),
      m('prefix', '/api/very/long/prefix'),
      m('prefix', '/'),
    ]);
  });

  test('a host without regex paths keeps the longest-first order', () => {
    const plain = paths.filter((p) => p.kind !== 'regex');
    expect(pathOrderFor(plain)).toBe(comparePathMatches);
    expect(pathOrderFor(paths)).toBe(compareRegexHostMatches);
  });
});
