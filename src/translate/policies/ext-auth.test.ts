/**
 * External auth through the whole translation: the auth Service becomes a backend of the group, each
 * Ingress's routes carry their own auth (two Ingresses on one host differ, a third has none), defaults,
 * and every bad value fails closed (`refused`) with one diagnostic naming the annotation.
 */
import type { KubeObject } from '../../resources/kube-types.js';
import {
  DEFAULT_CLASS,
  shopIngress as ing,
  shopService,
  translateForPolicies,
} from '../testdata/policy-fixtures.js';

function run(...ingresses: KubeObject[]): ReturnType<typeof translateForPolicies> {
  return translateForPolicies([
    DEFAULT_CLASS,
    shopService(),
    shopService('auth'),
    shopService('auth2'),
    ...ingresses,
  ]);
}

test('two Ingresses on one host keep their own auth; a third has none; defaults apply', () => {
  const { group, routes, messages } = run(
    ing('a', { 'causeway.dev/auth-url': 'http://auth.shop.svc/verify' }),
    ing('b', {
      'causeway.dev/auth-url': 'http://auth2.shop',
      'causeway.dev/auth-response-headers': 'X-User',
      'causeway.dev/auth-request-headers': 'Cookie',
      'causeway.dev/auth-failure-mode': 'open',
      'causeway.dev/auth-timeout': '250ms',
      'causeway.dev/auth-signin': 'https://login.example.com/start',
    }),
    ing('c', {}),
  );
  expect(messages).toEqual([]);
  expect(routes.get('a')!.extAuth).toEqual({
    kind: 'check',
    service: {
      url: 'http://auth.shop.svc/verify',
      backend: 'service/shop/auth/80',
      path: '/verify',
      timeoutSeconds: 5,
      failOpen: false,
      requestHeaders: [
        'accept',
        'authorization',
        'cookie',
        'proxy-authorization',
        'user-agent',
        'x-forwarded-for',
        'x-forwarded-proto',
        'x-request-id',
      ],
      responseHeaders: [],
    },
  });
  expect(routes.get('b')!.extAuth).toEqual({
    kind: 'check',
    service: {
      url: 'http://auth2.shop',
      backend: 'service/shop/auth2/80',
      path: '/',
      timeoutSeconds: 0.25,
      failOpen: true,
      requestHeaders: ['cookie'],
      responseHeaders: ['x-user'],
    },
    signin: { url: 'https://login.example.com/start', param: 'rd' },
  });
  expect(routes.get('c')!).not.toHaveProperty('extAuth');
  // The auth Services are clusters of the group, their sources the Ingresses that use them.
  const auth = group.backends.find((b) => b.name === 'service/shop/auth/80')!;
  expect(auth.sources.map((s) => s.name)).toEqual(['a']);
});

test('without auth-url the other auth annotations do nothing', () => {
  const { routes, messages } = run(ing('a', { 'causeway.dev/auth-timeout': 'nonsense' }));
  expect(messages).toEqual([]);
  expect(routes.get('a')!).not.toHaveProperty('extAuth');
});

test.each([
  ['causeway.dev/auth-url', 'http://auth.example.com', 'not an in-cluster Service URL'],
  ['causeway.dev/auth-timeout', '0s', 'must be greater than zero'],
  ['causeway.dev/auth-failure-mode', 'sometimes', 'is not "closed" or "open"'],
  ['causeway.dev/auth-response-headers', 'x-envoy-x', 'reserved for the gateway'],
  ['causeway.dev/auth-signin', '/login', 'not an absolute http(s) URL'],
])('a bad %s fails closed with one diagnostic', (name, value, error) => {
  const { routes, messages } = run(
    ing('bad', { 'causeway.dev/auth-url': 'http://auth.shop', [name]: value }),
    ing('ok', {}),
  );
  expect(routes.get('bad')!.extAuth).toEqual({ kind: 'refused' });
  expect(routes.get('ok')!).not.toHaveProperty('extAuth');
  expect(messages).toHaveLength(1);
  expect(messages[0]).toContain(`CW_E_ANNOTATION_INVALID bad: annotation ${name}: `);
  expect(messages[0]).toContain(error);
  expect(messages[0]).toContain("the Ingress's routes answer 503 (external auth fails closed)");
});

test('an auth Service of another namespace, or one that does not exist, fails closed', () => {
  const { routes, messages } = run(
    ing('other-ns', { 'causeway.dev/auth-url': 'http://auth.security.svc' }),
    ing('missing', { 'causeway.dev/auth-url': 'http://nope.shop.svc' }),
    ing('no-port', { 'causeway.dev/auth-url': 'http://auth.shop.svc:9000' }),
  );
  for (const n of ['other-ns', 'missing', 'no-port'])
    expect(routes.get(n)!.extAuth).toEqual({ kind: 'refused' });
  // Sorted by Ingress name.
  expect(messages).toEqual([
    `CW_E_SERVICE_NOT_FOUND missing: annotation causeway.dev/auth-url: service "shop/nope" not found; the Ingress's routes answer 503 (external auth fails closed)`,
    `CW_E_SERVICE_PORT_NOT_FOUND no-port: annotation causeway.dev/auth-url: service "shop/auth" has no port 9000; the Ingress's routes answer 503 (external auth fails closed)`,
    `CW_E_ANNOTATION_INVALID other-ns: annotation causeway.dev/auth-url: the auth Service is in namespace "security", not the Ingress's own ("shop"); the Ingress's routes answer 503 (external auth fails closed)`,
  ]);
});
