import type { Ingress, KubeObject, Service } from '../resources/kube-types.js';
import { secretReferences } from './secret-references.js';

function ingress(annotations: Record<string, string>, tls: string[] = []): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop', annotations },
    spec: { tls: tls.map((secretName) => ({ secretName })) },
  };
}

test('an Ingress names its TLS Secrets, its basic auth Secret (own namespace only) and its client CA', () => {
  const i = ingress(
    { 'causeway.dev/auth-secret': 'users', 'causeway.dev/auth-tls-secret': 'pki/client-ca' },
    ['web-tls'],
  );
  expect(secretReferences(i)).toEqual(['shop/web-tls', 'shop/users', 'pki/client-ca']);
  expect(secretReferences(ingress({ 'causeway.dev/auth-secret': 'shop/users' }))).toEqual(['shop/users']);
  // Another namespace is refused by translation: it names nothing here either.
  expect(secretReferences(ingress({ 'causeway.dev/auth-secret': 'other/users' }))).toEqual([]);
  expect(secretReferences(ingress({ 'causeway.dev/auth-tls-secret': 'client-ca' }))).toEqual([
    'shop/client-ca',
  ]);
});

test('a value that does not parse names nothing', () => {
  const bad = ingress({ 'causeway.dev/auth-secret': 'a/b/c', 'causeway.dev/auth-tls-secret': 'Not_A_Name' });
  expect(secretReferences(bad)).toEqual([]);
});

test('a Service names its backend CA in its own namespace; other kinds name nothing', () => {
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'api', namespace: 'shop', annotations: { 'causeway.dev/backend-tls-ca-secret': 'ca' } },
    spec: {},
  } as Service;
  expect(secretReferences(svc)).toEqual(['shop/ca']);
  const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop' } };
  expect(secretReferences(secret)).toEqual([]);
});

test("a Gateway names its listeners' certificateRefs to Secrets, in its namespace unless one is given", () => {
  const gateway: KubeObject = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: 'infra' },
    spec: {
      gatewayClassName: 'causeway',
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP' },
        {
          name: 'https',
          port: 443,
          protocol: 'HTTPS',
          tls: {
            certificateRefs: [
              { name: 'own' },
              { group: '', kind: 'Secret', name: 'shared', namespace: 'certs' },
              { group: 'example.com', kind: 'Vault', name: 'elsewhere' },
            ],
          },
        },
      ],
    },
  };
  expect(secretReferences(gateway)).toEqual(['infra/own', 'certs/shared']);
});
