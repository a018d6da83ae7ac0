/**
 * Who may call the admin server (docs/security.md, "Admin API"): the `Host` allow-list that stops DNS
 * rebinding, the bearer token of the mutating API (read from a Secret-mounted file, compared in constant
 * time), and the rule that a mutating API bound off loopback needs that token. Pure functions, except
 * `readAdminToken` (reads the file, on every call: a rotated Secret is picked up at the next request).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import { CausewayError } from '../errors.js';
import { isLoopbackHost } from '../../xds/server/tls-credentials.js';

/** Names and addresses of this machine's loopback interface, always allowed in `Host`. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '::1', 'localhost'];

/** A token file larger than this is not a token (a wrong path, e.g. a whole kubeconfig). */
const MAX_TOKEN_BYTES = 4096;
const MIN_TOKEN_CHARS = 16;

/**
 * The host name of a `Host` header, normalized for comparison: lowercased, port, IPv6 brackets and a
 * trailing dot removed. Undefined for a missing or malformed header.
 */
export function hostNameOf(hostHeader: string | undefined): string | undefined {
  if (hostHeader === undefined) return undefined;
  const h = hostHeader.trim().toLowerCase();
  const m = /^(?:\[([0-9a-f:.]+)\]|([^:[\]\s/@]+))(?::\d{1,5})?$/.exec(h);
  if (!m) return undefined;
  const name = (m[1] ?? m[2] ?? '').replace(/\.$/, '');
  return name === '' ? undefined : name;
}

/** An entry of `--admin-allowed-hosts` (or a bound host) in the form hostNameOf gives. */
export function normalizeAllowedHost(entry: string): string {
  const e = entry.trim().toLowerCase();
  const bare = e.replace(/^\[(.*)\]$/, '$1');
  const name = net.isIP(bare) === 6 ? bare : (hostNameOf(e) ?? '');
  if (name === '' || name === '*')
    throw new CausewayError(
      'CW_E_USAGE',
      `invalid --admin-allowed-hosts entry "${entry}": expected a host name or an IP address (no wildcards)`,
    );
  return name;
}

/** Whether a bind host is a wildcard address (all interfaces). */
function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/**
 * The host names a request may name in `Host`, sorted: the loopback names and addresses, the bound
 * address (for a wildcard bind, every address of this machine's interfaces: what kubelet probes and
 * Prometheus use as `Host`), and the `--admin-allowed-hosts` entries.
 */
export function allowedHostsFor(
  boundHosts: readonly string[],
  extra: readonly string[],
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
): readonly string[] {
  const hosts = new Set(LOOPBACK_HOSTS);
  for (const bound of boundHosts) {
    if (isWildcard(bound)) {
      for (const list of Object.values(interfaces)) {
        for (const info of list ?? []) hosts.add(info.address.toLowerCase().replace(/%.*$/, ''));
      }
    } else {
      hosts.add(normalizeAllowedHost(bound));
    }
  }
  for (const entry of extra) hosts.add(normalizeAllowedHost(entry));
  return [...hosts].sort();
}

/** Splits `--admin-allowed-hosts h1,h2` (repeatable) into entries; empty entries are dropped. */
export function parseAllowedHostsFlag(values: readonly string[]): readonly string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map(normalizeAllowedHost);
}

/** Whether the request's `Host` names one of the allowed hosts. */
export function isAllowedHost(hostHeader: string | undefined, allowed: readonly string[]): boolean {
  const name = hostNameOf(hostHeader);
  return name !== undefined && allowed.includes(name);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerTokenOf(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
  return m ? m[1] : undefined;
}

/** Constant-time comparison of two tokens: SHA-256 digests (always equal length) compared with timingSafeEqual. */
export function tokensMatch(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * The token in `file` (surrounding whitespace and a final newline removed). Throws CW_E_USAGE naming
 * the file (never its content) when it cannot be read, is empty, too long, or shorter than 16 characters.
 */
export function readAdminToken(file: string): string {
  const fail = (why: string): never => {
    throw new CausewayError('CW_E_USAGE', `admin token file ${JSON.stringify(file)} ${why}`);
  };
  let raw: Buffer;
  try {
    raw = fs.readFileSync(file);
  } catch (err) {
    return fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (raw.length > MAX_TOKEN_BYTES) return fail(`is larger than ${MAX_TOKEN_BYTES} bytes: not a token`);
  const token = raw.toString('utf8').trim();
  if (token === '') return fail('is empty');
  if (/\s/.test(token)) return fail('holds whitespace inside the token: expected one token');
  if (token.length < MIN_TOKEN_CHARS) return fail(`holds fewer than ${MIN_TOKEN_CHARS} characters`);
  return token;
}

/**
 * Refuses (CW_E_USAGE) a mutating admin API bound off loopback without a token file: anyone who can
 * reach the port could drain every gateway.
 */
export function checkMutatingApiBind(bindHost: string, tokenFile: string | undefined, flag: string): void {
  if (tokenFile !== undefined || isLoopbackHost(bindHost)) return;
  throw new CausewayError(
    'CW_E_USAGE',
    `the admin API (gateway drain) on ${JSON.stringify(bindHost)} (${flag}, not a loopback address) needs a bearer token: ` +
      'give --admin-token-file FILE (e.g. a mounted Secret), or bind the mutating API to loopback with --admin-api-address 127.0.0.1:PORT',
  );
}
