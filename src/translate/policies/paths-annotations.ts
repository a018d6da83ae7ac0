/**
 * The path annotations of gateway mode (issue 12, item 2; listed in the catalog through
 * src/translate/annotations-paths.ts): regex paths, `rewrite-target`, redirects to a
 * URL, `app-root` and `from-to-www-redirect`, named and shaped like ingress-nginx's. Every value is
 * validated here so nothing Envoy would reject (a regex, a path, a host) reaches a route.
 */
import { parseBool, type AnnotationSpec, type ParseResult } from '../../ingress/ingress-annotations.js';

/** A rewrite target in nginx syntax: a path where `$1`..`$9` stand for the regex path's capture groups. */
export interface RewriteTarget {
  readonly target: string;
  /** The highest `$n` it uses (0: none). */
  readonly maxGroup: number;
}

export type RedirectCode = 301 | 302 | 303 | 307 | 308;

/** Where a redirect to a URL sends the client (the URL as given: scheme, host, port, path and query). */
export interface RedirectUrl {
  readonly scheme: 'http' | 'https';
  readonly host: string;
  readonly port?: number;
  /** Path and query of the URL (`/` when it has none). */
  readonly path: string;
}

const MAX_PATH_LENGTH = 256;
/** RFC 3986 pchar and `/`, as Ingress paths; no `\` (Envoy's substitution escape), no query. */
const TARGET_CHARS = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const QUERY_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const USE_REGEX: AnnotationSpec<boolean> = {
  name: 'causeway.dev/use-regex',
  targets: ['Ingress'],
  defaultText: '`false`',
  description:
    "When `true`, this Ingress's `ImplementationSpecific` paths are RE2 regexes matched case-sensitively against the start of the request path (`/api/v[0-9]+` matches `/api/v2/users`). Only this Ingress's paths, unlike ingress-nginx (every Ingress of the host). A regex must start with `/`, be at most 256 characters and use no lookaround, backreference, named group or inline flag; an invalid or too complex one is left out with a diagnostic.",
  parse: parseBool,
};

/** A path of printable URL characters, starting with `/`, with `$n` references counted. */
export function parseRewriteTarget(raw: string): ParseResult<RewriteTarget> {
  if (raw.length > MAX_PATH_LENGTH)
    return { ok: false, error: `the value is longer than ${MAX_PATH_LENGTH} characters` };
  if (!TARGET_CHARS.test(raw))
    return { ok: false, error: `"${raw}" is not a URL path starting with "/" (no query)` };
  if (/%(?![0-9A-Fa-f]{2})/.test(raw))
    return { ok: false, error: `"${raw}" has a malformed percent-encoding` };
  const dollars = raw.match(/\$\w*/g) ?? [];
  let maxGroup = 0;
  for (const d of dollars) {
    if (!/^\$[1-9]$/.test(d))
      return { ok: false, error: `"${raw}" uses "${d}": only $1 to $9 (capture groups) may follow "$"` };
    maxGroup = Math.max(maxGroup, Number(d.slice(1)));
  }
  return { ok: true, value: { target: raw, maxGroup } };
}

export const REWRITE_TARGET: AnnotationSpec<RewriteTarget> = {
  name: 'causeway.dev/rewrite-target',
  targets: ['Ingress'],
  defaultText: 'none (the path is sent as received)',
  description:
    "The path the backend receives. Without `use-regex`, it replaces the matched Prefix (`/foo` + `/` sends `/foo/bar` as `/bar`, `/foo` as `/`) or the whole Exact path. With `use-regex`, it replaces the whole path and `$1`..`$9` insert the regex's capture groups (`/something(/|$)(.*)` + `/$2` sends `/something/new` as `/new`). The query string is kept. A `$n` beyond the path's groups is a diagnostic and that path is sent unchanged.",
  parse: parseRewriteTarget,
};

/** An absolute http(s) URL without user info or fragment, kept as given. */
export function parseRedirectUrl(raw: string): ParseResult<RedirectUrl> {
  const bad: ParseResult<RedirectUrl> = {
    ok: false,
    error: `"${raw}" is not an absolute http:// or https:// URL (host, optional port, path and query)`,
  };
  if (!/^https?:\/\/[^/?#]+([/?][^#]*)?$/i.test(raw) || !/^[\x21-\x7e]+$/.test(raw)) return bad;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return bad;
  }
  if (url.username !== '' || url.password !== '' || !HOST_NAME.test(url.hostname)) return bad;
  const path = `${url.pathname}${url.search}`;
  if (!TARGET_CHARS.test(url.pathname) || !QUERY_CHARS.test(url.search.slice(1)) || path.length > 1024)
    return bad;
  return {
    ok: true,
    value: {
      scheme: url.protocol === 'https:' ? 'https' : 'http',
      host: url.hostname,
      ...(url.port !== '' ? { port: Number(url.port) } : {}),
      path,
    },
  };
}

/** The redirect codes Envoy can answer (300, 304, 305 and 306 are not redirects a browser follows). */
export function parseRedirectCode(raw: string): ParseResult<RedirectCode> {
  const n = Number(raw);
  return /^\d+$/.test(raw) && [301, 302, 303, 307, 308].includes(n)
    ? { ok: true, value: n as RedirectCode }
    : { ok: false, error: `"${raw}" is not one of 301, 302, 303, 307, 308` };
}

export const PERMANENT_REDIRECT: AnnotationSpec<RedirectUrl> = {
  name: 'causeway.dev/permanent-redirect',
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    'Every path of the Ingress answers with a redirect (301) to this absolute `http://` or `https://` URL, as given (the request path and query are not appended), like ingress-nginx. Answered by the gateway; the backend is not called.',
  parse: parseRedirectUrl,
};

export const PERMANENT_REDIRECT_CODE: AnnotationSpec<RedirectCode> = {
  name: 'causeway.dev/permanent-redirect-code',
  targets: ['Ingress'],
  defaultText: '`301`',
  description: 'The status of `permanent-redirect`: 301, 302, 303, 307 or 308.',
  parse: parseRedirectCode,
};

export const TEMPORAL_REDIRECT: AnnotationSpec<RedirectUrl> = {
  name: 'causeway.dev/temporal-redirect',
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    'Like `permanent-redirect` with status 302 (ingress-nginx spelling). When both are set, `temporal-redirect` wins, as in ingress-nginx.',
  parse: parseRedirectUrl,
};

export const TEMPORAL_REDIRECT_CODE: AnnotationSpec<RedirectCode> = {
  name: 'causeway.dev/temporal-redirect-code',
  targets: ['Ingress'],
  defaultText: '`302`',
  description: 'The status of `temporal-redirect`: 301, 302, 303, 307 or 308.',
  parse: parseRedirectCode,
};

export function parseAppRoot(raw: string): ParseResult<string> {
  if (raw.length > MAX_PATH_LENGTH || !TARGET_CHARS.test(raw) || raw === '/' || raw.includes('$'))
    return { ok: false, error: `"${raw}" is not a URL path other than "/" (no query, no "$")` };
  if (/%(?![0-9A-Fa-f]{2})/.test(raw))
    return { ok: false, error: `"${raw}" has a malformed percent-encoding` };
  return { ok: true, value: raw };
}

export const APP_ROOT: AnnotationSpec<string> = {
  name: 'causeway.dev/app-root',
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    'A request for exactly `/` on a host of the Ingress is redirected (302) to this path (same scheme and host; the query is dropped, like ingress-nginx). The oldest Ingress of a host with `app-root` sets it.',
  parse: parseAppRoot,
};

export const FROM_TO_WWW_REDIRECT: AnnotationSpec<boolean> = {
  name: 'causeway.dev/from-to-www-redirect',
  targets: ['Ingress'],
  defaultText: '`false`',
  description:
    'When `true`, a request for `www.foo.com` is redirected (308, path and query kept) to `foo.com` when a rule host of the Ingress is `foo.com`, and `foo.com` to `www.foo.com` when the rule host is `www.foo.com`; not when the other name has rules of its own. On HTTPS the other name must be a TLS host of a certificate (as in ingress-nginx).',
  parse: parseBool,
};

export const PATHS_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  USE_REGEX,
  REWRITE_TARGET,
  PERMANENT_REDIRECT,
  PERMANENT_REDIRECT_CODE,
  TEMPORAL_REDIRECT,
  TEMPORAL_REDIRECT_CODE,
  APP_ROOT,
  FROM_TO_WWW_REDIRECT,
];
