/**
 * The per-Ingress stream policy of gateway routes (annotations `causeway.dev/idle-timeout`,
 * `causeway.dev/websocket` and `causeway.dev/max-body-size`), read once per Ingress of a group, with the
 * resilience family's (retries, compression, mirroring: policies/resilience.ts). A bad value is a diagnostic on the Ingress
 * naming the annotation, and the route keeps the default.
 */
import type { Diagnostic } from '../errors.js';
import type { IngressEntries } from '../ingress/ingress-reader.js';
import { readAnnotation, type AnnotationSpec } from '../ingress/ingress-annotations.js';
import { reportBackendAnnotationsOnIngress } from './policies/backend-tls.js';
import type { ResilienceIR } from '../ir/ir-types.js';
import { readResilience } from './policies/resilience.js';
import { resilienceOf, type ResilienceContext } from './resilience-policy.js';
import { DEFAULT_IDLE_TIMEOUT_SECONDS, IDLE_TIMEOUT, MAX_BODY_SIZE, WEBSOCKET } from './annotations.js';
import { readPaths, type PathsPolicy } from './policies/paths.js';
import type { HeaderPolicyIR } from '../ir/ir-types.js';
import { readHeaders } from './policies/headers.js';
import { readRouteTracing } from './policies/tracing.js';
import type { RouteTracingIR } from '../ir/ir-types.js';
import type { ExtAuthIR } from '../ir/ir-types.js';
import { extAuthOf } from './ext-auth-policy.js';
import type { RateLimitIR } from '../ir/ir-types.js';
import { readRateLimit } from './policies/rate-limit.js';
import { readAccessLogSilence } from './policies/access-log.js';
import type { BasicAuthIR } from '../ir/ir-types.js';
import { readBasicAuth, type SecretLookup } from './policies/basic-auth.js';
import type { SourceAccessIR } from '../ir/ir-types.js';
import { readSourceAccess } from './policies/source-access.js';

export interface RoutePolicy {
  readonly idleTimeoutSeconds: number;
  readonly websocket: boolean;
  /** Absent: unlimited. */
  readonly maxRequestBytes?: number;
  /** Rewrite, redirects, app-root, from-to-www (src/translate/policies/paths.ts); absent: none set. */
  readonly paths?: PathsPolicy;
  /** Header changes and CORS (src/translate/policies/headers.ts); absent: none. */
  readonly headerPolicy?: HeaderPolicyIR;
  /** Retries, compression, mirroring; absent: none. */
  readonly resilience?: ResilienceIR;
  /** Tracing off (causeway.dev/enable-opentelemetry: "false"); absent: the group's tracing. */
  readonly tracing?: RouteTracingIR;
  /** External auth (src/translate/policies/ext-auth.ts); absent: none. */
  readonly extAuth?: ExtAuthIR;
  /** Local rate limits per client address (src/translate/policies/rate-limit.ts); absent: none. */
  readonly rateLimit?: RateLimitIR;
  /** `causeway.dev/enable-access-log: "false"` (src/translate/policies/access-log.ts); absent: logged. */
  readonly silenceAccessLog?: true;
  /** Basic auth (src/translate/policies/basic-auth.ts); absent: none. */
  readonly basicAuth?: BasicAuthIR;
}

/** What the policy readers need from the group: the resilience context and the Secrets. */
export interface RoutePolicyContext extends ResilienceContext {
  readonly secrets: SecretLookup;
  /** Source allow/deny lists (src/translate/policies/source-access.ts); absent: every client. */
  readonly sourceAccess?: SourceAccessIR;
}

export const DEFAULT_ROUTE_POLICY: RoutePolicy = {
  idleTimeoutSeconds: DEFAULT_IDLE_TIMEOUT_SECONDS,
  websocket: true,
};

function read<T>(spec: AnnotationSpec<T>, owner: IngressEntries, diags: Diagnostic[]): T | undefined {
  return readAnnotation(spec, owner.ingress.object.metadata.annotations, owner.diagRef, diags);
}

export function readRoutePolicy(
  owner: IngressEntries,
  diags: Diagnostic[],
  ctx: RoutePolicyContext,
): RoutePolicy {
  const maxBytes = read(MAX_BODY_SIZE, owner, diags);
  reportBackendAnnotationsOnIngress(owner, diags);
  const paths = readPaths(owner, diags);
  const headers = readHeaders(owner, diags);
  const resilience = resilienceOf(owner, readResilience(owner, diags), ctx);
  const tracing = readRouteTracing(owner, diags);
  const extAuth = extAuthOf(owner, diags, ctx.backends);
  const rateLimit = readRateLimit(owner, diags);
  const silenceAccessLog = readAccessLogSilence(owner, diags);
  const basicAuth = readBasicAuth(owner, diags, ctx.secrets);
  const sourceAccess = readSourceAccess(owner, diags);
  return {
    idleTimeoutSeconds: read(IDLE_TIMEOUT, owner, diags) ?? DEFAULT_ROUTE_POLICY.idleTimeoutSeconds,
    websocket: read(WEBSOCKET, owner, diags) ?? DEFAULT_ROUTE_POLICY.websocket,
    // `0` is ingress-nginx's "unlimited".
    ...(maxBytes ? { maxRequestBytes: maxBytes } : {}),
    ...(paths ? { paths } : {}),
    ...(headers ? { headerPolicy: headers } : {}),
    ...(resilience ? { resilience } : {}),
    ...(tracing ? { tracing } : {}),
    ...(extAuth ? { extAuth } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    ...(silenceAccessLog ? { silenceAccessLog } : {}),
    ...(basicAuth ? { basicAuth } : {}),
    ...(sourceAccess ? { sourceAccess } : {}),
  };
}

/** The policy of every owner of a group (its diagnostics reported once, whether or not a route survives). */
export function readRoutePolicies(
  owners: readonly IngressEntries[],
  diags: Diagnostic[],
  ctx: RoutePolicyContext,
): ReadonlyMap<IngressEntries, RoutePolicy> {
  return new Map(owners.map((o) => [o, readRoutePolicy(o, diags, ctx)]));
}
