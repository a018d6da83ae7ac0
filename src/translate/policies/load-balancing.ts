/**
 * The load-balancing policy of one Service (gateway mode), read once per backend from its annotations
 * and the group's default from the config file. Pure. A bad value is a CW_E_ANNOTATION_INVALID
 * diagnostic on the Service naming the annotation, and the default applies; session affinity needs a
 * consistent-hash policy, so affinity with an explicit `round-robin`, `least-request` or `random` is a
 * diagnostic naming both annotations and the Service uses `ring-hash`.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../../errors.js';
import type { LoadBalancingIR, SessionAffinityIR } from '../../ir/ir-types.js';
import { readAnnotation, type AnnotationSpec } from '../../ingress/ingress-annotations.js';
import {
  AFFINITY,
  DEFAULT_LEAST_REQUEST_CHOICES,
  DEFAULT_SESSION_COOKIE_NAME,
  HASH_POLICIES,
  LEAST_REQUEST_CHOICES,
  LOAD_BALANCE,
  SESSION_COOKIE_MAX_AGE,
  SESSION_COOKIE_NAME,
  SESSION_COOKIE_PATH,
  SESSION_HEADER_NAME,
  type LoadBalancingPolicyName,
} from './lb-annotations.js';

/** The Service whose annotations are read. */
export interface LoadBalancingOwner {
  readonly namespace: string;
  readonly name: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

const COOKIE_SETTINGS = [SESSION_COOKIE_NAME, SESSION_COOKIE_MAX_AGE, SESSION_COOKIE_PATH] as const;

class ServiceAnnotations {
  readonly ref: ObjectRef;

  constructor(
    private readonly owner: LoadBalancingOwner,
    private readonly diags: Diagnostic[],
  ) {
    this.ref = { kind: 'Service', namespace: owner.namespace, name: owner.name };
  }

  has(spec: AnnotationSpec<unknown>): boolean {
    return this.owner.annotations?.[spec.name] !== undefined;
  }

  /** The parsed value; a bad one is a diagnostic saying what applies instead, and undefined. */
  get<T>(spec: AnnotationSpec<T>, instead = 'using the default'): T | undefined {
    return readAnnotation(spec, this.owner.annotations, this.ref, this.diags, instead);
  }

  report(message: string): void {
    this.diags.push(diagnostic('CW_E_ANNOTATION_INVALID', this.ref, message));
  }
}

function cookieAffinity(a: ServiceAnnotations): SessionAffinityIR {
  return {
    kind: 'cookie',
    name: a.get(SESSION_COOKIE_NAME) ?? DEFAULT_SESSION_COOKIE_NAME,
    path: a.get(SESSION_COOKIE_PATH) ?? '/',
    ttlSeconds: a.get(SESSION_COOKIE_MAX_AGE) ?? 0,
  };
}

/** The affinity asked for; cookie settings without `affinity: cookie` are reported as ignored. */
function readAffinity(a: ServiceAnnotations): SessionAffinityIR | undefined {
  const kind = a.get(AFFINITY, 'no session affinity');
  if (kind !== 'cookie') {
    for (const spec of COOKIE_SETTINGS.filter((s) => a.has(s)))
      a.report(`annotation ${spec.name}: only applies with ${AFFINITY.name}: cookie; ignored`);
  }
  if (kind !== 'header' && a.has(SESSION_HEADER_NAME))
    a.report(`annotation ${SESSION_HEADER_NAME.name}: only applies with ${AFFINITY.name}: header; ignored`);
  switch (kind) {
    case undefined:
      return undefined;
    case 'cookie':
      return cookieAffinity(a);
    case 'source-ip':
      return { kind: 'source-ip' };
    case 'header': {
      const header = a.get(SESSION_HEADER_NAME, 'no session affinity');
      if (header !== undefined) return { kind: 'header', header };
      if (!a.has(SESSION_HEADER_NAME))
        a.report(
          `annotation ${SESSION_HEADER_NAME.name}: required with ${AFFINITY.name}: header; no session affinity`,
        );
      return undefined;
    }
  }
}

/** The policy that applies: affinity needs a consistent hash (ring-hash unless maglev is asked for). */
function effectivePolicy(
  a: ServiceAnnotations,
  explicit: LoadBalancingPolicyName | undefined,
  groupDefault: LoadBalancingPolicyName | undefined,
  affinity: SessionAffinityIR | undefined,
): LoadBalancingPolicyName | undefined {
  const base = explicit ?? groupDefault;
  if (affinity === undefined || (base !== undefined && HASH_POLICIES.includes(base))) return base;
  if (explicit !== undefined)
    a.report(
      `annotations ${AFFINITY.name} and ${LOAD_BALANCE.name}: affinity "${affinity.kind}" needs ring-hash or maglev, not "${explicit}"; using ring-hash`,
    );
  return 'ring-hash';
}

/**
 * The Service's load balancing: absent when neither its annotations nor the group's default ask for
 * anything (Envoy's round robin, as before these annotations existed).
 */
export function readLoadBalancing(
  owner: LoadBalancingOwner,
  groupDefault: LoadBalancingPolicyName | undefined,
  diags: Diagnostic[],
): LoadBalancingIR | undefined {
  const a = new ServiceAnnotations(owner, diags);
  const fallback = `using ${groupDefault ?? 'round-robin'}`;
  const explicit = a.get(LOAD_BALANCE, fallback);
  const choices = a.get(LEAST_REQUEST_CHOICES, `using ${DEFAULT_LEAST_REQUEST_CHOICES}`);
  const affinity = readAffinity(a);
  const policy = effectivePolicy(a, explicit, groupDefault, affinity);
  if (choices !== undefined && policy !== 'least-request')
    a.report(
      `annotation ${LEAST_REQUEST_CHOICES.name}: only applies with ${LOAD_BALANCE.name}: least-request (the Service uses ${policy ?? 'round-robin'}); ignored`,
    );
  if (policy === undefined) return undefined;
  return {
    policy,
    ...(policy === 'least-request' ? { choiceCount: choices ?? DEFAULT_LEAST_REQUEST_CHOICES } : {}),
    ...(affinity !== undefined ? { affinity } : {}),
  };
}
