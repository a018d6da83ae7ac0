/**
 * The four ADS messages as plain TypeScript shapes (snake_case, as protobufjs loads Envoy's protos with
 * keepCase), and their binary codecs. Decoding yields plain objects with every field present; encoding
 * writes plain objects straight through the protobufjs encoder, so resource bytes in an Any are copied
 * to the wire as they are, never re-encoded. The free text of a request's node and NACK is clipped to the
 * caps of client-input.ts as it is decoded, and of the node metadata only the string the server reads
 * (`causeway.dev/address`) is kept: nothing a client sends can make the server hold megabytes.
 */
import type protobuf from 'protobufjs';
import { envoyRoot } from '../protos/envoy-protos.js';
import { CLIENT_TEXT_LIMITS as LIMITS, clipClientText } from './client-input.js';
import { ADDRESS_METADATA_KEY } from './connection.js';

/** The part of Envoy's `config.core.v3.Node` the server uses. */
export interface NodeInfo {
  readonly id: string;
  readonly cluster: string;
  readonly user_agent_name?: string;
  /** `user_agent_version_type` is a oneof: a version string, or Envoy's build version. */
  readonly user_agent_version?: string;
  readonly user_agent_build_version?: {
    readonly version: {
      readonly major_number: number;
      readonly minor_number: number;
      readonly patch: number;
    };
  };
  readonly locality?: { readonly region?: string; readonly zone?: string; readonly sub_zone?: string };
  /**
   * `google.protobuf.Struct`; only the string value of `causeway.dev/address` is kept. (protobufjs
   * bundles its own struct.proto, whose field names are camelCase: `stringValue`.)
   */
  readonly metadata?: { readonly fields: Readonly<Record<string, { readonly stringValue: string }>> };
}

export interface RpcStatus {
  readonly code: number;
  readonly message: string;
}

export interface AnyResource {
  readonly type_url: string;
  readonly value: Uint8Array;
}

export interface DiscoveryRequest {
  readonly version_info: string;
  readonly node: NodeInfo | null;
  readonly resource_names: readonly string[];
  readonly type_url: string;
  readonly response_nonce: string;
  readonly error_detail: RpcStatus | null;
}

export interface DiscoveryResponse {
  readonly version_info: string;
  readonly resources: readonly AnyResource[];
  readonly type_url: string;
  readonly nonce: string;
  /**
   * More resources, already encoded as the `resources` field (encodeDiscoveryResources), written before
   * the other fields: protobuf merges the parts, so a resource list shared by many streams is encoded once.
   */
  readonly encoded_resources?: Uint8Array;
}

export interface DeltaDiscoveryRequest {
  readonly node: NodeInfo | null;
  readonly type_url: string;
  readonly resource_names_subscribe: readonly string[];
  readonly resource_names_unsubscribe: readonly string[];
  readonly initial_resource_versions: Readonly<Record<string, string>>;
  readonly response_nonce: string;
  readonly error_detail: RpcStatus | null;
}

export interface DeltaResource {
  readonly name: string;
  readonly version: string;
  readonly resource: AnyResource | null;
}

export interface DeltaDiscoveryResponse {
  readonly system_version_info: string;
  readonly resources: readonly DeltaResource[];
  readonly type_url: string;
  readonly removed_resources: readonly string[];
  readonly nonce: string;
}

const PKG = 'envoy.service.discovery.v3';

let types:
  | { sotwReq: protobuf.Type; sotwRes: protobuf.Type; deltaReq: protobuf.Type; deltaRes: protobuf.Type }
  | undefined;

function messageTypes(): NonNullable<typeof types> {
  if (!types) {
    const root = envoyRoot();
    types = {
      sotwReq: root.lookupType(`${PKG}.DiscoveryRequest`),
      sotwRes: root.lookupType(`${PKG}.DiscoveryResponse`),
      deltaReq: root.lookupType(`${PKG}.DeltaDiscoveryRequest`),
      deltaRes: root.lookupType(`${PKG}.DeltaDiscoveryResponse`),
    };
  }
  return types;
}

/** Loads the protos now (about 200 ms), so that the first stream does not pay for it. */
export function preloadDiscoveryTypes(): void {
  messageTypes();
}

type Decoded = Record<string, unknown>;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
/** A client's free-text field, clipped to `max` (client-input.ts). */
const text = (v: unknown, max: number): string => clipClientText(str(v), max);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : []);

const record = (v: unknown): Decoded | undefined =>
  v !== null && typeof v === 'object' ? (v as Decoded) : undefined;
const uint = (v: unknown): number => (typeof v === 'number' ? v : 0);

function buildVersionOf(v: unknown): NodeInfo['user_agent_build_version'] {
  const sv = record(record(v)?.['version']);
  if (!sv) return undefined;
  return {
    version: {
      major_number: uint(sv['major_number']),
      minor_number: uint(sv['minor_number']),
      patch: uint(sv['patch']),
    },
  };
}

function localityOf(v: unknown): NodeInfo['locality'] {
  const l = record(v);
  if (!l) return undefined;
  const parts = {
    region: text(l['region'], LIMITS.locality),
    zone: text(l['zone'], LIMITS.locality),
    sub_zone: text(l['sub_zone'], LIMITS.locality),
  };
  const set = Object.entries(parts).filter(([, value]) => value !== '');
  return set.length > 0 ? Object.fromEntries(set) : undefined;
}

function stringMetadataOf(v: unknown): NodeInfo['metadata'] {
  const fields = record(record(v)?.['fields']);
  if (!fields) return undefined;
  const address = record(fields[ADDRESS_METADATA_KEY])?.['stringValue'];
  if (typeof address !== 'string') return undefined;
  return { fields: { [ADDRESS_METADATA_KEY]: { stringValue: text(address, LIMITS.address) } } };
}

function nodeOf(v: unknown): NodeInfo | null {
  if (v === null || typeof v !== 'object') return null;
  const n = v as Decoded;
  const name = text(n['user_agent_name'], LIMITS.userAgent);
  const version = text(n['user_agent_version'], LIMITS.userAgent);
  const build = buildVersionOf(n['user_agent_build_version']);
  const locality = localityOf(n['locality']);
  const metadata = stringMetadataOf(n['metadata']);
  return {
    id: text(n['id'], LIMITS.nodeId),
    cluster: text(n['cluster'], LIMITS.group),
    ...(name ? { user_agent_name: name } : {}),
    ...(version ? { user_agent_version: version } : {}),
    ...(build ? { user_agent_build_version: build } : {}),
    ...(locality ? { locality } : {}),
    ...(metadata ? { metadata } : {}),
  };
}

function statusOf(v: unknown): RpcStatus | null {
  if (v === null || typeof v !== 'object') return null;
  const s = v as Decoded;
  return {
    code: typeof s['code'] === 'number' ? s['code'] : 0,
    message: text(s['message'], LIMITS.nackMessage),
  };
}

function anyOf(v: unknown): AnyResource | null {
  if (v === null || typeof v !== 'object') return null;
  const a = v as Decoded;
  return {
    type_url: str(a['type_url']),
    value: a['value'] instanceof Uint8Array ? a['value'] : new Uint8Array(),
  };
}

function decode(type: protobuf.Type, bytes: Uint8Array): Decoded {
  return type.decode(bytes) as unknown as Decoded;
}

function encode(type: protobuf.Type, message: object): Buffer {
  const bytes = type.encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeDiscoveryRequest(bytes: Uint8Array): DiscoveryRequest {
  const m = decode(messageTypes().sotwReq, bytes);
  return {
    version_info: str(m['version_info']),
    node: nodeOf(m['node']),
    resource_names: strings(m['resource_names']),
    type_url: str(m['type_url']),
    response_nonce: str(m['response_nonce']),
    error_detail: statusOf(m['error_detail']),
  };
}

export function decodeDeltaDiscoveryRequest(bytes: Uint8Array): DeltaDiscoveryRequest {
  const m = decode(messageTypes().deltaReq, bytes);
  const versions = m['initial_resource_versions'];
  return {
    node: nodeOf(m['node']),
    type_url: str(m['type_url']),
    resource_names_subscribe: strings(m['resource_names_subscribe']),
    resource_names_unsubscribe: strings(m['resource_names_unsubscribe']),
    initial_resource_versions:
      versions && typeof versions === 'object'
        ? Object.fromEntries(Object.entries(versions).map(([k, v]) => [k, str(v)]))
        : {},
    response_nonce: str(m['response_nonce']),
    error_detail: statusOf(m['error_detail']),
  };
}

export function decodeDiscoveryResponse(bytes: Uint8Array): DiscoveryResponse {
  const m = decode(messageTypes().sotwRes, bytes);
  const resources = Array.isArray(m['resources']) ? m['resources'] : [];
  return {
    version_info: str(m['version_info']),
    resources: resources.map(anyOf).filter((a): a is AnyResource => a !== null),
    type_url: str(m['type_url']),
    nonce: str(m['nonce']),
  };
}

export function decodeDeltaDiscoveryResponse(bytes: Uint8Array): DeltaDiscoveryResponse {
  const m = decode(messageTypes().deltaRes, bytes);
  const resources = (Array.isArray(m['resources']) ? m['resources'] : []) as Decoded[];
  return {
    system_version_info: str(m['system_version_info']),
    resources: resources.map((r) => ({
      name: str(r['name']),
      version: str(r['version']),
      resource: anyOf(r['resource']),
    })),
    type_url: str(m['type_url']),
    removed_resources: strings(m['removed_resources']),
    nonce: str(m['nonce']),
  };
}

/** Requests are small and rare: they go through fromObject, which validates their shape. */
export function encodeDiscoveryRequest(request: DiscoveryRequest): Buffer {
  const t = messageTypes().sotwReq;
  return encode(t, t.fromObject(request as unknown as Decoded));
}

export function encodeDeltaDiscoveryRequest(request: DeltaDiscoveryRequest): Buffer {
  const t = messageTypes().deltaReq;
  return encode(t, t.fromObject(request as unknown as Decoded));
}

/** Responses are the hot path: plain objects go straight to the encoder (resource bytes copied as is). */
export function encodeDiscoveryResponse(response: DiscoveryResponse): Buffer {
  const { encoded_resources: shared, ...rest } = response;
  const own = encode(messageTypes().sotwRes, rest);
  return shared === undefined || shared.byteLength === 0 ? own : Buffer.concat([shared, own]);
}

/** The `resources` field of a DiscoveryResponse alone, for `encoded_resources`. */
export function encodeDiscoveryResources(resources: readonly AnyResource[]): Buffer {
  return encode(messageTypes().sotwRes, { resources });
}

export function encodeDeltaDiscoveryResponse(response: DeltaDiscoveryResponse): Buffer {
  return encode(messageTypes().deltaRes, response);
}
