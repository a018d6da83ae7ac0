/**
 * The controller config file (YAML). Flags override it. Validation is strict: an unknown key or a bad
 * value is an error naming the key, so a typo never silently changes behaviour.
 *
 *   httpPort: 8080            # gateways' HTTP listener port, every group (default 8080)
 *   httpsPort: 8443           # gateways' HTTPS listener port, every group (default 8443)
 *   healthPort: 8081          # opt-in: gateways' health listener (GET /healthz) for an external LB
 *   loadBalancing: least-request # every group's default policy (round-robin, least-request, ring-hash, maglev, random)
 *   groups:                   # gateway groups served even without an Ingress, with optional ports
 *     edge: { httpPort: 80, httpsPort: 443, healthPort: 8081, homeCluster: east, loadBalancing: maglev, addresses: [203.0.113.10, edge.example.com], compression: { encodings: [gzip] } }
 *   clusters:                 # source clusters (Kubernetes mode); zone is the default locality zone
 *     - { name: east, kubeconfig: /etc/causeway/east.kubeconfig, context: east, zone: us-east-1a }
 *   vms:                      # backends on plain VMs, merged with the pods of the same Service
 *     - { service: shop/api, port: http, addresses: [192.0.2.10, 192.0.2.11], targetPort: 8080, zone: dc1, cluster: vm-dc1 }
 *   compression: { encodings: [br, gzip], minBytes: 256, contentTypes: [text/html] }  # every group (a group's own replaces it)
 *   tls: { minVersion: "1.3", alpn: [h2, http/1.1] }  # every group's certificates (a group's own replaces it; see tls-config.ts)
 *   tracing: { collector: otel.example.com:4317, samplingPercent: 1, serviceName: edge }  # every group (a group's own replaces it)
 *   connectionLimit: { maxConnections: 10000 }  # every group: open connections per gateway and HTTP filter chain (a group's own replaces it)
 *   accessLog: { format: json, destination: stdout, sampling: 100 }  # every group (a group's own replaces it)
 *   metricsPort: 19001        # opt-in: gateways' Prometheus stats listener (a group's own overrides it)
 *   clientIp: { trustedHops: 1 }  # every group: X-Forwarded-For hops (or trustedCidrs: [...]) of trusted proxies (a group's own replaces it)
 *   proxyProtocol: true       # every group: listeners require a PROXY protocol v1/v2 header (a group's own replaces it)
 *   manifests:                # standalone mode (--manifests): size caps in bytes (the flags override them)
 *     maxFileBytes: 8388608   # a bigger file is not read (default 8 MiB)
 *     maxTotalBytes: 268435456 # all files together (default 256 MiB)
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { CausewayError } from '../errors.js';
import { LOAD_BALANCING_POLICIES, type LoadBalancingPolicyName } from '../translate/annotations-lb.js';
import type {
  GroupAccessLog,
  GroupClientIp,
  GroupCompression,
  GroupConnectionLimit,
  GroupSettings,
} from '../translate/translate-options.js';
import { readCompressionConfig } from './compression-config.js';
import { readTlsConfig } from './tls-config.js';
import type { TlsOptionsIR } from '../ir/ir-types.js';
import { readTracingConfig, readTracingSetting } from './tracing-config.js';
import type { GroupTracing } from '../translate/tracing-settings.js';
import { readConnectionLimitConfig } from './connection-limit-config.js';
import { readAccessLogConfig } from './access-log-config.js';
import { readClientIpConfig, readProxyProtocolConfig } from './client-ip-config.js';
import { endpointAddressProblem, parseIp } from '../vms/ip-address.js';

export interface ClusterConfig {
  /** A DNS label; becomes the locality `region` of the cluster's endpoints. */
  readonly name: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  /** The zone of endpoints whose EndpointSlice gives none. */
  readonly zone?: string;
}

/**
 * Backends on plain VMs for one Service port (`vms:`). They become EndpointSlices of the Service (see
 * src/sources/static-vms-source.ts), so they merge with its pods, in their own locality (cluster, zone).
 */
export interface VmBackendConfig {
  readonly namespace: string;
  readonly service: string;
  /** The name of the Service port these VMs serve; '' (key omitted) = the Service's unnamed port. */
  readonly portName: string;
  /** Canonical IP addresses (IPv4 and IPv6 may mix), without duplicates. */
  readonly addresses: readonly string[];
  /** The port the VMs listen on. */
  readonly targetPort: number;
  /** The locality zone of these endpoints (default: the `clusters:` zone of `cluster`, else none). */
  readonly zone?: string;
  /** The locality cluster (region) of these endpoints; default `vms`. */
  readonly cluster: string;
}

/** The locality cluster of VM backends that name none. */
export const DEFAULT_VM_CLUSTER = 'vms';

export interface ControllerConfig {
  readonly httpPort?: number;
  readonly httpsPort?: number;
  /** Every group's health listener port (opt-in; a group's own `healthPort` overrides it). */
  readonly healthPort?: number;
  /** Every group's default load-balancing policy (a group's own `loadBalancing` overrides it). */
  readonly loadBalancing?: LoadBalancingPolicyName;
  /** Every group's response compression (a group's own `compression` replaces it). */
  readonly compression?: GroupCompression;
  /** Every group's TLS versions, cipher suites and ALPN (a group's own `tls` replaces it). */
  readonly tls?: TlsOptionsIR;
  /** Every group's OpenTelemetry tracing (a group's own `tracing` replaces it). */
  readonly tracing?: GroupTracing;
  /** Every group's connection limit (a group's own `connectionLimit` replaces it). */
  readonly connectionLimit?: GroupConnectionLimit;
  /** Every group's access log (a group's own `accessLog` replaces it). */
  readonly accessLog?: GroupAccessLog;
  /** Every group's metrics listener port (opt-in; a group's own `metricsPort` overrides it). */
  readonly metricsPort?: number;
  /** Every group's client address settings (a group's own `clientIp`/`proxyProtocol` replace them). */
  readonly clientIp?: GroupClientIp;
  readonly proxyProtocol?: boolean;
  readonly groups: Readonly<Record<string, Partial<GroupSettings>>>;
  /**
   * The addresses clients use for each group (load balancer IPs or DNS names), written to the status of
   * its Ingresses. A group without them gets the addresses of its connected gateways.
   */
  readonly groupAddresses: Readonly<Record<string, readonly string[]>>;
  readonly clusters: readonly ClusterConfig[];
  /** Backends on plain VMs; absent when the file lists none. */
  readonly vms?: readonly VmBackendConfig[];
  /** Standalone mode: the manifests folder's size caps; absent when the file sets none. */
  readonly manifests?: ManifestsConfig;
}

/** `manifests:` size caps in bytes (`--manifests-max-file-bytes`, `--manifests-max-total-bytes` override). */
export interface ManifestsConfig {
  readonly maxFileBytes?: number;
  readonly maxTotalBytes?: number;
}

function byteSize(file: string, at: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    fail(file, `${at} must be a whole number of bytes (at least 1)`);
  return v;
}

function readManifestsConfig(file: string, raw: unknown): ManifestsConfig | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail(file, 'manifests must be a mapping {maxFileBytes, maxTotalBytes}');
  const o = raw as Record<string, unknown>;
  checkKeys(file, 'manifests.', o, ['maxFileBytes', 'maxTotalBytes']);
  return {
    ...(o['maxFileBytes'] !== undefined
      ? { maxFileBytes: byteSize(file, 'manifests.maxFileBytes', o['maxFileBytes']) }
      : {}),
    ...(o['maxTotalBytes'] !== undefined
      ? { maxTotalBytes: byteSize(file, 'manifests.maxTotalBytes', o['maxTotalBytes']) }
      : {}),
  };
}

function optionalString(file: string, at: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') fail(file, `${at} must be a non-empty string`);
  return v;
}

function readClusters(file: string, raw: unknown): ClusterConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) fail(file, 'clusters must be a list of {name, kubeconfig, context, zone}');
  const seen = new Set<string>();
  return raw.map((c: unknown, i) => {
    if (typeof c !== 'object' || c === null || Array.isArray(c))
      fail(file, `clusters[${i}] must be a mapping`);
    const o = c as Record<string, unknown>;
    checkKeys(file, `clusters[${i}].`, o, ['name', 'kubeconfig', 'context', 'zone']);
    const name = o['name'];
    if (typeof name !== 'string' || !DNS_LABEL.test(name))
      fail(file, `clusters[${i}].name must be a DNS label`);
    if (seen.has(name)) fail(file, `clusters[${i}]: cluster "${name}" is listed twice`);
    seen.add(name);
    const kubeconfig = optionalString(file, `clusters[${i}].kubeconfig`, o['kubeconfig']);
    const context = optionalString(file, `clusters[${i}].context`, o['context']);
    const zone = optionalString(file, `clusters[${i}].zone`, o['zone']);
    return {
      name,
      ...(kubeconfig !== undefined ? { kubeconfig } : {}),
      ...(context !== undefined ? { context } : {}),
      ...(zone !== undefined ? { zone } : {}),
    };
  });
}

/** A Service name (DNS-1035 label). */
const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A label value, as topology.kubernetes.io/zone holds. */
const ZONE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function readVms(file: string, raw: unknown): VmBackendConfig[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw))
    fail(file, 'vms must be a list of {service, port, addresses, targetPort, zone, cluster}');
  const seen = new Map<string, string>();
  return raw.map((v: unknown, i): VmBackendConfig => {
    const at = `vms[${i}]`;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(file, `${at} must be a mapping`);
    const o = v as Record<string, unknown>;
    checkKeys(file, `${at}.`, o, ['service', 'port', 'addresses', 'targetPort', 'zone', 'cluster']);
    const ref = o['service'];
    const m = typeof ref === 'string' ? /^([^/]+)\/([^/]+)$/.exec(ref) : null;
    if (!m || !DNS_LABEL.test(m[1]!) || !SERVICE_NAME.test(m[2]!))
      fail(file, `${at}.service must be NAMESPACE/NAME of a Service, got ${JSON.stringify(ref)}`);
    const [namespace, service] = [m[1]!, m[2]!];
    const portName = o['port'];
    if (portName !== undefined && (typeof portName !== 'string' || !DNS_LABEL.test(portName)))
      fail(
        file,
        `${at}.port must be the name of a Service port (a DNS label; omit it for an unnamed port), got ${JSON.stringify(portName)}`,
      );
    if (o['targetPort'] === undefined)
      fail(file, `${at}.targetPort is required (the port the VMs listen on)`);
    const targetPort = port(file, `${at}.targetPort`, o['targetPort']);
    const zone = o['zone'];
    if (zone !== undefined && (typeof zone !== 'string' || !ZONE.test(zone)))
      fail(file, `${at}.zone must be a zone name (a label value), got ${JSON.stringify(zone)}`);
    const cluster = o['cluster'] ?? DEFAULT_VM_CLUSTER;
    if (typeof cluster !== 'string' || !DNS_LABEL.test(cluster))
      fail(
        file,
        `${at}.cluster must be a locality cluster name (a DNS label), got ${JSON.stringify(cluster)}`,
      );
    const list = o['addresses'];
    if (!Array.isArray(list) || list.length === 0)
      fail(file, `${at}.addresses must be a non-empty list of IP addresses`);
    const addresses = list.map((a: unknown, j) => {
      const ip = typeof a === 'string' ? parseIp(a) : undefined;
      if (ip === undefined) fail(file, `${at}.addresses[${j}] is not an IP address: ${JSON.stringify(a)}`);
      const problem = endpointAddressProblem(ip, ['loopback', 'link-local']);
      if (problem !== undefined) fail(file, `${at}.addresses[${j}] ${ip.address} ${problem}`);
      const key = `${cluster}|${namespace}/${service}|${portName ?? ''}|${ip.address}`;
      const first = seen.get(key);
      if (first !== undefined)
        fail(
          file,
          `${at}.addresses[${j}]: ${ip.address} is listed twice for ${namespace}/${service} port ${JSON.stringify(portName ?? '')} in cluster ${cluster} (first at ${first})`,
        );
      seen.set(key, `${at}.addresses[${j}]`);
      return ip.address;
    });
    return {
      namespace,
      service,
      portName: portName ?? '',
      addresses,
      targetPort,
      ...(zone !== undefined ? { zone } : {}),
      cluster,
    };
  });
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** An IPv4/IPv6 address or a DNS name (loosely: the apiserver validates the status it is given). */
const ADDRESS = /^([0-9a-fA-F:.]+|[a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;

function fail(file: string, message: string): never {
  throw new CausewayError('CW_E_CONFIG_INVALID', `${file}: ${message}`);
}

function port(file: string, at: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)
    fail(file, `${at} must be a port number (1-65535), got ${JSON.stringify(v)}`);
  return v;
}

function loadBalancing(file: string, at: string, v: unknown): LoadBalancingPolicyName {
  const found = LOAD_BALANCING_POLICIES.find((p) => p === v);
  if (found === undefined)
    fail(file, `${at} must be one of ${LOAD_BALANCING_POLICIES.join(', ')}, got ${JSON.stringify(v)}`);
  return found;
}

function checkKeys(file: string, at: string, o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) fail(file, `unknown key ${at}${k} (allowed: ${allowed.join(', ')})`);
}

/** `clientIp` and `proxyProtocol` of a group or the top level (`at`: the key prefix). */
function clientAddressSettings(
  at: string,
  o: Record<string, unknown>,
  failHere: (m: string) => never,
): { clientIp?: GroupClientIp; proxyProtocol?: boolean } {
  return {
    ...(o['clientIp'] !== undefined
      ? { clientIp: readClientIpConfig(`${at}clientIp`, o['clientIp'], failHere) }
      : {}),
    ...(o['proxyProtocol'] !== undefined
      ? { proxyProtocol: readProxyProtocolConfig(`${at}proxyProtocol`, o['proxyProtocol'], failHere) }
      : {}),
  };
}

/** One entry of `groups:`: its settings and the addresses clients use for it. */
function readGroup(
  file: string,
  name: string,
  g: unknown,
): { settings: Partial<GroupSettings>; addresses?: string[] } {
  if (!DNS_LABEL.test(name)) fail(file, `group name "${name}" is not a DNS label`);
  const settings = (g ?? {}) as Record<string, unknown>;
  if (typeof settings !== 'object' || Array.isArray(settings)) fail(file, `groups.${name} must be a mapping`);
  checkKeys(file, `groups.${name}.`, settings, [
    'httpPort',
    'httpsPort',
    'healthPort',
    'homeCluster',
    'loadBalancing',
    'addresses',
    'compression',
    'tls',
    'tracing',
    'connectionLimit',
    'accessLog',
    'metricsPort',
    'clientIp',
    'proxyProtocol',
  ]);
  const addresses = settings['addresses'];
  if (
    addresses !== undefined &&
    (!Array.isArray(addresses) || addresses.some((a) => typeof a !== 'string' || !ADDRESS.test(a)))
  )
    fail(file, `groups.${name}.addresses must be a list of IP addresses or DNS names`);
  const home = settings['homeCluster'];
  if (home !== undefined && (typeof home !== 'string' || !DNS_LABEL.test(home)))
    fail(file, `groups.${name}.homeCluster must be a cluster name (a DNS label)`);
  const portOf = (key: 'httpPort' | 'httpsPort' | 'healthPort' | 'metricsPort'): Partial<GroupSettings> =>
    settings[key] !== undefined ? { [key]: port(file, `groups.${name}.${key}`, settings[key]) } : {};
  const compression = settings['compression'];
  return {
    settings: {
      ...portOf('httpPort'),
      ...portOf('httpsPort'),
      ...portOf('healthPort'),
      ...portOf('metricsPort'),
      ...(typeof home === 'string' ? { homeCluster: home } : {}),
      ...(settings['loadBalancing'] !== undefined
        ? { loadBalancing: loadBalancing(file, `groups.${name}.loadBalancing`, settings['loadBalancing']) }
        : {}),
      ...(compression !== undefined
        ? {
            compression: readCompressionConfig(`groups.${name}.compression`, compression, (m) =>
              fail(file, m),
            ),
          }
        : {}),
      ...(settings['tls'] !== undefined
        ? { tls: readTlsConfig(`groups.${name}.tls`, settings['tls'], (m) => fail(file, m)) }
        : {}),
      ...(settings['tracing'] !== undefined
        ? readTracingSetting(`groups.${name}.tracing`, settings['tracing'], (m) => fail(file, m))
        : {}),
      ...groupConnectionLimit(file, name, settings['connectionLimit']),
      ...(settings['accessLog'] !== undefined
        ? {
            accessLog: readAccessLogConfig(`groups.${name}.accessLog`, settings['accessLog'], (m) =>
              fail(file, m),
            ),
          }
        : {}),
      ...clientAddressSettings(`groups.${name}.`, settings, (m) => fail(file, m)),
    },
    ...(addresses !== undefined ? { addresses: addresses as string[] } : {}),
  };
}

function groupConnectionLimit(file: string, name: string, raw: unknown): Partial<GroupSettings> {
  if (raw === undefined) return {};
  const at = `groups.${name}.connectionLimit`;
  return { connectionLimit: readConnectionLimitConfig(at, raw, (m) => fail(file, m)) };
}

export function parseControllerConfig(file: string, text: string): ControllerConfig {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    fail(file, `not valid YAML: ${(e as Error).message}`);
  }
  if (raw === null || raw === undefined) return { groups: {}, groupAddresses: {}, clusters: [] };
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(file, 'must be a YAML mapping');
  const o = raw as Record<string, unknown>;
  checkKeys(file, '', o, [
    'httpPort',
    'httpsPort',
    'healthPort',
    'loadBalancing',
    'compression',
    'tls',
    'tracing',
    'connectionLimit',
    'accessLog',
    'metricsPort',
    'clientIp',
    'proxyProtocol',
    'groups',
    'clusters',
    'vms',
    'manifests',
  ]);
  const failHere = (m: string): never => fail(file, m);
  const clusters = readClusters(file, o['clusters']);
  const manifests = readManifestsConfig(file, o['manifests']);
  const vms = readVms(file, o['vms']);
  const groups: Record<string, Partial<GroupSettings>> = {};
  const groupAddresses: Record<string, string[]> = {};
  if (o['groups'] !== undefined) {
    if (typeof o['groups'] !== 'object' || o['groups'] === null || Array.isArray(o['groups']))
      fail(file, 'groups must be a mapping of group name to settings');
    for (const [name, g] of Object.entries(o['groups'] as Record<string, unknown>)) {
      const r = readGroup(file, name, g);
      groups[name] = r.settings;
      if (r.addresses !== undefined) groupAddresses[name] = r.addresses;
    }
  }
  return {
    ...(o['httpPort'] !== undefined ? { httpPort: port(file, 'httpPort', o['httpPort']) } : {}),
    ...(o['httpsPort'] !== undefined ? { httpsPort: port(file, 'httpsPort', o['httpsPort']) } : {}),
    ...(o['healthPort'] !== undefined ? { healthPort: port(file, 'healthPort', o['healthPort']) } : {}),
    ...(o['loadBalancing'] !== undefined
      ? { loadBalancing: loadBalancing(file, 'loadBalancing', o['loadBalancing']) }
      : {}),
    ...(o['compression'] !== undefined
      ? { compression: readCompressionConfig('compression', o['compression'], failHere) }
      : {}),
    ...(o['tls'] !== undefined ? { tls: readTlsConfig('tls', o['tls'], failHere) } : {}),
    ...(o['tracing'] !== undefined && o['tracing'] !== false
      ? { tracing: readTracingConfig('tracing', o['tracing'], failHere) }
      : {}),
    ...(o['connectionLimit'] !== undefined
      ? { connectionLimit: readConnectionLimitConfig('connectionLimit', o['connectionLimit'], failHere) }
      : {}),
    ...(o['accessLog'] !== undefined
      ? { accessLog: readAccessLogConfig('accessLog', o['accessLog'], failHere) }
      : {}),
    ...(o['metricsPort'] !== undefined ? { metricsPort: port(file, 'metricsPort', o['metricsPort']) } : {}),
    ...clientAddressSettings('', o, failHere),
    groups,
    groupAddresses,
    clusters,
    ...(vms.length > 0 ? { vms } : {}),
    ...(manifests !== undefined ? { manifests } : {}),
  };
}

export function readControllerConfig(file: string): ControllerConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CausewayError(
      'CW_E_CONFIG_INVALID',
      `cannot read config file ${file}: ${(e as Error).message}`,
    );
  }
  return parseControllerConfig(file, text);
}
