/**
 * A group's OpenTelemetry tracing as the config file gives it (`tracing:`, read by
 * src/config/tracing-config.ts): where the collector is, how many requests are traced, and the service
 * name of the spans. Pure data, with the defaults and limits the config reader and translate share.
 */
import { parseIp } from '../vms/ip-address.js';

/** The collector: a host:port (an IP address or a DNS name), or a port of a Service of the cluster. */
export type TracingCollector =
  | { readonly kind: 'address'; readonly host: string; readonly port: number }
  | {
      readonly kind: 'service';
      readonly namespace: string;
      readonly name: string;
      /** The Service port: its number, or its name. */
      readonly port: number | string;
    };

export interface GroupTracing {
  readonly collector: TracingCollector;
  /** Share of requests traced, 0 to 100 (default DEFAULT_TRACING_SAMPLING_PERCENT). */
  readonly samplingPercent: number;
  /** The spans' `service.name`; absent: `causeway-gateway-<group>`. */
  readonly serviceName?: string;
}

/** Share of requests traced when the config file names none: 1 %, as ingress-nginx's otel-sampler-ratio. */
export const DEFAULT_TRACING_SAMPLING_PERCENT = 1;

/** The spans' service name when the config file names none. */
export function defaultTracingServiceName(group: string): string {
  return `causeway-gateway-${group}`;
}

/** A service name: printable ASCII without spaces or quotes, 1 to 128 characters. */
export const TRACING_SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;

/** A DNS name (RFC 1123 labels, lowercase), at most 253 characters. */
export const TRACING_DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** Why `host` (an IP address or a DNS name) cannot be a collector's host, or undefined. */
export function collectorHostProblem(host: string): string | undefined {
  if (parseIp(host) !== undefined) return undefined;
  return TRACING_DNS_NAME.test(host) ? undefined : `"${host}" is not an IP address or a lowercase DNS name`;
}

/** `host:port` or `[ipv6]:port` as a collector address (IPv6 canonical), or why it is none. */
export function parseCollectorAddress(
  text: string,
):
  | { readonly ok: true; readonly host: string; readonly port: number }
  | { readonly ok: false; readonly error: string } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text);
  if (!m) return { ok: false, error: `"${text}" is not host:port (an IPv6 address in brackets: [::1]:4317)` };
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return { ok: false, error: `port ${m[3]} is not in 1-65535` };
  if (m[1] !== undefined) {
    const ip = parseIp(m[1]);
    if (ip?.family !== 'IPv6') return { ok: false, error: `"${m[1]}" in brackets is not an IPv6 address` };
    return { ok: true, host: ip.address, port };
  }
  const host = m[2]!;
  const problem = collectorHostProblem(host);
  return problem === undefined ? { ok: true, host, port } : { ok: false, error: problem };
}
