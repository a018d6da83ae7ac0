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

function rendered(r: RouteIR): Record<string, unknown> {
  const rc = translateRouteConfiguration('http', [{ name: '*', domains: ['*'], routes: [r] }]) as {
    virtual_hosts: { routes: Record<string, unknown>[] }[];
  };
  return rc.virtual_hosts[0]!.routes[0]!;
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
