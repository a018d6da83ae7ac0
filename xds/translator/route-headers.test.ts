import type { RouteIR } from '../../src/ir/ir-types.js';
import { CORS_FILTER_NAME, BUFFER_FILTER_NAME } from './common.js';
import { envoyLiteral } from './route-headers.js';
import { translateRouteConfiguration } from './route.translator.js';

const base: RouteIR = {
  name: 'ingress/ns/a/rule/0/path/0',
  match: { kind: 'prefix', path: '/' },
  action: { kind: 'forward', backend: 'service/ns/web/80' },
  timeoutSeconds: 0,
  idleTimeoutSeconds: 60,
  websocket: true,
  source: { kind: 'Ingress', namespace: 'ns', name: 'a' },
};

/** Another Ingress's route without a header policy, so the virtual host's routes do not share one. */
const other: RouteIR = {
  ...base,
  name: 'ingress/ns/b/rule/0/path/0',
  match: { kind: 'prefix', path: '/b' },
  source: { kind: 'Ingress', namespace: 'ns', name: 'b' },
};

type RenderedHost = Record<string, unknown> & { routes: Record<string, unknown>[] };

function renderedHost(routes: readonly RouteIR[]): RenderedHost {
  const rc = translateRouteConfiguration('http', [{ name: '*', domains: ['*'], routes }]) as {
    virtual_hosts: RenderedHost[];
  };
  return rc.virtual_hosts[0]!;
}

/** A route rendered next to a route of another Ingress (so it carries its own policy). */
function rendered(r: RouteIR): Record<string, unknown> {
  return renderedHost([r, other]).routes[0]!;
}

test('every % of a value is doubled, so no Envoy format operator can be formed', () => {
  expect(envoyLiteral('100%')).toBe('100%%');
  expect(envoyLiteral('%DOWNSTREAM_REMOTE_ADDRESS%')).toBe('%%DOWNSTREAM_REMOTE_ADDRESS%%');
  expect(envoyLiteral('50%% off')).toBe('50%%%% off');
  expect(envoyLiteral('plain')).toBe('plain');
});

test('set overwrites, add appends, remove is listed; a route without a policy has none of the fields', () => {
  const r = rendered({
    ...base,
    headerPolicy: {
      request: { set: [{ name: 'x-a', value: '1' }], add: [{ name: 'x-b', value: '2%' }], remove: ['x-c'] },
    },
  });
  expect(r['request_headers_to_add']).toEqual([
    { header: { key: 'x-a', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    { header: { key: 'x-b', value: '2%%' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' },
  ]);
  expect(r['request_headers_to_remove']).toEqual(['x-c']);
  expect(r).not.toHaveProperty('response_headers_to_add');
  const plain = rendered(base);
  for (const k of ['request_headers_to_add', 'response_headers_to_remove', 'typed_per_filter_config'])
    expect(plain).not.toHaveProperty(k);
});

test('CORS and a body cap on one route: both per-filter configs are kept', () => {
  const r = rendered({
    ...base,
    maxRequestBytes: 1024,
    headerPolicy: {
      cors: {
        allowOrigins: [{ kind: 'any' }],
        allowMethods: ['GET'],
        allowHeaders: ['*'],
        exposeHeaders: [],
        allowCredentials: false,
        maxAgeSeconds: 5,
      },
    },
  });
  const configs = r['typed_per_filter_config'] as Record<string, Record<string, unknown>>;
  expect(Object.keys(configs).sort()).toEqual([BUFFER_FILTER_NAME, CORS_FILTER_NAME].sort());
  expect(configs[CORS_FILTER_NAME]).toMatchObject({
    allow_origin_string_match: [{ exact: '*' }],
    allow_credentials: false,
    forward_not_matching_preflights: false,
    max_age: '5',
  });
  expect(r['response_headers_to_add']).toEqual([
    { header: { key: 'vary', value: 'Origin' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' },
  ]);
});

test('a header policy all routes of a virtual host share is written once, on the virtual host', () => {
  const headerPolicy = {
    response: { set: [{ name: 'x-frame-options', value: 'DENY' }], add: [], remove: ['server'] },
    cors: {
      allowOrigins: [{ kind: 'exact' as const, origin: 'https://a.example.com' }],
      allowMethods: ['GET'],
      allowHeaders: [],
      exposeHeaders: [],
      allowCredentials: true,
      maxAgeSeconds: 60,
    },
  };
  const r1 = { ...base, headerPolicy, maxRequestBytes: 1024 };
  const r2 = {
    ...base,
    name: 'ingress/ns/a/rule/0/path/1',
    match: { kind: 'exact', path: '/x' } as const,
    headerPolicy,
  };
  const host = renderedHost([r1, r2]);
  expect(host['response_headers_to_add']).toEqual([
    { header: { key: 'x-frame-options', value: 'DENY' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    { header: { key: 'vary', value: 'Origin' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' },
  ]);
  expect(host['response_headers_to_remove']).toEqual([
    'server',
    'access-control-allow-origin',
    'access-control-allow-credentials',
    'access-control-expose-headers',
  ]);
  expect(Object.keys(host['typed_per_filter_config'] as object)).toEqual([CORS_FILTER_NAME]);
  for (const r of host.routes) {
    expect(r).not.toHaveProperty('response_headers_to_add');
    expect(r).not.toHaveProperty('response_headers_to_remove');
  }
  // The body cap stays on its route: only what every route shares moves up.
  expect(Object.keys(host.routes[0]!['typed_per_filter_config'] as object)).toEqual([BUFFER_FILTER_NAME]);
  expect(host.routes[1]).not.toHaveProperty('typed_per_filter_config');
});
