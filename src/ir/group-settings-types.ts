/**
 * The group-wide settings the IR carries beside its listeners and routes (access log, metrics listener,
 * tracing, connection limit, client address, compression, TLS options): plain data with no reference back
 * into the rest of the IR. Re-exported by ir-types.ts.
 */

/** Where and how a group's gateways log each request (HTTP) and connection (TCP). */
export interface AccessLogIR {
  /** `stdout`, `stderr` or an absolute file path on the gateway. */
  readonly destination: string;
  /** Share logged, 0 to 100 (100: every request). */
  readonly samplePercent: number;
  readonly http: AccessLogFormatIR;
  readonly tcp: AccessLogFormatIR;
}

/** One JSON object per line (field name -> Envoy command operator, sorted), or a text line. */
export type AccessLogFormatIR =
  { readonly json: Readonly<Record<string, string>> } | { readonly text: string };

/** The listener that serves the gateway's own Prometheus stats (`GET /stats/prometheus`) to scrapers. */
export interface MetricsListenerIR {
  /** `metrics`. */
  readonly name: string;
  readonly port: number;
}

/** How a group's connection managers trace requests: OTLP over gRPC to a collector. */
export interface TracingIR {
  /** The `service.name` of the gateways' spans. */
  readonly serviceName: string;
  /** Share of requests traced (random sampling), 0 to 100. */
  readonly samplingPercent: number;
  /**
   * The collector's Envoy cluster: a backend of the group (a Service, EDS), or the group's own
   * `tracing/collector` cluster to a host:port (STATIC for an IP address, STRICT_DNS for a name).
   */
  readonly collector:
    | { readonly kind: 'backend'; readonly backend: string }
    | { readonly kind: 'address'; readonly cluster: string; readonly host: string; readonly port: number };
}

/** Open downstream connections a gateway accepts per filter chain; more are closed at once. */
export interface ConnectionLimitIR {
  readonly maxConnections: number;
}

/**
 * How a group's listeners find the client address (Envoy's downstream remote address), which source
 * access lists, access logs and rate limits by client use.
 */
export interface ClientAddressIR {
  /** X-Forwarded-For hops (from the right) set by trusted proxies; absent: XFF is not trusted. */
  readonly trustedHops?: number;
  /**
   * Proxies trusted by address (canonical CIDRs, sorted): the client is the rightmost XFF entry outside
   * them, when the peer is one of them. Never with `trustedHops`.
   */
  readonly trustedCidrs?: readonly string[];
  /** The PROXY protocol (v1 or v2) header is required on every connection and gives the address. */
  readonly proxyProtocol?: true;
}

/** Response compression of a group's listeners: one compressor filter per encoding, off unless a route turns it on. */
export interface CompressionFilterIR {
  /** Smallest response (Content-Length) compressed, in bytes. */
  readonly minBytes: number;
  /** Media types compressed (sorted); absent: Envoy's built-in list (text/html, application/json, ...). */
  readonly contentTypes?: readonly string[];
}

/** TLS settings of every terminated filter chain of a group (unset fields: the gateway defaults). */
export interface TlsOptionsIR {
  /** Default `1.2`. */
  readonly minVersion?: TlsVersionIR;
  /** Default `1.3`. */
  readonly maxVersion?: TlsVersionIR;
  /** BoringSSL names of TLS 1.2 suites (TLS 1.3 ones all stay offered), in preference order; absent: Envoy's list. */
  readonly cipherSuites?: readonly string[];
  /** ALPN protocols offered, in preference order; absent: h2, http/1.1. */
  readonly alpn?: readonly AlpnProtocolIR[];
}

export type TlsVersionIR = '1.2' | '1.3';

export type AlpnProtocolIR = 'h2' | 'http/1.1';
