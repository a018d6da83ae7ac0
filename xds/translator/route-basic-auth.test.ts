import type { RouteIR } from '../../src/ir/ir-types.js';
import { decodeResource, encodeResource, RESOURCE_TYPES } from '../protos/envoy-protos.js';
import { BASIC_AUTH_CLOSED_BODY, withBasicAuth } from './route-basic-auth.js';

const ROUTE: RouteIR = {
  name: 'ingress/default/admin/rule/0/path/0',
  match: { kind: 'prefix', path: '/' },
  action: { kind: 'forward', backend: 'service/default/admin/80' },
  timeoutSeconds: 0,
  idleTimeoutSeconds: 60,
  websocket: true,
  source: { kind: 'Ingress', namespace: 'default', name: 'admin' },
};
const BUILT = { name: ROUTE.name, match: { prefix: '/' }, route: { cluster: 'service/default/admin/80' } };
const USERS = [{ user: 'alice', hash: '{SHA}g2YDYHBhl9R/ddqtGep+ipAO4aU=' }];

function roundTrip(route: object): Record<string, unknown> {
  const config = { name: 'http', virtual_hosts: [{ name: 'h', domains: ['*'], routes: [route] }] };
  const decoded = decodeResource(RESOURCE_TYPES.route, encodeResource(RESOURCE_TYPES.route, config)) as {
    virtual_hosts: { routes: Record<string, unknown>[] }[];
  };
  return decoded.virtual_hosts[0]!.routes[0]!;
}

test('a route without basic auth is unchanged', () => {
  expect(withBasicAuth(ROUTE, BUILT)).toBe(BUILT);
});

test('users go in BasicAuthPerRoute, the challenge in route metadata that survives encoding', () => {
  const r = withBasicAuth(
    { ...ROUTE, basicAuth: { realm: 'Shop 100%', secret: 'default/u', users: USERS } },
    BUILT,
  );
  const decoded = roundTrip(r);
  expect(decoded['metadata']).toEqual({
    filter_metadata: { 'causeway.basic_auth': { challenge: 'Basic realm="Shop 100%"' } },
  });
  expect(JSON.stringify(decoded['typed_per_filter_config'])).toContain(
    'alice:{SHA}g2YDYHBhl9R/ddqtGep+ipAO4aU=\\n',
  );
  expect(decoded['route']).toEqual({ cluster: 'service/default/admin/80' });
});

test('a route whose basic auth has no usable user answers 503 and never forwards', () => {
  const r = withBasicAuth({ ...ROUTE, basicAuth: { realm: 'x', secret: 'default/u', users: [] } }, BUILT);
  expect(r).toEqual({
    name: ROUTE.name,
    match: { prefix: '/' },
    direct_response: { status: 503, body: { inline_string: BASIC_AUTH_CLOSED_BODY } },
  });
});

test('a Secret checked by the controller sends only its name and realm, never a hash', () => {
  const bcrypt = [{ user: 'bob', hash: '$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC' }];
  const auth = {
    realm: 'Shop',
    secret: 'default/admin-users',
    users: bcrypt,
    checkedBy: 'controller' as const,
  };
  const r = roundTrip(withBasicAuth({ ...ROUTE, basicAuth: auth }, BUILT));
  expect(r['typed_per_filter_config']).toEqual({
    'causeway.basic_auth_check': {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
      check_settings: {
        context_extensions: { 'causeway.realm': 'Shop', 'causeway.secret': 'default/admin-users' },
      },
    },
  });
  expect(JSON.stringify(r)).not.toContain('$2y$');
});
