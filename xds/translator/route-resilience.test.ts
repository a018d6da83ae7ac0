/**
 * Rendering of the resilience policy: the retry policy most forwarding routes of a virtual host share
 * goes on the virtual host once; other routes keep their own or say `num_retries: 0`; the mirror share.
 */
import type { RetryPolicyIR, RouteIR, VirtualHostIR } from '../../src/ir/ir-types.js';
import { translateRouteConfiguration } from './route.translator.js';

const safe: RetryPolicyIR = { on: ['connect-failure'], count: 2, idempotentOnly: false };
const custom: RetryPolicyIR = { on: ['5xx'], count: 3, perTryTimeoutSeconds: 0.5, idempotentOnly: true };

function r(name: string, retry?: RetryPolicyIR, direct = false): RouteIR {
  return {
    name,
    match: { kind: 'prefix', path: `/${name}` },
    action: direct
      ? { kind: 'direct', status: 503, body: 'x' }
      : { kind: 'forward', backend: 'service/a/b/80' },
    timeoutSeconds: 0,
    idleTimeoutSeconds: 60,
    websocket: true,
    ...(retry ? { resilience: { retry } } : {}),
    source: { kind: 'Ingress', namespace: 'a', name },
  };
}

interface RenderedVhost {
  retry_policy?: Record<string, unknown>;
  routes: { name: string; route?: { retry_policy?: Record<string, unknown> } }[];
}

function render(...routes: RouteIR[]): RenderedVhost {
  const vhost: VirtualHostIR = { name: 'h', domains: ['h'], routes };
  const rc = translateRouteConfiguration('http', [vhost]) as { virtual_hosts: RenderedVhost[] };
  return rc.virtual_hosts[0]!;
}

test('the most common retry policy goes on the virtual host; the others stay on their routes', () => {
  const v = render(r('one', custom), r('two', safe), r('three', safe), r('none'), r('down', custom, true));
  expect(v.retry_policy).toMatchObject({ retry_on: 'connect-failure', num_retries: 2 });
  const byName = new Map(v.routes.map((x) => [x.name, x.route?.retry_policy]));
  expect(byName.get('two')).toBeUndefined();
  expect(byName.get('three')).toBeUndefined();
  expect(byName.get('one')).toMatchObject({ retry_on: '5xx', num_retries: 3, per_try_timeout: '0.5s' });
  expect(byName.get('one')!['retriable_request_headers']).toHaveLength(1);
  // A route without retries must override the virtual host's policy.
  expect(byName.get('none')).toEqual({ num_retries: 0 });
});

test('a tie goes to the first route; no retries anywhere means no policy at all', () => {
  expect(render(r('one', custom), r('two', safe)).retry_policy).toMatchObject({ retry_on: '5xx' });
  const v = render(r('one'), r('two'));
  expect(v.retry_policy).toBeUndefined();
  expect(v.routes.map((x) => x.route?.retry_policy)).toEqual([undefined, undefined]);
});

test('mirror shares: whole percentages of a hundred, decimals of a million, 100 without a fraction', () => {
  const mirrored = (percent: number): unknown => {
    const route = { ...r('m'), resilience: { mirror: { backend: 'service/a/shadow/80', percent } } };
    const v = render(route) as unknown as { routes: { route: { request_mirror_policies: unknown[] } }[] };
    return v.routes[0]!.route.request_mirror_policies[0];
  };
  expect(mirrored(100)).toEqual({ cluster: 'service/a/shadow/80' });
  expect(mirrored(50)).toEqual({
    cluster: 'service/a/shadow/80',
    runtime_fraction: { default_value: { numerator: 50, denominator: 'HUNDRED' } },
  });
  expect(mirrored(0.25)).toEqual({
    cluster: 'service/a/shadow/80',
    runtime_fraction: { default_value: { numerator: 2500, denominator: 'MILLION' } },
  });
});
