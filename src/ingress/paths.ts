/**
 * Ingress path semantics (Kubernetes docs, "Path types"):
 * - Exact: case-sensitive match of the whole path; `/foo` does not match `/foo/`.
 * - Prefix: element-wise on `/`; a trailing slash is ignored; `/aaa/bb` does not match `/aaa/bbb`; `/` matches all.
 * - ImplementationSpecific: Causeway treats it as Prefix.
 */
import type { PathType } from '../resources/kube-types.js';
import type { PathMatch } from './ingress-types.js';

export type PathResult =
  { readonly ok: true; readonly match: PathMatch } | { readonly ok: false; readonly error: string };

// Characters Envoy and the apiserver accept in a path (RFC 3986 pchar plus '/'), without query or fragment.
const PATH_CHARS = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

export function normalizePath(pathType: PathType, path: string | undefined): PathResult {
  const kind = pathType === 'Exact' ? 'exact' : 'prefix';
  if (pathType !== 'Exact' && pathType !== 'Prefix' && pathType !== 'ImplementationSpecific') {
    return {
      ok: false,
      error: `pathType "${String(pathType)}" is not Exact, Prefix or ImplementationSpecific`,
    };
  }
  if (path === undefined || path === '') {
    if (pathType === 'ImplementationSpecific') return { ok: true, match: { kind: 'prefix', path: '/' } };
    return { ok: false, error: `pathType ${pathType} needs a path` };
  }
  if (!path.startsWith('/')) return { ok: false, error: `path "${path}" must start with "/"` };
  if (!PATH_CHARS.test(path))
    return { ok: false, error: `path "${path}" contains characters not allowed in a URL path` };
  if (/%(?![0-9A-Fa-f]{2})/.test(path))
    return { ok: false, error: `path "${path}" has a malformed percent-encoding` };
  if (kind === 'exact') return { ok: true, match: { kind, path } };
  // Element-wise prefix: drop trailing slashes ("/foo/" == "/foo"); "/" stays "/".
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed.includes('//')) return { ok: false, error: `path "${path}" has an empty path element ("//")` };
  return { ok: true, match: { kind, path: trimmed === '' ? '/' : trimmed } };
}

/** The key under which two paths are the same route (for conflict detection). */
export function pathKey(match: PathMatch): string {
  return `${match.kind}:${match.path}`;
}

/**
 * Route order inside a virtual host: longest path first; on a tie Exact before Prefix.
 * Envoy takes the first matching route, so this order makes the longest match win.
 */
export function comparePathMatches(a: PathMatch, b: PathMatch): number {
  if (a.path.length !== b.path.length) return b.path.length - a.path.length;
  if (a.kind !== b.kind) return a.kind === 'exact' ? -1 : 1;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
