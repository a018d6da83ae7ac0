/**
 * The diagnostic of an internal error (a bug) caught while translating one object: the object is left
 * out with CW_E_INTERNAL_OBJECT and the rest of the translation goes on (see isolation.ts).
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import { printable } from '../ingress/text-checks.js';

/** Longest error message quoted in a diagnostic. */
const MAX_ERROR_TEXT = 300;

/** The CW_E_INTERNAL_OBJECT diagnostic of `err`, thrown while translating `object` (`what` names it). */
export function internalErrorDiagnostic(object: ObjectRef, err: unknown, what: string): Diagnostic {
  const text = err instanceof Error ? err.message : String(err);
  // Never quote control characters or lone surrogates into logs and Events.
  const safe = printable(text, MAX_ERROR_TEXT);
  return diagnostic(
    'CW_E_INTERNAL_OBJECT',
    object,
    `internal error while translating ${what} (${safe}); it is left out, please report this bug`,
  );
}
