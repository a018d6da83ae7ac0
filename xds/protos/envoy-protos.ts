/**
 * Loads Envoy's own .proto files (shipped by the @grpc/grpc-js-xds npm package under deps/) with protobufjs,
 * and encodes/decodes resources in Envoy's canonical proto3 JSON form (snake_case field names,
 * `"5s"` durations, plain numbers for wrapper types, `@type` for Any).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';
import { applyProtoAdditions } from './proto-additions.js';

const require = createRequire(import.meta.url);

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** The Envoy resource types Causeway serves, in make-before-break push order. */
export const RESOURCE_TYPES = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
} as const;

export type ResourceKind = keyof typeof RESOURCE_TYPES;

/** Plural list names of the kinds, as in golden files, `causeway translate` and `/debug/config`. */
export const RESOURCE_LIST_NAMES = {
  cluster: 'clusters',
  endpoint: 'endpoints',
  secret: 'secrets',
  listener: 'listeners',
  route: 'routes',
} as const satisfies Record<ResourceKind, string>;

/** The kind of a served type URL (undefined for a type Causeway does not serve). */
export function resourceKindOf(typeUrl: string): ResourceKind | undefined {
  return (Object.keys(RESOURCE_TYPES) as ResourceKind[]).find((k) => RESOURCE_TYPES[k] === typeUrl);
}
export type ResourceTypeUrl = (typeof RESOURCE_TYPES)[ResourceKind];

/** Clusters, then endpoints, then secrets, then listeners, then routes (the xDS make-before-break order). */
export const PUSH_ORDER: readonly ResourceTypeUrl[] = [
  RESOURCE_TYPES.cluster,
  RESOURCE_TYPES.endpoint,
  RESOURCE_TYPES.secret,
  RESOURCE_TYPES.listener,
  RESOURCE_TYPES.route,
];

const PROTO_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/udp/udp_proxy/v3/udp_proxy.proto',
  'envoy/extensions/filters/udp/udp_proxy/v3/route.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/buffer/v3/buffer.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/basic_auth/v3/basic_auth.proto',
  'envoy/extensions/filters/http/compressor/v3/compressor.proto',
  'envoy/extensions/compression/brotli/compressor/v3/brotli.proto',
  'envoy/extensions/compression/gzip/compressor/v3/gzip.proto',
  'envoy/extensions/compression/zstd/compressor/v3/zstd.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/filters/http/health_check/v3/health_check.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/load_balancing_policies/round_robin/v3/round_robin.proto',
  'envoy/extensions/load_balancing_policies/least_request/v3/least_request.proto',
  'envoy/extensions/load_balancing_policies/ring_hash/v3/ring_hash.proto',
  'envoy/extensions/load_balancing_policies/maglev/v3/maglev.proto',
  'envoy/extensions/load_balancing_policies/random/v3/random.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/service/auth/v3/external_auth.proto',
  'envoy/extensions/filters/http/lua/v3/lua.proto',
  'envoy/extensions/filters/http/header_mutation/v3/header_mutation.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/network/connection_limit/v3/connection_limit.proto',
  'envoy/extensions/filters/http/set_metadata/v3/set_metadata.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/network/direct_response/v3/config.proto',
  'envoy/extensions/filters/listener/proxy_protocol/v3/proxy_protocol.proto',
  'envoy/extensions/http/original_ip_detection/xff/v3/xff.proto',
];

function includeDirs(): string[] {
  const xdsPkg = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  const protobufPkg = path.dirname(require.resolve('protobufjs/package.json'));
  const deps = path.join(xdsPkg, 'deps');
  return [
    path.join(deps, 'envoy-api'),
    path.join(deps, 'xds'),
    path.join(deps, 'googleapis'),
    path.join(deps, 'protoc-gen-validate'),
    protobufPkg,
  ];
}

const WRAPPER_TYPES = [
  'DoubleValue',
  'FloatValue',
  'Int64Value',
  'UInt64Value',
  'Int32Value',
  'UInt32Value',
  'BoolValue',
  'StringValue',
  'BytesValue',
];

/**
 * Makes protobufjs write well-known types the way proto3 JSON (and Envoy's YAML) does. Reading the JSON
 * form is done by `toProtobufObject`, because protobufjs' generated fromObject insists on objects there.
 */
function installJsonWrappers(): void {
  const wrappers = protobuf.wrappers as Record<string, protobuf.IWrapper>;
  wrappers['.google.protobuf.Duration'] = {
    fromObject(this: protobuf.Type, object: { [k: string]: unknown }) {
      return this.fromObject(object);
    },
    toObject(this: protobuf.Type, message: protobuf.Message, options?: protobuf.IConversionOptions) {
      const m = message as unknown as { seconds: number | { toNumber(): number }; nanos: number };
      const seconds = typeof m.seconds === 'number' ? m.seconds : Number(m.seconds ?? 0);
      const nanos = m.nanos ?? 0;
      void options;
      if (nanos === 0) return `${seconds}s` as unknown as { [k: string]: unknown };
      const frac = String(Math.abs(nanos)).padStart(9, '0').replace(/0+$/, '');
      return `${seconds}.${frac}s` as unknown as { [k: string]: unknown };
    },
  };
  // Struct and Value read back as the plain JSON they were written from (route and filter metadata,
  // access log json_format): written by `structObject` / `valueObject`.
  wrappers['.google.protobuf.Struct'] = {
    fromObject(this: protobuf.Type, object: { [k: string]: unknown }) {
      return this.fromObject(object);
    },
    toObject(this: protobuf.Type, message: protobuf.Message, options?: protobuf.IConversionOptions) {
      const o = this.toObject(message, options) as Record<string, unknown>;
      return plainStruct(o) as { [k: string]: unknown };
    },
  };
  for (const w of WRAPPER_TYPES) {
    wrappers[`.google.protobuf.${w}`] = {
      fromObject(this: protobuf.Type, object: { [k: string]: unknown }) {
        return this.fromObject(object);
      },
      toObject(this: protobuf.Type, message: protobuf.Message, options?: protobuf.IConversionOptions) {
        const o = this.toObject(message, options) as { value?: unknown };
        return o.value as { [k: string]: unknown };
      },
    };
  }
}

let cachedRoot: protobuf.Root | undefined;

/** The protobufjs root with every Envoy type Causeway uses (loaded once, ~200 ms). */
export function envoyRoot(): protobuf.Root {
  if (cachedRoot) return cachedRoot;
  installJsonWrappers();
  const dirs = includeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => {
    if (path.isAbsolute(target) && fs.existsSync(target)) return target;
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      if (fs.existsSync(candidate)) return candidate;
    }
    throw new Error(`proto file not found in @grpc/grpc-js-xds deps: ${target}`);
  };
  root.loadSync(PROTO_FILES, { keepCase: true });
  applyProtoAdditions(root);
  root.resolveAll();
  cachedRoot = root;
  return root;
}

export function messageType(fullName: string): protobuf.Type {
  return envoyRoot().lookupType(fullName);
}

export function typeNameOf(typeUrl: string): string {
  return typeUrl.startsWith(TYPE_URL_PREFIX) ? typeUrl.slice(TYPE_URL_PREFIX.length) : typeUrl;
}

/** Encodes a resource given in canonical proto3 JSON. Throws on fields the type does not have. */
export function encodeResource(typeUrl: string, resource: object): Uint8Array {
  const type = messageType(typeNameOf(typeUrl));
  return type.encode(type.fromObject(toProtobufObject(type, resource, typeNameOf(typeUrl)))).finish();
}

/** Decodes bytes into canonical proto3 JSON (the inverse of encodeResource). */
export function decodeResource(typeUrl: string, bytes: Uint8Array): Record<string, unknown> {
  const type = messageType(typeNameOf(typeUrl));
  return type.toObject(type.decode(bytes), TO_OBJECT_OPTIONS) as Record<string, unknown>;
}

export const TO_OBJECT_OPTIONS: protobuf.IConversionOptions = {
  enums: String,
  longs: Number,
  bytes: String,
  defaults: false,
  arrays: false,
  oneofs: false,
  json: true,
};

function parseDuration(value: string, at: string): { seconds: number; nanos: number } {
  const m = /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(value);
  if (!m) throw new Error(`${at}: invalid duration ${JSON.stringify(value)}`);
  const sign = m[1] === '-' ? -1 : 1;
  return { seconds: sign * Number(m[2]), nanos: sign * (m[3] ? Number(m[3].padEnd(9, '0')) : 0) };
}

/**
 * Converts canonical proto3 JSON into the object form protobufjs' fromObject reads (durations as
 * {seconds, nanos}, wrappers as {value}, Any with @type resolved), and rejects fields the type does not
 * declare: protobufjs would drop them silently, hiding a typo in a translator.
 */
function toProtobufObject(type: protobuf.Type, obj: unknown, at: string): { [k: string]: unknown } {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new Error(`${at}: object expected`);
  const full = type.fullName;
  if (full === '.google.protobuf.Any') {
    const typeUrl = (obj as Record<string, unknown>)['@type'];
    if (typeof typeUrl !== 'string') throw new Error(`${at}: Any without @type`);
    const inner = messageType(typeNameOf(typeUrl));
    const rest: Record<string, unknown> = { ...(obj as Record<string, unknown>) };
    delete rest['@type'];
    const value = inner.encode(inner.fromObject(toProtobufObject(inner, rest, at))).finish();
    return { type_url: typeUrl, value };
  }
  const out: { [k: string]: unknown } = {};
  for (const [key, value] of Object.entries(obj as Record<string, unknown>)) {
    const field = type.fields[key];
    if (!field) throw new Error(`unknown field ${at}.${key}`);
    field.resolve();
    const sub = field.resolvedType;
    const here = `${at}.${key}`;
    const convert = (v: unknown): unknown => (sub instanceof protobuf.Type ? convertField(sub, v, here) : v);
    if (field.repeated) out[key] = (value as unknown[]).map(convert);
    else if (field.map)
      out[key] = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, convert(v)]));
    else out[key] = convert(value);
  }
  return out;
}

function convertField(type: protobuf.Type, value: unknown, at: string): unknown {
  const full = type.fullName;
  if (full === '.google.protobuf.Duration' && typeof value === 'string') return parseDuration(value, at);
  if (full.startsWith('.google.protobuf.') && WRAPPER_TYPES.includes(full.slice('.google.protobuf.'.length)))
    return typeof value === 'object' && value !== null ? value : { value };
  if (full === '.google.protobuf.Struct') return structObject(value, at);
  if (full === '.google.protobuf.Value') return valueObject(value, at);
  return toProtobufObject(type, value, at);
}

/** A JSON object as protobufjs' google.protobuf.Struct object form ({fields: {k: Value}}; protobufjs' own
 * descriptors of these well-known types name their fields in camelCase). */
function structObject(value: unknown, at: string): { fields: Record<string, unknown> } {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${at}: object expected`);
  return {
    fields: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, valueObject(v, `${at}.${k}`)])),
  };
}

/** A JSON value as protobufjs' google.protobuf.Value object form. */
function valueObject(v: unknown, at: string): Record<string, unknown> {
  if (v === null) return { nullValue: 0 };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map((x, i) => valueObject(x, `${at}[${i}]`)) } };
  return { structValue: structObject(v, at) };
}

/** A decoded google.protobuf.Value (object form) back to plain JSON. */
function plainValue(v: Record<string, unknown>): unknown {
  // A nested Struct went through the Struct wrapper already.
  if ('structValue' in v) return v['structValue'];
  if ('listValue' in v)
    return ((v['listValue'] as { values?: Record<string, unknown>[] }).values ?? []).map(plainValue);
  if ('nullValue' in v) return null;
  return v['numberValue'] ?? v['stringValue'] ?? v['boolValue'] ?? null;
}

function plainStruct(s: Record<string, unknown>): Record<string, unknown> {
  const fields = (s['fields'] ?? {}) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, plainValue(v)]));
}
