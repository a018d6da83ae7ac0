/**
 * The stream policy of gateway routes through the whole translation: each Ingress's routes carry its own
 * policy (two Ingresses on one host differ), a bad value is one diagnostic naming the annotation with the
 * default kept, and a hostile value is refused without being quoted.
 */
import type { KubeObject } from '../resources/kube-types.js';
import {
  DEFAULT_CLASS,
  shopIngress,
  shopService,
  translateForPolicies,
  type PolicyRun,
} from './testdata/policy-fixtures.js';

const ing = shopIngress;

/** The routes by Ingress name, and the diagnostics on Ingresses (the Service has no endpoints here). */
function run(...ingresses: KubeObject[]): Pick<PolicyRun, 'routes' | 'messages'> {
  return translateForPolicies([DEFAULT_CLASS, shopService(), ...ingresses]);
}

test('defaults: no deadline, 60 s idle, WebSockets on, no body cap', () => {
  const { routes, messages } = run(ing('plain', {}));
  expect(messages).toEqual([]);
  expect(routes.get('plain')).toMatchObject({ timeoutSeconds: 0, idleTimeoutSeconds: 60, websocket: true });
  expect(routes.get('plain')!.maxRequestBytes).toBeUndefined();
});

test('two Ingresses on one host keep their own policies', () => {
  const { routes } = run(
    ing('chat', { 'causeway.dev/websocket': 'false', 'causeway.dev/idle-timeout': '0s' }),
    ing('upload', { 'causeway.dev/max-body-size': '10m', 'causeway.dev/request-timeout': '30s' }),
  );
  expect(routes.get('chat')).toMatchObject({ websocket: false, idleTimeoutSeconds: 0, timeoutSeconds: 0 });
  expect(routes.get('upload')).toMatchObject({
    websocket: true,
    idleTimeoutSeconds: 60,
    timeoutSeconds: 30,
    maxRequestBytes: 10 * 1024 * 1024,
  });
});

test('a bad value is one diagnostic naming the annotation; the route keeps the default', () => {
  const { routes, messages } = run(
    ing('bad', { 'causeway.dev/max-body-size': 'lots', 'causeway.dev/websocket': 'on' }),
  );
  expect(messages).toEqual([
    'CW_E_ANNOTATION_INVALID bad: annotation causeway.dev/max-body-size: "lots" is not a size like 512k, 10m, 1g or a number of bytes; using the default',
    'CW_E_ANNOTATION_INVALID bad: annotation causeway.dev/websocket: "on" is not "true" or "false"; using the default',
  ]);
  expect(routes.get('bad')).toMatchObject({ websocket: true });
  expect(routes.get('bad')!.maxRequestBytes).toBeUndefined();
});

test('a hostile value is refused without being quoted', () => {
  const { messages } = run(ing('hostile', { 'causeway.dev/idle-timeout': `5s\u0000${'x'.repeat(2000)}` }));
  expect(messages).toHaveLength(1);
  expect(messages[0]).toContain('causeway.dev/idle-timeout');
  expect(messages[0]).not.toContain('xxxx');
});
