/**
 * How a group's listeners find the client address, from its settings (config file `clientIp`,
 * `proxyProtocol`): absent when neither changes today's behaviour (the TCP peer, XFF not trusted), so
 * the IR and xDS of groups that set nothing stay as they were. Pure.
 */
import type { ClientAddressIR, TcpListenerIR } from '../ir/ir-types.js';
import type { GroupSettings } from './translate-options.js';

export function clientAddressOf(settings: GroupSettings): ClientAddressIR | undefined {
  const hops = settings.clientIp?.trustedHops ?? 0;
  const proxy = settings.proxyProtocol === true;
  if (hops === 0 && !proxy) return undefined;
  return { ...(hops > 0 ? { trustedHops: hops } : {}), ...(proxy ? { proxyProtocol: true } : {}) };
}

/** The group's TCP listeners, requiring the PROXY protocol header when the group does. */
export function withProxyProtocol(
  tcp: readonly TcpListenerIR[],
  c: ClientAddressIR | undefined,
): readonly TcpListenerIR[] {
  return c?.proxyProtocol ? tcp.map((t) => ({ ...t, proxyProtocol: true })) : tcp;
}
