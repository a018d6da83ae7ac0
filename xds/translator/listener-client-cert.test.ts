/**
 * The client-certificate validation of an HTTPS filter chain's DownstreamTlsContext per mode, encodable
 * with Envoy's protos.
 */
import type { ClientCertIR } from '../../src/ir/ir-types.js';
import { encodeResource, RESOURCE_TYPES } from '../protos/envoy-protos.js';
import { TYPES } from './common.js';
import { withClientCert } from './listener-client-cert.js';
import { translateHttpsListener } from './listener.translator.js';

const TLS = {
  '@type': TYPES.downstreamTls,
  common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'ns/tls' }] },
};

function cert(mode: ClientCertIR['mode'], verifyDepth = 1): ClientCertIR {
  return { caSecret: 'ca/ns/ca', mode, verifyDepth, passCertificate: false };
}

type Rendered = Record<string, unknown> & { common_tls_context: Record<string, unknown> };

test('without settings the context is unchanged', () => {
  expect(withClientCert(TLS, undefined)).toBe(TLS);
});

test('on: the CA over SDS with the depth (plus the anchor), and a certificate required', () => {
  const r = withClientCert(TLS, cert('on', 3)) as Rendered;
  expect(r['require_client_certificate']).toBe(true);
  expect(r.common_tls_context['tls_certificate_sds_secret_configs']).toEqual([{ name: 'ns/tls' }]);
  expect(r.common_tls_context['combined_validation_context']).toMatchObject({
    default_validation_context: { max_verify_depth: 4 },
    validation_context_sds_secret_config: { name: 'ca/ns/ca' },
  });
  expect(r['disable_stateless_session_resumption']).toBeUndefined();
});

test('optional: verified when sent, not required', () => {
  const r = withClientCert(TLS, cert('optional')) as Rendered;
  expect(r['require_client_certificate']).toBeUndefined();
  expect(r.common_tls_context['combined_validation_context']).toMatchObject({
    default_validation_context: { max_verify_depth: 2 },
  });
});

test('optional_no_ca: untrusted accepted, no session resumption', () => {
  const r = withClientCert(TLS, cert('optional_no_ca')) as Rendered;
  expect(r['require_client_certificate']).toBeUndefined();
  expect(r.common_tls_context['combined_validation_context']).toMatchObject({
    default_validation_context: { trust_chain_verification: 'ACCEPT_UNTRUSTED' },
  });
  expect(r['disable_stateless_session_resumption']).toBe(true);
  expect(r['disable_stateful_session_resumption']).toBe(true);
});

test.each(['on', 'optional', 'optional_no_ca'] as const)('a listener with a %s chain encodes', (mode) => {
  const listener = translateHttpsListener({
    name: 'https',
    port: 8443,
    filterChains: [
      {
        name: 'https/ns/tls/client',
        serverNames: ['a.example.com'],
        secret: 'ns/tls',
        virtualHosts: [],
        clientCert: cert(mode),
      },
    ],
  });
  expect(() => encodeResource(RESOURCE_TYPES.listener, listener)).not.toThrow();
});
