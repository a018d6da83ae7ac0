/**
 * Client-certificate authentication on an HTTPS filter chain (issue 13, item 2): the chain's
 * DownstreamTlsContext asks for a client certificate and verifies it against the `trusted-ca` Secret
 * (over SDS, sent only to the groups that use it) with the chain depth of `auth-tls-verify-depth` (nginx's
 * intermediates; Envoy's max_verify_depth is one more: it counts the anchor).
 * - `on`: `require_client_certificate`; without a certificate, or with one that does not chain to the
 *   CA, the TLS handshake fails (no HTTP answer: the client sees a TLS alert).
 * - `optional`: asked for, not required; a certificate that does not chain to the CA fails the handshake
 *   (as nginx answers 400 to it); without one the request passes (`ssl-client-verify: NONE`).
 * - `optional_no_ca`: asked for, not required, not enforced (ACCEPT_UNTRUSTED): the backend is told
 *   whether it chained to the CA. Session resumption is off on such a chain, since Envoy does not verify
 *   again on a resumed session and would report a good certificate as unverified.
 */
import type { ClientCertIR } from '../../src/ir/ir-types.js';
import { ADS_CONFIG_SOURCE } from './common.js';

type TlsContextJson = Readonly<Record<string, unknown>> & {
  readonly common_tls_context: Readonly<Record<string, unknown>>;
};

/** A DownstreamTlsContext with the chain's client-certificate validation; unchanged without one. */
export function withClientCert(tls: TlsContextJson, c: ClientCertIR | undefined): object {
  if (c === undefined) return tls;
  const noCa = c.mode === 'optional_no_ca';
  return {
    ...tls,
    common_tls_context: {
      ...tls.common_tls_context,
      combined_validation_context: {
        default_validation_context: {
          // Envoy counts the trust anchor too; nginx (and the IR) only the intermediates.
          max_verify_depth: c.verifyDepth + 1,
          ...(noCa ? { trust_chain_verification: 'ACCEPT_UNTRUSTED' } : {}),
        },
        validation_context_sds_secret_config: { name: c.caSecret, sds_config: ADS_CONFIG_SOURCE },
      },
    },
    ...(c.mode === 'on' ? { require_client_certificate: true } : {}),
    ...(noCa
      ? { disable_stateless_session_resumption: true, disable_stateful_session_resumption: true }
      : {}),
  };
}
