/**
 * The `tracing:` setting of the config file, at the top level (every group) or in a group (replacing
 * the top-level one):
 *
 *   tracing: { collector: otel-collector.example.com:4317, samplingPercent: 5, serviceName: edge }
 *   tracing: { collector: { service: observability/otel-collector, port: 4317 } }
 *
 * The gateways send their spans over OTLP/gRPC to `collector`: a host:port (an IP address or a DNS
 * name; IPv6 in brackets) or a port (number or name) of a Service, reached through its endpoints like
 * any backend. `samplingPercent` (0 to 100, default 1) is the share of requests traced;
 * `serviceName` (default `causeway-gateway-<group>`) the spans' `service.name`. `tracing: false` in a
 * group turns the top-level tracing off for that group. Strict: a bad value throws through `fail`
 * naming the key.
 */
import {
  DEFAULT_TRACING_SAMPLING_PERCENT,
  parseCollectorAddress,
  TRACING_SERVICE_NAME,
  type GroupTracing,
  type TracingCollector,
} from '../translate/tracing-settings.js';

const KEYS = ['collector', 'samplingPercent', 'serviceName'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** A Service port name (IANA_SVC_NAME-like: what a Service port may be named). */
const PORT_NAME = /^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readServiceCollector(
  at: string,
  o: Record<string, unknown>,
  fail: (m: string) => never,
): TracingCollector {
  for (const k of Object.keys(o))
    if (k !== 'service' && k !== 'port') fail(`unknown key ${at}.${k} (allowed: service, port)`);
  const service = o['service'];
  const parts = typeof service === 'string' ? service.split('/') : [];
  if (parts.length !== 2 || !parts.every((p) => DNS_LABEL.test(p)))
    fail(`${at}.service must be <namespace>/<name> of a Service, got ${JSON.stringify(service)}`);
  const port = o['port'];
  const portOk =
    (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535) ||
    (typeof port === 'string' && PORT_NAME.test(port));
  if (!portOk)
    fail(`${at}.port must be a Service port number (1-65535) or name, got ${JSON.stringify(port)}`);
  return { kind: 'service', namespace: parts[0]!, name: parts[1]!, port: port as number | string };
}

function readCollector(at: string, raw: unknown, fail: (m: string) => never): TracingCollector {
  if (typeof raw === 'string') {
    const r = parseCollectorAddress(raw);
    if (!r.ok) fail(`${at}: ${r.error}`);
    return { kind: 'address', host: r.host, port: r.port };
  }
  if (isMapping(raw)) return readServiceCollector(at, raw, fail);
  fail(`${at} must be host:port or {service: <namespace>/<name>, port: <port>}`);
}

export function readTracingConfig(at: string, raw: unknown, fail: (m: string) => never): GroupTracing {
  if (!isMapping(raw)) fail(`${at} must be a mapping {collector, samplingPercent, serviceName} or false`);
  for (const k of Object.keys(raw))
    if (!KEYS.includes(k)) fail(`unknown key ${at}.${k} (allowed: ${KEYS.join(', ')})`);
  if (raw['collector'] === undefined) fail(`${at}.collector is required (host:port or a Service)`);
  const collector = readCollector(`${at}.collector`, raw['collector'], fail);
  const percent = raw['samplingPercent'] ?? DEFAULT_TRACING_SAMPLING_PERCENT;
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100)
    fail(`${at}.samplingPercent must be a number from 0 to 100, got ${JSON.stringify(percent)}`);
  const serviceName = raw['serviceName'];
  if (
    serviceName !== undefined &&
    (typeof serviceName !== 'string' || !TRACING_SERVICE_NAME.test(serviceName))
  )
    fail(
      `${at}.serviceName must be 1 to 128 characters of letters, digits and . _ : / @ - (starting with a letter or digit), got ${JSON.stringify(serviceName)}`,
    );
  return {
    collector,
    samplingPercent: percent,
    ...(serviceName !== undefined ? { serviceName: serviceName as string } : {}),
  };
}

/**
 * A `tracing:` key as a group's setting: `false` is an explicit "no tracing" (the key is kept, set to
 * undefined, so it replaces the top-level tracing when the group's settings are spread over the
 * defaults, see groupSettings); anything else is read by readTracingConfig.
 */
export function readTracingSetting(
  at: string,
  raw: unknown,
  fail: (m: string) => never,
): { readonly tracing: GroupTracing | undefined } {
  return { tracing: raw === false ? undefined : readTracingConfig(at, raw, fail) };
}
