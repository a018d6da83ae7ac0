/**
 * The admin server's access rules from the controller's flags: the `Host` allow-list (loopback, the
 * bound addresses, `--admin-allowed-hosts`) and the mutating API's token file, which is required (and
 * must hold a token at start) whenever the mutating API is bound off loopback. Throws CW_E_USAGE (the
 * CLI exits 2) otherwise.
 */
import os from 'node:os';
import {
  allowedHostsFor,
  checkMutatingApiBind,
  parseAllowedHostsFlag,
  readAdminToken,
} from '../admin/admin-access.js';
import { parseListenAddress } from '../admin/admin-server.js';

/** The admin flags of `causeway controller` (one field per flag). */
export interface AdminAccessFlags {
  /** HOST:PORT of the admin server (probes, /metrics, read-only /debug and /api; drain too without adminApiAddress). */
  readonly adminAddress: string;
  /** HOST:PORT of the mutating API (gateway drain) on its own server; default: served on adminAddress. */
  readonly adminApiAddress?: string;
  /** File holding the bearer token of the mutating API (required when it is bound off loopback). */
  readonly adminTokenFile?: string;
  /** More host names or addresses allowed in `Host` (each entry may hold several, comma-separated). */
  readonly adminAllowedHosts?: readonly string[];
}

export interface AdminAccess {
  readonly allowedHosts: readonly string[];
  readonly tokenFile?: string;
}

/** Validates the admin flags and gives the access rules both admin servers apply. */
export function adminAccessFrom(
  flags: AdminAccessFlags,
  interfaces: ReturnType<typeof os.networkInterfaces> = os.networkInterfaces(),
): AdminAccess {
  const adminHost = parseListenAddress(flags.adminAddress).host;
  const apiHost =
    flags.adminApiAddress !== undefined ? parseListenAddress(flags.adminApiAddress).host : undefined;
  checkMutatingApiBind(
    apiHost ?? adminHost,
    flags.adminTokenFile,
    apiHost !== undefined
      ? '--admin-api-address'
      : '--admin-address, which serves the admin API without --admin-api-address',
  );
  if (flags.adminTokenFile !== undefined) readAdminToken(flags.adminTokenFile);
  const extra = parseAllowedHostsFlag(flags.adminAllowedHosts ?? []);
  const bound = apiHost !== undefined ? [adminHost, apiHost] : [adminHost];
  return {
    allowedHosts: allowedHostsFor(bound, extra, interfaces),
    ...(flags.adminTokenFile !== undefined ? { tokenFile: flags.adminTokenFile } : {}),
  };
}
