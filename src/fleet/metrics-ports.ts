/**
 * The port of each group's metrics listener (config file `metricsPort`), read from what the group's
 * gateways are actually served (the `metrics` Listener in the config watcher's snapshot), and the
 * metrics URL of one gateway: `http://<its address>:<port>/stats/prometheus`, only for an address that
 * is an IP or a DNS name (the address a gateway announces is its own say, so nothing else becomes a link).
 */
import net from 'node:net';
import type { ConfigWatcher } from '../../xds/cache/config-watcher.js';
import { decodeResource, RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';

/** The metrics listener's name (xds/translator/listener-metrics.ts, src/translate/metrics-listener.ts). */
const METRICS_LISTENER = 'metrics';
const DNS_NAME =
  /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i;

export function metricsPortsOf(
  watcher: ConfigWatcher,
  groups: Iterable<string>,
): ReadonlyMap<string, number> {
  const out = new Map<string, number>();
  for (const group of groups) {
    const listener = watcher
      .snapshot(group)
      .types.get(RESOURCE_TYPES.listener)
      ?.resources.get(METRICS_LISTENER);
    if (!listener) continue;
    const decoded = decodeResource(RESOURCE_TYPES.listener, listener.value) as {
      address?: { socket_address?: { port_value?: number } };
    };
    const port = decoded.address?.socket_address?.port_value;
    if (typeof port === 'number') out.set(group, port);
  }
  return out;
}

/** `http://ADDRESS:PORT/stats/prometheus`, or undefined for an address that is no IP or DNS name. */
export function metricsUrl(address: string | undefined, port: number | undefined): string | undefined {
  if (address === undefined || port === undefined) return undefined;
  if (net.isIPv6(address)) return `http://[${address}]:${port}/stats/prometheus`;
  if (net.isIPv4(address) || DNS_NAME.test(address)) return `http://${address}:${port}/stats/prometheus`;
  return undefined;
}
