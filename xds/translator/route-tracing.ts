/**
 * Names the server span of a traced group's requests after their route: each named route of a route
 * configuration gets a `decorator` whose operation is the route's name (`ingress/<ns>/<name>/rule/<i>/
 * path/<j>`, naming the Ingress), instead of Envoy's generic `ingress`. The operation is not sent
 * upstream (`propagate: false`). A group without tracing keeps its routes as they are.
 */
import type { TracingIR } from '../../src/ir/ir-types.js';

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
