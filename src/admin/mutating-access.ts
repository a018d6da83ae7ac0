/**
 * The checks in front of the admin server's mutating routes (gateway drain), in order:
 *
 *   1. `Host` in the allow-list, else 421 (a DNS-rebinding page names its own host);
 *   2. not a cross-site browser request, else 403 (CSRF): `Sec-Fetch-Site` cross-site or same-site, or an
 *      `Origin` whose host is not allowed or differs from `Host`;
 *   3. with a token file: `Authorization: Bearer <token>` equal to the file's token (constant time), else
 *      401; the file is read on every request, so a rotated Secret applies at once; an unreadable file
 *      answers 503.
 *
 * Every refusal is logged (component `admin`, code CW_E_ADMIN_REFUSED) with the method, path, `Host` and
 * peer address, never the `Authorization` header.
 */
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { bearerTokenOf, hostNameOf, isAllowedHost, readAdminToken, tokensMatch } from './admin-access.js';

/** Who may call the mutating routes. */
export interface MutatingAccess {
  /** Normalized host names allowed in `Host` (allowedHostsFor). */
  readonly allowedHosts: readonly string[];
  /** The bearer token file; without it no token is asked (allowed on loopback only: checkMutatingApiBind). */
  readonly tokenFile?: string;
  /** Where refusals are logged (warn; an unreadable token file at error). */
  readonly logger?: Logger;
}

/** Why a request is refused: the status, the JSON error, and headers to add. */
export interface Refusal {
  readonly status: 401 | 403 | 421 | 503;
  readonly code: 'CW_E_ADMIN_REFUSED';
  readonly error: string;
  readonly headers?: Readonly<Record<string, string>>;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * True when a browser says the request comes from another site than the admin server itself. With
 * `allowedHosts`, an `Origin` must also name an allowed host: `Origin` equal to `Host` alone proves
 * nothing, since a DNS-rebinding page controls both.
 */
export function isCrossSiteRequest(headers: Headers, allowedHosts?: readonly string[]): boolean {
  if (headers['sec-fetch-site'] === 'cross-site' || headers['sec-fetch-site'] === 'same-site') return true;
  const origin = headers.origin;
  if (typeof origin !== 'string') return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return true;
  }
  if (originHost !== headers.host) return true;
  return allowedHosts !== undefined && !isAllowedHost(originHost, allowedHosts);
}

function refuse(status: Refusal['status'], error: string, headers?: Refusal['headers']): Refusal {
  return { status, code: 'CW_E_ADMIN_REFUSED', error, ...(headers ? { headers } : {}) };
}

/** The first check the request fails, or undefined when it may go on. */
function firstRefusal(request: FastifyRequest, access: MutatingAccess | undefined): Refusal | undefined {
  const headers = request.headers;
  if (access && !isAllowedHost(headers.host, access.allowedHosts)) {
    return refuse(
      421,
      `host "${hostNameOf(headers.host) ?? String(headers.host)}" is not an allowed admin host (DNS rebinding?); allow it with --admin-allowed-hosts`,
    );
  }
  if (isCrossSiteRequest(headers, access?.allowedHosts)) {
    return refuse(403, 'cross-site requests may not drain gateways');
  }
  if (access?.tokenFile === undefined) return undefined;
  let expected: string;
  try {
    expected = readAdminToken(access.tokenFile);
  } catch (err) {
    access.logger?.error(
      { code: 'CW_E_ADMIN_REFUSED', method: request.method, url: request.url },
      `${(err as Error).message}: mutating admin requests are refused until it is fixed`,
    );
    return refuse(503, 'the admin token file cannot be read on the controller: see its log');
  }
  const presented = bearerTokenOf(headers.authorization);
  if (presented === undefined || !tokensMatch(presented, expected)) {
    return refuse(
      401,
      presented === undefined
        ? 'this admin API needs a bearer token (Authorization: Bearer; causeway gateways drain --token-file)'
        : 'wrong bearer token',
      { 'www-authenticate': 'Bearer realm="causeway-admin"' },
    );
  }
  return undefined;
}

/** Checks a mutating request; a refusal is logged (without the token) and returned. */
export function refusalOf(request: FastifyRequest, access: MutatingAccess | undefined): Refusal | undefined {
  const refusal = firstRefusal(request, access);
  if (refusal && refusal.status !== 503) {
    access?.logger?.warn(
      {
        code: refusal.code,
        status: refusal.status,
        method: request.method,
        url: request.url,
        host: request.headers.host,
        remote: request.ip,
      },
      `admin request refused: ${refusal.error}`,
    );
  }
  return refusal;
}
