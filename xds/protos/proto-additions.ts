/**
 * Fields of Envoy 1.40's API that the shipped protos (@grpc/grpc-js-xds deps/, about Envoy 1.33) lack,
 * added to the loaded protobufjs types at load time so the translators can send them. Each entry names
 * its message, field number and type as Envoy 1.40's API declares them (checked against the generated
 * code of github.com/envoyproxy/go-control-plane/envoy v1.40.0, which is generated from that API):
 *
 * - `envoy.type.matcher.v3.AddressMatcher` (message, Envoy 1.35): `ranges = 1` (repeated
 *   `config.core.v3.CidrRange`), `invert_match = 2` (bool). Used by `remote_address_match`.
 * - `envoy.config.route.v3.RateLimit.Action.RemoteAddressMatch` (message, Envoy 1.35):
 *   `descriptor_value = 1`, `descriptor_key = 2`, `default_value = 3` (strings), `address_matcher = 4`.
 *   Why: `causeway.dev/limit-whitelist` exempts client CIDRs from a local rate limit.
 * - `envoy.config.route.v3.RateLimit.Action.remote_address_match = 13` (in the `action_specifier` oneof).
 * - `envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit`:
 *   `rate_limits = 17` (repeated `config.route.v3.RateLimit`, Envoy 1.34): the descriptors computed by the
 *   filter itself, the way Envoy 1.40 asks for (route-level `rate_limits` are deprecated for it);
 *   `max_dynamic_descriptors = 18` (`google.protobuf.UInt32Value`, Envoy 1.35): how many clients get their
 *   own token bucket (wildcard `remote_address` descriptor);
 *   `enable_retry_after_header = 19` (bool, Envoy 1.38): `Retry-After` on a 429.
 * - `envoy.extensions.http.original_ip_detection.xff.v3.XffTrustedCidrs` (message): `cidrs = 1` (repeated
 *   `config.core.v3.CidrRange`); `XffConfig.xff_trusted_cidrs = 2` (that message) and `skip_xff_append = 3`
 *   (`google.protobuf.BoolValue`). Why: `clientIp.trustedCidrs` trusts proxies by address
 *   (test/e2e/policy-client-ip-cidrs.test.ts shows a gateway fed these numbers behaves as the fields say).
 * - `envoy.extensions.filters.http.ext_authz.v3.HttpService.path_override = 10` (string): the auth request
 *   goes to the auth URL's path exactly instead of that path + the request path, as ingress-nginx's
 *   `auth-url` (test/e2e/policy-ext-auth.test.ts checks the path the auth server sees).
 *
 * A field that exists already is left alone (newer shipped protos make this a no-op).
 */
import protobuf from 'protobufjs';

interface FieldAddition {
  readonly message: string;
  readonly name: string;
  readonly id: number;
  readonly type: string;
  readonly rule?: 'repeated';
  readonly oneof?: string;
}

interface MessageAddition {
  /** The namespace (package or enclosing message) the message is added to. */
  readonly parent: string;
  readonly name: string;
}

const XFF_PACKAGE = 'envoy.extensions.http.original_ip_detection.xff.v3';

export const MESSAGE_ADDITIONS: readonly MessageAddition[] = [
  { parent: 'envoy.type.matcher.v3', name: 'AddressMatcher' },
  { parent: 'envoy.config.route.v3.RateLimit.Action', name: 'RemoteAddressMatch' },
  { parent: XFF_PACKAGE, name: 'XffTrustedCidrs' },
];

const LOCAL_RATE_LIMIT = 'envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit';
const REMOTE_ADDRESS_MATCH = 'envoy.config.route.v3.RateLimit.Action.RemoteAddressMatch';

export const FIELD_ADDITIONS: readonly FieldAddition[] = [
  {
    message: 'envoy.type.matcher.v3.AddressMatcher',
    name: 'ranges',
    id: 1,
    type: '.envoy.config.core.v3.CidrRange',
    rule: 'repeated',
  },
  { message: 'envoy.type.matcher.v3.AddressMatcher', name: 'invert_match', id: 2, type: 'bool' },
  { message: REMOTE_ADDRESS_MATCH, name: 'descriptor_value', id: 1, type: 'string' },
  { message: REMOTE_ADDRESS_MATCH, name: 'descriptor_key', id: 2, type: 'string' },
  { message: REMOTE_ADDRESS_MATCH, name: 'default_value', id: 3, type: 'string' },
  {
    message: REMOTE_ADDRESS_MATCH,
    name: 'address_matcher',
    id: 4,
    type: '.envoy.type.matcher.v3.AddressMatcher',
  },
  {
    message: 'envoy.config.route.v3.RateLimit.Action',
    name: 'remote_address_match',
    id: 13,
    type: `.${REMOTE_ADDRESS_MATCH}`,
    oneof: 'action_specifier',
  },
  {
    message: LOCAL_RATE_LIMIT,
    name: 'rate_limits',
    id: 17,
    type: '.envoy.config.route.v3.RateLimit',
    rule: 'repeated',
  },
  {
    message: LOCAL_RATE_LIMIT,
    name: 'max_dynamic_descriptors',
    id: 18,
    type: '.google.protobuf.UInt32Value',
  },
  { message: LOCAL_RATE_LIMIT, name: 'enable_retry_after_header', id: 19, type: 'bool' },
  {
    message: `${XFF_PACKAGE}.XffTrustedCidrs`,
    name: 'cidrs',
    id: 1,
    type: '.envoy.config.core.v3.CidrRange',
    rule: 'repeated',
  },
  {
    message: `${XFF_PACKAGE}.XffConfig`,
    name: 'xff_trusted_cidrs',
    id: 2,
    type: `.${XFF_PACKAGE}.XffTrustedCidrs`,
  },
  { message: `${XFF_PACKAGE}.XffConfig`, name: 'skip_xff_append', id: 3, type: '.google.protobuf.BoolValue' },
  {
    message: 'envoy.extensions.filters.http.ext_authz.v3.HttpService',
    name: 'path_override',
    id: 10,
    type: 'string',
  },
];

function addMessage(root: protobuf.Root, m: MessageAddition): void {
  const parent = root.lookup(m.parent);
  if (!(parent instanceof protobuf.Namespace)) throw new Error(`proto additions: no namespace ${m.parent}`);
  if (parent.get(m.name) === null) parent.add(new protobuf.Type(m.name));
}

function addField(root: protobuf.Root, f: FieldAddition): void {
  const type = root.lookupType(f.message);
  const existing = type.fields[f.name];
  if (existing !== undefined) {
    if (existing.id !== f.id) throw new Error(`proto additions: ${f.message}.${f.name} is not field ${f.id}`);
    return;
  }
  const clash = type.fieldsById[f.id];
  if (clash !== undefined) throw new Error(`proto additions: ${f.message} has field ${f.id} already`);
  const field = new protobuf.Field(f.name, f.id, f.type, f.rule);
  type.add(field);
  if (f.oneof !== undefined) {
    const oneof = type.oneofs?.[f.oneof];
    if (oneof === undefined) throw new Error(`proto additions: ${f.message} has no oneof ${f.oneof}`);
    oneof.add(field);
  }
}

/** Adds the Envoy 1.40 messages and fields above to a loaded root (before `resolveAll`). */
export function applyProtoAdditions(root: protobuf.Root): void {
  for (const m of MESSAGE_ADDITIONS) addMessage(root, m);
  for (const f of FIELD_ADDITIONS) addField(root, f);
}
