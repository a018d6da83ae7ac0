/**
 * Traffic splitting in Envoy's words: a route's request header conditions (canary by header or
 * cookie) as header matchers, and a weighted split (canary weight, weighted backends) as
 * `weighted_clusters` (shares relative to the sum of the weights).
 */
import type { HeaderMatchIR, RouteIR, WeightedBackendIR } from '../../src/ir/ir-types.js';

function headerMatcher(h: HeaderMatchIR): object {
  return {
    name: h.name,
    string_match:
      h.match.kind === 'exact' ? { exact: h.match.value } : { safe_regex: { regex: h.match.regex } },
  };
}

/** The route's header conditions as Envoy HeaderMatchers (none when the route has none). */
export function headerMatchers(r: RouteIR): readonly object[] {
  return (r.headers ?? []).map(headerMatcher);
}

/** The cluster part of a RouteAction splitting between backends by weight. */
export function weightedClusters(backends: readonly WeightedBackendIR[]): object {
  return {
    weighted_clusters: { clusters: backends.map((b) => ({ name: b.backend, weight: b.weight })) },
  };
}
