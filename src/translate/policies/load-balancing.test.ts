import type { Diagnostic } from '../../errors.js';
import { readLoadBalancing } from './load-balancing.js';
import type { LoadBalancingPolicyName } from './lb-annotations.js';

function read(annotations: Record<string, string>, groupDefault?: LoadBalancingPolicyName) {
  const diags: Diagnostic[] = [];
  const lb = readLoadBalancing({ namespace: 'shop', name: 'api', annotations }, groupDefault, diags);
  return { lb, messages: diags.map((d) => d.message), diags };
}

const LB = 'causeway.dev/load-balance';
const AFF = 'causeway.dev/affinity';

test('nothing asked: no policy (Envoy round robin), no diagnostic', () => {
  expect(read({})).toEqual({ lb: undefined, messages: [], diags: [] });
});

test('an explicit policy; least-request carries its choice count (default 2)', () => {
  expect(read({ [LB]: 'maglev' }).lb).toEqual({ policy: 'maglev' });
  expect(read({ [LB]: 'least-request' }).lb).toEqual({ policy: 'least-request', choiceCount: 2 });
  expect(read({ [LB]: 'least-request', 'causeway.dev/least-request-choices': '5' }).lb).toEqual({
    policy: 'least-request',
    choiceCount: 5,
  });
});

test('the group default applies when the Service names no policy, and the Service overrides it', () => {
  expect(read({}, 'least-request').lb).toEqual({ policy: 'least-request', choiceCount: 2 });
  expect(read({ [LB]: 'random' }, 'least-request').lb).toEqual({ policy: 'random' });
  expect(read({ 'causeway.dev/least-request-choices': '3' }, 'least-request').lb).toEqual({
    policy: 'least-request',
    choiceCount: 3,
  });
});

test('a bad policy is a diagnostic on the Service naming the annotation; the group default applies', () => {
  const r = read({ [LB]: 'ewma' }, 'maglev');
  expect(r.lb).toEqual({ policy: 'maglev' });
  expect(r.diags).toEqual([
    expect.objectContaining({
      code: 'CW_E_ANNOTATION_INVALID',
      object: { kind: 'Service', namespace: 'shop', name: 'api' },
    }),
  ]);
  expect(r.messages[0]).toMatch(
    /^annotation causeway.dev\/load-balance: "ewma" is not one of .*; using maglev$/,
  );
  expect(read({ [LB]: 'fastest' }).messages[0]).toMatch(/; using round-robin$/);
});

test('choices without least-request are reported and ignored', () => {
  const r = read({ [LB]: 'random', 'causeway.dev/least-request-choices': '4' });
  expect(r.lb).toEqual({ policy: 'random' });
  expect(r.messages).toEqual([
    'annotation causeway.dev/least-request-choices: only applies with causeway.dev/load-balance: least-request (the Service uses random); ignored',
  ]);
  expect(read({ 'causeway.dev/least-request-choices': '1', [LB]: 'least-request' })).toMatchObject({
    lb: { policy: 'least-request', choiceCount: 2 },
    messages: [
      expect.stringMatching(/least-request-choices: "1" is not a whole number from 2 to 10; using 2$/),
    ],
  });
});

test('cookie affinity: ring hash with the nginx cookie defaults, or the Service settings', () => {
  expect(read({ [AFF]: 'cookie' }).lb).toEqual({
    policy: 'ring-hash',
    affinity: { kind: 'cookie', name: 'INGRESSCOOKIE', path: '/', ttlSeconds: 0 },
  });
  const r = read({
    [AFF]: 'cookie',
    [LB]: 'maglev',
    'causeway.dev/session-cookie-name': 'route',
    'causeway.dev/session-cookie-max-age': '3600',
    'causeway.dev/session-cookie-path': '/app',
  });
  expect(r).toMatchObject({
    lb: { policy: 'maglev', affinity: { kind: 'cookie', name: 'route', path: '/app', ttlSeconds: 3600 } },
    messages: [],
  });
});

test('header and source-ip affinity', () => {
  expect(read({ [AFF]: 'header', 'causeway.dev/session-header-name': 'X-User' }).lb).toEqual({
    policy: 'ring-hash',
    affinity: { kind: 'header', header: 'x-user' },
  });
  expect(read({ [AFF]: 'source-ip' }, 'maglev').lb).toEqual({
    policy: 'maglev',
    affinity: { kind: 'source-ip' },
  });
});

test('affinity over a group default that cannot hash: ring hash, silently (the Service asked for affinity)', () => {
  expect(read({ [AFF]: 'source-ip' }, 'least-request')).toMatchObject({
    lb: { policy: 'ring-hash', affinity: { kind: 'source-ip' } },
    messages: [],
  });
});

test('affinity with an explicit policy that cannot hash: a diagnostic naming both annotations; ring hash', () => {
  const r = read({ [AFF]: 'header', 'causeway.dev/session-header-name': 'x-user', [LB]: 'round-robin' });
  expect(r.lb).toEqual({ policy: 'ring-hash', affinity: { kind: 'header', header: 'x-user' } });
  expect(r.messages).toEqual([
    'annotations causeway.dev/affinity and causeway.dev/load-balance: affinity "header" needs ring-hash or maglev, not "round-robin"; using ring-hash',
  ]);
});

test('header affinity without a (valid) header name: a diagnostic and no affinity', () => {
  expect(read({ [AFF]: 'header' })).toMatchObject({
    lb: undefined,
    messages: [
      'annotation causeway.dev/session-header-name: required with causeway.dev/affinity: header; no session affinity',
    ],
  });
  const bad = read({ [AFF]: 'header', 'causeway.dev/session-header-name': ':path' }, 'random');
  expect(bad.lb).toEqual({ policy: 'random' });
  expect(bad.messages).toEqual([
    'annotation causeway.dev/session-header-name: ":path" is not an HTTP header name; no session affinity',
  ]);
});

test('bad affinity and cookie values: diagnostics, then no affinity or the cookie default', () => {
  expect(read({ [AFF]: 'sticky' }).messages).toEqual([
    'annotation causeway.dev/affinity: "sticky" is not "cookie", "header" or "source-ip"; no session affinity',
  ]);
  const r = read({
    [AFF]: 'cookie',
    'causeway.dev/session-cookie-name': 'a;b',
    'causeway.dev/session-cookie-max-age': '1y',
    'causeway.dev/session-cookie-path': '/;Domain=evil',
  });
  expect(r.lb).toEqual({
    policy: 'ring-hash',
    affinity: { kind: 'cookie', name: 'INGRESSCOOKIE', path: '/', ttlSeconds: 0 },
  });
  expect(r.messages).toHaveLength(3);
  expect(r.messages.every((m) => m.endsWith('; using the default'))).toBe(true);
});

test('cookie or header settings without the matching affinity are reported as ignored', () => {
  const r = read({ 'causeway.dev/session-cookie-name': 'x', 'causeway.dev/session-header-name': 'x-user' });
  expect(r.lb).toBeUndefined();
  expect(r.messages).toEqual([
    'annotation causeway.dev/session-cookie-name: only applies with causeway.dev/affinity: cookie; ignored',
    'annotation causeway.dev/session-header-name: only applies with causeway.dev/affinity: header; ignored',
  ]);
});

test('a hostile value is refused without being quoted', () => {
  const r = read({ [LB]: 'maglev\u0000\n' + 'x'.repeat(2000) });
  expect(r.lb).toBeUndefined();
  expect(r.messages).toHaveLength(1);
  expect(r.messages[0]).not.toContain('xxxx');
});
