/**
 * ALB mode selection: an Ingress is an ALB Ingress when the IngressClass that governs it
 * (spec.ingressClassName, else the legacy `kubernetes.io/ingress.class` annotation, else the default
 * IngressClass: the same lookup as gateway mode) has controller `causeway.dev/alb`. A class has one
 * controller, so an Ingress belongs to exactly one mode.
 */
import type { Ingress, IngressClass } from '../../resources/kube-types.js';
import { LEGACY_CLASS_ANNOTATION, type ClassIndex } from '../../ingress/ingress-class.js';

const ALB_CONTROLLER_NAME = 'causeway.dev/alb';

/** The IngressClass governing the Ingress when it is an ALB class; undefined otherwise. */
export function albClassFor(ingress: Ingress, classes: ClassIndex): IngressClass | undefined {
  const named = ingress.spec?.ingressClassName ?? ingress.metadata.annotations?.[LEGACY_CLASS_ANNOTATION];
  const cls = named !== undefined ? classes.byName.get(named) : classes.defaultClass;
  return cls?.spec?.controller === ALB_CONTROLLER_NAME ? cls : undefined;
}
