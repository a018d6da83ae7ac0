/**
 * Ingress path semantics (Kubernetes docs, "Path types"):
 * - Exact: case-sensitive match of the whole path; `/foo` does not match `/foo/`.
 * - Prefix: element-wise on `/`; a trailing slash is ignored; `/aaa/bb` does not match `/aaa/bbb`; `/` matches all.
 * - ImplementationSpecific: Causeway treats it as Prefix, or (gateway mode, `causeway.dev/use-regex`) as
 *   an RE2 regex matched against the start of the path.
 */
import type { PathType } from '../resources/kube-types.js';
import type { PathMatch } from './ingress-types.js';
import { checkRegexPath } from './regex-paths.js';

export type PathResult =
  { readonly ok: true; readonly match: PathMatch } | { readonly ok: false; readonly error: string };

// Characters Envoy and the apiserver accept in a path (RFC 3986 pchar plus '/'), without query or fragment.
const PATH_CHARS = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

export interface PathOptions {
  /** ImplementationSpecific paths are regexes (gateway mode only). */
  readonly regex?: boolean;
}

export function normalizePath(
  pathType: PathType,
  path: string | undefined,
  options: PathOptions = {},
): PathResult {
  if (options.regex && pathType === 'ImplementationSpecific' && path !== undefined && path !== '') {
    const r = checkRegexPath(path);
    return r.ok
      ? { ok: true, match: { kind: 'regex', path } }
      : { ok: false, error: `${r.error} (causeway.dev/use-regex is on)` };
  }
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

const KIND_RANK: Readonly<Record<PathMatch['kind'], number>> = { exact: 0, regex: 1, prefix: 2 };

/**
 * Route order of a host with regex paths (like nginx: an exact location first, then regex locations in
 * order, longest first as ingress-nginx writes them, then the longest prefix): every Exact path, then
 * every regex (longest first), then every Prefix (longest first). Without regexes it gives the same
 * matches as `comparePathMatches` (an Exact path can only be shadowed by an equal-length path).
 */
export function compareRegexHostMatches(a: PathMatch, b: PathMatch): number {
  if (a.kind !== b.kind) return KIND_RANK[a.kind] - KIND_RANK[b.kind];
  return comparePathMatches(a, b);
}

/** The route order of one host's path matches: `compareRegexHostMatches` when any is a regex. */
export function pathOrderFor(matches: readonly PathMatch[]): (a: PathMatch, b: PathMatch) => number {
  return matches.some((m) => m.kind === 'regex') ? compareRegexHostMatches : comparePathMatches;
}
