/**
 * readCaBundle: the CA certificates of `ca.crt`, each parsed; a private key, text that is not PEM or a
 * block that does not parse is refused; only the CERTIFICATE blocks are kept. Certificates are made
 * by openssl at test time.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Secret } from '../../resources/kube-types.js';
import { readCaBundle } from './backend-ca.js';

function selfSignedCa(cn: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-ca-test-'));
  try {
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    return execFileSync(
      'openssl',
      [...args, '-keyout', path.join(dir, 'ca.key'), '-subj', `/CN=${cn}`, '-days', '2'],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const CA_1 = selfSignedCa('backend-ca-1');
const CA_2 = selfSignedCa('backend-ca-2');

function secret(caCrt: string | undefined): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'backend-ca', namespace: 'shop' },
    type: 'kubernetes.io/tls',
    data: {
      ...(caCrt !== undefined ? { 'ca.crt': Buffer.from(caCrt).toString('base64') } : {}),
      'tls.crt': '',
      'tls.key': '',
    },
  };
}

test('one or several CA certificates are read; text around them is left out', () => {
  expect(readCaBundle(secret(CA_1))).toEqual({ ok: true, pem: CA_1, certificates: 1 });
  const bundle = readCaBundle(secret(`# our CAs\n${CA_1}\nsome note\n${CA_2}`));
  expect(bundle).toEqual({ ok: true, pem: `${CA_1.trim()}\n${CA_2.trim()}\n`, certificates: 2 });
});

test('a ca.crt holding a private key is refused, whatever else it holds', () => {
  const key = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n';
  const r = readCaBundle(secret(`${CA_1}${key}`));
  expect(r).toEqual({ ok: false, error: expect.stringContaining('holds a PEM PRIVATE KEY block') as string });
});

test('missing, empty, not PEM, an unparsable block, control characters: refused with the reason', () => {
  expect(readCaBundle(secret(undefined))).toEqual({ ok: false, error: 'data lacks ca.crt' });
  expect(readCaBundle(secret(''))).toEqual({ ok: false, error: 'ca.crt is not PEM (no CERTIFICATE block)' });
  expect(readCaBundle(secret('hello'))).toEqual({
    ok: false,
    error: 'ca.crt is not PEM (no CERTIFICATE block)',
  });
  const broken = '-----BEGIN CERTIFICATE-----\nTk9U\n-----END CERTIFICATE-----\n';
  expect(readCaBundle(secret(`${CA_1}${broken}`))).toEqual({
    ok: false,
    error: 'certificate 2 of 2 in ca.crt is not a PEM certificate (it does not parse as X.509)',
  });
  expect(readCaBundle(secret(`${CA_1}\u0000`))).toMatchObject({
    ok: false,
    error: expect.stringMatching(/^ca\.crt /) as string,
  });
});

test('a ca.crt over 1 MiB is refused before it is parsed', () => {
  const big = `${CA_1}${'#'.repeat(1024 * 1024)}`;
  expect(readCaBundle(secret(big))).toMatchObject({ ok: false });
});
