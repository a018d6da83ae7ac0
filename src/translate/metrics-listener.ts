/**
 * The group's Prometheus stats listener (config file `metricsPort`, opt-in): a listener on that port
 * that passes `GET /stats/prometheus` (and `GET /ready`) to the gateway's own admin interface through
 * the bootstrap's `causeway_admin` cluster, so scrapers reach the stats while the admin interface itself
 * stays on 127.0.0.1. A port that clashes with another listener of the group is a diagnostic on the
 * group and no metrics listener (the serving listeners stay intact). Pure.
 */
import { diagnostic, type Diagnostic } from '../errors.js';
import type { MetricsListenerIR, TcpListenerIR } from '../ir/ir-types.js';
import type { GroupSettings } from './translate-options.js';

function clashOf(
  port: number,
  settings: GroupSettings,
  tcp: readonly TcpListenerIR[],
  health: boolean,
): string | undefined {
  if (port === settings.httpPort) return 'its HTTP port';
  if (port === settings.httpsPort) return 'its HTTPS port';
  if (health && port === settings.healthPort) return 'its health port';
  const t = tcp.find((l) => l.port === port);
  return t ? `the port of TCP service ${t.source.namespace ?? ''}/${t.source.name}` : undefined;
}

export function metricsListener(
  group: string,
  settings: GroupSettings,
  others: { readonly tcp: readonly TcpListenerIR[]; readonly health: boolean },
  diags: Diagnostic[],
): MetricsListenerIR | undefined {
  const port = settings.metricsPort;
  if (port === undefined) return undefined;
  const clash = clashOf(port, settings, others.tcp, others.health);
  if (clash === undefined) return { name: 'metrics', port };
  diags.push(
    diagnostic(
      'CW_E_METRICS_PORT_CONFLICT',
      { kind: 'GatewayGroup', name: group },
      `metrics port ${port} of gateway group "${group}" is ${clash}; the group gets no metrics listener`,
    ),
  );
  return undefined;
}
