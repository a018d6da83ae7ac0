/**
 * The intermediate representation: what every gateway group should serve, independent of Envoy or AWS.
 * Plain readonly data, serializable to YAML, sorted, with stable names that point back at the objects
 * that produced each node (so status, NACKs and metrics can name the Ingress responsible).
 */
import type {
  AccessLogIR,
  ClientAddressIR,
  CompressionFilterIR,
  ConnectionLimitIR,
  MetricsListenerIR,
  TlsOptionsIR,
  TracingIR,
} from './group-settings-types.js';
export type {
  AccessLogFormatIR,
  AccessLogIR,
  AlpnProtocolIR,
  ClientAddressIR,
  CompressionFilterIR,
  ConnectionLimitIR,
  MetricsListenerIR,
  TlsOptionsIR,
  TlsVersionIR,
  TracingIR,
} from './group-settings-types.js';
import type { ObjectRef } from '../errors.js';
import type {
  EndpointLocality,
  PathMatch,
  SelectedEndpoint,
  ServicePortRef,
} from '../ingress/ingress-types.js';

export interface IR {
  /** Sorted by name. Always contains `default` and every group named in the controller config. */
  readonly groups: readonly GatewayGroupIR[];
}

export interface GatewayGroupIR {
  readonly name: string;
  readonly http: HttpListenerIR;
  /** Present when at least one valid TLS host exists in the group. */
  readonly https?: HttpsListenerIR;
  /** The health listener for an external load balancer (opt-in per group: `healthPort`). */
  readonly health?: HealthListenerIR;
  /** TCP services exposed on their own gateway port (`causeway.dev/gateway-tcp-port`), sorted by port. */
  readonly tcp: readonly TcpListenerIR[];
  /** UDP services on their own gateway port (`causeway.dev/gateway-udp-port`), sorted by port; absent: none. */
  readonly udp?: readonly UdpListenerIR[];
  /** Upstream services (one per Service port used), sorted by name. */
  readonly backends: readonly BackendIR[];
  /** TLS certificates, sorted by name. */
  readonly secrets: readonly SecretIR[];
  /** The access log of every HTTP connection manager and TCP proxy of the group; absent: none. */
  readonly accessLog?: AccessLogIR;
  /** The Prometheus stats listener (opt-in per group: `metricsPort`); absent: none. */
  readonly metrics?: MetricsListenerIR;
  /** Gateway API HTTP listeners on ports other than `http`'s (`http/<port>`), sorted by port; absent: none. */
  readonly extraHttp?: readonly HttpListenerIR[];
  /** Gateway API HTTPS listeners on ports other than `https`'s (`https/<port>`), sorted by port; absent: none. */
  readonly extraHttps?: readonly HttpsListenerIR[];
}

export interface HttpListenerIR {
  readonly name: string;
  readonly port: number;
  readonly virtualHosts: readonly VirtualHostIR[];
  /** The group's response compression settings (its compressor filters); absent: no compressor filters. */
  readonly compression?: CompressionFilterIR;
  /** OpenTelemetry tracing of the group's requests (config file `tracing:`); absent: no tracing. */
  readonly tracing?: TracingIR;
  /** The group's cap on open connections per filter chain (config file `connectionLimit`); absent: none. */
  readonly connectionLimit?: ConnectionLimitIR;
  /** How the client address is found (config `clientIp`, `proxyProtocol`); absent: the TCP peer. */
  readonly clientAddress?: ClientAddressIR;
}

export interface HttpsListenerIR {
  readonly name: string;
  readonly port: number;
  /** One filter chain per certificate; sorted by name. */
  readonly filterChains: readonly TlsFilterChainIR[];
  /** As on the HTTP listener. */
  readonly compression?: CompressionFilterIR;
  /** Hosts whose TLS connections go as they are to a backend (`causeway.dev/ssl-passthrough`), sorted by name; absent: none. */
  readonly passthrough?: readonly PassthroughChainIR[];
  /** The group's TLS versions, cipher suites and ALPN (config file `tls:`); absent: the defaults. */
  readonly tlsOptions?: TlsOptionsIR;
  /** As on the HTTP listener. */
  readonly tracing?: TracingIR;
  /** As on the HTTP listener (each certificate's filter chain counts its own connections). */
  readonly connectionLimit?: ConnectionLimitIR;
  /** As on the HTTP listener. */
  readonly clientAddress?: ClientAddressIR;
}

/** A TLS passthrough host: connections with this SNI are proxied as TCP to the backend, not terminated. */
export interface PassthroughChainIR {
  /** `passthrough/<host>`. */
  readonly name: string;
  /** The SNI names (the host, maybe a `*.` wildcard). */
  readonly serverNames: readonly string[];
  /**
   * Name of the BackendIR (a `passthrough/...` cluster: raw TCP, no TLS of its own); absent when the
   * backend does not resolve: connections with this SNI are closed (never terminated by another chain).
   */
  readonly backend?: string;
  /** A TLSRoute's backendRefs split by weight (two or more; `backend` is the first); absent: `backend` only. */
  readonly weightedBackends?: readonly WeightedBackendIR[];
  /** The backend's `affinity: source-ip`: the TCP proxy hashes the client address; absent: no hash. */
  readonly hashSourceIp?: boolean;
  readonly source: ObjectRef;
}

export interface HealthListenerIR {
  /** `health`. */
  readonly name: string;
  readonly port: number;
  /** The path the load balancer checks (`/healthz`); other paths get 404. */
  readonly path: string;
}

export interface TcpListenerIR {
  /** `tcp/<port>`. */
  readonly name: string;
  readonly port: number;
  /** Name of the BackendIR (the Envoy cluster). */
  readonly backend: string;
  /** A TCPRoute's backendRefs split by weight (two or more; `backend` is the first); absent: `backend` only. */
  readonly weightedBackends?: readonly WeightedBackendIR[];
  /** The backend's `affinity: source-ip`: the TCP proxy hashes the client address; absent: no hash. */
  readonly hashSourceIp?: boolean;
  /** The group's `proxyProtocol: true`: the PROXY header is required and gives the client address. */
  readonly proxyProtocol?: true;
  /**
   * Who may connect (the Service's `causeway.dev/*-source-range`): canonical CIDRs, the allow list
   * without the deny list (sorted); absent: every client; empty: none (a bad list fails closed).
   */
  readonly allowedSources?: readonly string[];
  readonly source: ObjectRef;
}

/**
 * A gateway UDP port proxied to one backend (Envoy's UDP proxy: one session per client address and
 * port, ended after `idleTimeoutSeconds` without a datagram either way). Fed by a Service annotated
 * `causeway.dev/gateway-udp-port` or by a Gateway API UDPRoute.
 */
export interface UdpListenerIR {
  /** `udp/<port>`. */
  readonly name: string;
  readonly port: number;
  /**
   * Name of the BackendIR (a `udp/<ns>/<name>/<port>` cluster whose endpoints are UDP ports). Envoy's
   * UDP proxy routes a listener to one cluster: several weighted backends (a UDPRoute's backendRefs)
   * would need one BackendIR with weighted endpoints (no such weight in the IR yet).
   */
  readonly backend: string;
  readonly idleTimeoutSeconds: number;
  /** The backend's `affinity: source-ip`: the UDP proxy hashes the client address; absent: no hash. */
  readonly hashSourceIp?: boolean;
  /** The object that asked for the port: a Service or a UDPRoute. */
  readonly source: ObjectRef;
}

export interface TlsFilterChainIR {
  /** Stable name, e.g. `https/<secret namespace>/<secret name>`. */
  readonly name: string;
  /** SNI names this chain answers (sorted); empty for the default chain (clients without a matching SNI). */
  readonly serverNames: readonly string[];
  /** Name of the SecretIR holding the certificate. */
  readonly secret: string;
  readonly virtualHosts: readonly VirtualHostIR[];
  /** Client-certificate authentication of the chain's hosts (`causeway.dev/auth-tls-*`); absent: none. */
  readonly clientCert?: ClientCertIR;
}

/** `on`: required and verified; `optional`: asked for, verified when sent; `optional_no_ca`: asked for, not verified. */
export type ClientCertModeIR = 'on' | 'optional' | 'optional_no_ca';

/** What a filter chain asks of its clients' certificates, and what its routes pass to the backends. */
export interface ClientCertIR {
  /** Name of the `trusted-ca` SecretIR the certificates must chain to. */
  readonly caSecret: string;
  readonly mode: ClientCertModeIR;
  /** Intermediate CA certificates allowed between the client certificate and the trust anchor (0 to 99). */
  readonly verifyDepth: number;
  /** Whether the PEM certificate (URL-escaped) goes to the backend in `ssl-client-cert`. */
  readonly passCertificate: boolean;
}

export interface VirtualHostIR {
  /** The host (`foo.com`, `*.foo.com`) or `*` for rules without a host. */
  readonly name: string;
  readonly domains: readonly string[];
  /** Ordered: first match wins. */
  readonly routes: readonly RouteIR[];
}

/** An Ingress path match, as the shared Ingress reader validated it. */
export type PathMatchIR = PathMatch;

export interface AuthorityMatchIR {
  /** Regular expression (RE2) over the :authority header. */
  readonly regex: string;
  readonly invert: boolean;
}

/** One backend of a weighted split, with its share (relative to the sum of the split's weights). */
export interface WeightedBackendIR {
  /** Name of the BackendIR (the Envoy cluster). */
  readonly backend: string;
  readonly weight: number;
}

/** A request header condition of a route: an exact value, or an RE2 regex the whole value must match. */
export interface HeaderMatchIR {
  /** Lowercase header name. */
  readonly name: string;
  readonly match:
    { readonly kind: 'exact'; readonly value: string } | { readonly kind: 'regex'; readonly regex: string };
}

/** A query parameter condition of a route: an exact value, or an RE2 regex the whole value must match. */
export interface QueryParamMatchIR {
  readonly name: string;
  readonly match: HeaderMatchIR['match'];
}

/**
 * A redirect answered by the gateway: each part of the Location that is set replaces the request's
 * (scheme, host, port, path); the others are kept, and so is the query unless `stripQuery`.
 */
export interface RedirectIR {
  readonly scheme?: 'http' | 'https';
  readonly host?: string;
  readonly port?: number;
  /** The path, and a query that replaces the request's when it has one. */
  readonly path?: string;
  readonly stripQuery?: boolean;
  /** Replaces the matched path prefix (Gateway API ReplacePrefixMatch); never with `path`. */
  readonly prefix?: string;
  readonly code: 301 | 302 | 303 | 307 | 308;
}

export type RouteActionIR =
  | { readonly kind: 'forward'; readonly backend: string }
  /** Split between backends by weight (canary-weight, weighted-backends); sorted as declared, main first. */
  | { readonly kind: 'weighted'; readonly backends: readonly WeightedBackendIR[] }
  | { readonly kind: 'direct'; readonly status: number; readonly body: string }
  | ({ readonly kind: 'redirect' } & RedirectIR);

/** A path rewrite: `regex` (RE2, over the path without query) replaced by `substitution` (`\1` = group 1). */
export interface PathRewriteIR {
  readonly regex: string;
  readonly substitution: string;
}

export interface RouteIR {
  /** `ingress/<ns>/<name>/rule/<i>/path/<j>` or `ingress/<ns>/<name>/default-backend`. */
  readonly name: string;
  readonly match: PathMatchIR;
  readonly authority?: AuthorityMatchIR;
  /** Request header conditions, all of which must hold (canary by header or cookie); absent: none. */
  readonly headers?: readonly HeaderMatchIR[];
  /** Query parameter conditions (Gateway API), all of which must hold; names case-sensitive; absent: none. */
  readonly queryParams?: readonly QueryParamMatchIR[];
  readonly action: RouteActionIR;
  /** Whole-request deadline (annotation request-timeout), in seconds; 0 disables it (the default). */
  readonly timeoutSeconds: number;
  /** Longest time without a byte in either direction, in seconds; 0 disables it. */
  readonly idleTimeoutSeconds: number;
  /** Whether HTTP/1.1 WebSocket upgrades pass on this route. */
  readonly websocket: boolean;
  /** Largest request body, in bytes (larger: 413; the route buffers the body); absent: unlimited. */
  readonly maxRequestBytes?: number;
  /** The session affinity of the route's backend (its hash policy); absent: none. */
  readonly sessionAffinity?: SessionAffinityIR;
  /** The path the backend receives (annotation rewrite-target); absent: unchanged. */
  readonly rewrite?: PathRewriteIR;
  /** The Host the backend receives (Gateway API URLRewrite hostname); absent: unchanged. */
  readonly hostRewrite?: string;
  /** Header changes and CORS of the Ingress (annotations `causeway.dev/*-headers-*`, `*cors*`); absent: none. */
  readonly headerPolicy?: HeaderPolicyIR;
  /** Retries, response compression and mirroring of the Ingress's routes; absent: none of them. */
  readonly resilience?: ResilienceIR;
  /** Tracing of the Ingress's routes (causeway.dev/enable-opentelemetry); absent: the group's tracing. */
  readonly tracing?: RouteTracingIR;
  /** External auth of the Ingress's routes (annotation `causeway.dev/auth-url`); absent: none. */
  readonly extAuth?: ExtAuthIR;
  /** Local rate limits per client address (annotations `causeway.dev/limit-*`); absent: none. */
  readonly rateLimit?: RateLimitIR;
  /** The Ingress asked for no access log lines of its routes (`causeway.dev/enable-access-log: "false"`). */
  readonly silenceAccessLog?: true;
  /** Basic auth of the Ingress (annotations `causeway.dev/auth-*`); absent: none. */
  readonly basicAuth?: BasicAuthIR;
  /** Who may reach the route by client address (`causeway.dev/*-source-range`); absent: every client. */
  readonly sourceAccess?: SourceAccessIR;
  readonly source: ObjectRef;
}

/**
 * External auth of a route: ask the auth service first (`check`), or answer 503 because the Ingress's
 * auth annotations are unusable (`refused`: fail closed, never open by mistake).
 */
export type ExtAuthIR =
  | { readonly kind: 'check'; readonly service: ExtAuthServiceIR; readonly signin?: AuthSigninIR }
  | { readonly kind: 'refused' };

/** One auth service configuration (one ext_authz filter per distinct configuration in a group). */
export interface ExtAuthServiceIR {
  /** The auth URL as written (`http://<svc>.<ns>...`). */
  readonly url: string;
  /** Name of the BackendIR (the Envoy cluster) of the auth Service. */
  readonly backend: string;
  /** The path every check request goes to (the auth URL's path, `/` when it has none), as ingress-nginx. */
  readonly path: string;
  readonly timeoutSeconds: number;
  /** Auth service unreachable or timed out: pass the request (`true`) or answer 503. */
  readonly failOpen: boolean;
  /** Lowercase client request headers sent to the auth service (sorted). */
  readonly requestHeaders: readonly string[];
  /** Lowercase headers of a 2xx auth answer copied to the upstream request (sorted). */
  readonly responseHeaders: readonly string[];
}

/** A 401 of the auth service becomes a 302 to `url` with the original URL in query parameter `param`. */
export interface AuthSigninIR {
  readonly url: string;
  readonly param: string;
}

/** A route's own tracing: only ever `false` (the group's tracing is the default). */
export interface RouteTracingIR {
  readonly enabled: false;
}

/** A client address range: its network address (host bits cleared) and prefix length. */
export interface CidrIR {
  readonly address: string;
  readonly prefixLength: number;
}

/** A token bucket kept per client address: it holds `maxTokens`, and `tokensPerFill` come back every interval. */
export interface TokenBucketIR {
  /** Which annotation it comes from: `limit-rps` (second) or `limit-rpm` (minute). */
  readonly per: 'second' | 'minute';
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  readonly fillIntervalSeconds: number;
}

/** The local rate limit of a route: every bucket must have a token for a request to pass (else 429). */
export interface RateLimitIR {
  /** Per second first, then per minute. */
  readonly buckets: readonly TokenBucketIR[];
  /** Client ranges not limited (sorted); absent: none. */
  readonly exempt?: readonly CidrIR[];
}

/**
 * Basic auth of a route: the users (htpasswd `{SHA}` entries) of its Secret, verified by the gateway.
 * No user (a missing or unusable Secret, or a bad setting): the route answers 503 (fails closed).
 */
export interface BasicAuthIR {
  /** The realm of `WWW-Authenticate: Basic realm="..."`. */
  readonly realm: string;
  /** The htpasswd Secret, `namespace/name`; absent when the annotations name none usable. */
  readonly secret?: string;
  /** The usable entries, sorted by user. */
  readonly users: readonly { readonly user: string; readonly hash: string }[];
  /**
   * `controller` when an entry is not `{SHA}` (bcrypt): the gateway asks the controller to check every
   * user of the Secret (ext_authz over the xDS connection) instead of checking them itself. Absent: the
   * gateway's basic_auth filter checks them.
   */
  readonly checkedBy?: 'controller';
}

/**
 * Who may reach a route by client address: Envoy's downstream remote address, which the group's
 * `clientIp` (trusted X-Forwarded-For hops) and `proxyProtocol` settings decide. Others get 403.
 */
export interface SourceAccessIR {
  /** Canonical CIDRs (`network/prefix`, sorted) a client must be in; absent: any address. */
  readonly allow?: readonly string[];
  /** Canonical CIDRs whose clients are refused, even when `allow` holds them (deny wins). */
  readonly deny?: readonly string[];
  /** A bad value fails closed: every client is refused (a diagnostic says why). */
  readonly refuseAll?: true;
}

/** One header with a static value (the literal text: no format operators). */
export interface HeaderValueIR {
  /** Lowercase. */
  readonly name: string;
  readonly value: string;
}

/** Changes to the request or response headers of a route: removals first, then `set`, then `add`. */
export interface HeaderMutationIR {
  /** Replace the header (or add it when absent). */
  readonly set: readonly HeaderValueIR[];
  /** Add the header, keeping any existing value. */
  readonly add: readonly HeaderValueIR[];
  /** Lowercase names removed. */
  readonly remove: readonly string[];
}

/** An allowed CORS origin: any, one exact origin, or a wildcard subdomain pattern (RE2 regex, anchored). */
export type CorsOriginIR =
  | { readonly kind: 'any' }
  | { readonly kind: 'exact'; readonly origin: string }
  | { readonly kind: 'pattern'; readonly origin: string; readonly regex: string };

/** The CORS policy the gateway enforces for a route (preflights answered by the gateway). */
export interface CorsPolicyIR {
  readonly allowOrigins: readonly CorsOriginIR[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly allowCredentials: boolean;
  readonly maxAgeSeconds: number;
}

export interface HeaderPolicyIR {
  readonly request?: HeaderMutationIR;
  readonly response?: HeaderMutationIR;
  readonly cors?: CorsPolicyIR;
}

export type CompressionEncodingIR = 'br' | 'zstd' | 'gzip';

/** The resilience policy of a route (rendered on forwarding routes only). */
export interface ResilienceIR {
  /** Retries of a forwarded request; absent: none. */
  readonly retry?: RetryPolicyIR;
  /** Response encodings this route compresses with, in the filter order (br, zstd, gzip); absent: none. */
  readonly compression?: readonly CompressionEncodingIR[];
  /** A copy of each (or a share of) request sent to another backend, its answer discarded. */
  readonly mirror?: MirrorIR;
}

export interface RetryPolicyIR {
  /** Envoy retry conditions (sorted). */
  readonly on: readonly string[];
  /** Retries after the first try (at least 1). */
  readonly count: number;
  /** Deadline of each try, in seconds; absent: none. */
  readonly perTryTimeoutSeconds?: number;
  /** Answer status codes retried (sorted; with the condition `retriable-status-codes`). */
  readonly statusCodes?: readonly number[];
  /** Only idempotent methods are retried (a condition may fire after the app saw the request). */
  readonly idempotentOnly: boolean;
}

export interface MirrorIR {
  /** Name of the BackendIR (the Envoy cluster) receiving the copies. */
  readonly backend: string;
  /** Share of requests copied, 0 to 100. */
  readonly percent: number;
}

/** One port of one Service (named ports resolved), as the shared Ingress reader resolved it. */
export type ServicePortRefIR = ServicePortRef;

export interface BackendIR {
  /** `service/<ns>/<name>/<port>`: also the Envoy cluster and ClusterLoadAssignment name. */
  readonly name: string;
  readonly service: ServicePortRefIR;
  readonly protocol: 'http1' | 'http2';
  /** TLS to the endpoints (backend protocol HTTPS or GRPCS); absent: cleartext. */
  readonly tls?: BackendTlsIR;
  readonly connectTimeoutSeconds: number;
  /** Active health checking of the endpoints (Service annotations), if asked for. */
  readonly healthCheck?: HealthCheckIR;
  /** Passive health checking (outlier detection), if asked for. */
  readonly outlierDetection?: OutlierDetectionIR;
  /** How endpoints of several clusters share traffic (annotation causeway.dev/cross-cluster). */
  readonly crossCluster: 'failover' | 'round-robin';
  /** Load-balancing policy and session affinity (Service annotations, config default); absent: round robin. */
  readonly loadBalancing?: LoadBalancingIR;
  readonly endpoints: readonly LocalityEndpointsIR[];
  /** The Ingresses whose routes use this backend (sorted), for NACK attribution. */
  readonly sources: readonly ObjectRef[];
}

export type LoadBalancingPolicyIR = 'round-robin' | 'least-request' | 'ring-hash' | 'maglev' | 'random';

export interface LoadBalancingIR {
  readonly policy: LoadBalancingPolicyIR;
  /** `least-request` only: endpoints compared per request. */
  readonly choiceCount?: number;
  /** Only with `ring-hash` or `maglev`: what keeps a client on one endpoint. */
  readonly affinity?: SessionAffinityIR;
}

/** What a consistent-hash backend hashes to keep a client on one endpoint. */
export type SessionAffinityIR =
  | {
      readonly kind: 'cookie';
      readonly name: string;
      readonly path: string;
      /** Cookie lifetime; 0: a session cookie. */
      readonly ttlSeconds: number;
    }
  | { readonly kind: 'header'; readonly header: string }
  | { readonly kind: 'source-ip' };
/**
 * How a gateway opens TLS to a backend: the SNI it sends, and either the CA (a `trusted-ca` SecretIR)
 * the certificate must chain to plus the DNS name (the SNI) it must carry, or no verification at all
 * (asked for explicitly, with a warning diagnostic on the Service).
 */
export type BackendTlsIR =
  | { readonly verify: true; readonly sni: string; readonly caSecret: string }
  | { readonly verify: false; readonly sni: string };

export interface HealthCheckIR {
  /** `http`: GET of `path`, 2xx healthy; `tcp`: a connect. */
  readonly kind: 'http' | 'tcp';
  readonly path?: string;
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface OutlierDetectionIR {
  readonly consecutive5xx: number;
  readonly baseEjectionSeconds: number;
}

/** The selected endpoints of one locality (cluster, zone) with its failover priority (src/ingress/endpoints.ts). */
export type LocalityEndpointsIR = EndpointLocality;

/** One endpoint chosen to receive traffic. */
export type EndpointIR = SelectedEndpoint;

/** A Secret a gateway gets over SDS: a serving certificate, or the CA certificates of backends. */
export type SecretIR = CertificateSecretIR | TrustedCaSecretIR;

export interface CertificateSecretIR {
  /** Absent: a serving certificate (the only kind before backend TLS). */
  readonly kind?: 'certificate';
  /** `<namespace>/<name>` of the Kubernetes Secret. */
  readonly name: string;
  readonly certificateChain: string;
  readonly privateKey: string;
  readonly source: ObjectRef;
}

/** The `ca.crt` of a Secret, to verify backends' certificates (no private key ever). */
export interface TrustedCaSecretIR {
  readonly kind: 'trusted-ca';
  /** `ca/<namespace>/<name>` (distinct from a serving certificate read from the same Secret). */
  readonly name: string;
  /** PEM CERTIFICATE blocks only, as read from `ca.crt`. */
  readonly trustedCa: string;
  readonly source: ObjectRef;
}
