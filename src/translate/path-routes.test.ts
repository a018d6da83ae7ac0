/**
 * The path policy through the whole translation: a redirect Ingress needs no Service (no backend, no
 * diagnostic), app-root and from-to-www-redirect add their routes and virtual hosts only for the hosts of
 * the Ingress that asks, and a host's own rules beat a from-to-www partner.
 */
import type { KubeObject } from '../resources/kube-types.js';
import { buildResourceSet } from '../resources/resource-set.js';
import type { VirtualHostIR } from '../ir/ir-types.js';
import { translate } from './translate.js';
import { DEFAULT_CLASS, shopService } from './testdata/policy-fixtures.js';

const cls = DEFAULT_CLASS;
const svc = shopService();
const ing = (
  name: string,
  host: string,
  annotations: Record<string, string>,
  service = 'web',
): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'shop', annotations },
  spec: {
    rules: [
      {
        host,
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
});

function run(...ingresses: KubeObject[]): {
  vhosts: Map<string, VirtualHostIR>;
  backends: string[];
  messages: string[];
} {
  const rs = buildResourceSet(
    [cls, svc, ...ingresses].map((object) => ({ object, origin: { cluster: 'local' } })),
  );
  const r = translate(rs, { defaults: { httpPort: 8080, httpsPort: 8443 }, groups: {} });
  const g = r.ir.groups[0]!;
  return {
    vhosts: new Map(g.http.virtualHosts.map((v) => [v.name, v])),
    backends: g.backends.map((b) => b.name),
    messages: r.diagnostics.filter((d) => d.object.kind === 'Ingress').map((d) => d.message),
  };
}

test('a redirect Ingress answers from the gateway: no backend, and a missing Service is no error', () => {
  const { vhosts, backends, messages } = run(
    ing(
      'moved',
      'moved.example.com',
      { 'causeway.dev/permanent-redirect': 'https://new.example.com/' },
      'gone',
    ),
  );
  expect(messages).toEqual([]);
  expect(backends).toEqual([]);
  expect(vhosts.get('moved.example.com')!.routes[0]!.action).toEqual({
    kind: 'redirect',
    scheme: 'https',
    host: 'new.example.com',
    path: '/',
    stripQuery: true,
    code: 301,
  });
});

test('app-root and from-to-www-redirect touch only the hosts of the Ingress that asks', () => {
  const { vhosts } = run(
    ing('app', 'app.example.com', {
      'causeway.dev/app-root': '/app',
      'causeway.dev/from-to-www-redirect': 'true',
    }),
    ing('other', 'other.example.com', {}),
  );
  expect(vhosts.get('app.example.com')!.routes.map((r) => [r.match, r.action.kind])).toEqual([
    [{ kind: 'exact', path: '/' }, 'redirect'],
    [{ kind: 'prefix', path: '/' }, 'forward'],
  ]);
  expect(vhosts.get('www.app.example.com')!.routes.map((r) => r.action)).toEqual([
    { kind: 'redirect', host: 'app.example.com', code: 308 },
  ]);
  expect(vhosts.get('other.example.com')!.routes.map((r) => r.action.kind)).toEqual(['forward']);
  expect(vhosts.has('www.other.example.com')).toBe(false);
});

test('a from-to-www partner with rules of its own keeps them', () => {
  const { vhosts } = run(
    ing('apex', 'shop.example.com', { 'causeway.dev/from-to-www-redirect': 'true' }),
    ing('www', 'www.shop.example.com', {}),
  );
  expect(vhosts.get('www.shop.example.com')!.routes.map((r) => r.action.kind)).toEqual(['forward']);
});
