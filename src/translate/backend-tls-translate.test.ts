/**
 * Backend TLS through the whole translation: a CA Secret shared by two Services is one `trusted-ca`
 * Secret of the group; a bad CA Secret is reported once on the Secret and on every Service using it,
 * whose routes answer 503 while other routes are served; a Secret that is both a serving certificate and
 * a backend CA becomes two SDS Secrets, the CA one without a private key.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../resources/kube-types.js';
import { buildResourceSet } from '../resources/resource-set.js';
import type { RouteActionIR } from '../ir/ir-types.js';
import { translate } from './translate.js';

/** A self-signed EC certificate and its key (PEM), made by openssl. */
function selfSigned(cn: string): { readonly cert: string; readonly key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-backend-tls-test-'));
  try {
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    const keyFile = path.join(dir, 'key.pem');
    const cert = execFileSync('openssl', [...args, '-keyout', keyFile, '-subj', `/CN=${cn}`, '-days', '2'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return { cert, key: fs.readFileSync(keyFile, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const PAIR = selfSigned('shop.example.com');
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const cls: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'causeway', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
  spec: { controller: 'causeway.dev/gateway' },
};

function secret(name: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'shop' },
    type: 'kubernetes.io/tls',
    data,
  };
}

function https(name: string, ca: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: 'shop',
      annotations: { 'causeway.dev/backend-protocol': 'HTTPS', 'causeway.dev/backend-tls-ca-secret': ca },
    },
    spec: { ports: [{ name: 'https', port: 443 }] },
  };
}

const plain: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'plain', namespace: 'shop' },
  spec: { ports: [{ name: 'http', port: 80 }] },
};

/** One Ingress on shop.example.com routing `/<service>` to each Service, with TLS from `tlsSecret`. */
function ingress(services: readonly string[], tlsSecret?: string): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'shop', namespace: 'shop' },
    spec: {
      ...(tlsSecret ? { tls: [{ hosts: ['shop.example.com'], secretName: tlsSecret }] } : {}),
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: services.map((s) => ({
              path: `/${s}`,
              pathType: 'Prefix',
              backend: { service: { name: s, port: { number: s === 'plain' ? 80 : 443 } } },
            })),
          },
        },
      ],
    },
  };
}

function run(...objects: KubeObject[]) {
  const rs = buildResourceSet([cls, ...objects].map((object) => ({ object, origin: { cluster: 'local' } })));
  const r = translate(rs, { defaults: { httpPort: 8080, httpsPort: 8443 }, groups: {} });
  const g = r.ir.groups.find((x) => x.name === 'default')!;
  const actions = new Map<string, RouteActionIR>();
  for (const v of g.http.virtualHosts) for (const x of v.routes) actions.set(x.match.path, x.action);
  return { g, actions, diags: r.diagnostics.map((d) => `${d.code} ${d.object.kind}/${d.object.name}`) };
}

test('one CA Secret shared by two Services is one trusted-ca Secret of the group', () => {
  const { g, actions, diags } = run(
    secret('backend-ca', { 'ca.crt': b64(PAIR.cert) }),
    https('a', 'backend-ca'),
    https('b', 'backend-ca'),
    ingress(['a', 'b']),
  );
  expect(g.secrets).toEqual([
    {
      kind: 'trusted-ca',
      name: 'ca/shop/backend-ca',
      trustedCa: PAIR.cert,
      source: { kind: 'Secret', namespace: 'shop', name: 'backend-ca' },
    },
  ]);
  expect(g.backends.map((b) => [b.name, b.tls])).toEqual([
    ['service/shop/a/443', { verify: true, sni: 'a.shop.svc', caSecret: 'ca/shop/backend-ca' }],
    ['service/shop/b/443', { verify: true, sni: 'b.shop.svc', caSecret: 'ca/shop/backend-ca' }],
  ]);
  expect(actions.get('/a')).toEqual({ kind: 'forward', backend: 'service/shop/a/443' });
  expect(diags.filter((d) => !d.startsWith('CW_E_ENDPOINTS_NONE'))).toEqual([]);
});

test('a bad CA Secret: reported once on the Secret and on each Service; their routes 503, others served', () => {
  const { g, actions, diags } = run(
    secret('bad-ca', { 'ca.crt': b64(`${PAIR.cert}${PAIR.key}`) }),
    https('a', 'bad-ca'),
    https('b', 'bad-ca'),
    plain,
    ingress(['a', 'b', 'plain']),
  );
  expect(diags.filter((d) => d.startsWith('CW_E_BACKEND')).sort()).toEqual([
    'CW_E_BACKEND_CA_SECRET_INVALID Secret/bad-ca',
    'CW_E_BACKEND_CA_SECRET_INVALID Service/a',
    'CW_E_BACKEND_CA_SECRET_INVALID Service/b',
  ]);
  expect(actions.get('/a')).toEqual({
    kind: 'direct',
    status: 503,
    body: 'no healthy upstream: backend TLS not verifiable\n',
  });
  expect(actions.get('/b')).toMatchObject({ kind: 'direct', status: 503 });
  expect(actions.get('/plain')).toEqual({ kind: 'forward', backend: 'service/shop/plain/80' });
  expect(g.secrets).toEqual([]);
  expect(g.backends.map((b) => b.name)).toEqual(['service/shop/plain/80']);
  expect(JSON.stringify(g)).not.toContain('PRIVATE KEY');
});

test('a Secret that is a serving certificate and a backend CA becomes two Secrets; the CA has no key', () => {
  const { g } = run(
    secret('shop-tls', { 'tls.crt': b64(PAIR.cert), 'tls.key': b64(PAIR.key), 'ca.crt': b64(PAIR.cert) }),
    https('a', 'shop-tls'),
    ingress(['a'], 'shop-tls'),
  );
  expect(g.secrets.map((s) => [s.name, s.kind ?? 'certificate'])).toEqual([
    ['ca/shop/shop-tls', 'trusted-ca'],
    ['shop/shop-tls', 'certificate'],
  ]);
  expect(JSON.stringify(g.secrets[0])).not.toContain('PRIVATE KEY');
});
