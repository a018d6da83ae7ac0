/**
 * `causeway.dev/auth-signin` in Envoy's words: a 401 of the auth service becomes a 302 to the sign-in URL
 * with the original URL, escaped, in a query parameter (ingress-nginx's `rd`). Envoy has no formatter that
 * URL-escapes, so a small Lua filter of ours does it: it sits before the ext_authz filters (so it sees
 * their denials on the way back), off by default, turned on by the routes that have a sign-in URL
 * (LuaPerRoute naming its one script), and reads the URL and parameter name from the route's metadata:
 * the script is constant, annotation text is never code. A second tiny Lua step after the ext_authz
 * filters marks a request they let through, so a 401 of the backend itself is left alone: only the auth
 * service's 401 redirects. (Envoy copies the auth answer's headers, `x-envoy-upstream-service-time`
 * included, onto its denial, so the response alone cannot tell the two apart.)
 */
import type { AuthSigninIR, RouteIR, VirtualHostIR } from '../../src/ir/ir-types.js';
import { TYPES } from './common.js';

/** The Lua filter's name, also the route metadata namespace its script reads (Lua's `metadata()`). */
export const AUTH_SIGNIN_FILTER_NAME = 'causeway.auth_signin';
const SCRIPT_NAME = 'auth-signin';
/** The marker after the ext_authz filters: a request that reaches it was allowed. */
export const AUTH_ALLOWED_FILTER_NAME = 'causeway.auth_signin_allowed';
const ALLOWED_SCRIPT_NAME = 'auth-allowed';

const AUTH_ALLOWED_SCRIPT = `function envoy_on_request(handle)
  handle:streamInfo():dynamicMetadata():set("${AUTH_SIGNIN_FILTER_NAME}", "allowed", "true")
end
`;

/** Keeps the original URL from the request to its answer; rewrites the gateway's 401 into the redirect. */
export const AUTH_SIGNIN_SCRIPT = `local function escape(s)
  return (string.gsub(s, "[^A-Za-z0-9_.~-]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function envoy_on_request(handle)
  local h = handle:headers()
  local url = (h:get(":scheme") or "http") .. "://" .. (h:get(":authority") or "") .. (h:get(":path") or "/")
  handle:streamInfo():dynamicMetadata():set("${AUTH_SIGNIN_FILTER_NAME}", "original_url", url)
end

function envoy_on_response(handle)
  local h = handle:headers()
  if h:get(":status") ~= "401" then
    return
  end
  local kept = handle:streamInfo():dynamicMetadata():get("${AUTH_SIGNIN_FILTER_NAME}") or {}
  if kept["allowed"] == "true" then
    return
  end
  local route = handle:metadata()
  local signin = route:get("url")
  local param = route:get("param")
  if signin == nil or param == nil then
    return
  end
  local original = kept["original_url"] or ""
  local sep = string.find(signin, "?", 1, true) and "&" or "?"
  h:replace(":status", "302")
  h:replace("location", signin .. sep .. param .. "=" .. escape(original))
end
`;

function signinOf(r: RouteIR): AuthSigninIR | undefined {
  return r.extAuth?.kind === 'check' ? r.extAuth.signin : undefined;
}

function luaFilter(name: string, scriptName: string, script: string): object {
  return {
    name,
    typed_config: { '@type': TYPES.lua, source_codes: { [scriptName]: { inline_string: script } } },
    disabled: true,
  };
}

/**
 * The sign-in filters of a connection manager around its ext_authz filters `checks`: the redirect before
 * them, the marker after them; none when no route of `vhosts` has a sign-in URL.
 */
export function withAuthSignin(vhosts: readonly VirtualHostIR[], checks: readonly object[]): object[] {
  if (!vhosts.some((v) => v.routes.some((r) => signinOf(r) !== undefined))) return [...checks];
  return [
    luaFilter(AUTH_SIGNIN_FILTER_NAME, SCRIPT_NAME, AUTH_SIGNIN_SCRIPT),
    ...checks,
    luaFilter(AUTH_ALLOWED_FILTER_NAME, ALLOWED_SCRIPT_NAME, AUTH_ALLOWED_SCRIPT),
  ];
}

/** The route's metadata the script reads (its sign-in URL and parameter); none without sign-in. */
export function authSigninMetadata(r: RouteIR): { metadata?: object } {
  const s = signinOf(r);
  if (s === undefined) return {};
  return { metadata: { filter_metadata: { [AUTH_SIGNIN_FILTER_NAME]: { url: s.url, param: s.param } } } };
}

/** Turns the sign-in filters on for a route with a sign-in URL. */
export function authSigninPerFilter(r: RouteIR): Record<string, object> {
  if (signinOf(r) === undefined) return {};
  return {
    [AUTH_SIGNIN_FILTER_NAME]: { '@type': TYPES.luaPerRoute, name: SCRIPT_NAME },
    [AUTH_ALLOWED_FILTER_NAME]: { '@type': TYPES.luaPerRoute, name: ALLOWED_SCRIPT_NAME },
  };
}
