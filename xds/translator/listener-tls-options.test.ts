/** Group TLS options and passthrough chains on the HTTPS listener (goldens 300-305 show whole listeners). */
import type { HttpsListenerIR } from '../../src/ir/ir-types.js';
import { translateHttpsListener } from './listener.translator.js';
import { codecForAlpn, tlsParameters } from './listener-tls-options.js';

test('no options: the defaults the listener always had (TLS 1.2 minimum, h2 then http/1.1, codec AUTO)', () => {
  expect(tlsParameters(undefined)).toEqual({
    tls_params: { tls_minimum_protocol_version: 'TLSv1_2' },
    alpn_protocols: ['h2', 'http/1.1'],
  });
  expect(codecForAlpn(undefined)).toEqual({});
  expect(codecForAlpn({ alpn: ['http/1.1', 'h2'] })).toEqual({});
});

test('versions, suites and ALPN are rendered; one ALPN protocol fixes the codec', () => {
  expect(
    tlsParameters({ minVersion: '1.3', maxVersion: '1.3', cipherSuites: ['AES128-SHA'], alpn: ['http/1.1'] }),
  ).toEqual({
    tls_params: {
      tls_minimum_protocol_version: 'TLSv1_3',
      tls_maximum_protocol_version: 'TLSv1_3',
      cipher_suites: ['AES128-SHA'],
    },
    alpn_protocols: ['http/1.1'],
  });
  expect(codecForAlpn({ alpn: ['http/1.1'] })).toEqual({ codec_type: 'HTTP1' });
  expect(codecForAlpn({ alpn: ['h2'] })).toEqual({ codec_type: 'HTTP2' });
});

test('a listener with only passthrough hosts has their TCP proxy chains and no default chain', () => {
  const l: HttpsListenerIR = {
    name: 'https',
    port: 8443,
    filterChains: [],
    passthrough: [
      {
        name: 'passthrough/a.example.com',
        serverNames: ['a.example.com'],
        backend: 'passthrough/default/a/443',
        hashSourceIp: true,
        source: { kind: 'Ingress', namespace: 'default', name: 'a' },
      },
    ],
  };
  const out = translateHttpsListener(l) as { filter_chains: object[]; default_filter_chain?: object };
  expect(out.default_filter_chain).toBeUndefined();
  expect(out.filter_chains).toEqual([
    {
      name: 'passthrough/a.example.com',
      filter_chain_match: { server_names: ['a.example.com'] },
      filters: [
        {
          name: 'envoy.filters.network.tcp_proxy',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
            stat_prefix: 'passthrough',
            cluster: 'passthrough/default/a/443',
            idle_timeout: '3600s',
            hash_policy: [{ source_ip: {} }],
          },
        },
      ],
    },
  ]);
});
