/**
 * The header and CORS annotations of gateway mode (issue 12, item 3): request and response headers set,
 * added or removed per Ingress with static values, and CORS with ingress-nginx's names, formats and
 * defaults. The value syntax is in `policies/header-syntax.ts` and `policies/cors-syntax.ts`; the
 * per-Ingress reader in `policies/headers.ts`.
 */
import { parseBool, type AnnotationSpec } from '../../ingress/ingress-annotations.js';
import type { CorsOriginIR, HeaderValueIR } from '../../ir/ir-types.js';
import { parseHeaderList, parseMaxAge, parseMethods, parseOrigins } from './cors-syntax.js';
import {
  MAX_HEADER_ANNOTATION_LENGTH,
  MAX_HEADERS,
  parseHeaderLines,
  parseHeaderNames,
  type HeaderSide,
} from './header-syntax.js';

const LIMITS = `At most ${MAX_HEADERS} headers, names up to 128 and values up to 1024 characters (printable ASCII), ${MAX_HEADER_ANNOTATION_LENGTH} characters in all.`;

function headerSet(side: HeaderSide, verb: 'set' | 'add'): AnnotationSpec<readonly HeaderValueIR[]> {
  const what =
    verb === 'set'
      ? `replaces the ${side} header (or adds it when absent)`
      : `adds the ${side} header, keeping any value already there`;
  return {
    name: `causeway.dev/${side}-headers-${verb}`,
    targets: ['Ingress'],
    defaultText: 'none',
    description: `One \`Name: value\` per line (a YAML \`|\` block); each line ${what} on every route of the Ingress. Static values: \`%\` is a literal percent sign. ${LIMITS}`,
    parse: (raw) => parseHeaderLines(raw, side, verb === 'set'),
  };
}

function headerRemove(side: HeaderSide): AnnotationSpec<readonly string[]> {
  return {
    name: `causeway.dev/${side}-headers-remove`,
    targets: ['Ingress'],
    defaultText: 'none',
    description: `Header names, comma- or newline-separated, removed from the ${side} on every route of the Ingress (before the set and add annotations apply).`,
    parse: (raw) => parseHeaderNames(raw, side),
  };
}

export const REQUEST_HEADERS_SET = headerSet('request', 'set');
export const REQUEST_HEADERS_ADD = headerSet('request', 'add');
export const REQUEST_HEADERS_REMOVE = headerRemove('request');
export const RESPONSE_HEADERS_SET = headerSet('response', 'set');
export const RESPONSE_HEADERS_ADD = headerSet('response', 'add');
export const RESPONSE_HEADERS_REMOVE = headerRemove('response');

/** The header list annotations: values span several lines, so they get their own text rules. */
export const HEADER_LIST_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  REQUEST_HEADERS_SET,
  REQUEST_HEADERS_ADD,
  REQUEST_HEADERS_REMOVE,
  RESPONSE_HEADERS_SET,
  RESPONSE_HEADERS_ADD,
  RESPONSE_HEADERS_REMOVE,
];

export const ENABLE_CORS: AnnotationSpec<boolean> = {
  name: 'causeway.dev/enable-cors',
  targets: ['Ingress'],
  defaultText: '`false`',
  description:
    'When `true`, the gateway enforces CORS on every route of the Ingress with the `cors-*` annotations: it answers preflights itself and adds the `Access-Control-*` headers for allowed origins.',
  parse: parseBool,
};

export const DEFAULT_CORS_METHODS: readonly string[] = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'];
export const DEFAULT_CORS_HEADERS: readonly string[] = [
  'DNT',
  'Keep-Alive',
  'User-Agent',
  'X-Requested-With',
  'If-Modified-Since',
  'Cache-Control',
  'Content-Type',
  'Range',
  'Authorization',
];
/** ingress-nginx's default: 20 days. */
export const DEFAULT_CORS_MAX_AGE = 1728000;

export const CORS_ALLOW_ORIGIN: AnnotationSpec<readonly CorsOriginIR[]> = {
  name: 'causeway.dev/cors-allow-origin',
  targets: ['Ingress'],
  defaultText: '`*`',
  description:
    'Allowed origins: `*`, or comma-separated `http(s)://host[:port]`; `https://*.example.com` allows exactly one label in place of `*`.',
  parse: parseOrigins,
};

export const CORS_ALLOW_METHODS: AnnotationSpec<readonly string[]> = {
  name: 'causeway.dev/cors-allow-methods',
  targets: ['Ingress'],
  defaultText: `\`${DEFAULT_CORS_METHODS.join(', ')}\``,
  description: 'Comma-separated methods a preflight allows.',
  parse: parseMethods,
};

export const CORS_ALLOW_HEADERS: AnnotationSpec<readonly string[]> = {
  name: 'causeway.dev/cors-allow-headers',
  targets: ['Ingress'],
  defaultText: `\`${DEFAULT_CORS_HEADERS.join(', ')}\``,
  description: 'Comma-separated request headers a preflight allows, or `*` (any the browser asks for).',
  parse: parseHeaderList,
};

export const CORS_EXPOSE_HEADERS: AnnotationSpec<readonly string[]> = {
  name: 'causeway.dev/cors-expose-headers',
  targets: ['Ingress'],
  defaultText: 'none',
  description: 'Comma-separated response headers a page may read (`Access-Control-Expose-Headers`).',
  parse: parseHeaderList,
};

export const CORS_ALLOW_CREDENTIALS: AnnotationSpec<boolean> = {
  name: 'causeway.dev/cors-allow-credentials',
  targets: ['Ingress'],
  defaultText: '`true` (never with origin `*`)',
  description: 'Whether the answers carry `Access-Control-Allow-Credentials: true`.',
  parse: parseBool,
};

export const CORS_MAX_AGE: AnnotationSpec<number> = {
  name: 'causeway.dev/cors-max-age',
  targets: ['Ingress'],
  defaultText: `\`${DEFAULT_CORS_MAX_AGE}\``,
  description: 'Seconds a browser may cache a preflight answer (`Access-Control-Max-Age`).',
  parse: parseMaxAge,
};

export const HEADERS_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  ...HEADER_LIST_ANNOTATIONS,
  ENABLE_CORS,
  CORS_ALLOW_ORIGIN,
  CORS_ALLOW_METHODS,
  CORS_ALLOW_HEADERS,
  CORS_EXPOSE_HEADERS,
  CORS_ALLOW_CREDENTIALS,
  CORS_MAX_AGE,
];
