/**
 * Route-level tracing, in two parts.
 * (1) An Ingress with `causeway.dev/enable-opentelemetry: "false"`: its routes carry a `tracing` that
 *     samples nothing (client, random and overall sampling 0 %), so no request of theirs is traced,
 *     whatever the group's sampling or an `x-client-trace-id`; other routes keep the group's.
 * (2) In a traced group, the server span of a request is named after its route: each named route gets
 *     a `decorator` whose operation is the route's name (`ingress/<ns>/<name>/rule/<i>/path/<j>`, naming
 *     the Ingress) instead of Envoy's generic `ingress`, not sent upstream (`propagate: false`). A group
 *     without tracing keeps its routes as they are.
 */
import type { RouteTracingIR, TracingIR } from '../../src/ir/ir-types.js';

type Obj = Record<string, unknown>;

function decorated(route: Obj): Obj {
  const name = route['name'];
  return typeof name === 'string' && name !== ''
    ? { ...route, decorator: { operation: name, propagate: false } }
    : route;
}

/** `routeConfiguration` (canonical JSON) with a decorator on each named route when `t` is set. */
export function tracedRouteConfiguration(routeConfiguration: object, t: TracingIR | undefined): object {
  if (t === undefined) return routeConfiguration;
  const rc = routeConfiguration as Obj;
  const vhosts = (rc['virtual_hosts'] ?? []) as readonly Obj[];
  return {
    ...rc,
    virtual_hosts: vhosts.map((v) => ({
      ...v,
      routes: ((v['routes'] ?? []) as readonly Obj[]).map(decorated),
    })),
  };
}

/** Nothing sampled: no trace starts on the route (a client's traceparent still passes through). */
const UNTRACED = {
  tracing: {
    client_sampling: { numerator: 0 },
    random_sampling: { numerator: 0 },
    overall_sampling: { numerator: 0 },
  },
};

/** A route's own `tracing` field: present only when its Ingress turned tracing off. */
export function routeTracing(t: RouteTracingIR | undefined): object {
  return t?.enabled === false ? UNTRACED : {};
}
