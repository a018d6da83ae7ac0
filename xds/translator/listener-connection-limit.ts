/**
 * The group's connection limit (config file `connectionLimit`) as Envoy's connection_limit network filter,
 * first in each HTTP filter chain of the group's listeners: once a chain holds `maxConnections` open
 * connections, a new one is closed right away (before TLS and HTTP; stat
 * `connection_limit.<listener>.limited_connections`). Envoy counts per filter chain, so each certificate's
 * chain of the HTTPS listener has its own count. This is per listener and group, delivered over xDS;
 * Envoy's process-wide `global_downstream_max_connections` (overload manager) is bootstrap-only.
 */
import type { ConnectionLimitIR } from '../../src/ir/ir-types.js';
import { TYPES } from './common.js';

export function connectionLimitFilters(limit: ConnectionLimitIR | undefined, statPrefix: string): object[] {
  if (limit === undefined) return [];
  return [
    {
      name: 'envoy.filters.network.connection_limit',
      typed_config: {
        '@type': TYPES.connectionLimit,
        stat_prefix: statPrefix,
        max_connections: limit.maxConnections,
      },
    },
  ];
}
