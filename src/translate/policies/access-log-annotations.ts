/**
 * The access log annotation of gateway mode (issue 13, item 5), for the catalog in `annotations.ts`:
 * `causeway.dev/enable-access-log: "false"` keeps the routes of an Ingress (health checks, probes) out
 * of the group's access log, with ingress-nginx's name and values. The reader is `policies/access-log.ts`.
 */
import { parseBool, type AnnotationSpec } from '../../ingress/ingress-annotations.js';

export const ENABLE_ACCESS_LOG: AnnotationSpec<boolean> = {
  name: 'causeway.dev/enable-access-log',
  targets: ['Ingress'],
  defaultText: '`true`',
  description:
    "When `false`, requests the gateway routes by the Ingress's rules write no access log line (the group's `accessLog:` decides whether and how the others do). Requests refused before routing (a filter's 401, 403 or 429) are still logged.",
  parse: parseBool,
};

export const ACCESS_LOG_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [ENABLE_ACCESS_LOG];
