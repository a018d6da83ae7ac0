/**
 * The controller's basic auth service: Envoy's external authorization gRPC API
 * (`envoy.service.auth.v3.Authorization/Check`), served on the xDS server for the routes whose htpasswd
 * Secret holds bcrypt entries (the gateway's basic_auth filter verifies `{SHA}` only). The route's
 * ext_authz filter (xds/translator/route-basic-auth.ts) sends the Secret (`namespace/name`) and realm in
 * its context extensions, never a hash; the users come from what the controller translated last
 * (`BasicAuthUsers`), looked up for the asking gateway's group: under mTLS the group its certificate
 * names, so a gateway can only test passwords of routes its own group serves. Without TLS (development
 * only) any caller may ask about any group's routes, as any client may ask ADS for any group.
 *
 * Answers: OK; DENIED 401 with `WWW-Authenticate: Basic realm="..."` (no or wrong credentials); DENIED
 * 403 when the group serves no such route; a gRPC error (the gateway answers 503) when too many checks
 * wait, the controller has not translated yet or the certificate names no group.
 */
import type { MethodDefinition, ServerUnaryCall, ServiceDefinition, sendUnaryData } from '@grpc/grpc-js';
import { status as grpcStatus } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import { envoyRoot } from '../protos/envoy-protos.js';
import type { PasswordVerifier } from './basic-auth-verifier.js';
import { BusyError } from './basic-auth-verifier.js';
import type { GroupDecision } from './tls-identity.js';

/** Context extension keys the gateway's ext_authz filter sends (xds/translator/route-basic-auth.ts). */
export const BASIC_AUTH_EXTENSIONS = {
  secret: 'causeway.secret',
  realm: 'causeway.realm',
  group: 'causeway.group',
} as const;

/** What the controller translated last: the users of a Secret that a group's routes check by it. */
export interface BasicAuthUsers {
  /**
   * The users of `secret` on the controller-checked routes of `group` (undefined: of any group, when the
   * xDS server runs without TLS); undefined: no such route.
   */
  lookup(
    group: string | undefined,
    secret: string,
  ): { readonly users: readonly { readonly user: string; readonly hash: string }[] } | undefined;
  /** False until the controller has translated once: checks then fail (the gateway's 503), never 403. */
  isReady(): boolean;
}

/** The parts of a CheckRequest the service reads. */
export interface BasicAuthCheck {
  readonly authorization: string | undefined;
  readonly extensions: Readonly<Record<string, string>>;
}

export type CheckAnswer =
  | { readonly kind: 'ok' }
  | { readonly kind: 'unauthorized'; readonly realm: string }
  | { readonly kind: 'forbidden' };

/** The user and password of a `Basic` Authorization header; undefined when it is none. */
export function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic[ ]+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The answer to one check by a gateway of `group`. */
export async function answerCheck(
  check: BasicAuthCheck,
  group: string | undefined,
  users: BasicAuthUsers,
  verifier: PasswordVerifier,
): Promise<CheckAnswer> {
  const secret = check.extensions[BASIC_AUTH_EXTENSIONS.secret] ?? '';
  const realm = check.extensions[BASIC_AUTH_EXTENSIONS.realm] ?? '';
  const entry = users.lookup(group, secret);
  if (!entry) return { kind: 'forbidden' };
  const creds = basicCredentials(check.authorization);
  const found = creds && entry.users.find((u) => u.user === creds.user);
  if (!creds || !found) return { kind: 'unauthorized', realm };
  const ok = await verifier.verify(secret, creds.user, creds.password, found.hash);
  return ok ? { kind: 'ok' } : { kind: 'unauthorized', realm };
}

/** The CheckResponse (plain object for protobufjs) of an answer. */
export function checkResponse(answer: CheckAnswer): object {
  if (answer.kind === 'ok') return { status: { code: grpcStatus.OK }, ok_response: {} };
  if (answer.kind === 'forbidden')
    return {
      status: { code: grpcStatus.PERMISSION_DENIED },
      denied_response: { status: { code: 403 }, body: 'forbidden\n' },
    };
  return {
    status: { code: grpcStatus.UNAUTHENTICATED },
    denied_response: {
      status: { code: 401 },
      headers: [{ header: { key: 'www-authenticate', value: `Basic realm="${answer.realm}"` } }],
      body: 'unauthorized\n',
    },
  };
}

let types: { req: protobuf.Type; res: protobuf.Type } | undefined;
function messageTypes(): NonNullable<typeof types> {
  if (!types) {
    const root = envoyRoot();
    types = {
      req: root.lookupType('envoy.service.auth.v3.CheckRequest'),
      res: root.lookupType('envoy.service.auth.v3.CheckResponse'),
    };
  }
  return types;
}

interface DecodedCheck {
  readonly attributes?: {
    readonly request?: { readonly http?: { readonly headers?: Readonly<Record<string, string>> } };
    readonly context_extensions?: Readonly<Record<string, string>>;
  };
}

/** Decodes the parts of a CheckRequest the service reads. */
export function decodeCheckRequest(bytes: Buffer): BasicAuthCheck {
  const { req } = messageTypes();
  const m = req.toObject(req.decode(bytes)) as DecodedCheck;
  const headers = m.attributes?.request?.http?.headers ?? {};
  return { authorization: headers['authorization'], extensions: m.attributes?.context_extensions ?? {} };
}

export function encodeCheckResponse(response: object): Buffer {
  const { res } = messageTypes();
  return Buffer.from(res.encode(res.fromObject(response)).finish());
}

export const CHECK_METHOD: MethodDefinition<BasicAuthCheck, object> = {
  path: '/envoy.service.auth.v3.Authorization/Check',
  requestStream: false,
  responseStream: false,
  requestSerialize: () => {
    throw new Error('server only');
  },
  requestDeserialize: decodeCheckRequest,
  responseSerialize: encodeCheckResponse,
  responseDeserialize: () => {
    throw new Error('server only');
  },
  originalName: 'check',
};

export const AUTHORIZATION_SERVICE: ServiceDefinition = { Check: CHECK_METHOD };

/** The asking gateway's group (ads-server.ts: its certificate's; undefined without TLS), or a refusal. */
export type CallGroup = (
  call: ServerUnaryCall<BasicAuthCheck, object>,
) => GroupDecision | { readonly ok: true; readonly group: undefined };

/** The Check handler. */
export function checkHandler(
  users: BasicAuthUsers,
  verifier: PasswordVerifier,
  groupOf: CallGroup,
): (call: ServerUnaryCall<BasicAuthCheck, object>, callback: sendUnaryData<object>) => void {
  return (call, callback) => {
    const decision = groupOf(call);
    if (!decision.ok) {
      callback({ code: grpcStatus.PERMISSION_DENIED, details: decision.reason });
      return;
    }
    if (!users.isReady()) {
      callback({ code: grpcStatus.UNAVAILABLE, details: 'the controller has not translated yet' });
      return;
    }
    answerCheck(call.request, decision.group, users, verifier).then(
      (answer) => callback(null, checkResponse(answer)),
      (err: unknown) =>
        callback({
          code: err instanceof BusyError ? grpcStatus.RESOURCE_EXHAUSTED : grpcStatus.INTERNAL,
          details: err instanceof BusyError ? err.message : 'password check failed',
        }),
    );
  };
}
