/**
 * The ALB annotation catalog: every `alb.causeway.dev/*` annotation, with where it may be set, whether it
 * is a group setting (every Ingress of an IngressGroup must agree) or an Ingress setting, its default,
 * its validation and what a bad value does. The annotations themselves live by scope in
 * alb-group-annotations.ts, alb-ingress-annotations.ts and alb-target-group-annotations.ts. The ALB
 * section of `docs/annotations.md` is rendered from this catalog (`renderAlbAnnotationTable`); a test
 * checks the two agree.
 */
import type { AlbAnnotationSpec } from './alb-annotation-parsers.js';
import {
  IP_ADDRESS_TYPE,
  LOAD_BALANCER_ATTRIBUTES,
  SCHEME,
  SECURITY_GROUPS,
  SSL_POLICY,
  SSL_REDIRECT,
  SUBNETS,
  TAGS,
} from './alb-group-annotations.js';
import { ACTION, CERTIFICATE_ARN, GROUP_NAME, GROUP_ORDER, LISTEN_PORTS } from './alb-ingress-annotations.js';
import {
  BACKEND_PROTOCOL,
  BACKEND_PROTOCOL_VERSION,
  HEALTHCHECK_INTERVAL,
  HEALTHCHECK_PATH,
  HEALTHCHECK_PORT,
  HEALTHCHECK_PROTOCOL,
  HEALTHCHECK_TIMEOUT,
  HEALTHY_THRESHOLD,
  SUCCESS_CODES,
  TARGET_GROUP_ATTRIBUTES,
  UNHEALTHY_THRESHOLD,
} from './alb-target-group-annotations.js';

/** Every ALB annotation, in documentation order. */
export const ALB_ANNOTATIONS: readonly AlbAnnotationSpec<unknown>[] = [
  GROUP_NAME,
  GROUP_ORDER,
  SCHEME,
  IP_ADDRESS_TYPE,
  SUBNETS,
  SECURITY_GROUPS,
  LISTEN_PORTS,
  CERTIFICATE_ARN,
  SSL_POLICY,
  SSL_REDIRECT,
  LOAD_BALANCER_ATTRIBUTES,
  TAGS,
  ACTION,
  BACKEND_PROTOCOL,
  BACKEND_PROTOCOL_VERSION,
  HEALTHCHECK_PATH,
  HEALTHCHECK_PORT,
  HEALTHCHECK_PROTOCOL,
  HEALTHCHECK_INTERVAL,
  HEALTHCHECK_TIMEOUT,
  HEALTHY_THRESHOLD,
  UNHEALTHY_THRESHOLD,
  SUCCESS_CODES,
  TARGET_GROUP_ATTRIBUTES,
];

/** The group settings, which every Ingress of a group must agree on. */
export const GROUP_SETTINGS = ALB_ANNOTATIONS.filter((a) => a.scope === 'group');

/** The markdown table of `docs/annotations.md`'s ALB section. */
export function renderAlbAnnotationTable(): string {
  const rows = ALB_ANNOTATIONS.map((a) => {
    const on = a.targets.join(', ');
    const scope = a.scope === 'group' ? 'group' : 'Ingress';
    const bad = a.onInvalid === 'exclude' ? 'Ingress left out' : 'default used';
    return `| \`${a.name}\` | ${on} | ${scope} | ${a.defaultText} | ${bad} | ${a.description} |`;
  });
  return [
    '| Annotation | On | Scope | Default | Bad value | Meaning |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}
