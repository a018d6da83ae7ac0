/**
 * A group's TLS options (config file `tls:`) on its terminated HTTPS filter chains: the TLS versions and
 * cipher suites (`tls_params`) and the ALPN protocols of the DownstreamTlsContext's common_tls_context,
 * and the connection manager's codec when ALPN leaves one HTTP version out. Without options the chains
 * keep the defaults they always had: TLS 1.2 minimum (Envoy's maximum, 1.3), Envoy's cipher list, ALPN
 * h2 then http/1.1, and the codec chosen per connection (`AUTO`).
 *
 * Codec: with `alpn: [http/1.1]` the connection manager speaks only HTTP/1 (`HTTP1`), so a client that
 * skips ALPN and opens with the HTTP/2 preface is not served HTTP/2 either; with `alpn: [h2]` only
 * HTTP/2 (`HTTP2`).
 */
import type { TlsOptionsIR, TlsVersionIR } from '../../src/ir/ir-types.js';

const ENVOY_VERSIONS: Readonly<Record<TlsVersionIR, string>> = { '1.2': 'TLSv1_2', '1.3': 'TLSv1_3' };
const DEFAULT_ALPN = ['h2', 'http/1.1'] as const;

/** The `tls_params` and `alpn_protocols` of a terminated chain's common_tls_context. */
export function tlsParameters(o: TlsOptionsIR | undefined): object {
  return {
    tls_params: {
      tls_minimum_protocol_version: ENVOY_VERSIONS[o?.minVersion ?? '1.2'],
      ...(o?.maxVersion ? { tls_maximum_protocol_version: ENVOY_VERSIONS[o.maxVersion] } : {}),
      ...(o?.cipherSuites ? { cipher_suites: [...o.cipherSuites] } : {}),
    },
    alpn_protocols: [...(o?.alpn ?? DEFAULT_ALPN)],
  };
}

/** The connection manager's `codec_type` when ALPN offers one HTTP version only; empty: AUTO. */
export function codecForAlpn(o: TlsOptionsIR | undefined): object {
  const alpn = o?.alpn;
  if (!alpn || alpn.length !== 1) return {};
  return { codec_type: alpn[0] === 'h2' ? 'HTTP2' : 'HTTP1' };
}
