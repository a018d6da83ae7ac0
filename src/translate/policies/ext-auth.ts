/**
 * The per-Ingress external auth annotations (issue 13, item 2), read once per Ingress. Pure. Security
 * policy fails closed: any bad `auth-*` value (or an auth Service in another namespace) is a
 * CW_E_ANNOTATION_INVALID diagnostic on the Ingress and makes its routes answer 503 (`refused`), never
 * leaves them open. Without `causeway.dev/auth-url` the other `auth-*` annotations do nothing.
 */
import { diagnostic, type Diagnostic } from '../../errors.js';
import { readAnnotation, type AnnotationSpec } from '../../ingress/ingress-annotations.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import { compareStrings } from '../../ingress/ordering.js';
import type { AuthSigninIR } from '../../ir/ir-types.js';
import {
  AUTH_FAILURE_MODE,
  AUTH_REQUEST_HEADERS,
  AUTH_RESPONSE_HEADERS,
  AUTH_SIGNIN,
  AUTH_SIGNIN_REDIRECT_PARAM,
  AUTH_TIMEOUT,
  AUTH_URL,
  DEFAULT_AUTH_REQUEST_HEADERS,
  DEFAULT_AUTH_TIMEOUT_SECONDS,
  DEFAULT_SIGNIN_PARAM,
  type AuthUrl,
} from './ext-auth-annotations.js';

/** What the consequence of a bad value says (the route answers 503 until it is fixed). */
export const FAIL_CLOSED = "the Ingress's routes answer 503 (external auth fails closed)";

/** The auth annotations of an Ingress, the Service not yet resolved. */
export interface ExtAuthAnnotations {
  readonly url: AuthUrl;
  /** The auth URL as written. */
  readonly rawUrl: string;
  readonly timeoutSeconds: number;
  readonly failOpen: boolean;
  readonly requestHeaders: readonly string[];
  readonly responseHeaders: readonly string[];
  readonly signin?: AuthSigninIR;
}

export type ExtAuthRead =
  { readonly kind: 'check'; readonly auth: ExtAuthAnnotations } | { readonly kind: 'refused' };

function sorted(names: readonly string[]): readonly string[] {
  return [...names].sort(compareStrings);
}

/** Reads every auth annotation (each bad one reported); `bad` becomes true when one is bad. */
class AuthReader {
  bad = false;
  constructor(
    private readonly owner: IngressEntries,
    private readonly diags: Diagnostic[],
  ) {}

  read<T>(spec: AnnotationSpec<T>): T | undefined {
    const annotations = this.owner.ingress.object.metadata.annotations;
    const v = readAnnotation(spec, annotations, this.owner.diagRef, this.diags, FAIL_CLOSED);
    if (v === undefined && annotations?.[spec.name] !== undefined) this.bad = true;
    return v;
  }
}

/** The external auth of an Ingress's routes; undefined when it sets no `causeway.dev/auth-url`. */
export function readExtAuth(owner: IngressEntries, diags: Diagnostic[]): ExtAuthRead | undefined {
  const rawUrl = owner.ingress.object.metadata.annotations?.[AUTH_URL.name];
  if (rawUrl === undefined) return undefined;
  const r = new AuthReader(owner, diags);
  const url = r.read(AUTH_URL);
  const timeoutSeconds = r.read(AUTH_TIMEOUT) ?? DEFAULT_AUTH_TIMEOUT_SECONDS;
  const failOpen = r.read(AUTH_FAILURE_MODE) === 'open';
  const requestHeaders = r.read(AUTH_REQUEST_HEADERS) ?? DEFAULT_AUTH_REQUEST_HEADERS;
  const responseHeaders = r.read(AUTH_RESPONSE_HEADERS) ?? [];
  const signinUrl = r.read(AUTH_SIGNIN);
  const param = r.read(AUTH_SIGNIN_REDIRECT_PARAM) ?? DEFAULT_SIGNIN_PARAM;
  if (url !== undefined && url.namespace !== owner.ref.namespace) {
    diags.push(
      diagnostic(
        'CW_E_ANNOTATION_INVALID',
        owner.diagRef,
        `annotation ${AUTH_URL.name}: the auth Service is in namespace "${url.namespace}", not the Ingress's own ("${owner.ref.namespace}"); ${FAIL_CLOSED}`,
      ),
    );
    return { kind: 'refused' };
  }
  if (r.bad || url === undefined) return { kind: 'refused' };
  return {
    kind: 'check',
    auth: {
      url,
      rawUrl,
      timeoutSeconds,
      failOpen,
      requestHeaders: sorted(requestHeaders),
      responseHeaders: sorted(responseHeaders),
      ...(signinUrl !== undefined ? { signin: { url: signinUrl, param } } : {}),
    },
  };
}
