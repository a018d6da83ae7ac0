/**
 * ReferenceGrant checks (pure): a reference from an object in one namespace to an object in another is
 * allowed only when a ReferenceGrant in the target namespace names the source (group, kind, namespace)
 * in `from` and the target (group, kind, and name when it names one) in `to`.
 */
import type { ResourceSet } from '../resources/resource-set.js';

export interface ReferenceFrom {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
}

export interface ReferenceTo {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/** True when the reference stays in its namespace or a ReferenceGrant allows it. */
export function referenceAllowed(resources: ResourceSet, from: ReferenceFrom, to: ReferenceTo): boolean {
  if (from.namespace === to.namespace) return true;
  for (const grant of resources.gatewayApi.referenceGrants.values()) {
    const g = grant.object;
    if ((g.metadata.namespace ?? 'default') !== to.namespace) continue;
    const fromOk = (g.spec?.from ?? []).some(
      (f) => f.group === from.group && f.kind === from.kind && f.namespace === from.namespace,
    );
    const toOk = (g.spec?.to ?? []).some(
      (t) =>
        t.group === to.group &&
        t.kind === to.kind &&
        (t.name === undefined || t.name === '' || t.name === to.name),
    );
    if (fromOk && toOk) return true;
  }
  return false;
}
