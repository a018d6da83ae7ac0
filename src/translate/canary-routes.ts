/**
 * Lays out a main route with its canary (ingress-nginx precedence: header, then cookie, then weight):
 * the header and cookie rules become routes with the main route's match and policies placed right
 * before it (`always` or a matching value -> canary, `never` -> main), and the weight becomes the
 * main route's weighted action. The canary's own policies do not apply: canary traffic gets the main
 * Ingress's timeouts, WebSocket and body size settings, like ingress-nginx.
 */
import type { HeaderMatchIR, RouteActionIR, RouteIR } from '../ir/ir-types.js';
import type { ObjectRef } from '../errors.js';
import { escapeRe2 } from './annotations-canary.js';
import type { CanaryPolicy } from './policies/canary.js';
import { withCanaryWeight } from './split-actions.js';

/** The canary's side of a main route: its route name base, its Ingress, and its backend's cluster. */
export interface CanaryTarget {
  /** The canary Ingress's route name (`ingress/<ns>/<name>/rule/<i>/path/<j>`). */
  readonly name: string;
  readonly source: ObjectRef;
  readonly backend: string;
}

/** Envoy matches a header regex against the whole value: this finds `p` anywhere, like nginx. */
function patternRegex(p: string): string {
  return `.*(?:${p}).*`;
}

/** A `Cookie` header holding the cookie `name` with exactly `value` (any position, `; ` separated). */
export function cookieRegex(name: string, value: string): string {
  return `(?:.*;\\s*)?${escapeRe2(name)}=${escapeRe2(value)}(?:;.*)?`;
}

function exact(name: string, value: string): HeaderMatchIR {
  return { name, match: { kind: 'exact', value } };
}

/** The (suffix, header condition, goes to canary) rules of a policy, in precedence order. */
function rules(policy: CanaryPolicy): readonly [string, HeaderMatchIR, boolean][] {
  const out: [string, HeaderMatchIR, boolean][] = [];
  const h = policy.byHeader;
  if (h?.rule.kind === 'value') out.push(['header-value', exact(h.name, h.rule.value), true]);
  else if (h?.rule.kind === 'pattern')
    out.push([
      'header-pattern',
      { name: h.name, match: { kind: 'regex', regex: patternRegex(h.rule.pattern) } },
      true,
    ]);
  else if (h)
    out.push(
      ['header-always', exact(h.name, 'always'), true],
      ['header-never', exact(h.name, 'never'), false],
    );
  const c = policy.byCookie;
  if (c !== undefined) {
    const cookie = (v: string): HeaderMatchIR => ({
      name: 'cookie',
      match: { kind: 'regex', regex: cookieRegex(c, v) },
    });
    out.push(['cookie-always', cookie('always'), true], ['cookie-never', cookie('never'), false]);
  }
  return out;
}

/** The routes of `main` with its canary: header and cookie routes first, then main (weighted if asked). */
export function routesWithCanary(main: RouteIR, canary: CanaryTarget, policy: CanaryPolicy): RouteIR[] {
  const toCanary: RouteActionIR = { kind: 'forward', backend: canary.backend };
  const extra = rules(policy).map(([suffix, header, goesToCanary]): RouteIR => ({
    ...main,
    name: `${canary.name}/canary-${suffix}`,
    headers: [...(main.headers ?? []), header],
    action: goesToCanary ? toCanary : main.action,
    source: canary.source,
  }));
  const action = withCanaryWeight(main.action, canary.backend, policy.weight, policy.total);
  return [...extra, action === main.action ? main : { ...main, action }];
}
