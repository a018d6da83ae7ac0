/**
 * The basic auth annotations of gateway mode (issue 13, item 2), with ingress-nginx's names and values:
 * `auth-type: basic` with `auth-secret` (an htpasswd Secret in the Ingress's namespace),
 * `auth-secret-type` (`auth-file` or `auth-map`) and `auth-realm`. The reader is `policies/basic-auth.ts`,
 * the htpasswd parser `policies/htpasswd.ts`.
 */
import type { AnnotationSpec, ParseResult } from '../../ingress/ingress-annotations.js';
import { kubeNameProblem } from '../../ingress/text-checks.js';

export type AuthSecretType = 'auth-file' | 'auth-map';

/** A Secret named by `name` or `namespace/name`. */
export interface AuthSecretRef {
  readonly namespace?: string;
  readonly name: string;
}

/** nginx's own default realm (`auth_basic` text) as ingress-nginx sets it. */
export const DEFAULT_AUTH_REALM = 'Authentication Required';
const MAX_REALM_LENGTH = 128;

export const AUTH_TYPE: AnnotationSpec<'basic'> = {
  name: 'causeway.dev/auth-type',
  targets: ['Ingress'],
  defaultText: 'none (no authentication)',
  description:
    '`basic`: every route of the Ingress asks for a user and password from the htpasswd Secret `causeway.dev/auth-secret` (401 with `WWW-Authenticate` without or with wrong ones). Any other value (ingress-nginx also knows `digest`) fails closed: the routes answer 503.',
  parse: (raw) =>
    raw === 'basic' ? { ok: true, value: raw } : { ok: false, error: `"${raw}" is not "basic"` },
};

function parseSecretRef(raw: string): ParseResult<AuthSecretRef> {
  const parts = raw.split('/');
  if (parts.length > 2) return { ok: false, error: `"${raw}" is not <name> or <namespace>/<name>` };
  const name = parts[parts.length - 1]!;
  const bad = kubeNameProblem(name);
  if (bad !== undefined) return { ok: false, error: `the Secret name ${bad}` };
  if (parts.length === 1) return { ok: true, value: { name } };
  const badNs = kubeNameProblem(parts[0], true);
  if (badNs !== undefined) return { ok: false, error: `the namespace ${badNs}` };
  return { ok: true, value: { namespace: parts[0]!, name } };
}

export const AUTH_SECRET: AnnotationSpec<AuthSecretRef> = {
  name: 'causeway.dev/auth-secret',
  targets: ['Ingress'],
  defaultText: 'none',
  description:
    "With `auth-type: basic`: the Secret (type `Opaque`) holding the users, `<name>` or `<namespace>/<name>`; it must be in the namespace of the Ingress (another namespace fails closed: a route would let anyone who can create an Ingress test passwords against another team's users). Only `{SHA}` entries are used (`htpasswd -s`); others are left out with a diagnostic. A missing Secret or key, or no usable entry, fails closed: the routes answer 503.",
  parse: parseSecretRef,
};

export const AUTH_SECRET_TYPE: AnnotationSpec<AuthSecretType> = {
  name: 'causeway.dev/auth-secret-type',
  targets: ['Ingress'],
  defaultText: '`auth-file`',
  description:
    "`auth-file`: the Secret's key `auth` holds an htpasswd file (`user:hash` lines, `#` comments). `auth-map`: every key of the Secret is a user and its value the hash. Any other value fails closed (503).",
  parse: (raw) =>
    raw === 'auth-file' || raw === 'auth-map'
      ? { ok: true, value: raw }
      : { ok: false, error: `"${raw}" is not "auth-file" or "auth-map"` },
};

export const AUTH_REALM: AnnotationSpec<string> = {
  name: 'causeway.dev/auth-realm',
  targets: ['Ingress'],
  defaultText: '`Authentication Required`',
  description: `The realm of the \`WWW-Authenticate: Basic realm="..."\` header (what a browser shows when it asks). Printable ASCII without \`"\` or \`\\\`, at most ${MAX_REALM_LENGTH} characters; a bad value uses the default.`,
  parse: (raw) =>
    /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/.test(raw) && raw.length <= MAX_REALM_LENGTH
      ? { ok: true, value: raw }
      : {
          ok: false,
          error: `the realm must be 1 to ${MAX_REALM_LENGTH} printable ASCII characters without " or \\`,
        },
};

export const BASIC_AUTH_ANNOTATIONS: readonly AnnotationSpec<unknown>[] = [
  AUTH_TYPE,
  AUTH_SECRET,
  AUTH_SECRET_TYPE,
  AUTH_REALM,
];
