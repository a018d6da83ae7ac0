/**
 * A backend's load-balancing policy -> the Envoy Cluster fields that select it. A backend without a
 * policy keeps the legacy `lb_policy: ROUND_ROBIN` (unchanged output for every Service that asks for
 * nothing); one with a policy gets `load_balancing_policy`, the typed-extension form Envoy 1.40
 * prefers (lb_policy then stays unset). Every policy keeps the cross-cluster priorities: Envoy picks the
 * priority first (failover), then balances within it; ring hash and maglev build one table per priority.
 */
import type { BackendIR, LoadBalancingIR } from '../../src/ir/ir-types.js';
import { TYPES } from './common.js';

function policyExtension(lb: LoadBalancingIR): { readonly name: string; readonly typed_config: object } {
  switch (lb.policy) {
    case 'round-robin':
      return {
        name: 'envoy.load_balancing_policies.round_robin',
        typed_config: { '@type': TYPES.lbRoundRobin },
      };
    case 'least-request':
      return {
        name: 'envoy.load_balancing_policies.least_request',
        typed_config: {
          '@type': TYPES.lbLeastRequest,
          ...(lb.choiceCount !== undefined ? { choice_count: lb.choiceCount } : {}),
        },
      };
    case 'ring-hash':
      return { name: 'envoy.load_balancing_policies.ring_hash', typed_config: { '@type': TYPES.lbRingHash } };
    case 'maglev':
      return { name: 'envoy.load_balancing_policies.maglev', typed_config: { '@type': TYPES.lbMaglev } };
    case 'random':
      return { name: 'envoy.load_balancing_policies.random', typed_config: { '@type': TYPES.lbRandom } };
  }
}

/** `lb_policy` or `load_balancing_policy`, to spread into the Cluster where lb_policy stood. */
export function clusterLoadBalancing(b: BackendIR): object {
  if (b.loadBalancing === undefined) return { lb_policy: 'ROUND_ROBIN' };
  return {
    load_balancing_policy: { policies: [{ typed_extension_config: policyExtension(b.loadBalancing) }] },
  };
}
