/**
 * `allowedRoutes.namespaces.selector` (pure): whether a route's namespace matches a listener's label
 * selector, on the namespace's labels (Namespaces are watched for them, kube-kinds.ts). The label
 * Kubernetes sets on every Namespace, `kubernetes.io/metadata.name` (its name), is always known, also
 * when the Namespace itself is not (no RBAC to list Namespaces, a manifests folder without it).
 */
import type { LabelSelector } from '../resources/gateway-api-types.js';
import type { ResourceSet } from '../resources/resource-set.js';

/** The label Kubernetes puts on every Namespace, with the Namespace's name as value. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A namespace's labels: the Namespace's own when known, with its name label in any case. */
export function namespaceLabels(resources: ResourceSet, namespace: string): Readonly<Record<string, string>> {
  const own = resources.namespaces?.get(namespace)?.object.metadata.labels ?? {};
  return { ...own, [NAMESPACE_NAME_LABEL]: namespace };
}

/** Whether `labels` match `selector` (Kubernetes label selector semantics; empty selects all). */
export function labelsMatch(
  selector: LabelSelector | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v)) return false;
  return (selector?.matchExpressions ?? []).every((e) => {
    const value = Object.hasOwn(labels, e.key) ? labels[e.key] : undefined;
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
