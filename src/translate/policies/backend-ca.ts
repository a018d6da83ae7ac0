/**
 * The CA bundle of a backend TLS Secret (`causeway.dev/backend-tls-ca-secret`): the PEM certificates in
 * its `ca.crt`, each parsed, so that a gateway never gets a trusted CA it would reject. A `ca.crt`
 * holding a PEM private key is refused (the key would travel to every gateway and show in
 * `/debug/config` as a "certificate"). Only the CERTIFICATE blocks are kept, so text around them (or a
 * CRL) never reaches Envoy. Pure.
 */
import { X509Certificate } from 'node:crypto';
import type { Secret } from '../../resources/kube-types.js';
import { textProblem, type TextRules } from '../../ingress/text-checks.js';
import { memoizeByObject } from '../../util/memoize-by-object.js';
import { containsPrivateKey } from '../../util/private-keys.js';

/** PEM text as a gateway gets it (as a serving certificate's, tls.ts): line breaks, at most 1 MiB. */
const PEM_TEXT: TextRules = { allowLineBreaks: true, maxLength: 1024 * 1024 };
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The key of the Secret's data holding the CA certificates (cert-manager's and ingress-nginx's name). */
export const CA_KEY = 'ca.crt';

export type CaBundleResult =
  | { readonly ok: true; readonly pem: string; readonly certificates: number }
  | { readonly ok: false; readonly error: string };

/**
 * The PEM CA certificates of `secret`'s `ca.crt`, or what is wrong with it. Memoized by the Secret
 * object: parsing X.509 is the costly part, and every group and translation asks again.
 */
export const readCaBundle: (secret: Secret) => CaBundleResult = memoizeByObject(parseCaBundle);

function parseCaBundle(secret: Secret): CaBundleResult {
  const b64 = secret.data?.[CA_KEY];
  if (b64 === undefined) return { ok: false, error: `data lacks ${CA_KEY}` };
  const text = Buffer.from(b64, 'base64').toString('utf8');
  const bad = textProblem(text, PEM_TEXT);
  if (bad !== undefined) return { ok: false, error: `${CA_KEY} ${bad}` };
  if (containsPrivateKey(text))
    return {
      ok: false,
      error: `${CA_KEY} holds a PEM PRIVATE KEY block; it must hold only CERTIFICATE blocks (the CA's key never belongs in it)`,
    };
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) return { ok: false, error: `${CA_KEY} is not PEM (no CERTIFICATE block)` };
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      // The parser's own message (an OpenSSL error code) varies with the Node version: not quoted.
      const which = blocks.length === 1 ? CA_KEY : `certificate ${i + 1} of ${blocks.length} in ${CA_KEY}`;
      return { ok: false, error: `${which} is not a PEM certificate (it does not parse as X.509)` };
    }
  }
  return { ok: true, pem: `${blocks.join('\n')}\n`, certificates: blocks.length };
}
