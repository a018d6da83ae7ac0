/**
 * The users the controller's basic auth service checks (xds/server/ext-authz-service.ts): read from the
 * IR the runner translated last, so the service sees exactly what the gateways were configured with.
 * Only routes checked by the controller (a Secret with a bcrypt entry) count, per gateway group: a
 * group's gateway may only ask about the Secrets of its own group's routes. The index of an IR is built
 * once, when first asked.
 */
import type { BasicAuthIR, IR, VirtualHostIR } from '../ir/ir-types.js';
import type { BasicAuthUsers } from '../../xds/server/ads-server.js';

type Users = BasicAuthIR['users'];
/** group -> Secret (`namespace/name`) -> users. */
type Index = ReadonlyMap<string, ReadonlyMap<string, Users>>;

function virtualHostsOf(g: IR['groups'][number]): readonly VirtualHostIR[] {
  return [...g.http.virtualHosts, ...(g.https?.filterChains.flatMap((c) => c.virtualHosts) ?? [])];
}

/** The controller-checked Secrets of every group and their users (the first route's, when several). */
export function basicAuthIndex(ir: IR): Index {
  const index = new Map<string, Map<string, Users>>();
  for (const g of ir.groups) {
    const secrets = new Map<string, Users>();
    for (const v of virtualHostsOf(g))
      for (const r of v.routes) {
        const auth = r.basicAuth;
        if (auth?.checkedBy === 'controller' && auth.secret !== undefined && !secrets.has(auth.secret))
          secrets.set(auth.secret, auth.users);
      }
    if (secrets.size > 0) index.set(g.name, secrets);
  }
  return index;
}

/** A BasicAuthUsers over the latest IR of `ir()` (undefined before the first translation: no users). */
export function basicAuthUsersOf(ir: () => IR | undefined): BasicAuthUsers {
  let seen: IR | undefined;
  let index: Index = new Map();
  return {
    isReady: () => ir() !== undefined,
    lookup(group, secret) {
      const current = ir();
      if (current !== seen) {
        seen = current;
        index = current ? basicAuthIndex(current) : new Map();
      }
      const groups = group === undefined ? [...index.values()] : [index.get(group)];
      for (const secrets of groups) {
        const users = secrets?.get(secret);
        if (users) return { users };
      }
      return undefined;
    },
  };
}
