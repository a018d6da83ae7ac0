/**
 * The bootstrap of a dedicated Envoy gateway: who it is (node id, gateway group, locality), where its
 * control plane is (one static HTTP/2 cluster, `causeway_xds`, with one endpoint per controller replica),
 * and that everything else (clusters, listeners, and through them routes, endpoints and secrets) arrives
 * over one delta ADS stream. With thousands of backends, per-cluster state is most of a gateway's memory
 * and start-up CPU: a cluster's traffic stats (unless `clusterStats`) and each worker's copy of a cluster
 * are created on first use.
 *
 * With `xdsTls`, the xDS connection is mutual TLS. The client certificate, key and CA come from SDS
 * files (`buildXdsTlsSdsFiles`) that name the PEM files, with `watched_directory` set, so Envoy reloads
 * them when they are rotated on disk (an atomic move into the directory, as Kubernetes Secret volumes
 * do) without a restart. The controller's certificate must be signed by the CA and carry one of
 * `serverNames` (default: the xDS hosts) as a DNS or IP SAN.
 *
 * Pure: no clock, environment or I/O. Output is Envoy's canonical proto3 JSON, deterministic.
 */
import net from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';
import { CausewayError } from '../../src/errors.js';
import { ADDRESS_METADATA_KEY } from '../server/connection.js';
import { XDS_CLUSTER_NAME } from '../translator/common.js';
import { ADMIN_CLUSTER_NAME } from '../translator/listener-metrics.js';

export const BOOTSTRAP_TYPE_URL = 'type.googleapis.com/envoy.config.bootstrap.v3.Bootstrap';
/** The static cluster that carries the ADS stream (and basic auth checks) to the Causeway controller. */
export { XDS_CLUSTER_NAME };
export const DEFAULT_ADMIN_PORT = 9901;
export const DEFAULT_ADMIN_ADDRESS = '127.0.0.1';
/** The SDS resource names (and file names) of the xDS client certificate and of its validation context. */
export const XDS_TLS_CERTIFICATE_SECRET = 'causeway_xds_client_certificate';
export const XDS_TLS_VALIDATION_SECRET = 'causeway_xds_validation_context';
const SECRET_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
const UPSTREAM_TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

const HTTP_PROTOCOL_OPTIONS_TYPE = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export interface XdsReconnectBackoff {
  /** First retry waits a random time in [0, base); each further retry doubles, up to max. */
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
}

/**
 * Envoy's own default for xDS streams is 500 ms / 30 s. A 1 s base spreads the reconnects of a whole
 * fleet after a controller restart over a second instead of half of one, and 30 s caps the wait.
 */
export const DEFAULT_XDS_RECONNECT: XdsReconnectBackoff = { baseIntervalMs: 1000, maxIntervalMs: 30_000 };

/** mTLS of the xDS connection (gateway side). Paths are as the gateway sees them. */
export interface XdsClientTls {
  /** PEM client certificate of this gateway (its URI SAN names its group, see docs/security.md). */
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM CA bundle that signs the controller's certificate. */
  readonly caFile: string;
  /** Where the two SDS files live (`buildXdsTlsSdsFiles` writes them; Envoy watches this directory). */
  readonly sdsDir: string;
  /** SANs accepted on the controller's certificate (DNS names or IPs); default: the xDS hosts. */
  readonly serverNames?: readonly string[];
}

export interface BootstrapOptions {
  /** The gateway group (a DNS label); becomes `node.cluster`, which the controller serves config by. */
  readonly group: string;
  /** The controller's xDS address: an IPv4/IPv6 address (STATIC cluster) or a DNS name (STRICT_DNS). */
  readonly xdsHost: string;
  readonly xdsPort: number;
  /**
   * More controller replicas: endpoints of the same xDS cluster. The ADS stream goes to one of them and,
   * when that one goes away, reconnects (with the jittered backoff) to another.
   */
  readonly additionalXdsAddresses?: readonly XdsAddress[];
  /** mTLS to the controller; absent: plaintext (development only). */
  readonly xdsTls?: XdsClientTls;
  /** Unique per gateway; `<group>-<hostname>` is the CLI's default. */
  readonly nodeId: string;
  /** Admin port, 1-65535; 0 lets the kernel choose (read it back with `--admin-address-path`). */
  readonly adminPort: number;
  /** Admin bind address; defaults to 127.0.0.1 (the admin API must not be reachable from outside). */
  readonly adminAddress?: string;
  /** Locality of this gateway (`topology.kubernetes.io/zone` / `region`), for zone-aware routing. */
  readonly zone?: string;
  readonly region?: string;
  /**
   * The address clients reach this gateway at (an IP or a DNS name), announced to the controller as the
   * node metadata `causeway.dev/address` (the fleet registry shows it; without it, the registry shows
   * the address the xDS connection comes from).
   */
  readonly address?: string;
  /** Jittered exponential backoff for re-establishing the ADS stream; defaults to DEFAULT_XDS_RECONNECT. */
  readonly xdsReconnect?: XdsReconnectBackoff;
  /** xDS variant: `delta` (default, incremental) or `sotw` (State of the World); the controller serves both. */
  readonly xdsProtocol?: 'delta' | 'sotw';
  /** TCP connect timeout to the controller; default 5000. */
  readonly xdsConnectTimeoutMs?: number;
  /**
   * Create every per-cluster stat (`cluster.<name>.*`, about 100 a cluster) when the cluster arrives, as
   * Envoy does by default. Default false: a cluster's traffic stats are created on its first use
   * (`enable_deferred_creation_stats`), which with thousands of backends saves a large part of a
   * gateway's memory and of its CPU time to apply a configuration.
   */
  readonly clusterStats?: boolean;
}

/** An Envoy bootstrap in canonical proto3 JSON (snake_case fields, `"1s"` durations). */
export type EnvoyBootstrap = Readonly<Record<string, unknown>>;

// ---------------------------------------------------------------------------------------------------
// Input validation (pure; throws CausewayError('CW_E_USAGE'))

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A Kubernetes label value (what zone and region labels hold), non-empty. */
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function usage(message: string): CausewayError {
  return new CausewayError('CW_E_USAGE', message);
}

/** A gateway group name: a lowercase RFC 1123 DNS label (1-63 characters). */
export function validateGroup(group: string): string {
  if (!DNS_LABEL.test(group)) {
    throw usage(
      `invalid gateway group ${JSON.stringify(group)}: must be a DNS label (1-63 lowercase letters, digits or '-', starting and ending with a letter or digit)`,
    );
  }
  return group;
}

/** A TCP port 1-65535 (0 too when `allowZero`), given as a number or decimal text. */
export function parsePort(value: string | number, what = 'port', allowZero = false): number {
  const n = typeof value === 'number' ? value : /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(n) || n < min || n > 65535) {
    throw usage(`invalid ${what} ${JSON.stringify(String(value))}: must be an integer from ${min} to 65535`);
  }
  return n;
}

/** A DNS name (RFC 1123 labels, case-insensitive, optional trailing dot), without wildcards. */
export function isDnsName(host: string): boolean {
  const h = host.endsWith('.') ? host.slice(0, -1) : host;
  if (h.length === 0 || h.length > 253) return false;
  return h.split('.').every((l) => DNS_LABEL.test(l.toLowerCase()));
}

export interface XdsAddress {
  readonly host: string;
  readonly port: number;
}

/** Parses `HOST:PORT` (`[IPv6]:PORT` for IPv6) where HOST is an IP address or a DNS name. */
export function parseXdsAddress(text: string): XdsAddress {
  const t = text.trim();
  const bracketed = /^\[([^\]]+)\]:([^:]*)$/.exec(t);
  const plain = /^([^:[\]]*):([^:]*)$/.exec(t);
  const m = bracketed ?? plain;
  if (!m) {
    throw usage(
      `invalid xDS address ${JSON.stringify(text)}: expected HOST:PORT (or [IPv6]:PORT), e.g. causeway.causeway-system:18000`,
    );
  }
  const host = m[1] ?? '';
  const portText = m[2] ?? '';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    throw usage(
      `invalid port ${JSON.stringify(portText)} in xDS address ${JSON.stringify(text)}: must be an integer from 1 to 65535`,
    );
  }
  const port = Number(portText);
  if (bracketed ? net.isIPv6(host) : net.isIPv4(host) || isDnsName(host)) return { host, port };
  throw usage(
    `invalid host ${JSON.stringify(host)} in xDS address ${JSON.stringify(text)}: expected an IP address or a DNS name`,
  );
}

/** A node id: 1-256 printable characters without whitespace. */
export function validateNodeId(id: string): string {
  if (!/^[\x21-\x7e]{1,256}$/.test(id)) {
    throw usage(
      `invalid node id ${JSON.stringify(id)}: must be 1-256 printable ASCII characters without spaces`,
    );
  }
  return id;
}

/** The address a gateway announces: an IPv4/IPv6 address or a DNS name. */
export function validateGatewayAddress(value: string): string {
  if (net.isIP(value) === 0 && !isDnsName(value)) {
    throw usage(`invalid gateway address ${JSON.stringify(value)}: expected an IP address or a DNS name`);
  }
  return value;
}

/** A locality value (zone or region), as Kubernetes topology labels hold them. */
export function validateLocality(value: string, what: 'zone' | 'region'): string {
  if (!LABEL_VALUE.test(value)) {
    throw usage(
      `invalid ${what} ${JSON.stringify(value)}: must be a Kubernetes label value (1-63 of A-Z a-z 0-9 - _ .)`,
    );
  }
  return value;
}

function validateBackoff(b: XdsReconnectBackoff): XdsReconnectBackoff {
  const ok = Number.isInteger(b.baseIntervalMs) && Number.isInteger(b.maxIntervalMs);
  if (!ok || b.baseIntervalMs < 1 || b.maxIntervalMs < b.baseIntervalMs) {
    throw usage(
      `invalid xDS reconnect backoff ${b.baseIntervalMs}ms..${b.maxIntervalMs}ms: needs integer milliseconds, 1 <= base <= max`,
    );
  }
  return b;
}

// ---------------------------------------------------------------------------------------------------
// The bootstrap

/** Milliseconds as a proto3 JSON duration: 1000 -> "1s", 250 -> "0.25s". */
export function durationMs(ms: number): string {
  return `${String(ms / 1000)}s`;
}

function socketAddress(address: string, port: number): Record<string, unknown> {
  return { socket_address: { address, port_value: port } };
}

/** An absolute path (the gateway's files are referenced from a config Envoy reads from anywhere). */
function absolutePath(p: string, what: string): string {
  if (!path.isAbsolute(p) || p.includes('\0')) {
    throw usage(`invalid ${what} ${JSON.stringify(p)}: must be an absolute path`);
  }
  return path.normalize(p);
}

function sdsPath(dir: string, secret: string): string {
  return path.join(dir, `${secret}.yaml`);
}

function validateTls(tls: XdsClientTls, hosts: readonly string[]): Required<XdsClientTls> {
  const serverNames = tls.serverNames ?? [...new Set(hosts)];
  if (serverNames.length === 0) throw usage('invalid xDS TLS server names: none given');
  for (const n of serverNames) {
    if (net.isIP(n) === 0 && !isDnsName(n)) {
      throw usage(`invalid xDS TLS server name ${JSON.stringify(n)}: expected a DNS name or an IP address`);
    }
  }
  return {
    certFile: absolutePath(tls.certFile, 'xDS TLS certificate path'),
    keyFile: absolutePath(tls.keyFile, 'xDS TLS key path'),
    caFile: absolutePath(tls.caFile, 'xDS TLS CA path'),
    sdsDir: absolutePath(tls.sdsDir, 'xDS TLS SDS directory'),
    serverNames,
  };
}

/** An SDS file config source, reloaded on moves into `dir` (where the SDS file lives). */
function sdsFileSource(dir: string, secret: string): Record<string, unknown> {
  return {
    path_config_source: { path: sdsPath(dir, secret), watched_directory: { path: dir } },
    resource_api_version: 'V3',
  };
}

function upstreamTls(tls: Required<XdsClientTls>): Record<string, unknown> {
  const dns = tls.serverNames.find((n) => net.isIP(n) === 0);
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': UPSTREAM_TLS_TYPE,
      // SNI: the first DNS server name (none for IP-only addresses).
      ...(dns !== undefined ? { sni: dns.replace(/\.$/, '') } : {}),
      common_tls_context: {
        tls_certificate_sds_secret_configs: [
          {
            name: XDS_TLS_CERTIFICATE_SECRET,
            sds_config: sdsFileSource(tls.sdsDir, XDS_TLS_CERTIFICATE_SECRET),
          },
        ],
        validation_context_sds_secret_config: {
          name: XDS_TLS_VALIDATION_SECRET,
          sds_config: sdsFileSource(tls.sdsDir, XDS_TLS_VALIDATION_SECRET),
        },
      },
    },
  };
}

function xdsCluster(
  addresses: readonly XdsAddress[],
  connectTimeoutMs: number,
  tls: Required<XdsClientTls> | undefined,
): Record<string, unknown> {
  const allIps = addresses.every((a) => net.isIP(a.host) !== 0);
  return {
    name: XDS_CLUSTER_NAME,
    type: allIps ? 'STATIC' : 'STRICT_DNS',
    // IPv4 first, IPv6 if the name has no A record: works for IPv4, dual-stack and IPv6-only clusters.
    ...(allIps ? {} : { dns_lookup_family: 'V4_PREFERRED' }),
    connect_timeout: durationMs(connectTimeoutMs),
    load_assignment: {
      cluster_name: XDS_CLUSTER_NAME,
      endpoints: [
        {
          lb_endpoints: addresses.map((a) => ({ endpoint: { address: socketAddress(a.host, a.port) } })),
        },
      ],
    },
    ...(tls ? { transport_socket: upstreamTls(tls) } : {}),
    typed_extension_protocol_options: {
      [HTTP_PROTOCOL_OPTIONS_TYPE]: {
        '@type': `type.googleapis.com/${HTTP_PROTOCOL_OPTIONS_TYPE}`,
        explicit_http_config: {
          http2_protocol_options: {
            // HTTP/2 PINGs find a dead controller connection (and keep NAT/conntrack state alive).
            connection_keepalive: { interval: '30s', timeout: '5s' },
          },
        },
      },
    },
  };
}

/**
 * The static cluster `causeway_admin` to this gateway's own admin interface: a group's metrics listener
 * (config file `metricsPort`, xds/translator/listener-metrics.ts) passes `GET /stats/prometheus` to it,
 * so scrapers reach the stats while the admin interface stays on loopback. None when the admin port is
 * kernel-chosen (0): the bootstrap cannot name it, and the metrics listener then answers 503.
 */
function adminCluster(adminAddress: string, adminPort: number): Record<string, unknown>[] {
  if (adminPort === 0) return [];
  const unspecified = adminAddress === '0.0.0.0' || adminAddress === '::';
  const address = unspecified ? (adminAddress === '::' ? '::1' : '127.0.0.1') : adminAddress;
  return [
    {
      name: ADMIN_CLUSTER_NAME,
      type: 'STATIC',
      connect_timeout: '1s',
      load_assignment: {
        cluster_name: ADMIN_CLUSTER_NAME,
        endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(address, adminPort) } }] }],
      },
    },
  ];
}

/**
 * Stats settings. By default a cluster's traffic stats (`upstream_cx_*`, `upstream_rq_*`, ...: most of
 * its ~100) are created on first use, so thousands of idle backends cost neither their memory nor the
 * CPU time to create them; with `clusterStats`, Envoy's default: all of them when the cluster arrives.
 *
 * Not a stats matcher that leaves them out: Envoy 1.40 then never returns an endpoint that failed an
 * HTTP health check to rotation (with `upstream_cx_*` rejected; test/e2e/health-checks.test.ts).
 */
export function statsSettings(clusterStats: boolean): Record<string, unknown> {
  return clusterStats ? {} : { deferred_stat_options: { enable_deferred_creation_stats: true } };
}

/**
 * Builds the bootstrap of one gateway. Throws CausewayError('CW_E_USAGE') on invalid options.
 *
 * Deliberately absent: `overload_manager` (Envoy 1.40 then logs one warning at start, "no configured
 * limit to the number of allowed active downstream connections"; limits are an operator decision) and
 * `layered_runtime` (Envoy's default runtime is enough; nothing here needs runtime keys).
 */
export function buildBootstrap(opts: BootstrapOptions): EnvoyBootstrap {
  const group = validateGroup(opts.group);
  const nodeId = validateNodeId(opts.nodeId);
  const xdsPort = parsePort(opts.xdsPort, 'xDS port');
  const bracket = (h: string): string => (net.isIPv6(h) ? `[${h}]` : h);
  const xdsHost = parseXdsAddress(`${bracket(opts.xdsHost)}:${String(xdsPort)}`).host;
  const addresses: XdsAddress[] = [{ host: xdsHost, port: xdsPort }];
  for (const a of opts.additionalXdsAddresses ?? []) {
    const parsed = parseXdsAddress(`${bracket(a.host)}:${String(parsePort(a.port, 'xDS port'))}`);
    if (addresses.some((b) => b.host === parsed.host && b.port === parsed.port)) {
      throw usage(`xDS address ${parsed.host}:${String(parsed.port)} is given twice`);
    }
    addresses.push(parsed);
  }
  const tls = opts.xdsTls
    ? validateTls(
        opts.xdsTls,
        addresses.map((a) => a.host),
      )
    : undefined;
  const adminPort = parsePort(opts.adminPort, 'admin port', true);
  const adminAddress = opts.adminAddress ?? DEFAULT_ADMIN_ADDRESS;
  if (net.isIP(adminAddress) === 0) {
    throw usage(`invalid admin address ${JSON.stringify(adminAddress)}: must be an IP address`);
  }
  const backoff = validateBackoff(opts.xdsReconnect ?? DEFAULT_XDS_RECONNECT);
  const connectTimeoutMs = opts.xdsConnectTimeoutMs ?? 5000;
  if (!Number.isInteger(connectTimeoutMs) || connectTimeoutMs < 1) {
    throw usage(`invalid xDS connect timeout ${String(connectTimeoutMs)}ms: must be a positive integer`);
  }
  const locality = {
    ...(opts.region !== undefined ? { region: validateLocality(opts.region, 'region') } : {}),
    ...(opts.zone !== undefined ? { zone: validateLocality(opts.zone, 'zone') } : {}),
  };

  // Fresh objects each time: a shared reference would become a YAML alias.
  const viaAds = (): Record<string, unknown> => ({ ads: {}, resource_api_version: 'V3' });
  return {
    node: {
      id: nodeId,
      cluster: group,
      ...(Object.keys(locality).length > 0 ? { locality } : {}),
      ...(opts.address !== undefined
        ? { metadata: { [ADDRESS_METADATA_KEY]: validateGatewayAddress(opts.address) } }
        : {}),
    },
    dynamic_resources: {
      ads_config: {
        api_type: opts.xdsProtocol === 'sotw' ? 'GRPC' : 'DELTA_GRPC',
        transport_api_version: 'V3',
        grpc_services: [
          {
            envoy_grpc: {
              cluster_name: XDS_CLUSTER_NAME,
              retry_policy: {
                retry_back_off: {
                  base_interval: durationMs(backoff.baseIntervalMs),
                  max_interval: durationMs(backoff.maxIntervalMs),
                },
              },
            },
          },
        ],
        set_node_on_first_message_only: true,
      },
      cds_config: viaAds(),
      lds_config: viaAds(),
    },
    // Each worker thread builds its copy of a cluster on the cluster's first request instead of when the
    // cluster arrives: with thousands of backends and one worker a core, most are never used by most workers.
    cluster_manager: { enable_deferred_cluster_creation: true },
    static_resources: {
      clusters: [xdsCluster(addresses, connectTimeoutMs, tls), ...adminCluster(adminAddress, adminPort)],
    },
    admin: { address: socketAddress(adminAddress, adminPort) },
    ...statsSettings(opts.clusterStats ?? false),
  };
}

/** One SDS file: a DiscoveryResponse-shaped document with one Secret. */
export interface SdsFile {
  readonly path: string;
  readonly content: EnvoyBootstrap;
}

/**
 * The two SDS files the bootstrap's xDS TLS refers to: the client certificate and key, and the CA (with
 * the accepted controller SANs). Each names PEM files and watches their directory, so Envoy re-reads
 * them when a rotation moves new files in. Throws CausewayError('CW_E_USAGE') on invalid options.
 */
export function buildXdsTlsSdsFiles(tls: XdsClientTls, xdsHosts: readonly string[]): SdsFile[] {
  const t = validateTls(tls, xdsHosts);
  const certDir = path.dirname(t.certFile);
  if (path.dirname(t.keyFile) !== certDir) {
    throw usage(
      `the xDS TLS certificate and key must be in the same directory (Envoy reloads them together): ${t.certFile}, ${t.keyFile}`,
    );
  }
  const secret = (name: string, body: Record<string, unknown>): EnvoyBootstrap => ({
    resources: [{ '@type': SECRET_TYPE, name, ...body }],
  });
  return [
    {
      path: sdsPath(t.sdsDir, XDS_TLS_CERTIFICATE_SECRET),
      content: secret(XDS_TLS_CERTIFICATE_SECRET, {
        tls_certificate: {
          certificate_chain: { filename: t.certFile },
          private_key: { filename: t.keyFile },
          watched_directory: { path: certDir },
        },
      }),
    },
    {
      path: sdsPath(t.sdsDir, XDS_TLS_VALIDATION_SECRET),
      content: secret(XDS_TLS_VALIDATION_SECRET, {
        validation_context: {
          trusted_ca: { filename: t.caFile },
          watched_directory: { path: path.dirname(t.caFile) },
          match_typed_subject_alt_names: t.serverNames.map((n) => ({
            san_type: net.isIP(n) === 0 ? 'DNS' : 'IP_ADDRESS',
            matcher: { exact: n.replace(/\.$/, '') },
          })),
        },
      }),
    },
  ];
}

/**
 * The bootstrap as YAML with sorted keys. Written with YAML 1.1 rules, because Envoy's YAML reader
 * follows them: a group named `on` or `y` must be quoted or Envoy reads a boolean.
 */
export function bootstrapToYaml(bootstrap: EnvoyBootstrap): string {
  return stringify(bootstrap, {
    version: '1.1',
    sortMapEntries: true,
    lineWidth: 0,
    aliasDuplicateObjects: false,
  });
}

/** The bootstrap as pretty JSON (Envoy reads `.json` files as well). */
export function bootstrapToJson(bootstrap: EnvoyBootstrap): string {
  return `${JSON.stringify(bootstrap, null, 2)}\n`;
}
