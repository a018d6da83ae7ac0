/**
 * IngressClass selection: an Ingress is ours when its class (spec.ingressClassName, else the legacy
 * `kubernetes.io/ingress.class` annotation, else the default IngressClass) has controller
 * `causeway.dev/gateway`. An Ingress naming another or an unknown class is ignored.
 */
import type { Ingress, IngressClass } from '../resources/kube-types.js';
import type { ResourceSet, Sourced } from '../resources/resource-set.js';
import { compareByAge } from './ordering.js';

/** The controller of the IngressClasses gateway mode serves. */
export const CONTROLLER_NAME = 'causeway.dev/gateway';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export interface ClassIndex {
  /** The default IngressClass (oldest one when several are marked default), if any. */
  readonly defaultClass?: IngressClass;
  readonly byName: ReadonlyMap<string, IngressClass>;
}

export function indexClasses(resources: ResourceSet): ClassIndex {
  const byName = new Map<string, IngressClass>();
  const defaults: Sourced<IngressClass>[] = [];
  for (const [name, s] of resources.ingressClasses) {
    byName.set(name, s.object);
    if (s.object.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true') defaults.push(s);
  }
  defaults.sort((a, b) => compareByAge(a.object, b.object));
  return { defaultClass: defaults[0]?.object, byName };
}

/** The IngressClass that governs the Ingress when that class is ours; undefined when the Ingress is not ours. */
export function ourClassFor(ingress: Ingress, classes: ClassIndex): IngressClass | undefined {
  const named = ingress.spec?.ingressClassName ?? ingress.metadata.annotations?.[LEGACY_CLASS_ANNOTATION];
  const cls = named !== undefined ? classes.byName.get(named) : classes.defaultClass;
  return cls?.spec?.controller === CONTROLLER_NAME ? cls : undefined;
}
