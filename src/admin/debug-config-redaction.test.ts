/**
 * `/debug/config` never shows a private key (issue 11, finding 4): besides the `private_key` DataSource,
 * a PEM private key block in any other field (a certificate chain holding cert + key) is redacted.
 */
import { RESOURCE_TYPES, encodeResource } from '../../xds/protos/envoy-protos.js';
import type { GroupSnapshot } from '../../xds/cache/config-watcher.js';
import { REDACTED_PRIVATE_KEY } from '../util/private-keys.js';
import { debugConfig, REDACTED } from './admin-server.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKEYBODY\n-----END EC PRIVATE KEY-----\n';

test('a private key inside certificate_chain is redacted, the certificate is kept', () => {
  const secret = {
    name: 'shop/shop-tls',
    tls_certificate: {
      certificate_chain: { inline_string: CERT + KEY },
      private_key: { inline_string: KEY },
    },
  };
  const value = encodeResource(RESOURCE_TYPES.secret, secret);
  const snapshot: GroupSnapshot = {
    group: 'default',
    types: new Map([
      [
        RESOURCE_TYPES.secret,
        { version: 'v1', resources: new Map([[secret.name, { name: secret.name, version: 'r1', value }]]) },
      ],
    ]),
  };
  const out = debugConfig(snapshot);
  const text = JSON.stringify(out);
  expect(text).not.toContain('KEYBODY');
  expect(out.secrets).toEqual([
    {
      name: 'shop/shop-tls',
      tls_certificate: {
        certificate_chain: { inline_string: `${CERT}${REDACTED_PRIVATE_KEY}\n` },
        private_key: { inline_string: REDACTED },
      },
    },
  ]);
});

test('basic auth users (htpasswd hashes) are redacted in routes and listeners; the rest is kept', () => {
  const hash = '{SHA}g2YDYHBhl9R/ddqtGep+ipAO4aU=';
  const route = {
    name: 'http',
    virtual_hosts: [
      {
        name: 'h',
        domains: ['*'],
        routes: [
          {
            name: 'r',
            match: { prefix: '/' },
            route: { cluster: 'c' },
            typed_per_filter_config: {
              'envoy.filters.http.basic_auth': {
                '@type': 'type.googleapis.com/envoy.extensions.filters.http.basic_auth.v3.BasicAuthPerRoute',
                users: { inline_string: `alice:${hash}\n` },
              },
            },
          },
        ],
      },
    ],
  };
  const value = encodeResource(RESOURCE_TYPES.route, route);
  const snapshot: GroupSnapshot = {
    group: 'default',
    types: new Map([
      [
        RESOURCE_TYPES.route,
        { version: 'v1', resources: new Map([['http', { name: 'http', version: 'r1', value }]]) },
      ],
    ]),
  };
  const text = JSON.stringify(debugConfig(snapshot));
  expect(text).not.toContain(hash);
  expect(text).not.toContain('alice');
  expect(text).toContain(`"users":{"inline_string":"${REDACTED}"}`);
  expect(text).toContain('"cluster":"c"');
});
