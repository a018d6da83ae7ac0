/**
 * Access-control annotations that only Causeway gateways enforce (gateway mode): source allow/deny
 * lists, basic auth, external auth and client-certificate auth. An Application Load Balancer cannot apply
 * them, so an ALB Ingress carrying one fails closed: it is left out of its ALB group with an error, never
 * exposed without the protection its author asked for.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../../errors.js';

/** The gateway-mode annotations that decide who may reach an Ingress (sorted). */
export const GATEWAY_ONLY_ACCESS_ANNOTATIONS: readonly string[] = [
  'causeway.dev/allowlist-source-range',
  'causeway.dev/auth-secret',
  'causeway.dev/auth-tls-secret',
  'causeway.dev/auth-type',
  'causeway.dev/auth-url',
  'causeway.dev/denylist-source-range',
  'causeway.dev/whitelist-source-range',
];

/** True (with one error per annotation) when the Ingress asks for access control an ALB cannot give. */
export function refusesGatewayOnlyAccess(
  annotations: Readonly<Record<string, string>> | undefined,
  ref: ObjectRef,
  diags: Diagnostic[],
): boolean {
  const found = GATEWAY_ONLY_ACCESS_ANNOTATIONS.filter((name) => annotations?.[name] !== undefined);
  for (const name of found)
    diags.push(
      diagnostic(
        'CW_E_ALB_ANNOTATION_INVALID',
        ref,
        `annotation ${name} is enforced only by Causeway gateways (gateway mode); an ALB cannot apply it, ` +
          'so the Ingress is left out of its ALB group rather than exposed without it',
      ),
    );
  return found.length > 0;
}
