/**
 * The source map of a client CA: the SDS Secret `ca/<ns>/<name>` of a filter chain with client-certificate
 * authentication comes from the CA Secret and from the Ingresses whose routes the chain serves (so a
 * gateway rejecting it is reported on them), and the chain's route configuration from its Ingresses.
 */
import type { ObjectRef } from '../../src/errors.js';
import type { GatewayGroupIR, RouteIR } from '../../src/ir/ir-types.js';
import { RESOURCE_TYPES } from '../protos/envoy-protos.js';
import { sourcesOf } from './source-map.js';
import { translateXds } from './xds.translator.js';

const ingress: ObjectRef = { kind: 'Ingress', namespace: 'shop', name: 'secure' };
const caRef: ObjectRef = { kind: 'Secret', namespace: 'pki', name: 'client-ca' };

const route: RouteIR = {
  name: 'ingress/shop/secure/rule/0/path/0',
  match: { kind: 'prefix', path: '/' },
  action: { kind: 'direct', status: 200, body: 'ok' },
  timeoutSeconds: 0,
  idleTimeoutSeconds: 60,
  websocket: true,
  source: ingress,
};

const group: GatewayGroupIR = {
  name: 'edge',
  http: { name: 'http', port: 8080, virtualHosts: [] },
  https: {
    name: 'https',
    port: 8443,
    filterChains: [
      {
        name: 'https/shop/tls/client-ca/pki/client-ca/on/depth-1',
        serverNames: ['a.example.com'],
        secret: 'shop/tls',
        virtualHosts: [{ name: 'a.example.com', domains: ['a.example.com'], routes: [route] }],
        clientCert: { caSecret: 'ca/pki/client-ca', mode: 'on', verifyDepth: 1, passCertificate: false },
      },
    ],
  },
  tcp: [],
  backends: [],
  secrets: [
    { kind: 'trusted-ca', name: 'ca/pki/client-ca', trustedCa: 'PEM', source: caRef },
    {
      name: 'shop/tls',
      certificateChain: 'PEM',
      privateKey: 'KEY',
      source: { kind: 'Secret', namespace: 'shop', name: 'tls' },
    },
  ],
};

test('the client CA Secret comes from the CA Secret and the Ingresses of the chains using it', () => {
  const xds = translateXds({ groups: [group] });
  expect(sourcesOf(xds.sources, 'edge', RESOURCE_TYPES.secret, 'ca/pki/client-ca')).toEqual([ingress, caRef]);
  const routes = sourcesOf(
    xds.sources,
    'edge',
    RESOURCE_TYPES.route,
    'https/shop/tls/client-ca/pki/client-ca/on/depth-1',
  );
  expect(routes).toEqual([ingress]);
});
