/**
 * The Gateway API objects Causeway reads (sigs.k8s.io/gateway-api v1.6.3, group
 * `gateway.networking.k8s.io`, version v1 for every kind), as plain readonly data in their Kubernetes
 * JSON form. Only `spec` is typed: status is written by the leader, never read back into translation.
 * Optional fields stay optional here; the spec's defaults (kind Service, port from the listener, path
 * `PathPrefix /` ...) are applied by the readers in `src/gateway-api`, not by the types.
 */
import type { ObjectMeta } from './object-meta.js';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const GATEWAY_API_VERSION = `${GATEWAY_API_GROUP}/v1`;
/** The `spec.controllerName` of the GatewayClasses Causeway serves. */
export const CAUSEWAY_GATEWAY_CONTROLLER = 'causeway.dev/gateway';

/** A reference to a parent (a Gateway, by default) from a route. */
export interface ParentReference {
  readonly group?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

/** A reference to a backend (a Service, by default). */
export interface BackendObjectReference {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
  readonly port?: number;
}

export interface BackendRef extends BackendObjectReference {
  readonly weight?: number;
}

export interface SecretObjectReference {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface LocalObjectReference {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    readonly values?: readonly string[];
  }[];
}

// ---- GatewayClass ----

export interface GatewayClass {
  readonly apiVersion: typeof GATEWAY_API_VERSION;
  readonly kind: 'GatewayClass';
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly controllerName: string;
    readonly parametersRef?: {
      readonly group: string;
      readonly kind: string;
      readonly name: string;
      readonly namespace?: string;
    };
    readonly description?: string;
  };
}

// ---- Gateway ----

export type ListenerProtocol = 'HTTP' | 'HTTPS' | 'TLS' | 'TCP' | 'UDP' | (string & {});
export type FromNamespaces = 'All' | 'Same' | 'Selector' | 'None';

export interface RouteGroupKind {
  readonly group?: string;
  readonly kind: string;
}

export interface AllowedRoutes {
  readonly namespaces?: { readonly from?: FromNamespaces; readonly selector?: LabelSelector };
  readonly kinds?: readonly RouteGroupKind[];
}

export interface ListenerTlsConfig {
  readonly mode?: 'Terminate' | 'Passthrough';
  readonly certificateRefs?: readonly SecretObjectReference[];
  readonly options?: Readonly<Record<string, string>>;
}

export interface Listener {
  readonly name: string;
  readonly hostname?: string;
  readonly port: number;
  readonly protocol: ListenerProtocol;
  readonly tls?: ListenerTlsConfig;
  readonly allowedRoutes?: AllowedRoutes;
}

export interface Gateway {
  readonly apiVersion: typeof GATEWAY_API_VERSION;
  readonly kind: 'Gateway';
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly gatewayClassName: string;
    readonly listeners: readonly Listener[];
    readonly addresses?: readonly { readonly type?: string; readonly value?: string }[];
    readonly infrastructure?: {
      readonly labels?: Readonly<Record<string, string>>;
      readonly annotations?: Readonly<Record<string, string>>;
    };
  };
}

// ---- Routes ----

/** A route of kind `K` with rules `R`; `spec.hostnames` only where the kind has them (`H`). */
export interface RouteObject<K extends string, R, H extends boolean> {
  readonly apiVersion: typeof GATEWAY_API_VERSION;
  readonly kind: K;
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly parentRefs?: readonly ParentReference[];
    readonly rules?: readonly R[];
  } & (H extends true ? { readonly hostnames?: readonly string[] } : object);
}

// ---- HTTPRoute ----

export interface HttpPathMatch {
  readonly type?: 'Exact' | 'PathPrefix' | 'RegularExpression';
  readonly value?: string;
}

export interface HttpHeaderMatch {
  readonly type?: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
}

export interface HttpQueryParamMatch {
  readonly type?: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
}

export interface HttpRouteMatch {
  readonly path?: HttpPathMatch;
  readonly headers?: readonly HttpHeaderMatch[];
  readonly queryParams?: readonly HttpQueryParamMatch[];
  readonly method?: string;
}

export interface HttpHeader {
  readonly name: string;
  readonly value: string;
}

export interface HttpHeaderFilter {
  readonly set?: readonly HttpHeader[];
  readonly add?: readonly HttpHeader[];
  readonly remove?: readonly string[];
}

export interface HttpPathModifier {
  readonly type: 'ReplaceFullPath' | 'ReplacePrefixMatch';
  readonly replaceFullPath?: string;
  readonly replacePrefixMatch?: string;
}

export interface HttpRequestRedirectFilter {
  readonly scheme?: string;
  readonly hostname?: string;
  readonly path?: HttpPathModifier;
  readonly port?: number;
  readonly statusCode?: number;
}

export interface HttpUrlRewriteFilter {
  readonly hostname?: string;
  readonly path?: HttpPathModifier;
}

export interface HttpRequestMirrorFilter {
  readonly backendRef: BackendObjectReference;
  readonly percent?: number;
  readonly fraction?: { readonly numerator: number; readonly denominator?: number };
}

export type HttpRouteFilterType =
  | 'RequestHeaderModifier'
  | 'ResponseHeaderModifier'
  | 'RequestMirror'
  | 'RequestRedirect'
  | 'URLRewrite'
  | 'CORS'
  | 'ExternalAuth'
  | 'ExtensionRef'
  | (string & {});

export interface HttpRouteFilter {
  readonly type: HttpRouteFilterType;
  readonly requestHeaderModifier?: HttpHeaderFilter;
  readonly responseHeaderModifier?: HttpHeaderFilter;
  readonly requestMirror?: HttpRequestMirrorFilter;
  readonly requestRedirect?: HttpRequestRedirectFilter;
  readonly urlRewrite?: HttpUrlRewriteFilter;
  readonly extensionRef?: LocalObjectReference;
}

export interface HttpBackendRef extends BackendRef {
  readonly filters?: readonly HttpRouteFilter[];
}

export interface HttpRouteRule {
  readonly name?: string;
  readonly matches?: readonly HttpRouteMatch[];
  readonly filters?: readonly HttpRouteFilter[];
  readonly backendRefs?: readonly HttpBackendRef[];
  /** Durations in Gateway API form (`10s`, `500ms`, `1h2m`). */
  readonly timeouts?: { readonly request?: string; readonly backendRequest?: string };
  readonly retry?: {
    readonly codes?: readonly number[];
    readonly attempts?: number;
    readonly backoff?: string;
  };
}

export type HttpRoute = RouteObject<'HTTPRoute', HttpRouteRule, true>;

// ---- GRPCRoute ----

export interface GrpcMethodMatch {
  readonly type?: 'Exact' | 'RegularExpression';
  readonly service?: string;
  readonly method?: string;
}

export interface GrpcRouteMatch {
  readonly method?: GrpcMethodMatch;
  readonly headers?: readonly HttpHeaderMatch[];
}

export interface GrpcRouteFilter {
  readonly type:
    'RequestHeaderModifier' | 'ResponseHeaderModifier' | 'RequestMirror' | 'ExtensionRef' | (string & {});
  readonly requestHeaderModifier?: HttpHeaderFilter;
  readonly responseHeaderModifier?: HttpHeaderFilter;
  readonly requestMirror?: HttpRequestMirrorFilter;
  readonly extensionRef?: LocalObjectReference;
}

export interface GrpcBackendRef extends BackendRef {
  readonly filters?: readonly GrpcRouteFilter[];
}

export interface GrpcRouteRule {
  readonly name?: string;
  readonly matches?: readonly GrpcRouteMatch[];
  readonly filters?: readonly GrpcRouteFilter[];
  readonly backendRefs?: readonly GrpcBackendRef[];
}

export type GrpcRoute = RouteObject<'GRPCRoute', GrpcRouteRule, true>;

// ---- TLSRoute, TCPRoute, UDPRoute ----

export interface StreamRouteRule {
  readonly name?: string;
  readonly backendRefs?: readonly BackendRef[];
}

export type TlsRoute = RouteObject<'TLSRoute', StreamRouteRule, true>;

export type TcpRoute = RouteObject<'TCPRoute', StreamRouteRule, false>;

export type UdpRoute = RouteObject<'UDPRoute', StreamRouteRule, false>;

// ---- ReferenceGrant ----

export interface ReferenceGrant {
  readonly apiVersion: typeof GATEWAY_API_VERSION | `${typeof GATEWAY_API_GROUP}/v1beta1`;
  readonly kind: 'ReferenceGrant';
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly from: readonly { readonly group: string; readonly kind: string; readonly namespace: string }[];
    readonly to: readonly { readonly group: string; readonly kind: string; readonly name?: string }[];
  };
}

export type GatewayApiRoute = HttpRoute | GrpcRoute | TlsRoute | TcpRoute | UdpRoute;
export type GatewayApiObject = GatewayClass | Gateway | GatewayApiRoute | ReferenceGrant;
export type GatewayApiKind = GatewayApiObject['kind'];

export const GATEWAY_API_KINDS: readonly GatewayApiKind[] = [
  'GatewayClass',
  'Gateway',
  'HTTPRoute',
  'GRPCRoute',
  'TLSRoute',
  'TCPRoute',
  'UDPRoute',
  'ReferenceGrant',
];
