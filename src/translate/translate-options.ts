/** Inputs to `translate` besides the resources: settings from flags and the config file. Pure data. */
import type { LoadBalancingPolicyName } from './annotations-lb.js';
import type { TlsOptionsIR } from '../ir/ir-types.js';
import type { GroupTracing } from './tracing-settings.js';

export interface GroupSettings {
  readonly httpPort: number;
  readonly httpsPort: number;
  /**
   * The cluster the group's gateways sit in: its endpoints get priority 0 and other clusters' endpoints
   * are failover (priority 1). Unset: every cluster's endpoints share priority 0.
   */
  readonly homeCluster?: string;
  /**
   * Opt-in: the port of the gateways' health listener for an external load balancer (`GET /healthz`:
   * 200 while serving, 503 once drained or after Envoy's admin `POST /healthcheck/fail`). Unset: none.
   */
  readonly healthPort?: number;
  /**
   * The load-balancing policy of the group's backends whose Service sets no `causeway.dev/load-balance`
   * (config file `loadBalancing`). Unset: round robin.
   */
  readonly loadBalancing?: LoadBalancingPolicyName;
  /** Response compression of the group (config file `compression:`); unset: no route compresses by default. */
  readonly compression?: GroupCompression;
  /** TLS versions, cipher suites and ALPN of the group's certificates (config file `tls:`); unset: defaults. */
  readonly tls?: TlsOptionsIR;
  /** OpenTelemetry tracing of the group (config file `tracing:`); unset: no tracing. */
  readonly tracing?: GroupTracing;
  /** Open connections each gateway accepts per HTTP filter chain (config file `connectionLimit:`); unset: no cap. */
  readonly connectionLimit?: GroupConnectionLimit;
  /** The gateways' access log (config file `accessLog:`); unset: JSON lines to stdout (src/translate/access-log.ts). */
  readonly accessLog?: GroupAccessLog;
  /** Opt-in: the port of the gateways' Prometheus stats listener (config file `metricsPort`); unset: none. */
  readonly metricsPort?: number;
  /** How far X-Forwarded-For is trusted (config file `clientIp:`); unset: the TCP peer is the client. */
  readonly clientIp?: GroupClientIp;
  /** Every listener of the group requires a PROXY protocol header (config file `proxyProtocol:`). */
  readonly proxyProtocol?: boolean;
}

/** A group's cap on open downstream connections (Envoy's connection_limit filter). */
export interface GroupConnectionLimit {
  readonly maxConnections: number;
}

/** A group's access log as the config file sets it (src/config/access-log-config.ts checked it). */
export interface GroupAccessLog {
  readonly enabled: boolean;
  readonly format: 'json' | 'text';
  /** JSON only: field name -> one allowed command operator, sorted; absent: the default fields. */
  readonly fields?: Readonly<Record<string, string>>;
  /** Text only: the line, with allowed command operators; absent: the default line. */
  readonly textFormat?: string;
  /** `stdout`, `stderr` or an absolute file path. */
  readonly destination: string;
  /** Share of requests (and TCP connections) logged, 0 to 100. */
  readonly samplePercent: number;
}

/** A group's trust in X-Forwarded-For: by hop count or by proxy address, never both. */
export type GroupClientIp =
  /** Hops from the right of X-Forwarded-For added by trusted proxies; 0: none (the TCP peer). */
  | { readonly trustedHops: number }
  /** Canonical CIDRs of the trusted proxies (sorted, at least one). */
  | { readonly trustedCidrs: readonly string[] };

/** A group's response compression: the encodings every route uses unless its Ingress says otherwise. */
export interface GroupCompression {
  /** In the filter order (br, zstd, gzip); empty: routes compress only when their Ingress asks. */
  readonly encodings: readonly ('br' | 'zstd' | 'gzip')[];
  /** Smallest response (Content-Length) compressed, in bytes. */
  readonly minBytes: number;
  /** Media types compressed; absent: Envoy's built-in list (text/html, application/json, ...). */
  readonly contentTypes?: readonly string[];
}

export interface TranslateOptions {
  /** Listener ports of every group unless `groups` overrides them. */
  readonly defaults: GroupSettings;
  /** Groups declared in the config file (served even with no Ingress), with optional per-group ports. */
  readonly groups: Readonly<Record<string, Partial<GroupSettings>>>;
  /** Zone of each source cluster, for endpoints whose EndpointSlice gives none. */
  readonly clusterZones?: Readonly<Record<string, string>>;
}

export const DEFAULT_TRANSLATE_OPTIONS: TranslateOptions = {
  defaults: { httpPort: 8080, httpsPort: 8443 },
  groups: {},
};

export function groupSettings(options: TranslateOptions, group: string): GroupSettings {
  return { ...options.defaults, ...(options.groups[group] ?? {}) };
}
