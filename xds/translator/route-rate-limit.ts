/**
 * A route's local rate limit (RateLimitIR) as the per-route config of the local rate limit filter, which
 * sits once in every HTTP connection manager, `disabled` (listener.translator.ts), so an Ingress's limit
 * never touches another Ingress's routes, and adding or removing one changes no listener (no connection
 * is drained).
 *
 * Per client address: the filter computes, for each bucket, the descriptor
 * `[causeway_limit: second|minute, (causeway_exempt: no), remote_address: <client>]` and keeps a token
 * bucket per distinct value of the wildcard `remote_address` entry (up to MAX_CLIENTS per bucket and
 * route; the least recently seen client's bucket goes first). With exempt ranges, the `remote_address_match`
 * action yields no entry for an exempt client, so no descriptor matches it and it takes from the
 * route's default bucket, which is unlimited. A request needs a token from every matching bucket; a
 * refused one gets 429 with `Retry-After` (seconds until the next token) and the `X-RateLimit-*` headers
 * (draft 03). Envoy 1.40 fields beyond the shipped protos come from xds/protos/proto-additions.ts.
 */
import type { CidrIR, RateLimitIR, TokenBucketIR } from '../../src/ir/ir-types.js';
import { LOCAL_RATE_LIMIT_FILTER_NAME, seconds, TYPES } from './common.js';

/** Clients with their own bucket, per bucket and route (Envoy's LRU of dynamic descriptors; its default is 20). */
export const MAX_CLIENTS = 10000;
/** Envoy's token counts are uint32: the default bucket never runs out. */
const UNLIMITED = 4294967295;
export const RATE_LIMIT_STAT_PREFIX = 'rate_limit';
const ALWAYS = { numerator: 100, denominator: 'HUNDRED' } as const;

function bucket(b: TokenBucketIR): object {
  return {
    max_tokens: b.maxTokens,
    tokens_per_fill: b.tokensPerFill,
    fill_interval: seconds(b.fillIntervalSeconds),
  };
}

function exemptMatch(exempt: readonly CidrIR[] | undefined): object[] {
  if (exempt === undefined) return [];
  const ranges = exempt.map((c) => ({ address_prefix: c.address, prefix_len: c.prefixLength }));
  return [
    {
      remote_address_match: {
        descriptor_key: 'causeway_exempt',
        descriptor_value: 'no',
        address_matcher: { ranges, invert_match: true },
      },
    },
  ];
}

function rateLimitActions(b: TokenBucketIR, exempt: readonly CidrIR[] | undefined): object {
  return {
    actions: [
      { generic_key: { descriptor_key: 'causeway_limit', descriptor_value: b.per } },
      ...exemptMatch(exempt),
      { remote_address: {} },
    ],
  };
}

function descriptor(b: TokenBucketIR, exempt: readonly CidrIR[] | undefined): object {
  return {
    entries: [
      { key: 'causeway_limit', value: b.per },
      ...(exempt ? [{ key: 'causeway_exempt', value: 'no' }] : []),
      { key: 'remote_address' },
    ],
    token_bucket: bucket(b),
  };
}

/** The route's LocalRateLimit, keyed by the filter name for `typed_per_filter_config`; {} without a limit. */
export function rateLimitPerFilter(r: RateLimitIR | undefined): Record<string, object> {
  if (r === undefined) return {};
  return {
    [LOCAL_RATE_LIMIT_FILTER_NAME]: {
      '@type': TYPES.localRateLimit,
      stat_prefix: RATE_LIMIT_STAT_PREFIX,
      token_bucket: { max_tokens: UNLIMITED, tokens_per_fill: UNLIMITED, fill_interval: '1s' },
      filter_enabled: { default_value: ALWAYS, runtime_key: 'causeway.rate_limit.enabled' },
      filter_enforced: { default_value: ALWAYS, runtime_key: 'causeway.rate_limit.enforced' },
      descriptors: r.buckets.map((b) => descriptor(b, r.exempt)),
      enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
      always_consume_default_token_bucket: false,
      rate_limits: r.buckets.map((b) => rateLimitActions(b, r.exempt)),
      max_dynamic_descriptors: MAX_CLIENTS,
      enable_retry_after_header: true,
    },
  };
}

/** The filter as it sits in every connection manager: off unless a route turns it on. */
export const LOCAL_RATE_LIMIT_FILTER = {
  name: LOCAL_RATE_LIMIT_FILTER_NAME,
  typed_config: { '@type': TYPES.localRateLimit, stat_prefix: RATE_LIMIT_STAT_PREFIX },
  disabled: true,
} as const;
