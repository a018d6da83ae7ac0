/**
 * The intermediate representation: what every gateway group should serve, independent of Envoy or AWS.
 * Plain readonly data, serializable to YAML, sorted, with stable names that point back at the objects
 * that produced each node (so status, NACKs and metrics can name the Ingress responsible).
 */
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
  /** Upstream services (one per Service port used), sorted by name. */
  readonly backends: readonly BackendIR[];
  /** TLS certificates, sorted by name. */
  readonly secrets: readonly SecretIR[];
}

export interface HttpListenerIR {
  readonly name: string;
  readonly port: number;
  readonly virtualHosts: readonly VirtualHostIR[];
  /** The group's response compression settings (its compressor filters); absent: no compressor filters. */
  readonly compression?: CompressionFilterIR;
}

/** Response compression of a group's listeners: one compressor filter per encoding, off unless a route turns it on. */
export interface CompressionFilterIR {
  /** Smallest response (Content-Length) compressed, in bytes. */
  readonly minBytes: number;
  /** Media types compressed (sorted); absent: Envoy's built-in list (text/html, application/json, ...). */
  readonly contentTypes?: readonly string[];
}

export interface HttpsListenerIR {
  readonly name: string;
  readonly port: number;
  /** One filter chain per certificate; sorted by name. */
  readonly filterChains: readonly TlsFilterChainIR[];
  /** As on the HTTP listener. */
  readonly compression?: CompressionFilterIR;
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

export type RouteActionIR =
  | { readonly kind: 'forward'; readonly backend: string }
  | { readonly kind: 'direct'; readonly status: number; readonly body: string }
  | { readonly kind: 'https-redirect' };

export interface RouteIR {
  /** `ingress/<ns>/<name>/rule/<i>/path/<j>` or `ingress/<ns>/<name>/default-backend`. */
  readonly name: string;
  readonly match: PathMatchIR;
  readonly authority?: AuthorityMatchIR;
  readonly action: RouteActionIR;
  /** Whole-request deadline (annotation request-timeout), in seconds; 0 disables it (the default). */
  readonly timeoutSeconds: number;
  /** Longest time without a byte in either direction, in seconds; 0 disables it. */
  readonly idleTimeoutSeconds: number;
  /** Whether HTTP/1.1 WebSocket upgrades pass on this route. */
  readonly websocket: boolean;
  /** Largest request body, in bytes (larger: 413; the route buffers the body); absent: unlimited. */
  readonly maxRequestBytes?: number;
  /** Retries, response compression and mirroring of the Ingress's routes; absent: none of them. */
  readonly resilience?: ResilienceIR;
  readonly source: ObjectRef;
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
  readonly connectTimeoutSeconds: number;
  /** Active health checking of the endpoints (Service annotations), if asked for. */
  readonly healthCheck?: HealthCheckIR;
  /** Passive health checking (outlier detection), if asked for. */
  readonly outlierDetection?: OutlierDetectionIR;
  /** How endpoints of several clusters share traffic (annotation causeway.dev/cross-cluster). */
  readonly crossCluster: 'failover' | 'round-robin';
  readonly endpoints: readonly LocalityEndpointsIR[];
  /** The Ingresses whose routes use this backend (sorted), for NACK attribution. */
  readonly sources: readonly ObjectRef[];
}

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

export interface SecretIR {
  /** `<namespace>/<name>` of the Kubernetes Secret. */
  readonly name: string;
  readonly certificateChain: string;
  readonly privateKey: string;
  readonly source: ObjectRef;
}
