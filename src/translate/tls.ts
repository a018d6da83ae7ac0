/**
 * TLS Secrets: `kubernetes.io/tls` with PEM `tls.crt` (chain) and `tls.key`, base64 in `data`.
 * Validation parses every certificate of the chain and the key, checks that the key belongs to the first
 * certificate and that its type is one Envoy loads, so Envoy never gets a certificate it would reject
 * (a rejected SDS secret can keep the group's whole HTTPS listener from warming). A tls.crt holding a
 * PEM private key (a combined cert + key file) is refused: the key would be served as part of the chain.
 *
 * What Envoy 1.40 (BoringSSL) loads as a serving certificate, measured with `envoy --mode validate`:
 * RSA keys of 2048 to 16384 bits (any public exponent), ECDSA on P-256, P-384 or P-521, and Ed25519.
 * It refuses RSA under 2048 bits (`only RSA certificates with 2048-bit or larger keys are supported`),
 * RSA over 16384 bits, other curves (secp256k1, P-224...), Ed448, DSA and RSA-PSS (id-RSASSA-PSS) keys,
 * and a chain with a `CERTIFICATE` block it cannot parse (`Failed to load certificate chain`). Only the
 * first certificate's key counts: intermediates with any of those key types, or that did not sign the
 * certificate before them, are loaded as they are.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import type { Secret } from '../resources/kube-types.js';
import { memoizeByObject } from '../util/memoize-by-object.js';
import { containsPrivateKey } from '../util/private-keys.js';
import { textProblem, type TextRules } from '../ingress/text-checks.js';

/** PEM text as a gateway gets it: line breaks allowed, no other control character, at most 1 MiB. */
const PEM_TEXT: TextRules = { allowLineBreaks: true, maxLength: 1024 * 1024 };

export type TlsSecretResult =
  | { readonly ok: true; readonly certificateChain: string; readonly privateKey: string }
  | {
      readonly ok: false;
      readonly error: string;
      /** Set when tls.crt holds a private key (default: CW_E_TLS_SECRET_INVALID). */
      readonly code?: 'CW_E_TLS_PRIVATE_KEY_IN_CERTIFICATE';
    };

/** Smallest and largest RSA modulus Envoy loads in a certificate, in bits. */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 16384;

/** The ECDSA curves Envoy loads, by OpenSSL name (`asymmetricKeyDetails.namedCurve`), with their NIST name. */
const ECDSA_CURVES: ReadonlyMap<string, string> = new Map([
  ['prime256v1', 'P-256'],
  ['secp384r1', 'P-384'],
  ['secp521r1', 'P-521'],
]);

const ACCEPTED_KEYS =
  `RSA of ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits, ECDSA on ${[...ECDSA_CURVES.values()].join(', ')}, ` +
  'or Ed25519';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function decode(secret: Secret, key: string): string | undefined {
  const b64 = secret.data?.[key];
  if (b64 === undefined) return undefined;
  return Buffer.from(b64, 'base64').toString('utf8');
}

/** The key of a certificate in words (`an RSA 1024-bit key`, `an ECDSA secp256k1 key`, `an ed448 key`). */
function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return `an RSA ${String(details.modulusLength)}-bit key`;
    case 'rsa-pss':
      return `an RSA-PSS (id-RSASSA-PSS) ${String(details.modulusLength)}-bit key`;
    case 'ec':
      return `an ECDSA ${ECDSA_CURVES.get(details.namedCurve ?? '') ?? details.namedCurve ?? 'unknown-curve'} key`;
    case 'ed25519':
      return 'an Ed25519 key';
    case 'ed448':
      return 'an Ed448 key';
    default:
      return `a ${(key.asymmetricKeyType ?? 'unknown').toUpperCase()} key`;
  }
}

/** Whether Envoy loads a certificate with this public key (see the top of the file). */
export function envoyAcceptsKey(key: KeyObject): boolean {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      return bits >= RSA_MIN_BITS && bits <= RSA_MAX_BITS;
    }
    case 'ec':
      return ECDSA_CURVES.has(details.namedCurve ?? '');
    case 'ed25519':
      return true;
    default:
      return false;
  }
}

/** Every `CERTIFICATE` block of tls.crt parsed, leaf first; or what is wrong. */
function readChain(crt: string): { readonly chain: readonly X509Certificate[] } | { readonly error: string } {
  const blocks = crt.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return { error: 'tls.crt is not a PEM certificate (no CERTIFICATE block)' };
  const chain: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      chain.push(new X509Certificate(block));
    } catch (e) {
      const which = blocks.length === 1 ? 'tls.crt' : `certificate ${i + 1} of ${blocks.length} in tls.crt`;
      return { error: `${which} is not a PEM certificate (${(e as Error).message})` };
    }
  }
  return { chain };
}

/**
 * The certificate chain and key of a TLS Secret, or what is wrong with it. Memoized by the Secret
 * object: parsing X.509 and the key is the costly part, and every group and translation asks again.
 */
export const readTlsSecret: (secret: Secret) => TlsSecretResult = memoizeByObject(parseTlsSecret);

function parseTlsSecret(secret: Secret): TlsSecretResult {
  if (secret.type !== 'kubernetes.io/tls') {
    return { ok: false, error: `type is "${secret.type ?? 'Opaque'}", not kubernetes.io/tls` };
  }
  const crt = decode(secret, 'tls.crt');
  const key = decode(secret, 'tls.key');
  if (!crt || !key) return { ok: false, error: 'data lacks tls.crt or tls.key' };
  const text = textProblem(crt, PEM_TEXT) ?? textProblem(key, PEM_TEXT);
  if (text !== undefined) return { ok: false, error: `tls.crt or tls.key ${text}` };
  if (containsPrivateKey(crt)) {
    return {
      ok: false,
      code: 'CW_E_TLS_PRIVATE_KEY_IN_CERTIFICATE',
      error:
        'tls.crt holds a PEM PRIVATE KEY block; it must hold only CERTIFICATE blocks (put the key in tls.key)',
    };
  }
  const read = readChain(crt);
  if ('error' in read) return { ok: false, error: read.error };
  const cert = read.chain[0]!;
  try {
    const pk = createPrivateKey(key);
    if (!cert.checkPrivateKey(pk))
      return { ok: false, error: 'tls.key does not match the certificate in tls.crt' };
  } catch (e) {
    return { ok: false, error: `tls.key is not a PEM private key (${(e as Error).message})` };
  }
  if (!envoyAcceptsKey(cert.publicKey)) {
    return {
      ok: false,
      error: `the certificate in tls.crt has ${describeKey(cert.publicKey)}, which Envoy does not load; use ${ACCEPTED_KEYS}`,
    };
  }
  return { ok: true, certificateChain: crt, privateKey: key };
}
