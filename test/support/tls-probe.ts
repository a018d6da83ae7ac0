/**
 * A TLS client for end-to-end tests of the gateway's HTTPS port: connects with a chosen SNI, TLS
 * versions and ALPN offer, reports what was negotiated and the certificate served (without trusting
 * it: the tests compare fingerprints), and optionally sends one HTTP/1.1 GET on the connection.
 */
import tls from 'node:tls';

export interface TlsProbeOptions {
  readonly port: number;
  readonly servername: string;
  readonly minVersion?: tls.SecureVersion;
  readonly maxVersion?: tls.SecureVersion;
  readonly alpn?: readonly string[];
  /** OpenSSL cipher list the client offers for TLS 1.2 (default: Node's). */
  readonly ciphers?: string;
  /** When set, a `GET <path>` with `Host: <servername>` is sent and the raw answer read until close. */
  readonly get?: string;
}

export type TlsProbeResult =
  | {
      readonly ok: true;
      /** `TLSv1.2`, `TLSv1.3`. */
      readonly protocol: string;
      /** The ALPN protocol chosen by the server; false when none. */
      readonly alpn: string | false;
      /** The cipher suite negotiated (OpenSSL name, e.g. `ECDHE-ECDSA-AES256-GCM-SHA384`). */
      readonly cipher: string;
      /** SHA-256 fingerprint of the certificate served (`AA:BB:...`). */
      readonly fingerprint256: string;
      /** The raw HTTP answer to `get`, if asked. */
      readonly answer?: string;
    }
  | { readonly ok: false; readonly error: string };

export function tlsProbe(o: TlsProbeOptions): Promise<TlsProbeResult> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port: o.port,
      servername: o.servername,
      rejectUnauthorized: false,
      ...(o.minVersion ? { minVersion: o.minVersion } : {}),
      ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
      ...(o.alpn ? { ALPNProtocols: [...o.alpn] } : {}),
      ...(o.ciphers ? { ciphers: o.ciphers } : {}),
    });
    const timer = setTimeout(() => socket.destroy(new Error('timeout')), 10_000);
    let settled = false;
    const done = (r: TlsProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    socket.on('error', (e) => done({ ok: false, error: e.message }));
    socket.on('close', () => done({ ok: false, error: 'connection closed before the handshake ended' }));
    socket.on('secureConnect', () => {
      const hello = {
        ok: true as const,
        protocol: socket.getProtocol() ?? '',
        alpn: socket.alpnProtocol ?? false,
        cipher: socket.getCipher().name,
        fingerprint256: socket.getPeerCertificate().fingerprint256,
      };
      if (o.get === undefined) return done(hello);
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.removeAllListeners('close');
      socket.on('close', () => done({ ...hello, answer: Buffer.concat(chunks).toString() }));
      socket.write(`GET ${o.get} HTTP/1.1\r\nHost: ${o.servername}\r\nConnection: close\r\n\r\n`);
    });
  });
}
