/**
 * A route's session affinity -> its RouteAction `hash_policy`, which the consistent-hash load balancer
 * (ring hash or maglev) of the route's cluster hashes to pick an endpoint. A cookie policy with a TTL
 * makes Envoy set the cookie on the first answer (a TTL of `0s`: a session cookie); a request without
 * the cookie, header or hash key goes to a random endpoint.
 */
import type { RouteIR, SessionAffinityIR } from '../../src/ir/ir-types.js';
import { seconds } from './common.js';

function hashPolicyOf(a: SessionAffinityIR): object {
  switch (a.kind) {
    case 'cookie':
      return { cookie: { name: a.name, ttl: seconds(a.ttlSeconds), path: a.path } };
    case 'header':
      return { header: { header_name: a.header } };
    case 'source-ip':
      return { connection_properties: { source_ip: true } };
  }
}

/** `hash_policy` to spread into a forwarding RouteAction; nothing for a route without affinity. */
export function routeHashPolicy(r: RouteIR): object {
  return r.sessionAffinity === undefined ? {} : { hash_policy: [hashPolicyOf(r.sessionAffinity)] };
}
