/** IR secrets -> Envoy SDS Secrets (inline PEM). */
import type { SecretIR } from '../../src/ir/ir-types.js';

export function translateSecret(s: SecretIR): object {
  return {
    name: s.name,
    tls_certificate: {
      certificate_chain: { inline_string: s.certificateChain },
      private_key: { inline_string: s.privateKey },
    },
  };
}
