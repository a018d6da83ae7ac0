/**
 * The path policy in Envoy's words (issue 12, item 2): a regex path match (`safe_regex`, a full match in
 * Envoy, so `(?:<regex>).*` makes it a match of the start of the path), a path rewrite
 * (`regex_rewrite`, which keeps the query string) and a redirect answered by the gateway.
 */
import type { PathMatchIR, PathRewriteIR, QueryParamMatchIR, RedirectIR } from '../../src/ir/ir-types.js';

const RESPONSE_CODES: Readonly<Record<RedirectIR['code'], string>> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/** The RouteMatch path specifier of a regex path: matches every path that starts with a match. */
export function regexPathMatch(match: PathMatchIR): Record<string, unknown> {
  return { safe_regex: { regex: `(?:${match.path}).*` } };
}

/** RouteAction fields rewriting the path the backend receives, if the route has a rewrite. */
export function pathRewrite(rewrite: PathRewriteIR | undefined): object {
  if (rewrite === undefined) return {};
  return { regex_rewrite: { pattern: { regex: rewrite.regex }, substitution: rewrite.substitution } };
}

/** A RedirectAction: each part that is set replaces the request's. */
export function redirectAction(r: RedirectIR): object {
  return {
    ...(r.scheme === 'https' ? { https_redirect: true } : r.scheme ? { scheme_redirect: r.scheme } : {}),
    ...(r.host !== undefined ? { host_redirect: r.host } : {}),
    ...(r.port !== undefined ? { port_redirect: r.port } : {}),
    ...(r.path !== undefined ? { path_redirect: r.path } : {}),
    ...(r.prefix !== undefined ? { prefix_rewrite: r.prefix } : {}),
    response_code: RESPONSE_CODES[r.code],
    ...(r.stripQuery ? { strip_query: true } : {}),
  };
}

/** Envoy query parameter matchers (Gateway API queryParams): exact or whole-value RE2. */
export function queryParameterMatchers(params: readonly QueryParamMatchIR[]): object[] {
  return params.map((q) => ({
    name: q.name,
    string_match:
      q.match.kind === 'exact' ? { exact: q.match.value } : { safe_regex: { regex: q.match.regex } },
  }));
}
