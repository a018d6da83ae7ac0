/** The path policy in Envoy's words: regex matches of the start of the path, rewrites and redirects. */
import { encodeResource, RESOURCE_TYPES } from '../protos/envoy-protos.js';
import { pathRewrite, redirectAction, regexPathMatch } from './route-paths.js';

test('a regex path matches the start of the path (Envoy matches the whole path)', () => {
  const { regex } = (
    regexPathMatch({ kind: 'regex', path: '/api/v[0-9]+' }) as { safe_regex: { regex: string } }
  ).safe_regex;
  const full = new RegExp(`^${regex}$`);
  expect(full.test('/api/v2/users')).toBe(true);
  expect(full.test('/api/v2')).toBe(true);
  expect(full.test('/x/api/v2')).toBe(false);
  // An alternation stays inside the group: `/a|/b` must not become `/a|/b.*`.
  const alt = new RegExp(
    `^${(regexPathMatch({ kind: 'regex', path: '/a|/b' }) as { safe_regex: { regex: string } }).safe_regex.regex}$`,
  );
  expect(alt.test('/a/x')).toBe(true);
});

test('redirects name each replaced part and the response code; https keeps the ssl-redirect form', () => {
  expect(redirectAction({ scheme: 'https', code: 301 })).toEqual({
    https_redirect: true,
    response_code: 'MOVED_PERMANENTLY',
  });
  expect(
    redirectAction({
      scheme: 'http',
      host: 'a.example.com',
      port: 8080,
      path: '/x?y=1',
      stripQuery: true,
      code: 308,
    }),
  ).toEqual({
    scheme_redirect: 'http',
    host_redirect: 'a.example.com',
    port_redirect: 8080,
    path_redirect: '/x?y=1',
    response_code: 'PERMANENT_REDIRECT',
    strip_query: true,
  });
  expect(redirectAction({ host: 'foo.com', code: 308 })).toEqual({
    host_redirect: 'foo.com',
    response_code: 'PERMANENT_REDIRECT',
  });
});

test('a route with a rewrite and one with a redirect encode with Envoy protos', () => {
  const config = {
    name: 'http',
    virtual_hosts: [
      {
        name: 'a',
        domains: ['a'],
        routes: [
          {
            match: { prefix: '/' },
            route: { cluster: 'c', ...pathRewrite({ regex: '^/foo/?', substitution: '/' }) },
          },
          {
            match: regexPathMatch({ kind: 'regex', path: '/r' }),
            redirect: redirectAction({ path: '/app', stripQuery: true, code: 302 }),
          },
        ],
      },
    ],
  };
  expect(() => encodeResource(RESOURCE_TYPES.route, config)).not.toThrow();
  expect(pathRewrite(undefined)).toEqual({});
});
