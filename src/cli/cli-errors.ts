import { InvalidArgumentError } from 'commander';
import { parseHostPort as parseAddress, type HostPort } from '../controller/host-port.js';
import { CausewayError } from '../errors.js';

/** Parses a TCP port flag (1-65535); commander reports the error with the flag name and exits non-zero. */
export function parsePortFlag(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`"${value}" is not a port number (1-65535).`);
  return n;
}

/** Parses HOST:PORT (IPv6 as [::1]:PORT); a bad value is commander's InvalidArgumentError. */
export function parseHostPort(value: string): HostPort {
  try {
    return parseAddress(value);
  } catch (err) {
    if (err instanceof CausewayError)
      throw new InvalidArgumentError(err.message.replace(/^CW_E_USAGE: /, ''));
    throw err;
  }
}

export function parseHostPortFlag(value: string): string {
  parseHostPort(value);
  return value;
}

/** Prints an error from a command and sets a non-zero exit status (2 for usage/config problems, 1 otherwise). */
export function reportCommandError(err: unknown): void {
  if (err instanceof CausewayError) {
    process.stderr.write(`causeway: ${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stderr.write(`causeway: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
}
