/**
 * The xDS server's certificate, key and client CA, read from files and reloaded when they change,
 * without a restart: a grpc-js CertificateProvider, so new TLS connections use the new files while
 * established connections (and their ADS streams) keep going.
 *
 * Changes are noticed through a watch on the files' directories (which also sees Kubernetes' atomic
 * `..data` symlink swap of Secret volumes) and a periodic re-read as a fallback. A set of files is used
 * only when it is complete and consistent (every file readable, the key matching the certificate, the
 * CA parseable): a rotation caught half-written keeps the previous material in force and is retried.
 * (grpc-js' own FileWatcherCertificateProvider publishes "no certificate" on a failed read, which
 * makes the server drop every new connection until the next read.)
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { experimental } from '@grpc/grpc-js';
import { CausewayError } from '../../src/errors.js';
import type { AdsLogger } from './ads-logger.js';
import { SILENT_LOGGER } from './ads-logger.js';

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

export interface XdsTlsFiles {
  /** PEM certificate chain the server presents (leaf first). */
  readonly certFile: string;
  /** PEM private key of that certificate. */
  readonly keyFile: string;
  /** PEM bundle of the CAs that sign gateway client certificates. */
  readonly clientCaFile: string;
}

/** One consistent set of TLS files, as read. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
  /** Of the server certificate (hex, uppercase, as Node reports it). */
  readonly serialNumber: string;
  readonly notAfter: string;
}

function readFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new CausewayError('CW_E_XDS_TLS', `cannot read the xDS ${what} ${file}: ${(err as Error).message}`);
  }
}

/** Reads and checks one set of files; throws CausewayError('CW_E_XDS_TLS') naming what is wrong. */
export function loadTlsMaterial(files: XdsTlsFiles): TlsMaterial {
  const cert = readFile(files.certFile, 'TLS certificate');
  const key = readFile(files.keyFile, 'TLS key');
  const ca = readFile(files.clientCaFile, 'client CA');
  let leaf: crypto.X509Certificate;
  try {
    leaf = new crypto.X509Certificate(cert);
  } catch (err) {
    throw new CausewayError(
      'CW_E_XDS_TLS',
      `the xDS TLS certificate ${files.certFile} is not a PEM certificate: ${(err as Error).message}`,
    );
  }
  try {
    new crypto.X509Certificate(ca);
  } catch (err) {
    throw new CausewayError(
      'CW_E_XDS_TLS',
      `the xDS client CA ${files.clientCaFile} is not a PEM certificate bundle: ${(err as Error).message}`,
    );
  }
  try {
    // Checks the key parses and matches the certificate, as the server will need.
    tls.createSecureContext({ cert, key, ca });
  } catch (err) {
    throw new CausewayError(
      'CW_E_XDS_TLS',
      `the xDS TLS key ${files.keyFile} does not fit the certificate ${files.certFile}: ${(err as Error).message}`,
    );
  }
  return { cert, key, ca, serialNumber: leaf.serialNumber, notAfter: leaf.validTo };
}

export interface TlsFileWatcherOptions {
  /** Fallback re-read period; default 10 s. */
  readonly reloadIntervalMs?: number;
  readonly logger?: AdsLogger;
}

/** Retry delay after a set of files that could not be used (e.g. caught mid-rotation). */
const RETRY_MS = 500;
/** Coalesces the burst of directory events one rotation makes. */
const DEBOUNCE_MS = 100;

export class TlsFileWatcher implements experimental.CertificateProvider {
  private material: TlsMaterial;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly watchers: fs.FSWatcher[] = [];
  private readonly interval: NodeJS.Timeout;
  private pending: NodeJS.Timeout | undefined;
  private closed = false;
  /** The last reload failure logged (each distinct failure is logged once). */
  private lastError: string | undefined;
  private readonly logger: AdsLogger;

  /** Reads the files once (throws CausewayError('CW_E_XDS_TLS') if they are unusable) and starts watching. */
  constructor(
    private readonly files: XdsTlsFiles,
    options: TlsFileWatcherOptions = {},
  ) {
    this.logger = options.logger ?? SILENT_LOGGER;
    this.material = loadTlsMaterial(files);
    const dirs = new Set([files.certFile, files.keyFile, files.clientCaFile].map((f) => path.dirname(f)));
    for (const dir of dirs) {
      try {
        const w = fs.watch(dir, { persistent: false }, () => this.schedule(DEBOUNCE_MS));
        w.on('error', () => undefined); // the periodic re-read still runs
        this.watchers.push(w);
      } catch {
        // a directory that cannot be watched: the periodic re-read covers it
      }
    }
    this.interval = setInterval(() => this.reload(), options.reloadIntervalMs ?? 10_000);
    this.interval.unref();
  }

  /** The material in force. */
  current(): TlsMaterial {
    return this.material;
  }

  /**
   * Re-reads the files; publishes them when they changed and are usable. Returns true when new material
   * was published.
   */
  reload(): boolean {
    if (this.closed) return false;
    let next: TlsMaterial;
    try {
      next = loadTlsMaterial(this.files);
    } catch (err) {
      const message = (err as Error).message;
      if (message !== this.lastError)
        this.logger.warn(
          { component: 'xds-tls', code: 'CW_E_XDS_TLS', err: message },
          'xDS TLS files not usable; keeping the previous certificate and key',
        );
      this.lastError = message;
      this.schedule(RETRY_MS);
      return false;
    }
    this.lastError = undefined;
    const m = this.material;
    if (next.cert.equals(m.cert) && next.key.equals(m.key) && next.ca.equals(m.ca)) return false;
    this.material = next;
    this.logger.info(
      { component: 'xds-tls', serialNumber: next.serialNumber, notAfter: next.notAfter },
      'xDS TLS certificate, key and client CA reloaded',
    );
    for (const l of this.identityListeners) l(this.identity());
    for (const l of this.caListeners) l({ caCertificate: next.ca });
    return true;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.interval);
    if (this.pending) clearTimeout(this.pending);
    for (const w of this.watchers.splice(0)) w.close();
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    process.nextTick(listener, { caCertificate: this.material.ca });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    process.nextTick(listener, this.identity());
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  private identity(): experimental.IdentityCertificateUpdate {
    return { certificate: this.material.cert, privateKey: this.material.key };
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.reload();
    }, delayMs);
    this.pending.unref();
  }
}
