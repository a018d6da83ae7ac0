/**
 * The TLS passthrough annotation (ingress-nginx `ssl-passthrough`): the gateway does not terminate TLS
 * for the hosts of the Ingress but forwards each TLS connection, chosen by its SNI, to the Ingress's
 * backend, which terminates it with its own certificate. Read by `passthrough.ts`.
 */
import { parseBool, type AnnotationSpec } from '../../ingress/ingress-annotations.js';

export const SSL_PASSTHROUGH: AnnotationSpec<boolean> = {
  name: 'causeway.dev/ssl-passthrough',
  targets: ['Ingress'],
  defaultText: '`false`',
  description:
    "When `true`, the gateway does not terminate TLS for the Ingress's hosts: on the group's HTTPS port, a TLS connection whose SNI is one of them is forwarded as it is (TCP) to the backend of that host's path `/` (else its first path), which answers with its own certificate. Paths and the Ingress's other annotations do not apply to these connections; plain-HTTP requests keep being routed by the Ingress's rules. Example: `\"true\"`.",
  parse: parseBool,
};
