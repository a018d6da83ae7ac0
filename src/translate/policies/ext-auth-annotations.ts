/**
 * The external auth annotations of gateway mode (issue 13, item 2): ingress-nginx's `auth-url` family
 * (`causeway.dev/auth-url`, `auth-response-headers`, `auth-request-headers`, `auth-failure-mode`,
 * `auth-timeout`, `auth-signin`, `auth-signin-redirect-param`). The specs parse values only; the
 * per-Ingress reader (`ext-auth.ts`) decides what a bad value means (the Ingress's routes fail closed).
 */
import {
  parseDurationSeconds,
  type AnnotationSpec,
  type ParseResult,
} from '../../ingress/ingress-annotations.js';
import { parseHeaderNames } from './header-syntax.js';

/** An in-cluster auth Service as `causeway.dev/auth-url` names it. */
export interface AuthUrl {
  readonly service: string;
  readonly namespace: string;
  readonly port: number;
  /** `''` or a path starting with `/`, prefixed to the request path sent to the auth Service. */
  readonly path: string;
}

const LABEL = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?';
/** `http://<svc>.<ns>[.svc[.cluster.local]][:port][/path]`: the only form accepted. */
const SERVICE_URL = new RegExp(
  `^http://(${LABEL})\\.(${LABEL})(?:\\.svc(?:\\.cluster\\.local)?)?(?::(\\d{1,5}))?(/[A-Za-z0-9\\-._~!$&'()*+,;=:@%/]*)?$`,
);

export function parseAuthUrl(raw: string): ParseResult<AuthUrl> {
  if (/^https:\/\//i.test(raw))
    return {
      ok: false,
      error:
        'https:// is not supported: write http://<service>.<namespace>; TLS to the auth Service follows its causeway.dev/backend-protocol annotation like any backend',
    };
  if (/[?#]/.test(raw)) return { ok: false, error: 'a query or fragment is not allowed in the auth URL' };
  const m = SERVICE_URL.exec(raw);
  if (!m)
    return {
      ok: false,
      error:
        'not an in-cluster Service URL like http://<service>.<namespace>[.svc[.cluster.local]][:port][/path] (external hosts are not supported)',
    };
  const port = m[3] === undefined ? 80 : Number(m[3]);
  if (port < 1 || port > 65535) return { ok: false, error: `port ${m[3]} is not a port number (1-65535)` };
  const path = m[4] === undefined || m[4] === '/' ? '' : m[4].replace(/\/+$/, '');
  return { ok: true, value: { service: m[1]!, namespace: m[2]!, port, path } };
}

/** A browser sign-in URL: absolute http(s), no fragment; its query is kept and `rd` appended. */
export function parseSigninUrl(raw: string): ParseResult<string> {
  if (raw.includes('$'))
    return {
      ok: false,
      error:
        'nginx variables ($host, $escaped_request_uri, ...) are not supported: write the sign-in URL itself; the gateway appends the original URL as rd',
    };
  if (!/^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?$/.test(raw))
    return {
      ok: false,
      error: 'not an absolute http(s) URL without fragment (printable, unescaped characters only)',
    };
  return { ok: true, value: raw };
}

/** A query parameter name: letters, digits, `-`, `_`, `.`, up to 64 characters. */
export function parseParamName(raw: string): ParseResult<string> {
  return /^[A-Za-z0-9._-]{1,64}$/.test(raw)
    ? { ok: true, value: raw }
    : { ok: false, error: `"${raw}" is not a query parameter name (letters, digits, - _ .; at most 64)` };
}

export type AuthFailureMode = 'closed' | 'open';

/** ingress-nginx has no auth timeout of its own; 5 s bounds a hung auth Service (Envoy's default is 200 ms). */
export const DEFAULT_AUTH_TIMEOUT_SECONDS = 5;
/** The query parameter carrying the original URL to the sign-in page (ingress-nginx's `rd`). */
export const DEFAULT_SIGNIN_PARAM = 'rd';
/** The client request headers sent to the auth Service by default (besides Envoy's own: see docs). */
export const DEFAULT_AUTH_REQUEST_HEADERS: readonly string[] = [
  'accept',
  'authorization',
  'cookie',
  'proxy-authorization',
  'user-agent',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-request-id',
];

export const AUTH_URL: AnnotationSpec<AuthUrl> = {
  name: 'causeway.dev/auth-url',
  targets: ['Ingress'],
  defaultText: 'none (no external auth)',
  description:
    "Every request to the Ingress's routes is first sent to this auth Service (method and headers, no body); a 2xx answer lets it through, any other answer goes back to the client. `http://<service>.<namespace>[.svc[.cluster.local]][:port][/path]`, the Service in the Ingress's own namespace (port default 80); the path is prefixed to the request path. A bad value makes the routes answer 503 (fail closed).",
  parse: parseAuthUrl,
};

export const AUTH_RESPONSE_HEADERS: AnnotationSpec<readonly string[]> = {
  name: 'causeway.dev/auth-response-headers',
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    "Comma-separated headers of the auth Service's 2xx answer copied onto the request sent to the backend (replacing the client's).",
  parse: (raw) => parseHeaderNames(raw, 'request'),
};

export const AUTH_REQUEST_HEADERS: AnnotationSpec<readonly string[]> = {
  name: 'causeway.dev/auth-request-headers',
  targets: ['Ingress'],
  defaultText: `\`${DEFAULT_AUTH_REQUEST_HEADERS.join(', ')}\``,
  description:
    'Comma-separated client request headers sent to the auth Service, replacing the default list. `Host`, the method, the path and `Authorization` always go, and so do `X-Original-URL`, `X-Original-Method`, `X-Forwarded-Host` and `X-Auth-Request-Redirect` (set by the gateway).',
  // Names are only matched here, never changed: the response side's rules, which let X-Request-Id go.
  parse: (raw) => parseHeaderNames(raw, 'response'),
};

export const AUTH_FAILURE_MODE: AnnotationSpec<AuthFailureMode> = {
  name: 'causeway.dev/auth-failure-mode',
  targets: ['Ingress'],
  defaultText: '`closed`',
  description:
    'When the auth Service cannot be reached or does not answer in time: `closed` answers 503, `open` lets the request through. An answer of the auth Service is always final.',
  parse: (raw) =>
    raw === 'closed' || raw === 'open'
      ? { ok: true, value: raw }
      : { ok: false, error: `"${raw}" is not "closed" or "open"` },
};

export const AUTH_TIMEOUT: AnnotationSpec<number> = {
  name: 'causeway.dev/auth-timeout',
  targets: ['Ingress'],
  defaultText: `\`${DEFAULT_AUTH_TIMEOUT_SECONDS}s\``,
  description:
    'How long the gateway waits for the auth Service (then the failure mode applies). From 1ms to 60s.',
  parse: (raw) => {
    const r = parseDurationSeconds(raw, 60);
    if (r.ok && r.value <= 0) return { ok: false, error: `"${raw}" must be greater than zero` };
    return r;
  },
};

export const AUTH_SIGNIN: AnnotationSpec<string> = {
  name: 'causeway.dev/auth-signin',
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    'With `auth-url`: a 401 of the auth Service becomes a 302 to this URL with the original URL (escaped) in the query parameter `rd`, for browser flows (oauth2-proxy and the like).',
  parse: parseSigninUrl,
};

export const AUTH_SIGNIN_REDIRECT_PARAM: AnnotationSpec<string> = {
  name: 'causeway.dev/auth-signin-redirect-param',
  targets: ['Ingress'],
  defaultText: `\`${DEFAULT_SIGNIN_PARAM}\``,
  description: 'The query parameter of the `auth-signin` redirect that carries the original URL.',
  parse: parseParamName,
};

export const EXT_AUTH_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  AUTH_URL,
  AUTH_RESPONSE_HEADERS,
  AUTH_REQUEST_HEADERS,
  AUTH_FAILURE_MODE,
  AUTH_TIMEOUT,
  AUTH_SIGNIN,
  AUTH_SIGNIN_REDIRECT_PARAM,
];
