/**
 * The TLS passthrough filter chains of a group's HTTPS listener: one per passthrough host (see
 * policies/passthrough.ts), to the host's backend as raw TCP (BackendRegistry.passthroughAction). A
 * backend that does not resolve is reported on the Ingress and its chain has no backend: the host's TLS
 * connections are closed (fail closed: never terminated by the default certificate's chain instead).
 */
import type { PassthroughChainIR } from '../ir/ir-types.js';
import { compareStrings } from '../ingress/ordering.js';
import type { BackendRegistry } from './backend-registry.js';
import type { PassthroughClaim } from './policies/passthrough.js';

export function buildPassthroughChains(
  claims: ReadonlyMap<string, PassthroughClaim>,
  backends: BackendRegistry,
): PassthroughChainIR[] {
  const chains: PassthroughChainIR[] = [];
  for (const { host, owner, entry } of claims.values()) {
    const action = backends.passthroughAction(owner, entry.backend, `passthrough host "${host}"`);
    // Of the session affinities, only the client address exists on a TCP connection.
    const hashSourceIp = backends.routeAffinity(action).sessionAffinity?.kind === 'source-ip';
    chains.push({
      name: `passthrough/${host}`,
      serverNames: [host],
      // Unresolved (the registry reported why): the chain stays, without a backend, and closes.
      ...(action.kind === 'forward' ? { backend: action.backend } : {}),
      ...(hashSourceIp ? { hashSourceIp } : {}),
      source: owner.ref,
    });
  }
  return chains.sort((a, b) => compareStrings(a.name, b.name));
}
