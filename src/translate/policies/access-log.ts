/**
 * The per-Ingress access log setting of gateway routes, read once per Ingress: whether its routes are
 * left out of the group's access log (`causeway.dev/enable-access-log: "false"`). Pure. A bad value is a
 * CW_E_ANNOTATION_INVALID diagnostic on the Ingress and the routes keep being logged (the default: a
 * typo never hides requests from the log).
 */
import type { Diagnostic } from '../../errors.js';
import { readAnnotation } from '../../ingress/ingress-annotations.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import { ENABLE_ACCESS_LOG } from './access-log-annotations.js';

/** `true` when the Ingress's routes write no access log line; undefined otherwise. */
export function readAccessLogSilence(owner: IngressEntries, diags: Diagnostic[]): true | undefined {
  const enabled = readAnnotation(
    ENABLE_ACCESS_LOG,
    owner.ingress.object.metadata.annotations,
    owner.diagRef,
    diags,
    'the routes stay in the access log',
  );
  return enabled === false ? true : undefined;
}
