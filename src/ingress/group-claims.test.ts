/**
 * Canary claims (gateway mode's `isCanary`): a canary path attaches to the main route of the same host
 * and path in its namespace, whatever the age order; without a main route, or with one of another
 * namespace, it is CW_E_CANARY_WITHOUT_MAIN; a second canary is CW_E_ROUTE_CONFLICT; a canary brings
 * no TLS host or default backend. Without `isCanary` (ALB mode) nothing changes.
 */
import type { Diagnostic } from '../errors.js';
import type { Ingress, IngressClass } from '../resources/kube-types.js';
import { claimGroup } from './group-claims.js';
import { readIngress, type IngressEntries } from './ingress-reader.js';

const cls = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'c' },
} as IngressClass;

function entries(
  name: string,
  namespace: string,
  paths: string[],
  extra: Partial<Ingress['spec']> = {},
): IngressEntries {
  const object = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace },
    spec: {
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: paths.map((path) => ({
              path,
              pathType: 'Prefix' as const,
              backend: { service: { name, port: { number: 80 } } },
            })),
          },
        },
      ],
      ...extra,
    },
  } as Ingress;
  return readIngress({ object, origin: { cluster: 'local' } }, cls, []);
}

const main = entries('main', 'shop', ['/', '/api']);
const canary = entries('canary', 'shop', ['/api', '/new'], {
  tls: [{ hosts: ['shop.example.com'], secretName: 'canary-tls' }],
  defaultBackend: { service: { name: 'canary', port: { number: 80 } } },
});
const second = entries('second', 'shop', ['/api']);
const foreign = entries('foreign', 'other', ['/']);
const canaries = new Set([canary, second, foreign]);

test('a canary attaches to its main route whatever the age order; its other paths are without main', () => {
  const diags: Diagnostic[] = [];
  const claims = claimGroup('default', [canary, foreign, main, second], diags, (o) => canaries.has(o));
  expect([...claims.byHost.get('shop.example.com')!.values()].map((c) => c.owner.ref.name)).toEqual([
    'main',
    'main',
  ]);
  const attached = claims.canaries.get('shop.example.com')!;
  expect([...attached.keys()]).toEqual(['prefix:/api']);
  expect(attached.get('prefix:/api')!.owner).toBe(canary);
  expect(claims.tlsHosts.size).toBe(0);
  expect(claims.defaultBackend).toBeUndefined();
  expect(diags.map((d) => `${d.code} ${d.object.name}: ${d.message}`)).toEqual([
    'CW_E_CANARY_WITHOUT_MAIN canary: canary host "shop.example.com" prefix path "/new" has no main Ingress; ignored',
    'CW_E_CANARY_WITHOUT_MAIN foreign: canary host "shop.example.com" prefix path "/" is served by Ingress shop/main of another namespace; ignored',
    'CW_E_ROUTE_CONFLICT second: canary host "shop.example.com" prefix path "/api" already has the canary Ingress shop/canary; ignored here',
  ]);
});

test('without isCanary (ALB mode) a canary-shaped Ingress is an ordinary claimant', () => {
  const diags: Diagnostic[] = [];
  const claims = claimGroup('default', [main, canary], diags);
  expect(claims.canaries.size).toBe(0);
  expect(claims.tlsHosts.get('shop.example.com')?.secret).toBe('shop/canary-tls');
  expect(diags.map((d) => d.code)).toEqual(['CW_E_ROUTE_CONFLICT']);
});
