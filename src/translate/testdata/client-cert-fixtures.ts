/**
 * Test fixtures of the client-certificate tests: a serving certificate for shop.example.com and a client
 * CA (made by openssl at test time, never committed), Secrets of namespace `shop` holding them, and the
 * shop Ingress (policy-fixtures.ts) with TLS for its host.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../../resources/kube-types.js';
import { shopIngress } from './policy-fixtures.js';

/** A self-signed certificate with this CN and its key (PEM). */
export function selfSigned(cn: string): { cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-client-cert-test-'));
  try {
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    const key = path.join(dir, 'key.pem');
    const cert = execFileSync('openssl', [...args, '-keyout', key, '-subj', `/CN=${cn}`, '-days', '2'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return { cert, key: fs.readFileSync(key, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const SERVING = selfSigned('shop.example.com');
export const CA = selfSigned('client-ca').cert;

export function tlsSecret(name: string, data: Record<string, string>): KubeObject {
  const b64 = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  );
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'shop' },
    type: 'kubernetes.io/tls',
    data: b64,
  } as KubeObject;
}

/** shopIngress with TLS for shop.example.com (Secret shop-tls). */
export function tlsIngress(name: string, annotations: Record<string, string>): KubeObject {
  const ing = shopIngress(name, annotations) as unknown as { spec: Record<string, unknown> };
  const tls = [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }];
  return { ...ing, spec: { ...ing.spec, tls } } as unknown as KubeObject;
}


/** The certificate Secret shop-tls and the CA Secret client-ca (`ca.crt` only). */
export const SECRETS: readonly KubeObject[] = [
  tlsSecret('shop-tls', { 'tls.crt': SERVING.cert, 'tls.key': SERVING.key }),
  tlsSecret('client-ca', { 'ca.crt': CA, 'tls.crt': '', 'tls.key': '' }),
];
