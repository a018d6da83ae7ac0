/**
 * How a group's listeners find the client address, from its settings (config file `clientIp`,
 * `proxyProtocol`): absent when neither changes today's behaviour (the TCP peer, XFF not trusted), so
 * the IR and xDS of groups that set nothing stay as they were. Pure.
 */
import type { ClientAddressIR, TcpListenerIR } from '../ir/ir-types.js';
import type { GroupSettings } from './translate-options.js';

export function clientAddressOf(settings: GroupSettings): ClientAddressIR | undefined {
  const c = settings.clientIp;
  const hops = c !== undefined && 'trustedHops' in c ? c.trustedHops : 0;
  const cidrs = c !== undefined && 'trustedCidrs' in c ? c.trustedCidrs : undefined;
  const proxy = settings.proxyProtocol === true;
  if (hops === 0 && cidrs === undefined && !proxy) return undefined;
  return {
    ...(hops > 0 ? { trustedHops: hops } : {}),
    ...(cidrs !== undefined ? { trustedCidrs: cidrs } : {}),
    ...(proxy ? { proxyProtocol: true } : {}),
  };
}

/** The group's TCP listeners, requiring the PROXY protocol header when the group does. */
export function withProxyProtocol(
  tcp: readonly TcpListenerIR[],
  c: ClientAddressIR | undefined,
): readonly TcpListenerIR[] {
  return c?.proxyProtocol ? tcp.map((t) => ({ ...t, proxyProtocol: true })) : tcp;
}
