/**
 * mTLS for the xDS server: which security the `--xds-tls-*` / `--xds-insecure` flags ask for (mTLS is
 * required unless the server binds loopback or plaintext is asked for explicitly), grpc-js server
 * credentials that require a client certificate signed by the client CA (the handshake fails without
 * one) and reload the files on change (TlsFileWatcher), and the per-stream decision of which gateway
 * group a connection may be served (tls-identity.ts).
 */
import net from 'node:net';
import path from 'node:path';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { experimental } from '@grpc/grpc-js';
import type { ServerCredentials } from '@grpc/grpc-js';
import type { AdsLogger } from './ads-logger.js';
import type { NodeInfo } from './discovery-messages.js';
import { CausewayError } from '../../src/errors.js';
import type { GroupDecision } from './tls-identity.js';
import { authorizeGroup, groupFromCertificate, isTrustDomain } from './tls-identity.js';
import type { XdsTlsFiles } from './tls-file-watcher.js';
import { TlsFileWatcher } from './tls-file-watcher.js';

export interface XdsTlsOptions extends XdsTlsFiles {
  /** When set, a gateway certificate's SPIFFE ID must be in this trust domain. */
  readonly trustDomain?: string;
  /** Fallback re-read period of the files; default 10 s (directory watches usually notice sooner). */
  readonly reloadIntervalMs?: number;
}

/** The controller's `--xds-tls-*` and `--xds-insecure` flags. */
export interface XdsTlsFlags {
  readonly xdsTlsCert?: string;
  readonly xdsTlsKey?: string;
  readonly xdsTlsClientCa?: string;
  readonly xdsTlsTrustDomain?: string;
  /** Plaintext xDS on a non-loopback address: an explicit development choice. */
  readonly xdsInsecure?: boolean;
}

const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/**
 * Whether a bind host only reaches this machine: an IPv4 address in 127.0.0.0/8, `::1` (in any
 * spelling, brackets allowed, also `::ffff:127.x.y.z`) or the name `localhost`. The wildcard addresses
 * (`0.0.0.0`, `::`) and every other name or address are not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1');
  if (/^localhost\.?$/i.test(h)) return true;
  const family = net.isIP(h);
  if (family === 4) return LOOPBACK.check(h, 'ipv4');
  if (family === 6) return LOOPBACK.check(h, 'ipv6');
  return false;
}

/**
 * The TLS options the flags give for an xDS server bound on `bindHost`: the three files together
 * (mTLS), or none of them (plaintext), which is allowed only on a loopback host or with
 * `--xds-insecure`. Throws CausewayError('CW_E_USAGE') on a partial set, a bad trust domain, TLS flags
 * together with `--xds-insecure`, or plaintext on a non-loopback host without `--xds-insecure`.
 */
export function xdsTlsOptionsFrom(flags: XdsTlsFlags, bindHost: string): XdsTlsOptions | undefined {
  if (flags.xdsInsecure === true) {
    const tlsFlags = [flags.xdsTlsCert, flags.xdsTlsKey, flags.xdsTlsClientCa, flags.xdsTlsTrustDomain];
    if (tlsFlags.some((v) => v !== undefined))
      throw new CausewayError(
        'CW_E_USAGE',
        '--xds-insecure (plaintext xDS) cannot be combined with the --xds-tls-* flags (mTLS): give one or the other',
      );
    return undefined;
  }
  const tls = xdsTlsFilesFrom(flags);
  if (tls === undefined && !isLoopbackHost(bindHost))
    throw new CausewayError(
      'CW_E_USAGE',
      `xDS on ${JSON.stringify(bindHost)} (not a loopback address) needs mTLS: give --xds-tls-cert, --xds-tls-key and --xds-tls-client-ca (production), or --xds-insecure to serve plaintext xDS anyway (development only)`,
    );
  return tls;
}

/** The three files together (mTLS) or none of them (undefined); throws on a partial set. */
function xdsTlsFilesFrom(flags: XdsTlsFlags): XdsTlsOptions | undefined {
  const files = {
    '--xds-tls-cert': flags.xdsTlsCert,
    '--xds-tls-key': flags.xdsTlsKey,
    '--xds-tls-client-ca': flags.xdsTlsClientCa,
  };
  const missing = Object.entries(files).filter(([, v]) => v === undefined || v === '');
  if (missing.length === 3) {
    if (flags.xdsTlsTrustDomain !== undefined)
      throw new CausewayError(
        'CW_E_USAGE',
        '--xds-tls-trust-domain needs --xds-tls-cert, --xds-tls-key and --xds-tls-client-ca',
      );
    return undefined;
  }
  if (missing.length > 0)
    throw new CausewayError(
      'CW_E_USAGE',
      `xDS mTLS needs --xds-tls-cert, --xds-tls-key and --xds-tls-client-ca together; missing ${missing.map(([k]) => k).join(', ')}`,
    );
  const td = flags.xdsTlsTrustDomain;
  if (td !== undefined && !isTrustDomain(td))
    throw new CausewayError(
      'CW_E_USAGE',
      `invalid --xds-tls-trust-domain ${JSON.stringify(td)}: lowercase letters, digits, '.', '-' and '_'`,
    );
  return {
    certFile: path.resolve(flags.xdsTlsCert!),
    keyFile: path.resolve(flags.xdsTlsKey!),
    clientCaFile: path.resolve(flags.xdsTlsClientCa!),
    ...(td !== undefined ? { trustDomain: td } : {}),
  };
}

export interface XdsServerTls {
  readonly credentials: ServerCredentials;
  readonly files: TlsFileWatcher;
  /** The group a stream may be served, from its peer certificate and its node. */
  groupOf(
    call: Pick<ServerDuplexStream<unknown, unknown>, 'getAuthContext'>,
    node: NodeInfo | null,
  ): GroupDecision;
  close(): void;
}

/** Reads the files (throws CausewayError('CW_E_XDS_TLS') when unusable) and builds the credentials. */
export function createXdsServerTls(options: XdsTlsOptions, logger: AdsLogger): XdsServerTls {
  const files = new TlsFileWatcher(options, {
    logger,
    ...(options.reloadIntervalMs !== undefined ? { reloadIntervalMs: options.reloadIntervalMs } : {}),
  });
  // One provider serves both the identity and the CA (grpc-js' declaration names the two parameters in
  // the opposite order of its implementation; with one provider for both the order does not matter).
  const credentials = experimental.createCertificateProviderServerCredentials(files, files, true);
  return {
    credentials,
    files,
    groupOf(call, node) {
      const peer = call.getAuthContext().sslPeerCertificate;
      if (!peer) return { ok: false, reason: 'the connection carries no verified client certificate' };
      return authorizeGroup(groupFromCertificate(peer.subjectaltname, options.trustDomain), node?.cluster);
    },
    close: () => files.close(),
  };
}
