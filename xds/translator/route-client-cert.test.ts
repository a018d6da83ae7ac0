/**
 * The client-certificate headers in a route configuration: one route per outcome in each mode (matched
 * on the connection's TLS state), our values after the route's own header changes, client-sent copies
 * removed, routes that do not forward untouched, and the result encodable with Envoy's protos.
 */
import type { ClientCertIR, RouteIR } from '../../src/ir/ir-types.js';
import { encodeResource, RESOURCE_TYPES } from '../protos/envoy-protos.js';
import { withClientCertHeaders } from './route-client-cert.js';
import { translateRouteConfiguration } from './route.translator.js';

const forward: RouteIR = {
  name: 'ingress/ns/a/rule/0/path/0',
  match: { kind: 'prefix', path: '/' },
  action: { kind: 'forward', backend: 'service/ns/web/80' },
  timeoutSeconds: 0,
  idleTimeoutSeconds: 60,
  websocket: true,
  headerPolicy: { request: { set: [{ name: 'x-team', value: 'a' }], add: [], remove: ['x-debug'] } },
  source: { kind: 'Ingress', namespace: 'ns', name: 'a' },
};
/** Another Ingress's redirect, without header changes: the forward route keeps its own on the route. */
const redirect: RouteIR = {
  ...forward,
  headerPolicy: undefined,
  name: 'ingress/ns/b/rule/0/path/0',
  match: { kind: 'prefix', path: '/old' },
  action: { kind: 'redirect', path: '/new', code: 301 },
  source: { kind: 'Ingress', namespace: 'ns', name: 'b' },
};

type Route = Record<string, unknown> & {
  match: Record<string, unknown>;
  request_headers_to_add?: { header: { key: string; value: string } }[];
  request_headers_to_remove?: string[];
};

function render(c: ClientCertIR | undefined): { config: object; routes: Route[] } {
  const base = translateRouteConfiguration('https/x', [
    { name: 'a.example.com', domains: ['a.example.com'], routes: [redirect, forward] },
  ]);
  const config = withClientCertHeaders(base, c);
  const routes = (config as { virtual_hosts: { routes: Route[] }[] }).virtual_hosts[0]!.routes;
  return { config, routes };
}

function cert(mode: ClientCertIR['mode'], passCertificate = false): ClientCertIR {
  return { caSecret: 'ca/ns/ca', mode, verifyDepth: 1, passCertificate };
}

/** A route's added headers as `key: value`. */
function added(r: Route): string[] {
  return (r.request_headers_to_add ?? []).map((h) => `${h.header.key}: ${h.header.value}`);
}

test('without client-certificate settings the configuration is unchanged', () => {
  const base = translateRouteConfiguration('https/x', [
    { name: 'a.example.com', domains: ['a.example.com'], routes: [redirect, forward] },
  ]);
  expect(withClientCertHeaders(base, undefined)).toBe(base);
});

test('on: one route per forwarding route, SUCCESS with subject and issuer after its own headers', () => {
  const { routes, config } = render(cert('on'));
  expect(routes).toHaveLength(2);
  expect(routes[0]!['redirect']).toBeDefined();
  expect(routes[0]!['request_headers_to_remove']).toBeUndefined();
  const r = routes[1]!;
  expect(r.match['tls_context']).toBeUndefined();
  expect(added(r)).toEqual([
    'x-team: a',
    'ssl-client-verify: SUCCESS',
    'ssl-client-subject-dn: %DOWNSTREAM_PEER_SUBJECT%',
    'ssl-client-issuer-dn: %DOWNSTREAM_PEER_ISSUER%',
  ]);
  expect(r.request_headers_to_remove).toEqual([
    'x-debug',
    'ssl-client-verify',
    'ssl-client-subject-dn',
    'ssl-client-issuer-dn',
    'ssl-client-cert',
  ]);
  expect(() => encodeResource(RESOURCE_TYPES.route, config)).not.toThrow();
});

test('optional with the certificate passed: SUCCESS when one was presented, else NONE', () => {
  const { routes, config } = render(cert('optional', true));
  const [, presented, none] = routes;
  expect(routes).toHaveLength(3);
  expect(presented!.match['tls_context']).toEqual({ presented: true });
  expect(added(presented!)).toContain('ssl-client-cert: %DOWNSTREAM_PEER_CERT%');
  expect(none!.match['tls_context']).toBeUndefined();
  expect(added(none!)).toEqual(['x-team: a', 'ssl-client-verify: NONE']);
  expect(none!.request_headers_to_remove).toContain('ssl-client-subject-dn');
  expect(() => encodeResource(RESOURCE_TYPES.route, config)).not.toThrow();
});

test('optional_no_ca: verified, presented but unverified, none', () => {
  const { routes, config } = render(cert('optional_no_ca'));
  expect(routes.slice(1).map((r) => [r.match['tls_context'], added(r)[1]])).toEqual([
    [{ presented: true, validated: true }, 'ssl-client-verify: SUCCESS'],
    [{ presented: true }, 'ssl-client-verify: FAILED:unverified'],
    [undefined, 'ssl-client-verify: NONE'],
  ]);
  expect(() => encodeResource(RESOURCE_TYPES.route, config)).not.toThrow();
});
