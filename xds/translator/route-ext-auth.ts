/**
 * External auth of a route in Envoy's words: the route turns on its Ingress's ext_authz filter
 * (listener-ext-auth.ts) with an ExtAuthzPerRoute, after removing the client's copies of the headers the
 * auth answer passes to the backend (HeaderMutationPerRoute); a route whose auth annotations are unusable
 * (`refused`) answers 503 itself instead of its action (fail closed).
 */
import type { RouteIR } from '../../src/ir/ir-types.js';
import { authSigninPerFilter } from './auth-signin.js';
import { AUTH_STRIP_FILTER_NAME, TYPES } from './common.js';
import { extAuthzFilterName } from './listener-ext-auth.js';

/** The body of a route refused for bad auth annotations (the diagnostic names the annotation). */
export const AUTH_REFUSED_BODY = 'external auth is misconfigured\n';

/** The per-route filter config that turns the route's ext_authz filter on; none without auth. */
export function extAuthPerFilter(r: RouteIR): Record<string, object> {
  if (r.extAuth?.kind !== 'check') return {};
  const trusted = r.extAuth.service.responseHeaders;
  return {
    ...(trusted.length > 0
      ? {
          [AUTH_STRIP_FILTER_NAME]: {
            '@type': TYPES.headerMutationPerRoute,
            mutations: { request_mutations: trusted.map((name) => ({ remove: name })) },
          },
        }
      : {}),
    [extAuthzFilterName(r.extAuth.service)]: { '@type': TYPES.extAuthzPerRoute, check_settings: {} },
    ...authSigninPerFilter(r),
  };
}

/** A refused route: its match with a 503 direct response; undefined for any other route. */
export function extAuthRefusedRoute(r: RouteIR, base: object): object | undefined {
  if (r.extAuth?.kind !== 'refused') return undefined;
  return { ...base, direct_response: { status: 503, body: { inline_string: AUTH_REFUSED_BODY } } };
}
