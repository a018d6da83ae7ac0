/**
 * The edge policies (issue 13) the policy-cost benchmark puts on every Ingress for its "edge policies"
 * variant: today a local rate limit per client address (both rates, a burst multiplier, an exempt
 * range list); authentication is added here when it lands. Also part of the all-policies variant.
 */
import type { GeneratedInput } from './generate-manifests.js';

export const EDGE_POLICY_ANNOTATIONS: Readonly<Record<string, string>> = {
  'causeway.dev/limit-rps': '20',
  'causeway.dev/limit-rpm': '600',
  'causeway.dev/limit-burst-multiplier': '3',
  'causeway.dev/limit-whitelist': '10.0.0.0/8, 192.168.0.0/16',
  'causeway.dev/limit-allowlist': '2001:db8::/32',
};

/** The generated input with every Ingress carrying the edge policy annotations (Services unchanged). */
export function withEdgePolicies(input: GeneratedInput): GeneratedInput {
  const ingresses = input.ingresses.map((i) => ({
    ...i,
    metadata: { ...i.metadata, annotations: { ...i.metadata.annotations, ...EDGE_POLICY_ANNOTATIONS } },
  }));
  return {
    ...input,
    ingresses,
    objects: [input.ingressClass, ...input.services, ...input.slices, ...ingresses],
  };
}
