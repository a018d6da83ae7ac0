/**
 * The HTTP status carried by an apiserver error, whoever threw it: client-node's `ApiException` (`code`),
 * our `KubeApiError` and client-node's `Watch` (`statusCode`). Network errors and timeouts carry none
 * (their `code` is a string such as `ECONNREFUSED`).
 */

/** The HTTP status of a failed apiserver call, or undefined (network error, timeout, not an object). */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}
