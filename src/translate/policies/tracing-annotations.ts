/**
 * The tracing family of the gateway annotation catalog: whether an Ingress's requests are traced when
 * its gateway group traces (config file `tracing:`, docs/tracing.md). Re-exported for the catalog by
 * src/translate/annotations-tracing.ts; read by ./tracing.ts.
 */
import { parseBool, type AnnotationSpec } from '../../ingress/ingress-annotations.js';

export const ENABLE_OPENTELEMETRY: AnnotationSpec<boolean> = {
  name: 'causeway.dev/enable-opentelemetry',
  targets: ['Ingress'],
  defaultText: "`true` (traced when the gateway group's config has `tracing:`)",
  description:
    '`false`: the routes of this Ingress are never traced (no span, whatever the group\'s sampling or the client asks), e.g. health endpoints; other Ingresses of the group, also on the same host, keep theirs. `true` changes nothing: tracing is the gateway group\'s (config file `tracing:`). Example: `"false"`.',
  parse: parseBool,
};

export const TRACING_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [ENABLE_OPENTELEMETRY];
