/**
 * The diagnostic of an internal error (a bug) caught while translating one object: the object is left
 * out with CW_E_INTERNAL_OBJECT and the rest of the translation goes on (see isolation.ts).
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';

/** Longest error message quoted in a diagnostic. */
const MAX_ERROR_TEXT = 300;

/** The CW_E_INTERNAL_OBJECT diagnostic of `err`, thrown while translating `object` (`what` names it). */
export function internalErrorDiagnostic(object: ObjectRef, err: unknown, what: string): Diagnostic {
  const text = err instanceof Error ? err.message : String(err);
  const short = text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT)}...` : text;
  // Never quote control characters or lone surrogates into logs and Events.
  // eslint-disable-next-line no-control-regex
  const safe = short.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/[\ud800-\udfff]/g, '\ufffd');
  return diagnostic(
    'CW_E_INTERNAL_OBJECT',
    object,
    `internal error while translating ${what} (${safe}); it is left out, please report this bug`,
  );
}
