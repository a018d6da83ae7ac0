/**
 * The client-certificate annotations: their parsers (good values, bad values, limits), and the policy an
 * Ingress's annotations give through the whole translation (the TLS chain's ClientCertIR, the fallbacks
 * of bad values, a bad secret value failing closed). Certificates are made by openssl at test time.
 */
import { parseAnnotation } from '../../ingress/ingress-annotations.js';
import { DEFAULT_CLASS, shopService, translateForPolicies } from '../testdata/policy-fixtures.js';
import { SECRETS, SERVING, tlsIngress, tlsSecret } from '../testdata/client-cert-fixtures.js';
import {
  AUTH_TLS_PASS_CERTIFICATE,
  AUTH_TLS_SECRET,
  AUTH_TLS_VERIFY_CLIENT,
  AUTH_TLS_VERIFY_DEPTH,
} from './client-cert-annotations.js';

function run(annotations: Record<string, string>): ReturnType<typeof translateForPolicies> {
  return translateForPolicies([DEFAULT_CLASS, shopService(), ...SECRETS, tlsIngress('a', annotations)]);
}

describe('parsers', () => {
  test.each([
    ['client-ca', { name: 'client-ca' }],
    ['pki/client-ca', { namespace: 'pki', name: 'client-ca' }],
  ])('auth-tls-secret %s', (raw, value) => {
    expect(parseAnnotation(AUTH_TLS_SECRET, raw)).toEqual({ ok: true, value });
  });

  test.each(['', 'a/b/c', 'Client_CA', 'pki/', '/ca', 'PKI/ca', `${'a'.repeat(64)}/ca`])(
    'auth-tls-secret refuses %j',
    (raw) => expect(parseAnnotation(AUTH_TLS_SECRET, raw).ok).toBe(false),
  );

  test('auth-tls-verify-client: the four nginx values, exactly', () => {
    for (const v of ['on', 'off', 'optional', 'optional_no_ca'])
      expect(parseAnnotation(AUTH_TLS_VERIFY_CLIENT, v)).toEqual({ ok: true, value: v });
    for (const v of ['ON', 'true', 'require', 'optional-no-ca'])
      expect(parseAnnotation(AUTH_TLS_VERIFY_CLIENT, v).ok).toBe(false);
  });

  test('auth-tls-verify-depth: whole numbers from 0 to 99 (intermediates, as nginx counts)', () => {
    expect(parseAnnotation(AUTH_TLS_VERIFY_DEPTH, '0')).toEqual({ ok: true, value: 0 });
    expect(parseAnnotation(AUTH_TLS_VERIFY_DEPTH, '99')).toEqual({ ok: true, value: 99 });
    for (const v of ['100', '-1', '1.5', 'two', ''])
      expect(parseAnnotation(AUTH_TLS_VERIFY_DEPTH, v).ok).toBe(false);
  });

  test('auth-tls-pass-certificate-to-upstream: a boolean', () => {
    expect(parseAnnotation(AUTH_TLS_PASS_CERTIFICATE, 'true')).toEqual({ ok: true, value: true });
    expect(parseAnnotation(AUTH_TLS_PASS_CERTIFICATE, 'yes').ok).toBe(false);
  });
});

describe('the policy through the translation', () => {
  test('a CA Secret alone: on, depth 1, no certificate passed, the CA sent as ca/<ns>/<name>', () => {
    const { group, messages } = run({ 'causeway.dev/auth-tls-secret': 'client-ca' });
    expect(messages).toEqual([]);
    const chain = group.https!.filterChains[0]!;
    expect(chain.clientCert).toEqual({
      caSecret: 'ca/shop/client-ca',
      mode: 'on',
      verifyDepth: 1,
      passCertificate: false,
    });
    expect(chain.name).toBe('https/shop/shop-tls/client-ca/shop/client-ca/on/depth-1');
    expect(group.secrets.map((s) => s.name)).toEqual(['ca/shop/client-ca', 'shop/shop-tls']);
  });

  test('every annotation set', () => {
    const { group, messages } = run({
      'causeway.dev/auth-tls-secret': 'shop/client-ca',
      'causeway.dev/auth-tls-verify-client': 'optional_no_ca',
      'causeway.dev/auth-tls-verify-depth': '3',
      'causeway.dev/auth-tls-pass-certificate-to-upstream': 'true',
    });
    expect(messages).toEqual([]);
    expect(group.https!.filterChains[0]!.clientCert).toEqual({
      caSecret: 'ca/shop/client-ca',
      mode: 'optional_no_ca',
      verifyDepth: 3,
      passCertificate: true,
    });
  });

  test('off, or no auth-tls-secret, asks for nothing (and sends no CA)', () => {
    const cases: Record<string, string>[] = [
      { 'causeway.dev/auth-tls-secret': 'client-ca', 'causeway.dev/auth-tls-verify-client': 'off' },
      { 'causeway.dev/auth-tls-verify-client': 'on' },
    ];
    for (const annotations of cases) {
      const { group, messages } = run(annotations);
      expect(messages).toEqual([]);
      expect(group.https!.filterChains[0]!.clientCert).toBeUndefined();
      expect(group.secrets.map((s) => s.name)).toEqual(['shop/shop-tls']);
    }
  });

  test('bad mode, depth and pass-certificate fall back to on, 1 and false, each with a diagnostic', () => {
    const { group, messages } = run({
      'causeway.dev/auth-tls-secret': 'client-ca',
      'causeway.dev/auth-tls-verify-client': 'sometimes',
      'causeway.dev/auth-tls-verify-depth': '100',
      'causeway.dev/auth-tls-pass-certificate-to-upstream': 'maybe',
    });
    expect(group.https!.filterChains[0]!.clientCert).toMatchObject({
      mode: 'on',
      verifyDepth: 1,
      passCertificate: false,
    });
    expect(messages).toHaveLength(3);
    expect(messages.join('\n')).toMatch(/auth-tls-verify-client: .*; using "on"/);
  });

  test.each([['Not/A/Name'], ['missing-ca']])(
    'auth-tls-secret %s fails closed: 403 over HTTPS and HTTP, no route to the backend',
    (secret) => {
      const { group, messages } = run({ 'causeway.dev/auth-tls-secret': secret });
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/answer 403/);
      const chain = group.https!.filterChains[0]!;
      expect(chain.name).toBe('https/shop/shop-tls/client-cert-refused');
      expect(chain.clientCert).toBeUndefined();
      for (const vhosts of [chain.virtualHosts, group.http.virtualHosts]) {
        const routes = vhosts.find((v) => v.name === 'shop.example.com')!.routes;
        expect(routes.map((r) => r.action)).toEqual([
          { kind: 'direct', status: 403, body: expect.any(String) as unknown },
        ]);
      }
    },
  );

  test('a ca.crt that is not PEM fails closed, naming the Secret without quoting it', () => {
    const { group, messages } = translateForPolicies([
      DEFAULT_CLASS,
      shopService(),
      tlsSecret('shop-tls', { 'tls.crt': SERVING.cert, 'tls.key': SERVING.key }),
      tlsSecret('client-ca', { 'ca.crt': 'hunter2-not-a-certificate' }),
      tlsIngress('a', { 'causeway.dev/auth-tls-secret': 'client-ca' }),
    ]);
    expect(messages).toEqual([
      "CW_E_CLIENT_CA_SECRET_INVALID a: client CA Secret shop/client-ca: ca.crt is not PEM (no CERTIFICATE block); the Ingress's TLS hosts answer 403 to every request",
    ]);
    expect(group.https!.filterChains[0]!.name).toBe('https/shop/shop-tls/client-cert-refused');
  });
});
