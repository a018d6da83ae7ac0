/**
 * Backend TLS in Envoy's words: the cluster's UpstreamTlsContext (SNI, ALPN by HTTP version, the CA over
 * SDS combined with a per-cluster SAN match, or no validation at all), the `trusted-ca` SDS Secret, and
 * the source map naming the Services verified with a CA. Every resource encodes with Envoy's protos.
 */
import type { BackendIR, GatewayGroupIR, TrustedCaSecretIR } from '../../src/ir/ir-types.js';
import { encodeResource, RESOURCE_TYPES } from '../protos/envoy-protos.js';
import { backendTransportSocket } from './cluster-backend-tls.js';
import { translateCluster } from './cluster.translator.js';
import { translateSecret } from './secret.translator.js';
import { secretSources } from './source-map.js';

function backend(name: string, extra: Partial<BackendIR> = {}): BackendIR {
  return {
    name: `service/shop/${name}/443`,
    service: { namespace: 'shop', name, port: 443, portName: 'https' },
    protocol: 'http1',
    connectTimeoutSeconds: 2,
    crossCluster: 'failover',
    endpoints: [],
    sources: [{ kind: 'Ingress', namespace: 'shop', name: `${name}-ingress` }],
    ...extra,
  };
}

const CA: TrustedCaSecretIR = {
  kind: 'trusted-ca',
  name: 'ca/shop/backend-ca',
  trustedCa: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  source: { kind: 'Secret', namespace: 'shop', name: 'backend-ca' },
};

const verified = backend('web', { tls: { verify: true, sni: 'web.shop.svc', caSecret: CA.name } });

test('a cleartext backend has no transport socket', () => {
  expect(backendTransportSocket(backend('plain'))).toEqual({});
  expect(translateCluster(backend('plain'))).not.toHaveProperty('transport_socket');
});

test('HTTPS verified: SNI, ALPN http/1.1, the CA over ADS and the SNI as the DNS SAN to match', () => {
  const ctx = (translateCluster(verified) as { transport_socket: { typed_config: Record<string, unknown> } })
    .transport_socket.typed_config;
  expect(ctx).toEqual({
    '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    sni: 'web.shop.svc',
    common_tls_context: {
      tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
      alpn_protocols: ['http/1.1'],
      combined_validation_context: {
        default_validation_context: {
          match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'web.shop.svc' } }],
        },
        validation_context_sds_secret_config: {
          name: 'ca/shop/backend-ca',
          sds_config: { ads: {}, resource_api_version: 'V3' },
        },
      },
    },
  });
  expect(() => encodeResource(RESOURCE_TYPES.cluster, translateCluster(verified))).not.toThrow();
});

test('GRPCS offers h2; an unverified backend gets no validation context at all', () => {
  const grpcs = backend('grpc', { protocol: 'http2', tls: { verify: false, sni: 'grpc.example.com' } });
  const cluster = translateCluster(grpcs) as {
    transport_socket: { typed_config: { sni: string; common_tls_context: Record<string, unknown> } };
  };
  expect(cluster.transport_socket.typed_config.sni).toBe('grpc.example.com');
  expect(cluster.transport_socket.typed_config.common_tls_context).toEqual({
    tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
    alpn_protocols: ['h2'],
  });
  expect(() => encodeResource(RESOURCE_TYPES.cluster, cluster)).not.toThrow();
});

test('a trusted-ca Secret is a validation context; a certificate stays a tls_certificate', () => {
  expect(translateSecret(CA)).toEqual({
    name: 'ca/shop/backend-ca',
    validation_context: { trusted_ca: { inline_string: CA.trustedCa } },
  });
  expect(() => encodeResource(RESOURCE_TYPES.secret, translateSecret(CA))).not.toThrow();
  const cert = translateSecret({
    name: 'shop/tls',
    certificateChain: 'c',
    privateKey: 'k',
    source: { kind: 'Secret', namespace: 'shop', name: 'tls' },
  });
  expect(cert).toHaveProperty('tls_certificate');
});

test('a CA Secret is sourced to the Secret, the Services verified with it and their Ingresses', () => {
  const group = {
    https: undefined,
    backends: [verified, backend('other'), backend('skip', { tls: { verify: false, sni: 'skip.shop.svc' } })],
  } as unknown as GatewayGroupIR;
  expect(secretSources(group, CA)).toEqual([
    { kind: 'Ingress', namespace: 'shop', name: 'web-ingress' },
    { kind: 'Secret', namespace: 'shop', name: 'backend-ca' },
    { kind: 'Service', namespace: 'shop', name: 'web' },
  ]);
});
