/**
 * The basic auth policy of an Ingress's routes (issue 13, item 2), read once per Ingress: the
 * `causeway.dev/auth-*` annotations and the htpasswd Secret they name, looked up among the Secrets the
 * controller reads. Pure. Security settings fail closed: a bad `auth-type`, `auth-secret` or
 * `auth-secret-type`, a Secret in another namespace, a missing Secret or key, or a Secret without a
 * usable entry is a CW_E_ANNOTATION_INVALID diagnostic on the Ingress and its routes answer 503 (a
 * BasicAuthIR without users). An entry left out (apr1, bcrypt above cost 12, a malformed line) is a
 * diagnostic naming the Secret, the line and the user, never a hash; the other users still sign in. A
 * Secret with a bcrypt entry is checked by the controller, all its users (`checkedBy: 'controller'`).
 */
import { diagnostic, type Diagnostic } from '../../errors.js';
import { readAnnotation, type AnnotationSpec } from '../../ingress/ingress-annotations.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import { textProblem } from '../../ingress/text-checks.js';
import type { BasicAuthIR } from '../../ir/ir-types.js';
import type { Secret } from '../../resources/kube-types.js';
import type { Sourced } from '../../resources/resource-set.js';
import { memoizeByObject } from '../../util/memoize-by-object.js';
import {
  AUTH_REALM,
  AUTH_SECRET,
  AUTH_SECRET_TYPE,
  AUTH_TYPE,
  DEFAULT_AUTH_REALM,
  type AuthSecretType,
} from './basic-auth-annotations.js';
import { isShaHash, parseHtpasswdFile, parseHtpasswdMap, type HtpasswdResult } from './htpasswd.js';

/** The Secrets the reader looks the htpasswd Secret up in, by `namespace/name`. */
export type SecretLookup = ReadonlyMap<string, Sourced<Secret>>;

/** The key of an `auth-file` Secret holding the htpasswd file (ingress-nginx's). */
export const AUTH_FILE_KEY = 'auth';
const CLOSED = 'its routes answer 503';
/** Both sources read Opaque Secrets (Kubernetes mode: src/kubernetes/watch/kube-kinds.ts). */
const NOT_FOUND_HINT = ' (only Secrets of type Opaque or kubernetes.io/tls are read)';

function problem(
  owner: IngressEntries,
  diags: Diagnostic[],
  spec: AnnotationSpec<unknown>,
  what: string,
): void {
  diags.push(diagnostic('CW_E_ANNOTATION_INVALID', owner.diagRef, `annotation ${spec.name}: ${what}`));
}

function decode(b64: string): string {
  return Buffer.from(b64, 'base64').toString('utf8');
}

const readFile = memoizeByObject((secret: Secret): HtpasswdResult => {
  const b64 = secret.data?.[AUTH_FILE_KEY];
  if (b64 === undefined) return { users: [], problems: [`data lacks the key ${AUTH_FILE_KEY}`] };
  const text = decode(b64);
  const bad = textProblem(text, { allowLineBreaks: true, maxLength: 1024 * 1024 });
  // The text is not quoted: only what is wrong with it.
  if (bad !== undefined) return { users: [], problems: [`${AUTH_FILE_KEY} ${bad}`] };
  return parseHtpasswdFile(text, AUTH_FILE_KEY);
});

const readMap = memoizeByObject((secret: Secret): HtpasswdResult => {
  const data = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, decode(v)]));
  return parseHtpasswdMap(data);
});

/** The users of `secret` read as `type`, with a diagnostic for every entry left out. */
function usersOf(
  owner: IngressEntries,
  diags: Diagnostic[],
  key: string,
  secret: Secret,
  type: AuthSecretType,
): BasicAuthIR['users'] {
  const r = type === 'auth-map' ? readMap(secret) : readFile(secret);
  for (const p of r.problems) problem(owner, diags, AUTH_SECRET, `Secret ${key}: ${p}`);
  if (r.users.length === 0)
    problem(owner, diags, AUTH_SECRET, `Secret ${key} has no usable user (${type}); ${CLOSED}`);
  return r.users;
}

/** The Secret key (`namespace/name`) the annotations name, or undefined after a diagnostic. */
function secretKey(owner: IngressEntries, diags: Diagnostic[]): string | undefined {
  const annotations = owner.ingress.object.metadata.annotations;
  const ref = readAnnotation(AUTH_SECRET, annotations, owner.diagRef, diags, CLOSED);
  if (ref === undefined) {
    if (annotations?.[AUTH_SECRET.name] === undefined)
      problem(owner, diags, AUTH_TYPE, `"basic" needs ${AUTH_SECRET.name}; ${CLOSED}`);
    return undefined;
  }
  const namespace = owner.ref.namespace ?? 'default';
  if (ref.namespace !== undefined && ref.namespace !== namespace) {
    const why = `the Secret must be in the namespace of the Ingress (${namespace}), not ${ref.namespace}`;
    problem(owner, diags, AUTH_SECRET, `${why}; ${CLOSED}`);
    return undefined;
  }
  return `${namespace}/${ref.name}`;
}

/** The basic auth of an Ingress's routes; undefined when it sets neither auth-type nor auth-secret. */
export function readBasicAuth(
  owner: IngressEntries,
  diags: Diagnostic[],
  secrets: SecretLookup,
): BasicAuthIR | undefined {
  const annotations = owner.ingress.object.metadata.annotations;
  if (annotations?.[AUTH_TYPE.name] === undefined && annotations?.[AUTH_SECRET.name] === undefined)
    return undefined;
  const realm = readAnnotation(AUTH_REALM, annotations, owner.diagRef, diags) ?? DEFAULT_AUTH_REALM;
  const closed: BasicAuthIR = { realm, users: [] };
  const type = readAnnotation(AUTH_TYPE, annotations, owner.diagRef, diags, CLOSED);
  if (type === undefined) {
    if (annotations?.[AUTH_TYPE.name] === undefined)
      problem(owner, diags, AUTH_SECRET, `set without ${AUTH_TYPE.name}: "basic"; ${CLOSED}`);
    return closed;
  }
  const key = secretKey(owner, diags);
  const secretType = readAnnotation(AUTH_SECRET_TYPE, annotations, owner.diagRef, diags, CLOSED);
  if (key === undefined) return closed;
  if (secretType === undefined && annotations?.[AUTH_SECRET_TYPE.name] !== undefined)
    return { ...closed, secret: key };
  const found = secrets.get(key);
  if (!found) {
    problem(owner, diags, AUTH_SECRET, `Secret ${key} not found${NOT_FOUND_HINT}; ${CLOSED}`);
    return { ...closed, secret: key };
  }
  const users = usersOf(owner, diags, key, found.object, secretType ?? 'auth-file');
  const controller = users.some((u) => !isShaHash(u.hash));
  return { realm, secret: key, users, ...(controller ? { checkedBy: 'controller' as const } : {}) };
}
