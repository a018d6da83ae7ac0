/**
 * A group's OpenTelemetry tracing in the IR (TracingIR) from its settings (config file `tracing:`).
 * A collector Service is a backend of the group like any other (EDS, its endpoints and localities),
 * spoken to over HTTP/2 (OTLP/gRPC); a host:port gets the group's own `tracing/collector` cluster.
 * Settings the config reader would refuse (they can only come from programmatic options) and a
 * collector Service that does not resolve are diagnostics on the group, which then traces nothing:
 * tracing never stops a group from serving.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type { TracingIR } from '../ir/ir-types.js';
import type { BackendRegistry } from './backend-registry.js';
import {
  collectorHostProblem,
  defaultTracingServiceName,
  TRACING_SERVICE_NAME,
  type GroupTracing,
  type TracingCollector,
} from './tracing-settings.js';

/** The Envoy cluster of a host:port collector (one per group). */
export const TRACING_COLLECTOR_CLUSTER = 'tracing/collector';

/** What happens when the group's tracing is unusable. */
const CONSEQUENCE = "the group's gateways send no traces";

/** Why the settings are unusable, or undefined. */
function settingsProblem(t: GroupTracing): string | undefined {
  const p = t.samplingPercent;
  if (!Number.isFinite(p) || p < 0 || p > 100) return `samplingPercent ${p} is not in 0-100`;
  if (t.serviceName !== undefined && !TRACING_SERVICE_NAME.test(t.serviceName))
    return `serviceName ${JSON.stringify(t.serviceName)} is not a service name`;
  const c = t.collector;
  if (c.kind === 'address') {
    if (!Number.isInteger(c.port) || c.port < 1 || c.port > 65535)
      return `collector port ${c.port} is not in 1-65535`;
    const hostProblem = collectorHostProblem(c.host);
    if (hostProblem !== undefined) return `collector ${hostProblem}`;
  }
  return undefined;
}

/** The collector's Envoy cluster, or undefined (reported by the registry) when its Service does not resolve. */
function collectorOf(
  c: TracingCollector,
  group: ObjectRef,
  backends: BackendRegistry,
): TracingIR['collector'] | undefined {
  if (c.kind === 'address')
    return { kind: 'address', cluster: TRACING_COLLECTOR_CLUSTER, host: c.host, port: c.port };
  const action = backends.action(
    { ref: { kind: 'Service', namespace: c.namespace, name: c.name }, diagRef: group },
    { service: { name: c.name, port: typeof c.port === 'number' ? { number: c.port } : { name: c.port } } },
    `tracing collector Service ${c.namespace}/${c.name}`,
    CONSEQUENCE,
  );
  if (action.kind !== 'forward') return undefined;
  backends.useHttp2(action.backend);
  return { kind: 'backend', backend: action.backend };
}

/** The group's TracingIR; undefined when it has no tracing or it is unusable (with a diagnostic). */
export function groupTracing(
  group: string,
  settings: GroupTracing | undefined,
  backends: BackendRegistry,
  diags: Diagnostic[],
): TracingIR | undefined {
  if (settings === undefined) return undefined;
  const ref: ObjectRef = { kind: 'GatewayGroup', name: group };
  const problem = settingsProblem(settings);
  if (problem !== undefined) {
    diags.push(
      diagnostic(
        'CW_E_CONFIG_INVALID',
        ref,
        `tracing of gateway group "${group}": ${problem}; ${CONSEQUENCE}`,
      ),
    );
    return undefined;
  }
  const collector = collectorOf(settings.collector, ref, backends);
  if (collector === undefined) return undefined;
  return {
    serviceName: settings.serviceName ?? defaultTracingServiceName(group),
    samplingPercent: settings.samplingPercent,
    collector,
  };
}
