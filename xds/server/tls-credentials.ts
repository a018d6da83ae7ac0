/**
 * mTLS for the xDS server: grpc-js server credentials that require a client certificate signed by the
 * client CA (the handshake fails without one) and reload the files on change (TlsFileWatcher), and the
 * per-stream decision of which gateway group a connection may be served (tls-identity.ts).
 */
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

/** The controller's `--xds-tls-*` flags. */
export interface XdsTlsFlags {
  readonly xdsTlsCert?: string;
  readonly xdsTlsKey?: string;
  readonly xdsTlsClientCa?: string;
  readonly xdsTlsTrustDomain?: string;
}

/**
 * The TLS options the flags give: the three files together (mTLS) or none of them (plaintext).
 * Throws CausewayError('CW_E_USAGE') on a partial set or a bad trust domain.
 */
export function xdsTlsOptionsFrom(flags: XdsTlsFlags): XdsTlsOptions | undefined {
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
  groupOf(call: ServerDuplexStream<unknown, unknown>, node: NodeInfo | null): GroupDecision;
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
