/**
 * The path annotations' parsers (good and bad values, limits) and the rewrite each route gets, applied
 * with JavaScript's regex engine the way Envoy applies `regex_rewrite` (replace the match, keep the rest).
 */
import type { PathMatch } from '../../ingress/ingress-types.js';
import type { PathRewriteIR } from '../../ir/ir-types.js';
import { wwwPartner } from '../path-routes.js';
import { pathRewriteFor } from './paths.js';
import {
  parseAppRoot,
  parseRedirectCode,
  parseRedirectUrl,
  parseRewriteTarget,
} from './paths-annotations.js';

/** Applies a rewrite to a request path (query kept aside, as Envoy does). */
function rewritten(rw: PathRewriteIR, requestPath: string): string {
  const [p, q] = requestPath.split('?', 2) as [string, string | undefined];
  const js = rw.substitution.replace(/\$/g, '$$$$').replace(/\\([1-9])/g, '$$$1');
  return p.replace(new RegExp(rw.regex, 'g'), js) + (q !== undefined ? `?${q}` : '');
}

const m = (kind: PathMatch['kind'], path: string): PathMatch => ({ kind, path });

describe('pathRewriteFor', () => {
  test.each([
    ['prefix', '/foo', '/', '/foo/bar', '/bar'],
    ['prefix', '/foo', '/', '/foo', '/'],
    ['prefix', '/foo', '/', '/foo/', '/'],
    ['prefix', '/foo', '/', '/foo/bar?x=1', '/bar?x=1'],
    ['prefix', '/foo', '/v2', '/foo/bar', '/v2/bar'],
    ['prefix', '/foo', '/v2', '/foo', '/v2'],
    ['prefix', '/foo', '/v2/', '/foo/bar', '/v2/bar'],
    ['prefix', '/a.b+c', '/x/', '/a.b+c/d', '/x/d'],
    ['prefix', '/', '/app', '/x/y', '/app/x/y'],
    ['prefix', '/', '/app/', '/x', '/app/x'],
    ['exact', '/old', '/new/place', '/old?q=1', '/new/place?q=1'],
    ['regex', '/something(/|$)(.*)', '/$2', '/something/new', '/new'],
    ['regex', '/something(/|$)(.*)', '/$2', '/something', '/'],
    ['regex', '/something(/|$)(.*)', '/$2', '/something/a/b?x=y', '/a/b?x=y'],
    ['regex', '/api/(v[0-9]+)/(.*)', '/$2/$1', '/api/v2/users/7', '/users/7/v2'],
    ['regex', '/legacy/[a-z]+', '/modern', '/legacy/page/more', '/modern'],
  ] as const)('%s %s + %s: %s -> %s', (kind, path, target, request, expected) => {
    expect(rewritten(pathRewriteFor(m(kind, path), target), request)).toBe(expected);
  });

  test('capture groups become RE2 substitutions and the regex is anchored at the start', () => {
    expect(pathRewriteFor(m('regex', '/x(.*)'), '/$1')).toEqual({
      regex: '^(?:/x(.*)).*',
      substitution: '/\\1',
    });
  });
});

describe('parseRewriteTarget', () => {
  test('counts the highest capture group', () => {
    expect(parseRewriteTarget('/$2/x/$1')).toEqual({ ok: true, value: { target: '/$2/x/$1', maxGroup: 2 } });
    expect(parseRewriteTarget('/')).toEqual({ ok: true, value: { target: '/', maxGroup: 0 } });
  });
  test.each(['x', '/x?y=1', '/a\\1', '/$host', '/$0', '/$10', '/$', '/a b', '/%zz', '/' + 'a'.repeat(256)])(
    'refuses %s',
    (raw) => expect(parseRewriteTarget(raw).ok).toBe(false),
  );
});

describe('parseRedirectUrl', () => {
  test('keeps scheme, host, port, path and query as given', () => {
    expect(parseRedirectUrl('https://new.example.com/home?from=old')).toEqual({
      ok: true,
      value: { scheme: 'https', host: 'new.example.com', path: '/home?from=old' },
    });
    expect(parseRedirectUrl('http://10.0.0.1:8080')).toEqual({
      ok: true,
      value: { scheme: 'http', host: '10.0.0.1', port: 8080, path: '/' },
    });
    expect(parseRedirectUrl('HTTPS://Example.COM/A')).toEqual({
      ok: true,
      value: { scheme: 'https', host: 'example.com', path: '/A' },
    });
  });
  test.each([
    'ftp://files.example.com/',
    '/relative',
    'example.com/x',
    'https://user:pw@example.com/',
    'https://example.com/#top',
    'https://exa_mple.com/',
    'https://[::1]/',
    'https://example.com/a b',
    'https://example.com:99999/',
    'javascript:alert(1)',
  ])('refuses %s', (raw) => expect(parseRedirectUrl(raw).ok).toBe(false));
});

test('parseRedirectCode takes the codes Envoy can redirect with', () => {
  for (const c of [301, 302, 303, 307, 308])
    expect(parseRedirectCode(String(c))).toEqual({ ok: true, value: c });
  for (const c of ['300', '304', '305', '306', '309', '200', 'found', '301.0', ''])
    expect(parseRedirectCode(c).ok).toBe(false);
});

test('parseAppRoot takes a path other than /', () => {
  expect(parseAppRoot('/app')).toEqual({ ok: true, value: '/app' });
  for (const raw of ['/', 'app', '/app?x=1', '/$1', '/a b', '/%g0']) expect(parseAppRoot(raw).ok).toBe(false);
});

test('wwwPartner pairs www.<host> and <host>, never wildcards, the catch-all or www.<tld>', () => {
  expect(wwwPartner('foo.com')).toBe('www.foo.com');
  expect(wwwPartner('www.foo.com')).toBe('foo.com');
  expect(wwwPartner('www.com')).toBeUndefined();
  expect(wwwPartner('*.foo.com')).toBeUndefined();
  expect(wwwPartner('*')).toBeUndefined();
});
