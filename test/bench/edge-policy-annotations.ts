/**
 * The edge policies (issue 13) the policy-cost benchmark puts on every Ingress for its "edge policies"
 * variant: source ranges (RBAC), authentication (basic auth from an htpasswd Secret of 20 `{SHA}` users, and external auth to
 * one auth Service per namespace, with a sign-in redirect) and a local rate limit per client address (both
 * rates, a burst multiplier, exempt ranges). Also part of the all-policies variant.
 */
import { createHash } from 'node:crypto';
import type { KubeObject, Secret } from '../../src/resources/kube-types.js';
import type { GeneratedInput } from './generate-manifests.js';

/** The htpasswd Secret of every Ingress's basic auth (one per namespace). */
export const AUTH_SECRET = 'basic-auth';

/** Who may connect: source ranges (the same on every Ingress). */
export const SOURCE_ANNOTATIONS: Readonly<Record<string, string>> = {
  'causeway.dev/whitelist-source-range': '10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 2001:db8::/32',
  'causeway.dev/denylist-source-range': '10.66.0.0/16',
};

/** Rate limits (the same on every Ingress). */
export const RATE_LIMIT_ANNOTATIONS: Readonly<Record<string, string>> = {
  'causeway.dev/limit-rps': '20',
  'causeway.dev/limit-rpm': '600',
  'causeway.dev/limit-burst-multiplier': '3',
  'causeway.dev/limit-whitelist': '10.0.0.0/8, 192.168.0.0/16',
  'causeway.dev/limit-allowlist': '2001:db8::/32',
};

/** Authentication of an Ingress: basic auth, and external auth by `authService` of its namespace. */
export function authAnnotations(authService: string, namespace: string): Readonly<Record<string, string>> {
  return {
    'causeway.dev/auth-type': 'basic',
    'causeway.dev/auth-secret': AUTH_SECRET,
    'causeway.dev/auth-secret-type': 'auth-file',
    'causeway.dev/auth-realm': 'Payments',
    'causeway.dev/auth-url': `http://${authService}.${namespace}.svc/auth`,
    'causeway.dev/auth-response-headers': 'X-Auth-User, X-Auth-Email',
    'causeway.dev/auth-request-headers': 'Authorization, Cookie, X-Forwarded-For',
    'causeway.dev/auth-failure-mode': 'closed',
    'causeway.dev/auth-timeout': '2s',
    'causeway.dev/auth-signin': 'https://login.example.com/oauth2/start',
    'causeway.dev/auth-signin-redirect-param': 'rd',
  };
}

/** Every edge annotation of an Ingress of `namespace` whose auth Service is `authService`. */
export function edgePolicyAnnotations(
  authService: string,
  namespace: string,
): Readonly<Record<string, string>> {
  return { ...SOURCE_ANNOTATIONS, ...authAnnotations(authService, namespace), ...RATE_LIMIT_ANNOTATIONS };
}

/**
 * The auth Service of a namespace's Ingresses: its first Service (one per namespace, as a team runs one
 * oauth2-proxy; one per Ingress would give every connection manager one ext_authz filter per Ingress).
 */
export function authServiceOf(input: GeneratedInput, namespace: string): string {
  const names = input.services
    .filter((s) => (s.metadata.namespace ?? 'default') === namespace)
    .map((s) => s.metadata.name);
  return names.sort()[0] ?? '';
}

export function htpasswdSecret(namespace: string): Secret {
  const lines = Array.from(
    { length: 20 },
    (_, i) => `user${i}:{SHA}${createHash('sha1').update(`password-${i}`).digest('base64')}`,
  );
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: AUTH_SECRET, namespace },
    type: 'Opaque',
    data: { auth: Buffer.from(`${lines.join('\n')}\n`).toString('base64') },
  };
}

/** The generated input with every Ingress under the edge policies, plus the htpasswd Secrets. */
export function withEdgePolicies(input: GeneratedInput): GeneratedInput {
  const ingresses = input.ingresses.map((i) => {
    const ns = i.metadata.namespace ?? 'default';
    const edge = edgePolicyAnnotations(authServiceOf(input, ns), ns);
    return { ...i, metadata: { ...i.metadata, annotations: { ...i.metadata.annotations, ...edge } } };
  });
  const namespaces = [...new Set(input.services.map((s) => s.metadata.namespace ?? 'default'))].sort();
  const secrets: KubeObject[] = namespaces.map(htpasswdSecret);
  return {
    ...input,
    ingresses,
    objects: [input.ingressClass, ...input.services, ...input.slices, ...ingresses, ...secrets],
  };
}
