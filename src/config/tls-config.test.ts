/** The `tls:` setting of the config file: read at the top level and per group, strictly validated. */
import { CausewayError } from '../errors.js';
import { parseControllerConfig } from './controller-config.js';
import { TLS_CIPHER_SUITES } from './tls-config.js';
import { translateOptionsFrom } from '../controller/translate-options-from-config.js';
import { groupSettings } from '../translate/translate-options.js';

test('top-level and group tls are read; a group replaces the top level as a whole', () => {
  const text = [
    'tls: { minVersion: "1.3", alpn: [http/1.1] }',
    'groups:',
    '  edge: { tls: { maxVersion: 1.2, cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256, AES256-SHA], alpn: [h2, http/1.1] } }',
  ].join('\n');
  const c = parseControllerConfig('c.yaml', text);
  expect(c.tls).toEqual({ minVersion: '1.3', alpn: ['http/1.1'] });
  expect(c.groups['edge']).toEqual({
    tls: {
      maxVersion: '1.2',
      cipherSuites: ['ECDHE-RSA-AES128-GCM-SHA256', 'AES256-SHA'],
      alpn: ['h2', 'http/1.1'],
    },
  });
  const options = translateOptionsFrom(c, {});
  expect(groupSettings(options, 'edge').tls?.minVersion).toBeUndefined();
  expect(groupSettings(options, 'other').tls).toEqual({ minVersion: '1.3', alpn: ['http/1.1'] });
});

test('every cipher suite of the list is accepted, in the order given', () => {
  const text = `tls: { cipherSuites: [${[...TLS_CIPHER_SUITES].reverse().join(', ')}] }`;
  expect(parseControllerConfig('c.yaml', text).tls?.cipherSuites).toEqual([...TLS_CIPHER_SUITES].reverse());
});

test('no tls key: no setting', () => {
  expect(parseControllerConfig('c.yaml', 'httpPort: 80').tls).toBeUndefined();
});

test.each([
  ['tls: "1.3"', /tls must be a mapping/],
  ['tls: { min: "1.3" }', /unknown key tls.min /],
  ['tls: { minVersion: "1.1" }', /tls.minVersion must be "1.2" or "1.3".*got "1.1"/],
  ['tls: { minVersion: 1.0 }', /tls.minVersion must be "1.2" or "1.3"/],
  ['tls: { maxVersion: TLSv1_3 }', /tls.maxVersion must be "1.2" or "1.3"/],
  ['tls: { minVersion: "1.3", maxVersion: "1.2" }', /minVersion 1.3 is above maxVersion 1.2/],
  ['tls: { cipherSuites: [] }', /tls.cipherSuites must be a non-empty list/],
  ['tls: { cipherSuites: ECDHE-RSA-AES128-GCM-SHA256 }', /tls.cipherSuites must be a non-empty list/],
  ['tls: { cipherSuites: [RC4-MD5] }', /unknown cipher suite "RC4-MD5"/],
  ['tls: { cipherSuites: [ecdhe-rsa-aes128-gcm-sha256] }', /unknown cipher suite/],
  ['tls: { cipherSuites: [TLS_AES_128_GCM_SHA256] }', /is a TLS 1.3 suite/],
  ['tls: { cipherSuites: [AES128-SHA, AES128-SHA] }', /lists "AES128-SHA" twice/],
  ['tls: { minVersion: "1.3", cipherSuites: [AES128-SHA] }', /apply to TLS 1.2 only/],
  ['tls: { alpn: [] }', /tls.alpn must be a non-empty list/],
  ['tls: { alpn: [h3] }', /"h3" is not h2 or http\/1.1/],
  ['tls: { alpn: [h2, h2] }', /lists "h2" twice/],
  ['groups:\n  edge: { tls: { alpn: [spdy] } }', /groups.edge.tls.alpn: "spdy"/],
])('%s is rejected with a clear message', (text, message) => {
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(CausewayError);
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(message);
});
