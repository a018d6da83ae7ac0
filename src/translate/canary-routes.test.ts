import type { RouteIR } from '../ir/ir-types.js';
import { cookieRegex, routesWithCanary } from './canary-routes.js';
import { splitOf, withCanaryWeight } from './split-actions.js';

/** Envoy's safe_regex on a header: RE2 full match (the patterns used here mean the same in JS). */
const fullMatch = (regex: string, value: string): boolean => new RegExp(`^(?:${regex})$`).test(value);

const main: RouteIR = {
  name: 'ingress/shop/web/rule/0/path/0',
  match: { kind: 'prefix', path: '/' },
  action: { kind: 'forward', backend: 'service/shop/web/80' },
  timeoutSeconds: 0,
  idleTimeoutSeconds: 300,
  websocket: false,
  source: { kind: 'Ingress', namespace: 'shop', name: 'web' },
};
const canary = {
  name: 'ingress/shop/web-canary/rule/0/path/0',
  source: { kind: 'Ingress', namespace: 'shop', name: 'web-canary' },
  backend: 'service/shop/web-canary/80',
};

test('the cookie regex matches the cookie with exactly that value, anywhere in the Cookie header', () => {
  const re = cookieRegex('my.canary', 'always');
  for (const yes of [
    'my.canary=always',
    'a=1; my.canary=always',
    'my.canary=always; b=2',
    'a=1;my.canary=always;b=2',
  ])
    expect(fullMatch(re, yes)).toBe(true);
  for (const no of [
    'my.canary=always1',
    'xmy.canary=always',
    'myxcanary=always',
    'my.canary=never',
    'a=my.canary=always',
  ])
    expect(fullMatch(re, no)).toBe(false);
});

test('header and cookie rules come before the main route in nginx precedence, with the main policies', () => {
  const routes = routesWithCanary(main, canary, {
    byHeader: { name: 'x-canary', rule: { kind: 'always-never' } },
    byCookie: 'canary',
    weight: 20,
    total: 100,
  });
  expect(routes.map((r) => r.name.split('/').pop())).toEqual([
    'canary-header-always',
    'canary-header-never',
    'canary-cookie-always',
    'canary-cookie-never',
    '0',
  ]);
  expect(routes.map((r) => (r.action.kind === 'forward' ? r.action.backend : r.action.kind))).toEqual([
    canary.backend,
    main.action.kind === 'forward' ? main.action.backend : '',
    canary.backend,
    'service/shop/web/80',
    'weighted',
  ]);
  expect(routes[4]!.action).toEqual({
    kind: 'weighted',
    backends: [
      { backend: 'service/shop/web/80', weight: 80 },
      { backend: canary.backend, weight: 20 },
    ],
  });
  for (const r of routes.slice(0, 4)) {
    expect(r).toMatchObject({
      match: main.match,
      idleTimeoutSeconds: 300,
      websocket: false,
      source: canary.source,
    });
    expect(r.headers).toHaveLength(1);
  }
  expect(routes[4]!.source).toEqual(main.source);
});

test('a header value or pattern replaces always/never; no weight leaves the main route as it is', () => {
  const byValue = routesWithCanary(main, canary, {
    byHeader: { name: 'x-user', rule: { kind: 'value', value: 'beta' } },
    weight: 0,
    total: 100,
  });
  expect(byValue).toHaveLength(2);
  expect(byValue[0]!.headers).toEqual([{ name: 'x-user', match: { kind: 'exact', value: 'beta' } }]);
  expect(byValue[1]).toBe(main);
  const byPattern = routesWithCanary(main, canary, {
    byHeader: { name: 'x-r', rule: { kind: 'pattern', pattern: '^eu-' } },
    weight: 0,
    total: 100,
  });
  const h = byPattern[0]!.headers![0]!;
  expect(h.match.kind === 'regex' && fullMatch(h.match.regex, 'eu-west-1')).toBe(true);
  expect(h.match.kind === 'regex' && fullMatch(h.match.regex, 'us-eu-1')).toBe(false);
  expect(h.match.kind === 'regex' && fullMatch('.*(?:eu).*', 'us-eu-1')).toBe(true);
});

test('weights: a split keeps its proportions, the whole weight leaves only the canary, duplicates merge', () => {
  const split = splitOf([
    { backend: 'a', weight: 90 },
    { backend: 'b', weight: 10 },
  ]);
  expect(withCanaryWeight(split, 'c', 50, 100)).toEqual({
    kind: 'weighted',
    backends: [
      { backend: 'a', weight: 4500 },
      { backend: 'b', weight: 500 },
      { backend: 'c', weight: 5000 },
    ],
  });
  expect(withCanaryWeight({ kind: 'forward', backend: 'a' }, 'c', 100, 100)).toEqual({
    kind: 'forward',
    backend: 'c',
  });
  expect(withCanaryWeight({ kind: 'forward', backend: 'a' }, 'a', 30, 100)).toEqual({
    kind: 'forward',
    backend: 'a',
  });
  const direct = { kind: 'direct' as const, status: 503, body: 'x' };
  expect(withCanaryWeight(direct, 'c', 30, 100)).toBe(direct);
  expect(splitOf([{ backend: 'a', weight: 0 }]).kind).toBe('direct');
});
