/**
 * A route's basic auth in Envoy's words (issue 13, item 2): the basic_auth filter turned on for the
 * route with the users of its htpasswd Secret (BasicAuthPerRoute, `{SHA}` entries, verified by the
 * gateway itself), and the route's `WWW-Authenticate: Basic realm="..."` in its metadata, which the
 * connection manager's local reply mapper puts on the filter's 401 (listener-basic-auth.ts). The
 * `Authorization` header goes on to the backend, as with ingress-nginx. A route
 * without usable users fails closed: it answers 503 instead of forwarding. A route whose Secret has a
 * bcrypt entry turns on the controller's check instead (ExtAuthzPerRoute with the Secret and the realm
 * as context extensions; no hash leaves the controller).
 */
import type { BasicAuthIR, RouteIR } from '../../src/ir/ir-types.js';
import {
  BASIC_AUTH_CHECK_EXTENSIONS,
  BASIC_AUTH_CHECK_FILTER_NAME,
  BASIC_AUTH_FILTER_NAME,
  TYPES,
} from './common.js';
import { BASIC_AUTH_CHALLENGE_KEY, BASIC_AUTH_METADATA } from './listener-basic-auth.js';

/** The body of the 503 of a route whose basic auth cannot be used (see the Ingress's diagnostics). */
export const BASIC_AUTH_CLOSED_BODY = 'basic auth is misconfigured for this route\n';

function htpasswd(auth: BasicAuthIR): string {
  return auth.users.map((u) => `${u.user}:${u.hash}\n`).join('');
}

/**
 * The route's metadata with its challenge added (a value, not a format string: `%` stays literal); other
 * namespaces the route already carries (the sign-in of external auth) are kept.
 */
function challengeMetadata(auth: BasicAuthIR, existing: unknown): object {
  const challenge = `Basic realm="${auth.realm}"`;
  const others = ((existing as { filter_metadata?: object } | undefined)?.filter_metadata ?? {}) as object;
  return {
    filter_metadata: { ...others, [BASIC_AUTH_METADATA]: { [BASIC_AUTH_CHALLENGE_KEY]: challenge } },
  };
}

/**
 * `built` (the Envoy route of `r`) with its basic auth: unchanged without one; a 503 without users;
 * else the per-route users and the challenge in the route's metadata.
 */
export function withBasicAuth(r: RouteIR, built: Record<string, unknown>): object {
  const auth = r.basicAuth;
  if (auth === undefined) return built;
  if (auth.users.length === 0) {
    const { name, match } = built;
    return { name, match, direct_response: { status: 503, body: { inline_string: BASIC_AUTH_CLOSED_BODY } } };
  }
  const perFilter = (built['typed_per_filter_config'] ?? {}) as Record<string, unknown>;
  return {
    ...built,
    metadata: challengeMetadata(auth, built['metadata']),
    typed_per_filter_config: { ...perFilter, ...basicAuthPerFilter(auth) },
  };
}

/** The per-route config turning on the gateway's check (its users) or the controller's (the Secret). */
function basicAuthPerFilter(auth: BasicAuthIR): Record<string, object> {
  if (auth.checkedBy === 'controller')
    return {
      [BASIC_AUTH_CHECK_FILTER_NAME]: {
        '@type': TYPES.extAuthzPerRoute,
        check_settings: {
          context_extensions: {
            [BASIC_AUTH_CHECK_EXTENSIONS.secret]: auth.secret ?? '',
            [BASIC_AUTH_CHECK_EXTENSIONS.realm]: auth.realm,
          },
        },
      },
    };
  return {
    [BASIC_AUTH_FILTER_NAME]: { '@type': TYPES.basicAuthPerRoute, users: { inline_string: htpasswd(auth) } },
  };
}
