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
