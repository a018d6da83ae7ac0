import type { HttpListenerIR, RouteIR } from '../../src/ir/ir-types.js';
import { encodeResource, RESOURCE_TYPES } from '../protos/envoy-protos.js';
import { LOCAL_RATE_LIMIT_FILTER_NAME } from './common.js';
import { translateHttpListener } from './listener.translator.js';
import { MAX_CLIENTS, rateLimitPerFilter } from './route-rate-limit.js';
import { translateRouteConfiguration } from './route.translator.js';

const base: RouteIR = {
  name: 'ingress/ns/a/rule/0/path/0',
  match: { kind: 'prefix', path: '/' },
  action: { kind: 'forward', backend: 'service/ns/web/80' },
  timeoutSeconds: 0,
  idleTimeoutSeconds: 60,
  websocket: true,
  source: { kind: 'Ingress', namespace: 'ns', name: 'a' },
};
const perSecond = { per: 'second', maxTokens: 50, tokensPerFill: 10, fillIntervalSeconds: 1 } as const;

type Config = Record<string, unknown> & {
  rate_limits: { actions: Record<string, unknown>[] }[];
  descriptors: { entries: { key: string; value?: string }[] }[];
};

function configOf(r: RouteIR): Config | undefined {
  const rc = translateRouteConfiguration('http', [{ name: '*', domains: ['*'], routes: [r] }]) as {
    virtual_hosts: { routes: { typed_per_filter_config?: Record<string, Config> }[] }[];
  };
  return rc.virtual_hosts[0]!.routes[0]!.typed_per_filter_config?.[LOCAL_RATE_LIMIT_FILTER_NAME];
}

test('no rate limit: no per-route config', () => {
  expect(rateLimitPerFilter(undefined)).toEqual({});
  expect(configOf(base)).toBeUndefined();
});

test('a limit: a wildcard remote_address descriptor per bucket, Retry-After, a bounded client cache', () => {
  const c = configOf({ ...base, rateLimit: { buckets: [perSecond] } })!;
  expect(c['enable_retry_after_header']).toBe(true);
  expect(c['max_dynamic_descriptors']).toBe(MAX_CLIENTS);
  expect(c['always_consume_default_token_bucket']).toBe(false);
  expect(c.descriptors).toEqual([
    {
      entries: [{ key: 'causeway_limit', value: 'second' }, { key: 'remote_address' }],
      token_bucket: { max_tokens: 50, tokens_per_fill: 10, fill_interval: '1s' },
    },
  ]);
  expect(c.rate_limits[0]!.actions.map((a) => Object.keys(a)[0])).toEqual(['generic_key', 'remote_address']);
});

test('exempt ranges: an inverted remote_address_match keeps exempt clients out of every bucket', () => {
  const c = configOf({
    ...base,
    rateLimit: { buckets: [perSecond], exempt: [{ address: '10.0.0.0', prefixLength: 8 }] },
  })!;
  expect(c.rate_limits[0]!.actions[1]).toEqual({
    remote_address_match: {
      descriptor_key: 'causeway_exempt',
      descriptor_value: 'no',
      address_matcher: { ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }], invert_match: true },
    },
  });
  expect(c.descriptors[0]!.entries.map((e) => e.key)).toEqual([
    'causeway_limit',
    'causeway_exempt',
    'remote_address',
  ]);
});

test('adding a rate limit to a route changes no listener (no connection is drained)', () => {
  const listener = (routes: RouteIR[]): Uint8Array => {
    const l: HttpListenerIR = {
      name: 'http',
      port: 8080,
      virtualHosts: [{ name: '*', domains: ['*'], routes }],
    };
    return encodeResource(RESOURCE_TYPES.listener, translateHttpListener(l));
  };
  expect(listener([{ ...base, rateLimit: { buckets: [perSecond] } }])).toEqual(listener([base]));
});
