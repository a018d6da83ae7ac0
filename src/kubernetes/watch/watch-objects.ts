/**
 * What a list+watch loop reads of the objects and errors an apiserver sends: the 410 Gone test, an
 * object's resourceVersion, the error of a watch `ERROR` event, and the managedFields a list drops.
 */
import { httpStatusOf } from '../client/http-status.js';
import { KubeApiError } from '../client/kube-transport.js';

export function isGone(error: unknown): boolean {
  return httpStatusOf(error) === 410;
}

export function resourceVersionOf(object: unknown): string | undefined {
  if (typeof object !== 'object' || object === null) return undefined;
  const meta = (object as { metadata?: unknown }).metadata;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const rv = (meta as { resourceVersion?: unknown }).resourceVersion;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

/**
 * The object without `metadata.managedFields` (server-side apply bookkeeping, often the biggest part of an
 * object, never read by Causeway). A list keeps every page's items until the last page arrives; without
 * them the pages held meanwhile are much smaller (`test/bench/kube-cold-start.main.ts`). Changes the
 * object in place (it is our own freshly decoded JSON) and returns it.
 */
export function dropManagedFields(object: unknown): unknown {
  if (typeof object !== 'object' || object === null) return object;
  const meta = (object as { metadata?: unknown }).metadata;
  if (typeof meta === 'object' && meta !== null && 'managedFields' in meta)
    delete (meta as { managedFields?: unknown }).managedFields;
  return object;
}

export function statusError(object: unknown): KubeApiError {
  const o = (typeof object === 'object' && object !== null ? object : {}) as {
    code?: unknown;
    message?: unknown;
    reason?: unknown;
  };
  const code = typeof o.code === 'number' ? o.code : 500;
  const message = typeof o.message === 'string' ? o.message : typeof o.reason === 'string' ? o.reason : '';
  return new KubeApiError(code, `watch error ${code}${message ? `: ${message}` : ''}`);
}
