/**
 * The resilience policy of gateway routes through the whole translation: the default retries, an
 * Ingress's own retries, compression (its own, its group's, turned off), the mirror resolved to a
 * backend of the group (a missing Service: a diagnostic, no mirror), and a hostile value never quoted.
 */
import type { KubeObject } from '../resources/kube-types.js';
import {
  DEFAULT_CLASS,
  shopIngress,
  shopService,
  translateForPolicies,
  type PolicyRun,
} from './testdata/policy-fixtures.js';
import type { GroupCompression } from './translate-options.js';

const ing = shopIngress;

function run(ingresses: KubeObject[], compression?: GroupCompression): PolicyRun {
  return translateForPolicies(
    [DEFAULT_CLASS, shopService('web'), shopService('shadow'), ...ingresses],
    compression ? { compression } : {},
  );
}

test('default: retries twice, only when the request never reached an app, for every method', () => {
  const { routes, messages, group } = run([ing('plain', {})]);
  expect(messages).toEqual([]);
  expect(routes.get('plain')!.resilience).toEqual({
    retry: {
      on: ['connect-failure', 'refused-stream', 'reset-before-request'],
      count: 2,
      idempotentOnly: false,
    },
  });
  expect(group.http.compression).toEqual({ minBytes: 256 });
});

test('two Ingresses on one host keep their own retries, compression and mirror', () => {
  const { routes, group } = run([
    ing('api', {
      'causeway.dev/retry-on': '5xx',
      'causeway.dev/retry-count': '3',
      'causeway.dev/retry-per-try-timeout': '1500ms',
      'causeway.dev/compression': 'gzip,br',
      'causeway.dev/mirror-target': 'shadow:http',
      'causeway.dev/mirror-percent': '12.5',
    }),
    ing('checkout', { 'causeway.dev/retry-count': '0', 'causeway.dev/retry-status-codes': '503' }),
  ]);
  expect(routes.get('api')!.resilience).toEqual({
    retry: { on: ['5xx'], count: 3, perTryTimeoutSeconds: 1.5, idempotentOnly: true },
    compression: ['br', 'gzip'],
    mirror: { backend: 'service/shop/shadow/80', percent: 12.5 },
  });
  expect(routes.get('checkout')!.resilience).toBeUndefined();
  const shadow = group.backends.find((b) => b.name === 'service/shop/shadow/80');
  expect(shadow?.sources).toEqual([{ kind: 'Ingress', namespace: 'shop', name: 'api' }]);
});

test("the group's encodings apply unless an Ingress picks its own or turns them off", () => {
  const { routes, group } = run(
    [
      ing('plain', {}),
      ing('off', { 'causeway.dev/compression': 'off' }),
      ing('own', { 'causeway.dev/compression': 'zstd' }),
    ],
    { encodings: ['gzip'], minBytes: 1000, contentTypes: ['text/html'] },
  );
  expect(routes.get('plain')!.resilience?.compression).toEqual(['gzip']);
  expect(routes.get('off')!.resilience?.compression).toBeUndefined();
  expect(routes.get('own')!.resilience?.compression).toEqual(['zstd']);
  expect(group.http.compression).toEqual({ minBytes: 1000, contentTypes: ['text/html'] });
});

test('a missing mirror Service is a diagnostic naming the annotation; the route forwards without a mirror', () => {
  const { routes, messages, group } = run([ing('lost', { 'causeway.dev/mirror-target': 'ghost:http' })]);
  expect(messages).toEqual([
    'CW_E_SERVICE_NOT_FOUND lost: annotation causeway.dev/mirror-target: service "shop/ghost" not found; its routes work without the mirror',
  ]);
  expect(routes.get('lost')!.action).toEqual({ kind: 'forward', backend: 'service/shop/web/80' });
  expect(routes.get('lost')!.resilience?.mirror).toBeUndefined();
  expect(group.backends.map((b) => b.name)).toEqual(['service/shop/web/80']);
});

test('bad values: one diagnostic each, the default for that setting, a bad share mirrors nothing', () => {
  const { routes, messages } = run([
    ing('bad', {
      'causeway.dev/retry-on': 'sometimes',
      'causeway.dev/retry-count': '99',
      'causeway.dev/mirror-target': 'shadow:http',
      'causeway.dev/mirror-percent': 'most',
    }),
  ]);
  expect(messages).toHaveLength(3);
  expect(messages.every((m) => m.startsWith('CW_E_ANNOTATION_INVALID bad: annotation causeway.dev/'))).toBe(
    true,
  );
  expect(routes.get('bad')!.resilience).toEqual({
    retry: {
      on: ['connect-failure', 'refused-stream', 'reset-before-request'],
      count: 2,
      idempotentOnly: false,
    },
  });
});

test('a hostile value is refused without being quoted', () => {
  const { messages } = run([
    ing('hostile', { 'causeway.dev/mirror-target': `shadow:http\u0000${'x'.repeat(2000)}` }),
  ]);
  expect(messages).toHaveLength(1);
  expect(messages[0]).toContain('causeway.dev/mirror-target');
  expect(messages[0]).not.toContain('xxxx');
});
