/**
 * readTlsSecret refuses what Envoy 1.40 refuses to load as a serving certificate (the key types and
 * sizes in tls.ts were measured with `envoy --mode validate`). Keys are generated with node:crypto at
 * test time; openssl makes the self-signed certificates.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomFillSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Secret } from '../resources/kube-types.js';
import { envoyAcceptsKey, readTlsSecret, RSA_MAX_BITS } from './tls.js';

interface Pair {
  readonly cert: string;
  readonly key: string;
}

/** A self-signed certificate for `key` (PEM), made by openssl. */
function selfSigned(key: KeyObject, cn = 'shop.example.com'): Pair {
  const pem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-tls-test-'));
  try {
    fs.writeFileSync(path.join(dir, 'key.pem'), pem);
    const cert = execFileSync(
      'openssl',
      ['req', '-x509', '-new', '-key', path.join(dir, 'key.pem'), '-subj', `/CN=${cn}`, '-days', '2'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return { cert, key: pem };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ec = (namedCurve: string): Pair => selfSigned(generateKeyPairSync('ec', { namedCurve }).privateKey);
const rsa = (modulusLength: number): Pair =>
  selfSigned(generateKeyPairSync('rsa', { modulusLength }).privateKey);

function secret(p: Pair, type = 'kubernetes.io/tls'): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'shop-tls', namespace: 'shop' },
    type,
    data: {
      'tls.crt': Buffer.from(p.cert).toString('base64'),
      'tls.key': Buffer.from(p.key).toString('base64'),
    },
  } as Secret;
}

const ACCEPTED = 'use RSA of 2048 to 16384 bits, ECDSA on P-256, P-384, P-521, or Ed25519';

describe('readTlsSecret: key types', () => {
  test.each([
    ['RSA 2048', () => rsa(2048)],
    ['ECDSA P-256', () => ec('prime256v1')],
    ['ECDSA P-384', () => ec('secp384r1')],
    ['ECDSA P-521', () => ec('secp521r1')],
    ['Ed25519', () => selfSigned(generateKeyPairSync('ed25519').privateKey)],
  ])('accepts %s (Envoy loads it)', (_name, make) => {
    const p = make();
    expect(readTlsSecret(secret(p))).toEqual({ ok: true, certificateChain: p.cert, privateKey: p.key });
  });

  test.each([
    ['an RSA 1024-bit key', () => rsa(1024)],
    ['an RSA 2047-bit key', () => rsa(2047)],
    ['an ECDSA secp256k1 key', () => ec('secp256k1')],
    ['an ECDSA secp224r1 key', () => ec('secp224r1')],
    ['an Ed448 key', () => selfSigned(generateKeyPairSync('ed448').privateKey)],
    [
      'an RSA-PSS (id-RSASSA-PSS) 2048-bit key',
      () => selfSigned(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey),
    ],
    [
      'a DSA key',
      () => selfSigned(generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).privateKey),
    ],
  ])('refuses %s (Envoy does not load it), naming what is accepted', (described, make) => {
    expect(readTlsSecret(secret(make()))).toEqual({
      ok: false,
      error: `the certificate in tls.crt has ${described}, which Envoy does not load; ${ACCEPTED}`,
    });
  });

  test(`RSA moduli: up to ${RSA_MAX_BITS} bits (BoringSSL's limit)`, () => {
    const rsaPublicKey = (bits: number): KeyObject => {
      const n = randomFillSync(Buffer.alloc(bits / 8));
      n[0]! |= 0x80;
      n[n.length - 1]! |= 1;
      return createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: 'AQAB' }, format: 'jwk' });
    };
    expect(envoyAcceptsKey(rsaPublicKey(RSA_MAX_BITS))).toBe(true);
    expect(envoyAcceptsKey(rsaPublicKey(RSA_MAX_BITS + 8))).toBe(false);
    expect(envoyAcceptsKey(rsaPublicKey(2048))).toBe(true);
    expect(envoyAcceptsKey(rsaPublicKey(2040))).toBe(false);
  });
});

describe('readTlsSecret: chain', () => {
  test('intermediates are not checked for key type or issuer (Envoy loads them as they are)', () => {
    const leaf = ec('prime256v1');
    const intermediate = rsa(1024);
    const chain = { cert: leaf.cert + intermediate.cert, key: leaf.key };
    expect(readTlsSecret(secret(chain))).toEqual({
      ok: true,
      certificateChain: chain.cert,
      privateKey: chain.key,
    });
  });

  test('a CERTIFICATE block that does not parse fails the whole chain (Envoy refuses it)', () => {
    const leaf = ec('prime256v1');
    const garbage = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
    const r = readTlsSecret(secret({ cert: leaf.cert + garbage, key: leaf.key }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/^certificate 2 of 2 in tls\.crt is not a PEM certificate \(/);
  });

  test('the key must match the first certificate', () => {
    const leaf = ec('prime256v1');
    const other = ec('prime256v1');
    expect(readTlsSecret(secret({ cert: other.cert + leaf.cert, key: leaf.key }))).toEqual({
      ok: false,
      error: 'tls.key does not match the certificate in tls.crt',
    });
  });
});

describe('readTlsSecret: shape', () => {
  const good = ec('prime256v1');

  test('only kubernetes.io/tls', () => {
    expect(readTlsSecret(secret(good, 'Opaque'))).toEqual({
      ok: false,
      error: 'type is "Opaque", not kubernetes.io/tls',
    });
  });

  test('both keys present', () => {
    const s = secret(good);
    expect(readTlsSecret({ ...s, data: { 'tls.crt': s.data!['tls.crt']! } })).toEqual({
      ok: false,
      error: 'data lacks tls.crt or tls.key',
    });
  });

  test('PEM text', () => {
    expect(readTlsSecret(secret({ cert: 'hello', key: good.key }))).toEqual({
      ok: false,
      error: 'tls.crt is not a PEM certificate (no CERTIFICATE block)',
    });
    const r = readTlsSecret(secret({ cert: good.cert, key: 'hello' }));
    expect(!r.ok && r.error).toMatch(/^tls\.key is not a PEM private key \(/);
  });
});
