/**
 * The incremental translation re-translates only what a change touches (issue 14): an edit of one
 * Ingress builds its group alone, a group move builds the two groups, a Secret or Service change builds
 * the groups that read it, an IngressClass change builds everything. Counted with the onGroupBuilt
 * hook. (Equality with a full translation: test/incremental.)
 */
import type { Ingress, KubeObject } from '../resources/kube-types.js';
import { buildResourceSet, type ResourceSet } from '../resources/resource-set.js';
import { IncrementalTranslation } from './incremental-translate.js';
import { translate } from './translate.js';
import type { TranslateOptions } from './translate-options.js';

const options: TranslateOptions = { defaults: { httpPort: 8080, httpsPort: 8443 }, groups: {} };
const origin = { cluster: 'c1' };

const cls: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'causeway', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
  spec: { controller: 'causeway.dev/gateway' },
};
const svc = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop' },
  spec: { ports: [{ name: 'http', port: 80 }] },
});
const secret = (name: string, crt: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'shop' },
  type: 'kubernetes.io/tls',
  data: { 'tls.crt': Buffer.from(crt).toString('base64'), 'tls.key': 'eA==' },
});
const ing = (name: string, group: string, extra: Record<string, string> = {}, tls?: string): Ingress => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: {
    name,
    namespace: 'shop',
    creationTimestamp: '2024-01-01T00:00:00Z',
    annotations: { 'causeway.dev/gateway-group': group, ...extra },
  },
  spec: {
    ...(tls ? { tls: [{ hosts: [`${name}.example.com`], secretName: tls }] } : {}),
    rules: [
      {
        host: `${name}.example.com`,
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: `svc-${name}`, port: { number: 80 } } },
            },
          ],
        },
      },
    ],
  },
});

const base: KubeObject[] = [
  cls,
  ...['a1', 'a2', 'b1', 'c1'].map((n) => svc(`svc-${n}`)),
  secret('cert-b', 'one'),
  ing('a1', 'ga'),
  ing('a2', 'ga'),
  ing('b1', 'gb', {}, 'cert-b'),
  ing('c1', 'gc'),
];

const rs = (objects: readonly KubeObject[]): ResourceSet =>
  buildResourceSet(objects.map((object) => ({ object, origin })));

function replaced(objects: readonly KubeObject[], next: KubeObject): KubeObject[] {
  return objects.map((o) => (o.kind === next.kind && o.metadata.name === next.metadata.name ? next : o));
}

function setup(): { t: IncrementalTranslation; built: string[]; before: ResourceSet } {
  const built: string[] = [];
  const before = rs(base);
  const t = IncrementalTranslation.from(before, options, { onGroupBuilt: (g) => built.push(g) });
  expect(built.sort()).toEqual(['default', 'ga', 'gb', 'gc']);
  built.length = 0;
  return { t, built, before };
}

test('an edit of one Ingress in group ga builds ga alone; the others keep their IR objects', () => {
  const { t, built, before } = setup();
  const old = t.result().ir;
  const after = rs(replaced(base, ing('a1', 'ga', { 'causeway.dev/idle-timeout': '5s' })));
  const step = t.apply(after, [{ kind: 'Ingress', key: 'shop/a1' }], before);
  expect(step).toEqual({ full: false, rebuilt: new Set(['ga']), removed: [] });
  expect(built).toEqual(['ga']);
  const groups = t.result().ir.groups;
  expect(groups.filter((g, i) => g !== old.groups[i]).map((g) => g.name)).toEqual(['ga']);
  expect(t.result()).toEqual(translate(after, options));
});

test('moving an Ingress to another group builds both groups; a group left empty is removed', () => {
  const { t, built, before } = setup();
  const after = rs(replaced(base, ing('c1', 'ga')));
  const step = t.apply(after, [{ kind: 'Ingress', key: 'shop/c1' }], before);
  expect(step).toEqual({ full: false, rebuilt: new Set(['ga']), removed: ['gc'] });
  expect(built).toEqual(['ga']);
  expect(t.result()).toEqual(translate(after, options));
});

test('a Secret change builds the group that reads it; a Service change the group routing to it', () => {
  const { t, built, before } = setup();
  const mid = rs(replaced(base, secret('cert-b', 'two')));
  t.apply(mid, [{ kind: 'Secret', key: 'shop/cert-b' }], before);
  expect(built).toEqual(['gb']);
  built.length = 0;
  const svcC = { ...svc('svc-c1'), spec: { ports: [{ name: 'http', port: 81 }] } } as KubeObject;
  const after = rs(replaced(replaced(base, secret('cert-b', 'two')), svcC));
  t.apply(after, [{ kind: 'Service', key: 'shop/svc-c1' }], mid);
  expect(built).toEqual(['gc']);
  expect(t.result()).toEqual(translate(after, options));
});

test('an IngressClass change translates everything', () => {
  const { t, built, before } = setup();
  const step = t.apply(before, [{ kind: 'IngressClass', key: 'causeway' }], before);
  expect(step.full).toBe(true);
  expect(built.sort()).toEqual(['default', 'ga', 'gb', 'gc']);
});

test('with Gateway API objects every change translates in full, equal to translate()', () => {
  const gatewayApi: KubeObject[] = [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'GatewayClass',
      metadata: { name: 'causeway' },
      spec: { controllerName: 'causeway.dev/gateway' },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'edge', namespace: 'shop', annotations: { 'causeway.dev/gateway-group': 'ga' } },
      spec: { gatewayClassName: 'causeway', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] },
    },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r', namespace: 'shop' },
      spec: {
        parentRefs: [{ name: 'edge' }],
        hostnames: ['a1.example.com'],
        rules: [{ backendRefs: [{ name: 'svc-b1', port: 80 }] }],
      },
    },
  ] as KubeObject[];
  const before = rs([...base, ...gatewayApi]);
  const t = IncrementalTranslation.from(before, options);
  expect(t.result()).toEqual(translate(before, options));
  expect(t.result().gatewayApiStatus.routes.map((r) => r.key)).toEqual(['shop/r']);
  const vhost = t
    .result()
    .ir.groups.find((g) => g.name === 'ga')!
    .http.virtualHosts.find((v) => v.name === 'a1.example.com')!;
  expect(vhost.routes.map((r) => r.source.kind)).toEqual(['HTTPRoute', 'Ingress']);
  const after = rs(
    replaced([...base, ...gatewayApi], ing('a1', 'ga', { 'causeway.dev/idle-timeout': '5s' })),
  );
  const step = t.apply(after, [{ kind: 'Ingress', key: 'shop/a1' }], before);
  expect(step.full).toBe(true);
  expect(t.result()).toEqual(translate(after, options));
});
