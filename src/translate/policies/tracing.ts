/**
 * The per-Ingress tracing policy (annotation `causeway.dev/enable-opentelemetry`): read once per
 * Ingress; `false` turns tracing off on the Ingress's routes (RouteTracingIR), `true` or no annotation
 * leaves them to the gateway group's tracing. A bad value is a diagnostic on the Ingress and the routes
 * stay traced as the group says (tracing is observation, not access control: nothing fails closed).
 */
import type { Diagnostic } from '../../errors.js';
import { readAnnotation } from '../../ingress/ingress-annotations.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import type { RouteTracingIR } from '../../ir/ir-types.js';
import { ENABLE_OPENTELEMETRY } from './tracing-annotations.js';

/** The Ingress's route tracing policy; undefined when its routes are traced as the group says. */
export function readRouteTracing(owner: IngressEntries, diags: Diagnostic[]): RouteTracingIR | undefined {
  const enabled = readAnnotation(
    ENABLE_OPENTELEMETRY,
    owner.ingress.object.metadata.annotations,
    owner.diagRef,
    diags,
    "its routes are traced as the gateway group's tracing says",
  );
  return enabled === false ? { enabled: false } : undefined;
}
