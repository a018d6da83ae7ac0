/**
 * IR secrets -> Envoy SDS Secrets (inline PEM): a serving certificate (`tls_certificate`), or the CA
 * certificates backends are verified against (`validation_context`, used by clusters through
 * cluster-backend-tls.ts).
 */
import type { SecretIR } from '../../src/ir/ir-types.js';

export function translateSecret(s: SecretIR): object {
  if (s.kind === 'trusted-ca') {
    return { name: s.name, validation_context: { trusted_ca: { inline_string: s.trustedCa } } };
  }
  return {
    name: s.name,
    tls_certificate: {
      certificate_chain: { inline_string: s.certificateChain },
      private_key: { inline_string: s.privateKey },
    },
  };
}
