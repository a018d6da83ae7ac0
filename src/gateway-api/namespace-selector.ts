/**
 * `allowedRoutes.namespaces.selector` (pure): whether a route's namespace matches a listener's label
 * selector. Causeway does not watch Namespaces yet, so the only label it knows is the one Kubernetes
 * sets on every Namespace, `kubernetes.io/metadata.name` (its name, immutable): a selector on that label
 * alone is evaluated exactly; a selector naming any other label matches no namespace (as before).
 */
import type { LabelSelector } from '../resources/gateway-api-types.js';

/** The label Kubernetes puts on every Namespace, with the Namespace's name as value. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Whether `namespace` matches `selector` (false when the selector names a label Causeway cannot know). */
export function namespaceMatches(selector: LabelSelector | undefined, namespace: string): boolean {
  const labels: Readonly<Record<string, string>> = { [NAMESPACE_NAME_LABEL]: namespace };
  const known = (key: string): boolean => key === NAMESPACE_NAME_LABEL;
  const exprs = selector?.matchExpressions ?? [];
  const pairs = Object.entries(selector?.matchLabels ?? {});
  if (pairs.length === 0 && exprs.length === 0) return true; // the empty selector selects everything
  if (!pairs.every(([k]) => known(k)) || !exprs.every((e) => known(e.key))) return false;
  if (!pairs.every(([k, v]) => labels[k] === v)) return false;
  return exprs.every((e) => {
    const value = labels[e.key];
    switch (e.operator) {
      case 'In':
        return value !== undefined && (e.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(e.values ?? []).includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
}
