/**
 * The security the controller's xDS flags ask for (xdsTlsOptionsFrom): mTLS with the three files,
 * plaintext only on a loopback bind host or with `--xds-insecure`, every other combination a usage error.
 */
import path from 'node:path';
import { CausewayError } from '../../src/errors.js';
import type { XdsTlsFlags } from './tls-credentials.js';
import { isLoopbackHost, xdsTlsOptionsFrom } from './tls-credentials.js';

const TLS: XdsTlsFlags = {
  xdsTlsCert: '/etc/causeway/xds-tls/tls.crt',
  xdsTlsKey: '/etc/causeway/xds-tls/tls.key',
  xdsTlsClientCa: '/etc/causeway/xds-tls/ca.crt',
};

/** The usage message xdsTlsOptionsFrom throws, or 'ok' with what it returns. */
function outcome(flags: XdsTlsFlags, host: string): string {
  try {
    const tls = xdsTlsOptionsFrom(flags, host);
    return tls ? `mtls ${path.basename(tls.certFile)}` : 'plaintext';
  } catch (err) {
    if (err instanceof CausewayError && err.code === 'CW_E_USAGE')
      return `usage: ${err.message.replace(/^CW_E_USAGE: /, '')}`;
    throw err;
  }
}

describe('isLoopbackHost', () => {
  test.each([
    '127.0.0.1',
    '127.0.0.2',
    '127.255.255.254',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    'localhost',
    'LocalHost',
    'localhost.',
  ])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  test.each([
    '0.0.0.0',
    '::',
    '[::]',
    '10.0.0.1',
    '128.0.0.1',
    '126.255.255.255',
    '::2',
    '::ffff:10.0.0.1',
    'example.com',
    'localhost.example.com',
    'my-localhost',
    '127.0.0.1.nip.io',
    '',
  ])('%s is not loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('xdsTlsOptionsFrom', () => {
  test('plaintext without flags on loopback only', () => {
    expect(outcome({}, '127.0.0.1')).toBe('plaintext');
    expect(outcome({}, '::1')).toBe('plaintext');
    expect(outcome({}, 'localhost')).toBe('plaintext');
  });

  test.each(['0.0.0.0', '::', '10.1.2.3', 'causeway-xds.causeway-system.svc'])(
    'no TLS flags on %s: a usage error saying what to give',
    (host) => {
      const r = outcome({}, host);
      expect(r).toMatch(/^usage: /);
      expect(r).toContain(`xDS on "${host}" (not a loopback address) needs mTLS`);
      expect(r).toContain('--xds-tls-cert, --xds-tls-key and --xds-tls-client-ca');
      expect(r).toContain('--xds-insecure');
    },
  );

  test('--xds-insecure allows plaintext on any host', () => {
    expect(outcome({ xdsInsecure: true }, '0.0.0.0')).toBe('plaintext');
    expect(outcome({ xdsInsecure: true }, '10.1.2.3')).toBe('plaintext');
    expect(outcome({ xdsInsecure: true }, '127.0.0.1')).toBe('plaintext');
    expect(outcome({ xdsInsecure: false }, '0.0.0.0')).toMatch(/^usage: .*needs mTLS/);
  });

  test('the three files give mTLS on any host, with absolute paths and the trust domain', () => {
    expect(outcome(TLS, '0.0.0.0')).toBe('mtls tls.crt');
    expect(outcome(TLS, '127.0.0.1')).toBe('mtls tls.crt');
    const relative = xdsTlsOptionsFrom(
      {
        xdsTlsCert: 'a.crt',
        xdsTlsKey: 'a.key',
        xdsTlsClientCa: 'ca.crt',
        xdsTlsTrustDomain: 'corp.example',
      },
      '::',
    );
    expect(relative).toEqual({
      certFile: path.resolve('a.crt'),
      keyFile: path.resolve('a.key'),
      clientCaFile: path.resolve('ca.crt'),
      trustDomain: 'corp.example',
    });
  });

  test('--xds-insecure together with any TLS flag is a usage error', () => {
    for (const flags of [TLS, { xdsTlsCert: 'a.crt' }, { xdsTlsTrustDomain: 'corp.example' }]) {
      expect(outcome({ ...flags, xdsInsecure: true }, '0.0.0.0')).toMatch(
        /^usage: .*--xds-insecure .*cannot be combined with the --xds-tls-\* flags/,
      );
    }
  });

  test('a partial set or a bad trust domain is a usage error on any host', () => {
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      expect(outcome({ xdsTlsCert: 'a.crt' }, host)).toMatch(
        /^usage: .*missing --xds-tls-key, --xds-tls-client-ca$/,
      );
      expect(outcome({ xdsTlsTrustDomain: 'corp.example' }, host)).toMatch(
        /^usage: --xds-tls-trust-domain needs/,
      );
      expect(outcome({ ...TLS, xdsTlsTrustDomain: 'Corp Example' }, host)).toMatch(
        /^usage: invalid --xds-tls-trust-domain/,
      );
    }
  });
});
