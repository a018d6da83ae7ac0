import { InvalidArgumentError } from 'commander';
import { CausewayError } from '../errors.js';

/** Parses a TCP port flag (1-65535); commander reports the error with the flag name and exits non-zero. */
export function parsePortFlag(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535)
    throw new InvalidArgumentError(`"${value}" is not a port number (1-65535).`);
  return n;
}

/** Parses HOST:PORT (IPv6 as [::1]:PORT). */
export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d+)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`"${value}" is not HOST:PORT.`);
  const port = Number(m[2]);
  if (port < 0 || port > 65535) throw new InvalidArgumentError(`"${value}" has a port outside 0-65535.`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
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
