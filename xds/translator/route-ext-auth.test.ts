/**
 * External auth rendering: one disabled ext_authz filter per distinct auth configuration, named by a
 * stable hash (another Ingress's auth never renames it) and sorted; the strip and sign-in filters only
 * when some route needs them; a route turns on only its own filters; a refused route answers 503.
 */
import type { ExtAuthServiceIR, RouteIR, VirtualHostIR } from '../../src/ir/ir-types.js';
import { AUTH_SIGNIN_FILTER_NAME, AUTH_ALLOWED_FILTER_NAME } from './auth-signin.js';
import { AUTH_STRIP_FILTER_NAME } from './common.js';
import { extAuthzFilterName, extAuthzFilters } from './listener-ext-auth.js';
import { translateRouteConfiguration } from './route.translator.js';

const service: ExtAuthServiceIR = {
  url: 'http://auth.ns',
  backend: 'service/ns/auth/80',
  path: '/',
  timeoutSeconds: 5,
  failOpen: false,
  requestHeaders: ['authorization'],
  responseHeaders: [],
};

function route(name: string, extAuth?: RouteIR['extAuth']): RouteIR {
  return {
    name: `ingress/ns/${name}/rule/0/path/0`,
    match: { kind: 'prefix', path: `/${name}` },
    action: { kind: 'forward', backend: 'service/ns/web/80' },
    timeoutSeconds: 0,
    idleTimeoutSeconds: 60,
    websocket: true,
    ...(extAuth ? { extAuth } : {}),
    source: { kind: 'Ingress', namespace: 'ns', name },
  };
}

function vhosts(...routes: RouteIR[]): VirtualHostIR[] {
  return [{ name: '*', domains: ['*'], routes }];
}

function names(filters: object[]): string[] {
  return filters.map((f) => (f as { name: string }).name);
}

test('one disabled filter per distinct configuration, sorted, its name stable when others come and go', () => {
  const a = route('a', { kind: 'check', service });
  const a2 = route('a2', { kind: 'check', service: { ...service } });
  const open: ExtAuthServiceIR = { ...service, failOpen: true };
  const b = route('b', { kind: 'check', service: open });
  const alone = names(extAuthzFilters(vhosts(a)));
  const both = extAuthzFilters(vhosts(a, a2, b, route('plain')));
  expect(names(both)).toHaveLength(2);
  expect(names(both)).toEqual([...names(both)].sort());
  expect(names(both)).toContain(alone[0]);
  expect(names(both)).toContain(extAuthzFilterName(open));
  for (const f of both) expect(f).toMatchObject({ disabled: true });
  expect(extAuthzFilters(vhosts(route('plain'), route('x', { kind: 'refused' })))).toEqual([]);
});

test('the strip filter comes with response headers, the sign-in filters around the checks with sign-in', () => {
  const trusted = route('t', { kind: 'check', service: { ...service, responseHeaders: ['x-user'] } });
  const signin = route('s', { kind: 'check', service, signin: { url: 'https://login', param: 'rd' } });
  expect(names(extAuthzFilters(vhosts(trusted)))).toEqual([
    AUTH_STRIP_FILTER_NAME,
    extAuthzFilterName({ ...service, responseHeaders: ['x-user'] }),
  ]);
  expect(names(extAuthzFilters(vhosts(signin)))).toEqual([
    AUTH_SIGNIN_FILTER_NAME,
    extAuthzFilterName(service),
    AUTH_ALLOWED_FILTER_NAME,
  ]);
});

test('a route turns on only its own filters; a refused route answers 503; a route without auth has none', () => {
  const rc = translateRouteConfiguration(
    'http',
    vhosts(
      route('a', { kind: 'check', service, signin: { url: 'https://login', param: 'next' } }),
      route('bad', { kind: 'refused' }),
      route('plain'),
    ),
  ) as { virtual_hosts: { routes: Record<string, unknown>[] }[] };
  const [a, bad, plain] = rc.virtual_hosts[0]!.routes;
  expect(Object.keys(a!['typed_per_filter_config'] as object).sort()).toEqual(
    [AUTH_ALLOWED_FILTER_NAME, AUTH_SIGNIN_FILTER_NAME, extAuthzFilterName(service)].sort(),
  );
  expect(a!['metadata']).toEqual({
    filter_metadata: { [AUTH_SIGNIN_FILTER_NAME]: { url: 'https://login', param: 'next' } },
  });
  expect(bad).toEqual({
    name: 'ingress/ns/bad/rule/0/path/0',
    match: { path_separated_prefix: '/bad' },
    direct_response: { status: 503, body: { inline_string: 'external auth is misconfigured\n' } },
  });
  expect(plain).not.toHaveProperty('typed_per_filter_config');
  expect(plain).not.toHaveProperty('metadata');
});
