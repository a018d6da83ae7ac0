/**
 * The controller config file (YAML). Flags override it. Validation is strict: an unknown key or a bad
 * value is an error naming the key, so a typo never silently changes behaviour.
 *
 *   httpPort: 8080            # gateways' HTTP listener port, every group (default 8080)
 *   httpsPort: 8443           # gateways' HTTPS listener port, every group (default 8443)
 *   groups:                   # gateway groups served even without an Ingress, with optional ports
 *     edge: { httpPort: 80, httpsPort: 443, homeCluster: east, addresses: [203.0.113.10, edge.example.com] }
 *   clusters:                 # source clusters (Kubernetes mode); zone is the default locality zone
 *     - { name: east, kubeconfig: /etc/causeway/east.kubeconfig, context: east, zone: us-east-1a }
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { CausewayError } from '../errors.js';
import type { GroupSettings } from '../translate/translate-options.js';

export interface ClusterConfig {
  /** A DNS label; becomes the locality `region` of the cluster's endpoints. */
  readonly name: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  /** The zone of endpoints whose EndpointSlice gives none. */
  readonly zone?: string;
}

export interface ControllerConfig {
  readonly httpPort?: number;
  readonly httpsPort?: number;
  readonly groups: Readonly<Record<string, Partial<GroupSettings>>>;
  /**
   * The addresses clients use for each group (load balancer IPs or DNS names), written to the status of
   * its Ingresses. A group without them gets the addresses of its connected gateways.
   */
  readonly groupAddresses: Readonly<Record<string, readonly string[]>>;
  readonly clusters: readonly ClusterConfig[];
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

function checkKeys(file: string, at: string, o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) fail(file, `unknown key ${at}${k} (allowed: ${allowed.join(', ')})`);
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
  checkKeys(file, '', o, ['httpPort', 'httpsPort', 'groups', 'clusters']);
  const clusters = readClusters(file, o['clusters']);
  const groups: Record<string, Partial<GroupSettings>> = {};
  const groupAddresses: Record<string, string[]> = {};
  if (o['groups'] !== undefined) {
    if (typeof o['groups'] !== 'object' || o['groups'] === null || Array.isArray(o['groups']))
      fail(file, 'groups must be a mapping of group name to settings');
    for (const [name, g] of Object.entries(o['groups'] as Record<string, unknown>)) {
      if (!DNS_LABEL.test(name)) fail(file, `group name "${name}" is not a DNS label`);
      const settings = (g ?? {}) as Record<string, unknown>;
      if (typeof settings !== 'object' || Array.isArray(settings))
        fail(file, `groups.${name} must be a mapping`);
      checkKeys(file, `groups.${name}.`, settings, ['httpPort', 'httpsPort', 'homeCluster', 'addresses']);
      const addresses = settings['addresses'];
      if (addresses !== undefined) {
        if (!Array.isArray(addresses) || addresses.some((a) => typeof a !== 'string' || !ADDRESS.test(a)))
          fail(file, `groups.${name}.addresses must be a list of IP addresses or DNS names`);
        groupAddresses[name] = addresses as string[];
      }
      const home = settings['homeCluster'];
      if (home !== undefined && (typeof home !== 'string' || !DNS_LABEL.test(home)))
        fail(file, `groups.${name}.homeCluster must be a cluster name (a DNS label)`);
      groups[name] = {
        ...(settings['httpPort'] !== undefined
          ? { httpPort: port(file, `groups.${name}.httpPort`, settings['httpPort']) }
          : {}),
        ...(settings['httpsPort'] !== undefined
          ? { httpsPort: port(file, `groups.${name}.httpsPort`, settings['httpsPort']) }
          : {}),
        ...(typeof home === 'string' ? { homeCluster: home } : {}),
      };
    }
  }
  return {
    ...(o['httpPort'] !== undefined ? { httpPort: port(file, 'httpPort', o['httpPort']) } : {}),
    ...(o['httpsPort'] !== undefined ? { httpsPort: port(file, 'httpsPort', o['httpsPort']) } : {}),
    groups,
    groupAddresses,
    clusters,
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
