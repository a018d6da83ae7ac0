/**
 * The resilience policy of a forwarding route in Envoy's words: RouteAction retry_policy (retries on
 * another endpoint, idempotent methods only when a condition may fire after the app saw the request),
 * request_mirror_policies (a share of requests copied, answers discarded), and the route's compressor
 * filters turned on (CompressorPerRoute) for the encodings it asks for.
 *
 * The retry policy most forwarding routes of a virtual host share (usually the default) is written once
 * on the virtual host; a route with another one carries its own, which replaces the virtual host's
 * entirely, and a route without retries carries `num_retries: 0`. Same behaviour, and the default no
 * longer repeats on every route (about 0.5 KiB a route).
 */
import type { MirrorIR, ResilienceIR, RetryPolicyIR, RouteIR } from '../../src/ir/ir-types.js';
import { compressorFilterName, seconds, TYPES } from './common.js';

/** Methods that may be sent twice (RFC 9110 idempotent methods). */
const IDEMPOTENT_METHODS = '^(GET|HEAD|OPTIONS|PUT|DELETE|TRACE)$';

/** How often Envoy picks another endpoint when the one it picked was already tried. */
const HOST_SELECTION_ATTEMPTS = 3;

function retryPolicy(r: RetryPolicyIR): object {
  return {
    retry_on: r.on.join(','),
    num_retries: r.count,
    ...(r.perTryTimeoutSeconds !== undefined ? { per_try_timeout: seconds(r.perTryTimeoutSeconds) } : {}),
    retry_host_predicate: [
      {
        name: 'envoy.retry_host_predicates.previous_hosts',
        typed_config: { '@type': TYPES.previousHosts },
      },
    ],
    host_selection_retry_max_attempts: HOST_SELECTION_ATTEMPTS,
    ...(r.statusCodes ? { retriable_status_codes: [...r.statusCodes] } : {}),
    ...(r.idempotentOnly
      ? {
          retriable_request_headers: [
            { name: ':method', string_match: { safe_regex: { regex: IDEMPOTENT_METHODS } } },
          ],
        }
      : {}),
  };
}

/** Whole percentages as a share of a hundred, others of a million (up to 4 decimals). */
function mirrorPolicy(m: MirrorIR): object {
  if (m.percent >= 100) return { cluster: m.backend };
  const whole = Number.isInteger(m.percent);
  return {
    cluster: m.backend,
    runtime_fraction: {
      default_value: {
        numerator: whole ? m.percent : Math.round(m.percent * 10000),
        denominator: whole ? 'HUNDRED' : 'MILLION',
      },
    },
  };
}

/** The retry policy a virtual host's forwarding routes share most (ties: the first), by its IR. */
export interface SharedRetry {
  readonly key: string;
  readonly policy: RetryPolicyIR;
}

/** The comparison key of a retry policy, computed once per policy object (an Ingress's routes share one). */
const retryKeys = new WeakMap<RetryPolicyIR, string>();
function retryKey(policy: RetryPolicyIR): string {
  let key = retryKeys.get(policy);
  if (key === undefined) {
    key = JSON.stringify(policy);
    retryKeys.set(policy, key);
  }
  return key;
}

export function sharedRetry(routes: readonly RouteIR[]): SharedRetry | undefined {
  const counts = new Map<string, { policy: RetryPolicyIR; n: number }>();
  for (const r of routes) {
    const policy = r.action.kind === 'forward' ? r.resilience?.retry : undefined;
    if (!policy) continue;
    const key = retryKey(policy);
    const c = counts.get(key) ?? { policy, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  let best: SharedRetry | undefined;
  let bestN = 0;
  for (const [key, c] of counts) if (c.n > bestN) [best, bestN] = [{ key, policy: c.policy }, c.n];
  return best;
}

/** The virtual host's retry_policy (the shared one), if any. */
export function virtualHostRetry(shared: SharedRetry | undefined): object {
  return shared ? { retry_policy: retryPolicy(shared.policy) } : {};
}

function routeRetry(p: ResilienceIR | undefined, shared: SharedRetry | undefined): object {
  if (!p?.retry) return shared ? { retry_policy: { num_retries: 0 } } : {};
  if (shared && retryKey(p.retry) === shared.key) return {};
  return { retry_policy: retryPolicy(p.retry) };
}

/** The RouteAction fields of the policy (retries unless the virtual host's, mirror). */
export function resilienceAction(p: ResilienceIR | undefined, shared: SharedRetry | undefined): object {
  return {
    ...routeRetry(p, shared),
    ...(p?.mirror ? { request_mirror_policies: [mirrorPolicy(p.mirror)] } : {}),
  };
}

/** typed_per_filter_config entries turning the route's compressor filters on. */
export function compressionPerFilter(p: ResilienceIR | undefined): Record<string, object> {
  return Object.fromEntries(
    (p?.compression ?? []).map((e) => [
      compressorFilterName(e),
      { '@type': TYPES.compressorPerRoute, overrides: { response_direction_config: {} } },
    ]),
  );
}
