/**
 * The policy annotations the policy-cost benchmark puts on every Ingress and every Service: one
 * value for each route and backend policy of the annotation catalog, so "policies on every route"
 * means every family at once. A catalog entry missing here is reported by the benchmark.
 */
import type { GeneratedInput } from './generate-manifests.js';

/** Route policies, on every Ingress. */
export const INGRESS_POLICY_ANNOTATIONS: Readonly<Record<string, string>> = {
  'causeway.dev/request-timeout': '30s',
  'causeway.dev/idle-timeout': '5m',
  'causeway.dev/websocket': 'false',
  'causeway.dev/max-body-size': '8m',
  'causeway.dev/ssl-redirect': 'false',
};

/** Backend policies, on every Service. */
export const SERVICE_POLICY_ANNOTATIONS: Readonly<Record<string, string>> = {
  'causeway.dev/connect-timeout': '1s',
  'causeway.dev/cross-cluster': 'round-robin',
  'causeway.dev/health-check-path': '/healthz',
  'causeway.dev/health-check-interval': '5s',
  'causeway.dev/outlier-consecutive-5xx': '5',
};

/** Annotations the benchmark does not set on purpose (they select, not shape, what is served). */
export const NOT_A_POLICY: readonly string[] = [
  'causeway.dev/gateway-group',
  'causeway.dev/gateway-tcp-port',
  'causeway.dev/gateway-tcp-service-port',
  'causeway.dev/health-check-tcp',
  'causeway.dev/health-check-timeout',
  'causeway.dev/health-check-healthy-threshold',
  'causeway.dev/health-check-unhealthy-threshold',
  'causeway.dev/outlier-ejection-time',
];

/** The generated input with every Ingress and Service carrying the policy annotations. */
export function withPolicies(input: GeneratedInput): GeneratedInput {
  const annotate = <T extends { metadata: { annotations?: Record<string, string> } }>(
    o: T,
    extra: Readonly<Record<string, string>>,
  ): T => ({ ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, ...extra } } });
  const ingresses = input.ingresses.map((i) => annotate(i, INGRESS_POLICY_ANNOTATIONS));
  const services = input.services.map((s) => annotate(s, SERVICE_POLICY_ANNOTATIONS));
  return {
    ...input,
    ingresses,
    services,
    objects: [input.ingressClass, ...services, ...input.slices, ...ingresses],
  };
}
