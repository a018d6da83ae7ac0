/** The value syntax of the external auth annotations: good and bad values, limits. */
import { parseAnnotation } from '../../ingress/ingress-annotations.js';
import {
  AUTH_FAILURE_MODE,
  AUTH_REQUEST_HEADERS,
  AUTH_RESPONSE_HEADERS,
  AUTH_TIMEOUT,
  parseAuthUrl,
  parseParamName,
  parseSigninUrl,
} from './ext-auth-annotations.js';

test.each([
  ['http://auth.shop', { service: 'auth', namespace: 'shop', port: 80, path: '' }],
  ['http://auth.shop.svc/', { service: 'auth', namespace: 'shop', port: 80, path: '' }],
  [
    'http://auth.shop.svc:4180/oauth2/auth',
    { service: 'auth', namespace: 'shop', port: 4180, path: '/oauth2/auth' },
  ],
  ['http://a-b.c-d.svc.cluster.local:1/x/', { service: 'a-b', namespace: 'c-d', port: 1, path: '/x' }],
])('auth-url %s names a Service of a namespace', (raw, value) => {
  expect(parseAuthUrl(raw)).toEqual({ ok: true, value });
});

test.each([
  ['auth', 'not an in-cluster Service URL'],
  ['http://auth', 'not an in-cluster Service URL'],
  ['http://auth.example.com/verify', 'not an in-cluster Service URL'],
  ['http://Auth.shop', 'not an in-cluster Service URL'],
  ['http://auth.shop.svc.cluster.other', 'not an in-cluster Service URL'],
  ['ftp://auth.shop', 'not an in-cluster Service URL'],
  ['http://auth.shop/a b', 'not an in-cluster Service URL'],
  ['https://auth.shop', 'https:// is not supported'],
  ['http://auth.shop/verify?x=1', 'a query or fragment is not allowed'],
  ['http://auth.shop#top', 'a query or fragment is not allowed'],
  ['http://auth.shop:0', 'port 0 is not a port number'],
  ['http://auth.shop:65536', 'port 65536 is not a port number'],
])('auth-url %s is refused', (raw, error) => {
  const r = parseAuthUrl(raw);
  expect(r.ok).toBe(false);
  expect(!r.ok && r.error).toContain(error);
});

test('auth-signin takes an absolute http(s) URL, query kept; anything else is refused', () => {
  expect(parseSigninUrl('https://login.example.com/start?app=a&b=c')).toEqual({
    ok: true,
    value: 'https://login.example.com/start?app=a&b=c',
  });
  expect(parseSigninUrl('http://login:8080').ok).toBe(true);
  // ingress-nginx examples carry nginx variables: refused with a message saying what to write instead.
  const nginx = parseSigninUrl('https://auth.example.com/oauth2/start?rd=$escaped_request_uri');
  expect(!nginx.ok && nginx.error).toContain('nginx variables');
  for (const bad of ['/login', 'login.example.com', 'https://x/y#frag', 'https://x/"', 'javascript:alert(1)'])
    expect(parseSigninUrl(bad).ok).toBe(false);
});

test('auth-signin-redirect-param is a short parameter name', () => {
  expect(parseParamName('redirect_to')).toEqual({ ok: true, value: 'redirect_to' });
  expect(parseParamName('x'.repeat(64)).ok).toBe(true);
  for (const bad of ['', 'r d', 'a=b', 'a&b', 'x'.repeat(65)]) expect(parseParamName(bad).ok).toBe(false);
});

test('header lists: lowercased names; pseudo, host, hop-by-hop and x-envoy-* names refused', () => {
  expect(parseAnnotation(AUTH_RESPONSE_HEADERS, 'X-Auth-User, X-Auth-Email')).toEqual({
    ok: true,
    value: ['x-auth-user', 'x-auth-email'],
  });
  expect(parseAnnotation(AUTH_REQUEST_HEADERS, 'Cookie,Authorization')).toEqual({
    ok: true,
    value: ['cookie', 'authorization'],
  });
  // X-Request-Id may be sent to the auth service (it is only changed on the request side).
  expect(parseAnnotation(AUTH_REQUEST_HEADERS, 'X-Request-Id')).toEqual({
    ok: true,
    value: ['x-request-id'],
  });
  expect(parseAnnotation(AUTH_RESPONSE_HEADERS, 'X-Request-Id').ok).toBe(false);
  for (const bad of [':path', 'host', 'connection', 'x-envoy-foo', 'X:Bad', ''])
    expect(parseAnnotation(AUTH_RESPONSE_HEADERS, bad).ok).toBe(false);
  const many = Array.from({ length: 33 }, (_, i) => `x-h${i}`).join(',');
  expect(parseAnnotation(AUTH_REQUEST_HEADERS, many).ok).toBe(false);
});

test('failure mode is closed or open; the timeout is between 1ms and 60s', () => {
  expect(parseAnnotation(AUTH_FAILURE_MODE, 'open')).toEqual({ ok: true, value: 'open' });
  expect(parseAnnotation(AUTH_FAILURE_MODE, 'Closed').ok).toBe(false);
  expect(parseAnnotation(AUTH_TIMEOUT, '1ms')).toEqual({ ok: true, value: 0.001 });
  expect(parseAnnotation(AUTH_TIMEOUT, '60s')).toEqual({ ok: true, value: 60 });
  for (const bad of ['0s', '61s', '5', '-1s']) expect(parseAnnotation(AUTH_TIMEOUT, bad).ok).toBe(false);
});
