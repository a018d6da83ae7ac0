/**
 * Where the backends of each Service sit in an IR, so the EndpointSlice fast path
 * (refreshServiceBackends) visits only the backends of the Services a write touched instead of every
 * backend of every group. Built once per IR shape (O(backends)); a refresh replaces backends in place,
 * so the index of an IR stays right for the IRs refreshed from it.
 */
import type { BackendIR, IR } from '../ir/ir-types.js';

/** `namespace/name` of a Service -> gateway group name -> indices into that group's `backends`, ascending. */
export type ServiceBackendIndex = ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;

/** `namespace/name` of the Service of a backend. */
export function backendServiceKey(b: BackendIR): string {
  return `${b.service.namespace}/${b.service.name}`;
}

export function indexServiceBackends(ir: IR): ServiceBackendIndex {
  const index = new Map<string, Map<string, number[]>>();
  for (const g of ir.groups) {
    g.backends.forEach((b, i) => {
      const key = backendServiceKey(b);
      let byGroup = index.get(key);
      if (!byGroup) index.set(key, (byGroup = new Map()));
      const positions = byGroup.get(g.name);
      if (positions) positions.push(i);
      else byGroup.set(g.name, [i]);
    });
  }
  return index;
}

/** The indices of the backends of `services` in group `group`, ascending (empty: none). */
export function backendPositions(
  index: ServiceBackendIndex,
  services: ReadonlySet<string>,
  group: string,
): number[] {
  const out: number[] = [];
  for (const s of services) out.push(...(index.get(s)?.get(group) ?? []));
  return out.sort((a, b) => a - b);
}

/**
 * `ir` cut down to the backends of `services` (groups without one left out), in their order: what the
 * xDS side's endpoint translation reads after a refresh, so it need not filter every backend again.
 */
export function backendsOfServices(ir: IR, services: ReadonlySet<string>, index: ServiceBackendIndex): IR {
  return {
    groups: ir.groups.flatMap((g) => {
      const positions = backendPositions(index, services, g.name);
      return positions.length === 0 ? [] : [{ ...g, backends: positions.map((i) => g.backends[i]!) }];
    }),
  };
}
