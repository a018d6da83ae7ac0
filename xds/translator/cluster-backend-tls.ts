/**
 * TLS from a gateway to a backend (backend protocol HTTPS or GRPCS): the cluster's transport socket,
 * an UpstreamTlsContext sending the SNI and offering the ALPN of the cluster's HTTP version (`h2` for
 * GRPCS, `http/1.1` for HTTPS). When verifying, the CA comes over SDS (the `trusted-ca` Secret, shared
 * by every cluster that uses it) and the certificate must carry the SNI as a DNS SAN (a wildcard SAN
 * covers it), combined per cluster. Without verification there is no validation context at all.
 */
import type { BackendIR, BackendTlsIR } from '../../src/ir/ir-types.js';
import { ADS_CONFIG_SOURCE, TYPES } from './common.js';

function validation(tls: BackendTlsIR): object {
  if (!tls.verify) return {};
  return {
    combined_validation_context: {
      default_validation_context: {
        match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: tls.sni } }],
      },
      validation_context_sds_secret_config: { name: tls.caSecret, sds_config: ADS_CONFIG_SOURCE },
    },
  };
}

/** The `transport_socket` of a backend's cluster; empty for a cleartext backend. */
export function backendTransportSocket(b: BackendIR): object {
  if (!b.tls) return {};
  return {
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': TYPES.upstreamTls,
        sni: b.tls.sni,
        common_tls_context: {
          tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
          alpn_protocols: [b.protocol === 'http2' ? 'h2' : 'http/1.1'],
          ...validation(b.tls),
        },
      },
    },
  };
}
