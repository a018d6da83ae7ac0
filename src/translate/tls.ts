/**
 * TLS Secrets: `kubernetes.io/tls` with PEM `tls.crt` (chain) and `tls.key`, base64 in `data`.
 * Validation parses the certificate and key and checks that they belong together, so Envoy never gets
 * a certificate it would reject (one bad Secret must not fail the whole listener).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { Secret } from '../resources/kube-types.js';

export type TlsSecretResult =
  | { readonly ok: true; readonly certificateChain: string; readonly privateKey: string }
  | { readonly ok: false; readonly error: string };

function decode(secret: Secret, key: string): string | undefined {
  const b64 = secret.data?.[key];
  if (b64 === undefined) return undefined;
  return Buffer.from(b64, 'base64').toString('utf8');
}

export function readTlsSecret(secret: Secret): TlsSecretResult {
  if (secret.type !== 'kubernetes.io/tls') {
    return { ok: false, error: `type is "${secret.type ?? 'Opaque'}", not kubernetes.io/tls` };
  }
  const crt = decode(secret, 'tls.crt');
  const key = decode(secret, 'tls.key');
  if (!crt || !key) return { ok: false, error: 'data lacks tls.crt or tls.key' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(crt);
  } catch (e) {
    return { ok: false, error: `tls.crt is not a PEM certificate (${(e as Error).message})` };
  }
  try {
    const pk = createPrivateKey(key);
    if (!cert.checkPrivateKey(pk))
      return { ok: false, error: 'tls.key does not match the certificate in tls.crt' };
  } catch (e) {
    return { ok: false, error: `tls.key is not a PEM private key (${(e as Error).message})` };
  }
  return { ok: true, certificateChain: crt, privateKey: key };
}
