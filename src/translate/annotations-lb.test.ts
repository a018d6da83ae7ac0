import {
  AFFINITY,
  LEAST_REQUEST_CHOICES,
  LOAD_BALANCE,
  SESSION_COOKIE_MAX_AGE,
  SESSION_COOKIE_NAME,
  SESSION_COOKIE_PATH,
  SESSION_HEADER_NAME,
} from './annotations-lb.js';

test('load-balance takes our five policy names and points ingress-nginx users at ours', () => {
  for (const p of ['round-robin', 'least-request', 'ring-hash', 'maglev', 'random'])
    expect(LOAD_BALANCE.parse(p)).toEqual({ ok: true, value: p });
  const ewma = LOAD_BALANCE.parse('ewma');
  expect(ewma.ok).toBe(false);
  expect(!ewma.ok && ewma.error).toMatch(/use least-request/);
  const rr = LOAD_BALANCE.parse('round_robin');
  expect(!rr.ok && rr.error).toMatch(/is round-robin/);
  expect(LOAD_BALANCE.parse('Round-Robin').ok).toBe(false);
  expect(LOAD_BALANCE.parse('').ok).toBe(false);
});

test('least-request-choices is a whole number from 2 to 10', () => {
  expect(LEAST_REQUEST_CHOICES.parse('2')).toEqual({ ok: true, value: 2 });
  expect(LEAST_REQUEST_CHOICES.parse('10')).toEqual({ ok: true, value: 10 });
  for (const bad of ['1', '11', '0', '3.5', '-2', 'two', ' 3'])
    expect(LEAST_REQUEST_CHOICES.parse(bad).ok).toBe(false);
});

test('affinity is cookie, header or source-ip', () => {
  for (const k of ['cookie', 'header', 'source-ip'])
    expect(AFFINITY.parse(k)).toEqual({ ok: true, value: k });
  for (const bad of ['Cookie', 'ip', 'none', 'balanced']) expect(AFFINITY.parse(bad).ok).toBe(false);
});

test('the cookie name is a plain token of at most 64 characters', () => {
  expect(SESSION_COOKIE_NAME.parse('route_id-1.a')).toEqual({ ok: true, value: 'route_id-1.a' });
  expect(SESSION_COOKIE_NAME.parse('a'.repeat(64)).ok).toBe(true);
  for (const bad of ['a'.repeat(65), 'a b', 'a;b', 'a=b', 'a,b', '"a"', ''])
    expect(SESSION_COOKIE_NAME.parse(bad).ok).toBe(false);
});

test('the cookie max age is 1 s to a year, in seconds like ingress-nginx', () => {
  expect(SESSION_COOKIE_MAX_AGE.parse('172800')).toEqual({ ok: true, value: 172800 });
  expect(SESSION_COOKIE_MAX_AGE.parse('31536000')).toEqual({ ok: true, value: 31536000 });
  for (const bad of ['0', '31536001', '1h', '-1', '1.5'])
    expect(SESSION_COOKIE_MAX_AGE.parse(bad).ok).toBe(false);
});

test('the cookie path is a URL path that cannot add cookie attributes', () => {
  expect(SESSION_COOKIE_PATH.parse('/')).toEqual({ ok: true, value: '/' });
  expect(SESSION_COOKIE_PATH.parse('/app/v1')).toEqual({ ok: true, value: '/app/v1' });
  expect(SESSION_COOKIE_PATH.parse('/' + 'a'.repeat(255)).ok).toBe(true);
  for (const bad of ['app', '/a;Domain=evil.com', '/a b', '/' + 'a'.repeat(256), '/a"b'])
    expect(SESSION_COOKIE_PATH.parse(bad).ok).toBe(false);
});

test('the session header is an HTTP token, lower-cased; no pseudo-header', () => {
  expect(SESSION_HEADER_NAME.parse('X-User-Id')).toEqual({ ok: true, value: 'x-user-id' });
  for (const bad of [':authority', 'x user', 'x:y', '', 'a'.repeat(129), 'x\u00e9'])
    expect(SESSION_HEADER_NAME.parse(bad).ok).toBe(false);
});
