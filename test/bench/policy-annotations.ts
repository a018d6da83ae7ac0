/**
 * The policy annotations the policy-cost benchmark puts on every Ingress and every Service: one
 * value for each route and backend policy of the annotation catalog, so "policies on every route"
 * means every family at once (timeouts, streams, body cap, rewrite, headers, CORS, retries,
 * compression, mirroring, external auth with sign-in, basic auth; load balancing with cookie affinity,
 * TLS to the backend with a CA Secret, health checks, outlier detection). A catalog entry neither set
 * here nor listed in NOT_A_POLICY is reported by the benchmark.
 */
import { authServiceOf, edgePolicyAnnotations, htpasswdSecret } from './edge-policy-annotations.js';
import type { KubeObject, Secret } from '../../src/resources/kube-types.js';
import type { GeneratedInput } from './generate-manifests.js';

/** Route policies, on every Ingress (the mirror target is the Ingress's own Service); edge ones: edge-policy-annotations.ts. */
export function ingressPolicyAnnotations(ownService: string): Readonly<Record<string, string>> {
  return {
    'causeway.dev/request-timeout': '30s',
    'causeway.dev/idle-timeout': '5m',
    'causeway.dev/websocket': 'false',
    'causeway.dev/max-body-size': '8m',
    'causeway.dev/ssl-redirect': 'false',
    'causeway.dev/use-regex': 'false',
    'causeway.dev/rewrite-target': '/',
    'causeway.dev/request-headers-set': 'X-Env: prod\nX-Team: payments',
    'causeway.dev/request-headers-add': 'X-Trace: on',
    'causeway.dev/request-headers-remove': 'x-debug',
    'causeway.dev/response-headers-set': 'Strict-Transport-Security: max-age=31536000',
    'causeway.dev/response-headers-add': 'X-Served-By: causeway',
    'causeway.dev/response-headers-remove': 'server',
    'causeway.dev/enable-cors': 'true',
    'causeway.dev/cors-allow-origin': 'https://app.example.com, https://*.example.org',
    'causeway.dev/cors-allow-methods': 'GET, POST, PUT',
    'causeway.dev/cors-allow-headers': 'Authorization, Content-Type',
    'causeway.dev/cors-expose-headers': 'X-Request-Id',
    'causeway.dev/cors-allow-credentials': 'true',
    'causeway.dev/cors-max-age': '600',
    'causeway.dev/retry-on': '5xx, reset, connect-failure',
    'causeway.dev/retry-count': '3',
    'causeway.dev/retry-per-try-timeout': '2s',
    'causeway.dev/retry-status-codes': '503, 504',
    'causeway.dev/compression': 'gzip,br',
    'causeway.dev/mirror-target': `${ownService}:http`,
    'causeway.dev/mirror-percent': '10',
  };
}

/** The Secret every Service's backend TLS CA comes from (one per namespace). */
export const CA_SECRET = 'backend-ca';

/** Backend policies, on every Service. */
export const SERVICE_POLICY_ANNOTATIONS: Readonly<Record<string, string>> = {
  'causeway.dev/connect-timeout': '1s',
  'causeway.dev/cross-cluster': 'round-robin',
  'causeway.dev/health-check-path': '/healthz',
  'causeway.dev/health-check-interval': '5s',
  'causeway.dev/health-check-timeout': '1s',
  'causeway.dev/health-check-healthy-threshold': '3',
  'causeway.dev/health-check-unhealthy-threshold': '2',
  'causeway.dev/outlier-consecutive-5xx': '5',
  'causeway.dev/outlier-ejection-time': '10s',
  'causeway.dev/load-balance': 'ring-hash',
  'causeway.dev/affinity': 'cookie',
  'causeway.dev/session-cookie-name': 'route',
  'causeway.dev/session-cookie-max-age': '3600',
  'causeway.dev/session-cookie-path': '/',
  'causeway.dev/backend-protocol': 'HTTPS',
  'causeway.dev/backend-tls-ca-secret': CA_SECRET,
  'causeway.dev/backend-tls-sni': 'backend.internal.example.com',
};

/**
 * Annotations the benchmark does not set on purpose: they select what is served rather than shape a
 * route (group, TCP exposure), replace the route (redirects), make another Ingress a canary or a split,
 * or are the alternative of one that is set (health-check-tcp, least-request choices, header affinity,
 * skipping TLS verification), or need TLS hosts the generated Ingresses do not have (client
 * certificates, passthrough), or switch observation off (access log, tracing).
 */
export const NOT_A_POLICY: readonly string[] = [
  'causeway.dev/gateway-group',
  'causeway.dev/gateway-tcp-port',
  'causeway.dev/gateway-tcp-service-port',
  'causeway.dev/health-check-tcp',
  'causeway.dev/least-request-choices',
  'causeway.dev/session-header-name',
  'causeway.dev/backend-tls-verify',
  'causeway.dev/permanent-redirect',
  'causeway.dev/permanent-redirect-code',
  'causeway.dev/temporal-redirect',
  'causeway.dev/temporal-redirect-code',
  'causeway.dev/app-root',
  'causeway.dev/from-to-www-redirect',
  'causeway.dev/canary',
  'causeway.dev/canary-by-header',
  'causeway.dev/canary-by-header-value',
  'causeway.dev/canary-by-header-pattern',
  'causeway.dev/canary-by-cookie',
  'causeway.dev/canary-weight',
  'causeway.dev/canary-weight-total',
  'causeway.dev/weighted-backends.<name>',
  'causeway.dev/ssl-passthrough',
  'causeway.dev/allowlist-source-range',
  'causeway.dev/auth-tls-secret',
  'causeway.dev/auth-tls-verify-client',
  'causeway.dev/auth-tls-verify-depth',
  'causeway.dev/auth-tls-pass-certificate-to-upstream',
  'causeway.dev/enable-access-log',
  'causeway.dev/enable-opentelemetry',
];

/** Every annotation name the benchmark sets (for the coverage check). */
export function policyAnnotationNames(): string[] {
  return [
    ...Object.keys(ingressPolicyAnnotations('x')),
    ...Object.keys(SERVICE_POLICY_ANNOTATIONS),
    ...Object.keys(edgePolicyAnnotations('x', 'default')),
  ];
}

function caSecret(namespace: string, caPem: string): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: CA_SECRET, namespace },
    type: 'kubernetes.io/tls',
    data: { 'ca.crt': Buffer.from(caPem).toString('base64') },
  };
}

/**
 * The generated input with every Ingress and Service carrying the traffic policy annotations (issue 12),
 * plus the CA Secrets; with `edge`, the edge policies too (issue 13: source lists, auth, rate limits).
 */
export function withPolicies(input: GeneratedInput, caPem: string, edge = false): GeneratedInput {
  const annotate = <T extends { metadata: { annotations?: Record<string, string> } }>(
    o: T,
    extra: Readonly<Record<string, string>>,
  ): T => ({ ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, ...extra } } });
  const ingresses = input.ingresses.map((i) => {
    const own = i.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.name ?? '';
    const ns = i.metadata.namespace ?? 'default';
    return annotate(i, {
      ...ingressPolicyAnnotations(own),
      ...(edge ? edgePolicyAnnotations(authServiceOf(input, ns), ns) : {}),
    });
  });
  const services = input.services.map((s) => annotate(s, SERVICE_POLICY_ANNOTATIONS));
  const namespaces = [...new Set(input.services.map((s) => s.metadata.namespace ?? 'default'))].sort();
  const secrets: KubeObject[] = [
    ...namespaces.map((ns) => caSecret(ns, caPem)),
    ...(edge ? namespaces.map((ns) => htpasswdSecret(ns)) : []),
  ];
  return {
    ...input,
    ingresses,
    services,
    objects: [input.ingressClass, ...services, ...input.slices, ...ingresses, ...secrets],
  };
}
