/**
 * Gateway API hostname semantics (pure): a wildcard `*.example.com` matches one or more extra labels
 * (`a.example.com`, `a.b.example.com`, never `example.com`), unlike an Ingress wildcard. A route's
 * hostnames are intersected with its listener's: the more specific name of each matching pair is kept.
 * `*` stands for "any host" (a listener or route without hostnames).
 */
import { compareHosts } from '../ingress/hosts.js';

export const ANY_HOSTNAME = '*';

/** True when `pattern` (a name, a `*.` wildcard or `*`) matches `name` (a name or a wildcard). */
export function hostnameCovers(pattern: string, name: string): boolean {
  if (pattern === ANY_HOSTNAME) return true;
  if (name === ANY_HOSTNAME) return false;
  if (!pattern.startsWith('*.')) return pattern === name;
  const suffix = pattern.slice(1); // ".example.com"
  if (name.startsWith('*.')) return name.slice(1).endsWith(suffix);
  return name.endsWith(suffix) && name.length > suffix.length;
}

/**
 * The hostnames a route serves on a listener: for each route hostname that matches the listener's
 * (either way round), the more specific of the two; sorted (names, wildcards, `*`), deduplicated.
 * Empty: no hostname intersects (the route is not accepted on that listener).
 */
export function intersectHostnames(
  listener: string | undefined,
  route: readonly string[] | undefined,
): string[] {
  const l = listener === undefined || listener === '' ? ANY_HOSTNAME : listener.toLowerCase();
  const names =
    route === undefined || route.length === 0 ? [ANY_HOSTNAME] : route.map((h) => h.toLowerCase());
  const out = new Set<string>();
  for (const r of names) {
    if (hostnameCovers(l, r)) out.add(r);
    else if (hostnameCovers(r, l)) out.add(l);
  }
  return [...out].sort(compareHosts);
}
