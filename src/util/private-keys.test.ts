/**
 * Secrets never leave as text (issue 11, finding 4): a tls.crt holding a private key (a combined PEM)
 * is refused with a diagnostic on the Secret, and any PEM private key block is redacted from output
 * (`/debug/config` through debugConfig; `causeway translate` is covered in test/e2e/private-keys.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../resources/kube-types.js';
import { buildResourceSet } from '../resources/resource-set.js';
import {
  containsPrivateKey,
  redactPrivateKeys,
  redactPrivateKeysDeep,
  REDACTED_PRIVATE_KEY,
} from './private-keys.js';
import { readTlsSecret } from '../translate/tls.js';
import { translate } from '../translate/translate.js';

function selfSigned(): { cert: string; key: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-pk-test-'));
  try {
    fs.writeFileSync(path.join(dir, 'key.pem'), key);
    const cert = execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-new',
        '-key',
        path.join(dir, 'key.pem'),
        '-subj',
        '/CN=shop.example.com',
        '-days',
        '2',
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return { cert, key };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const pair = selfSigned();
const b64 = (s: string) => Buffer.from(s).toString('base64');
const KEY_BODY = pair.key.split('\n')[1]!;

describe('redactPrivateKeys', () => {
  test.each([
    'PRIVATE KEY',
    'RSA PRIVATE KEY',
    'EC PRIVATE KEY',
    'ENCRYPTED PRIVATE KEY',
    'OPENSSH PRIVATE KEY',
  ])('redacts a %s block and keeps the text around it', (label) => {
    const text = `${pair.cert}-----BEGIN ${label}-----\nSECRETBODY\n-----END ${label}-----\ntrailer`;
    expect(containsPrivateKey(text)).toBe(true);
    expect(redactPrivateKeys(text)).toBe(`${pair.cert}${REDACTED_PRIVATE_KEY}\ntrailer`);
  });

  test('an unterminated block is redacted to the end; several blocks each; certificates are kept', () => {
    expect(redactPrivateKeys('a-----BEGIN PRIVATE KEY-----\nSECRET')).toBe(`a${REDACTED_PRIVATE_KEY}`);
    const two = `${pair.key}${pair.cert}${pair.key}`;
    expect(redactPrivateKeys(two)).toBe(`${REDACTED_PRIVATE_KEY}\n${pair.cert}${REDACTED_PRIVATE_KEY}\n`);
    expect(containsPrivateKey(pair.cert)).toBe(false);
    expect(redactPrivateKeys(pair.cert)).toBe(pair.cert);
  });

  test('deep redaction reaches every string of a JSON value', () => {
    const value = { a: [{ certificate_chain: { inline_string: pair.cert + pair.key } }], n: 1, t: true };
    const out = JSON.stringify(redactPrivateKeysDeep(value));
    expect(out).not.toContain(KEY_BODY);
    expect(out).toContain(REDACTED_PRIVATE_KEY);
    expect(out).toContain('"n":1');
  });

  test('is linear: 20k BEGIN lines without END are redacted at once', () => {
    const text = '-----BEGIN PRIVATE KEY-----\n'.repeat(20_000);
    const t0 = performance.now();
    expect(redactPrivateKeys(text)).toBe(REDACTED_PRIVATE_KEY);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('a tls.crt holding a private key', () => {
  const secret = (crt: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'shop-tls', namespace: 'shop' },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64(crt), 'tls.key': b64(pair.key) },
  });

  test('the certificate alone is accepted', () => {
    expect(readTlsSecret(secret(pair.cert) as never).ok).toBe(true);
  });

  test.each([
    ['cert + key', () => pair.cert + pair.key],
    ['key + cert', () => pair.key + pair.cert],
    [
      'cert + RSA key block',
      () => `${pair.cert}-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n`,
    ],
  ])('is refused (%s)', (_, crt) => {
    const r = readTlsSecret(secret(crt()) as never);
    expect(r).toEqual({
      ok: false,
      code: 'CW_E_TLS_PRIVATE_KEY_IN_CERTIFICATE',
      error:
        'tls.crt holds a PEM PRIVATE KEY block; it must hold only CERTIFICATE blocks (put the key in tls.key)',
    });
  });

  test('a certificate with a control character between blocks is refused (a gateway would reject it)', () => {
    const r = readTlsSecret(secret(`${pair.cert}\u0000junk\n`) as never);
    expect(r).toEqual({
      ok: false,
      error: expect.stringMatching(/^tls.crt or tls.key holds the control character U\+0000/),
    });
  });

  test('translate: diagnostic on the Secret and the Ingress, no HTTPS, the key appears nowhere', () => {
    const objects: KubeObject[] = [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: {
          name: 'causeway',
          annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' },
        },
        spec: { controller: 'causeway.dev/gateway' },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { ports: [{ port: 80 }] },
      },
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'shop', namespace: 'shop' },
        spec: {
          tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
          rules: [
            {
              host: 'shop.example.com',
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'web', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
      secret(pair.cert + pair.key),
    ];
    const rs = buildResourceSet(objects.map((object) => ({ object, origin: { cluster: 'local' } })));
    const r = translate(rs, { defaults: { httpPort: 8080, httpsPort: 8443 }, groups: {} });
    const codes = r.diagnostics
      .filter((d) => d.code.startsWith('CW_E_TLS'))
      .map((d) => `${d.object.kind}/${d.code}`);
    expect(codes).toEqual([
      'Ingress/CW_E_TLS_PRIVATE_KEY_IN_CERTIFICATE',
      'Secret/CW_E_TLS_PRIVATE_KEY_IN_CERTIFICATE',
    ]);
    expect(r.ir.groups[0]!.https).toBeUndefined();
    expect(r.ir.groups[0]!.secrets).toEqual([]);
    expect(JSON.stringify(r)).not.toContain(KEY_BODY);
  });
});
