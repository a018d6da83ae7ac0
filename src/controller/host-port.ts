/** Parses the HOST:PORT form of the controller's listen addresses (IPv6 as [::1]:PORT). */
import { CausewayError } from '../errors.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** HOST:PORT -> host and port (brackets of an IPv6 host removed); throws CW_E_USAGE on anything else. */
export function parseHostPort(value: string): HostPort {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d+)$/.exec(value);
  if (!m) throw new CausewayError('CW_E_USAGE', `"${value}" is not HOST:PORT.`);
  const port = Number(m[2]);
  if (port < 0 || port > 65535)
    throw new CausewayError('CW_E_USAGE', `"${value}" has a port outside 0-65535.`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}
