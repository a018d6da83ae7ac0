/**
 * The TLS passthrough filter chains of a group's HTTPS listener: one per passthrough host (see
 * policies/passthrough.ts), to the host's backend as raw TCP (BackendRegistry.passthroughAction). A
 * backend that does not resolve is reported on the Ingress and the host gets no chain: its TLS
 * connections are not passed through (nor terminated: the host stays out of the certificate chains).
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
    if (action.kind !== 'forward') continue; // the registry reported why
    // Of the session affinities, only the client address exists on a TCP connection.
    const hashSourceIp = backends.routeAffinity(action).sessionAffinity?.kind === 'source-ip';
    chains.push({
      name: `passthrough/${host}`,
      serverNames: [host],
      backend: action.backend,
      ...(hashSourceIp ? { hashSourceIp } : {}),
      source: owner.ref,
    });
  }
  return chains.sort((a, b) => compareStrings(a.name, b.name));
}
