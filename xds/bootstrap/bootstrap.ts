/**
 * The bootstrap of a dedicated Envoy gateway: who it is (node id, gateway group, locality), where its
 * control plane is (one static HTTP/2 cluster, `causeway_xds`), and that everything else (clusters,
 * listeners, and through them routes, endpoints and secrets) arrives over one delta ADS stream.
 *
 * Pure: no clock, environment or I/O. Output is Envoy's canonical proto3 JSON, deterministic.
 */
import net from 'node:net';
import { stringify } from 'yaml';
import { CausewayError } from '../../src/errors.js';

export const BOOTSTRAP_TYPE_URL = 'type.googleapis.com/envoy.config.bootstrap.v3.Bootstrap';
/** The static cluster that carries the ADS stream to the Causeway controller. */
export const XDS_CLUSTER_NAME = 'causeway_xds';
export const DEFAULT_ADMIN_PORT = 9901;
export const DEFAULT_ADMIN_ADDRESS = '127.0.0.1';

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

export interface BootstrapOptions {
  /** The gateway group (a DNS label); becomes `node.cluster`, which the controller serves config by. */
  readonly group: string;
  /** The controller's xDS address: an IPv4/IPv6 address (STATIC cluster) or a DNS name (STRICT_DNS). */
  readonly xdsHost: string;
  readonly xdsPort: number;
  /** Unique per gateway; `<group>-<hostname>` is the CLI's default. */
  readonly nodeId: string;
  /** Admin port, 1-65535; 0 lets the kernel choose (read it back with `--admin-address-path`). */
  readonly adminPort: number;
  /** Admin bind address; defaults to 127.0.0.1 (the admin API must not be reachable from outside). */
  readonly adminAddress?: string;
  /** Locality of this gateway (`topology.kubernetes.io/zone` / `region`), for zone-aware routing. */
  readonly zone?: string;
  readonly region?: string;
  /** Jittered exponential backoff for re-establishing the ADS stream; defaults to DEFAULT_XDS_RECONNECT. */
  readonly xdsReconnect?: XdsReconnectBackoff;
  /** xDS variant: `delta` (default, incremental) or `sotw` (State of the World); the controller serves both. */
  readonly xdsProtocol?: 'delta' | 'sotw';
  /** TCP connect timeout to the controller; default 5000. */
  readonly xdsConnectTimeoutMs?: number;
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

function xdsCluster(host: string, port: number, connectTimeoutMs: number): Record<string, unknown> {
  const isIp = net.isIP(host) !== 0;
  return {
    name: XDS_CLUSTER_NAME,
    type: isIp ? 'STATIC' : 'STRICT_DNS',
    // IPv4 first, IPv6 if the name has no A record: works for IPv4, dual-stack and IPv6-only clusters.
    ...(isIp ? {} : { dns_lookup_family: 'V4_PREFERRED' }),
    connect_timeout: durationMs(connectTimeoutMs),
    load_assignment: {
      cluster_name: XDS_CLUSTER_NAME,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(host, port) } }] }],
    },
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
  const xdsHost = parseXdsAddress(
    `${net.isIPv6(opts.xdsHost) ? `[${opts.xdsHost}]` : opts.xdsHost}:${String(xdsPort)}`,
  ).host;
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
    static_resources: {
      clusters: [xdsCluster(xdsHost, xdsPort, connectTimeoutMs)],
    },
    admin: { address: socketAddress(adminAddress, adminPort) },
  };
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
