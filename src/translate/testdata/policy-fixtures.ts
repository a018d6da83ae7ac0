/**
 * Test fixtures shared by the route-policy tests that run the whole translation: the default
 * IngressClass, a Service, an Ingress of namespace `shop` on host `shop.example.com` with annotations,
 * and a translation of such objects returning the group, its routes by Ingress name and the diagnostics
 * on Ingresses as `<code> <name>: <message>` lines.
 */
import type { GatewayGroupIR, RouteIR } from '../../ir/ir-types.js';
import type { KubeObject } from '../../resources/kube-types.js';
import { buildResourceSet } from '../../resources/resource-set.js';
import { translate } from '../translate.js';
import type { GroupSettings } from '../translate-options.js';

export const DEFAULT_CLASS: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'causeway', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
  spec: { controller: 'causeway.dev/gateway' },
};

/** Service `name` of namespace `shop`, one port `http` 80 (no endpoints). */
export function shopService(name = 'web'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'shop' },
    spec: { ports: [{ name: 'http', port: 80 }] },
  };
}

/** Ingress `name` of namespace `shop`: host shop.example.com, Prefix `/<name>` to Service web:80. */
export function shopIngress(name: string, annotations: Record<string, string>): KubeObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'shop', annotations },
    spec: {
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              {
                path: `/${name}`,
                pathType: 'Prefix',
                backend: { service: { name: 'web', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  };
}

export interface PolicyRun {
  readonly group: GatewayGroupIR;
  /** The HTTP routes by the name of their Ingress (the last one when an Ingress has several). */
  readonly routes: Map<string, RouteIR>;
  /** Diagnostics on Ingresses: `<code> <name>: <message>`. */
  readonly messages: string[];
}

/** Translates the objects (in cluster `local`) with the default ports and these group defaults. */
export function translateForPolicies(
  objects: readonly KubeObject[],
  defaults: Partial<GroupSettings> = {},
): PolicyRun {
  const rs = buildResourceSet(objects.map((object) => ({ object, origin: { cluster: 'local' } })));
  const r = translate(rs, { defaults: { httpPort: 8080, httpsPort: 8443, ...defaults }, groups: {} });
  const group = r.ir.groups[0]!;
  const routes = new Map<string, RouteIR>();
  for (const v of group.http.virtualHosts) for (const x of v.routes) routes.set(x.source.name, x);
  const messages = r.diagnostics
    .filter((d) => d.object.kind === 'Ingress')
    .map((d) => `${d.code} ${d.object.name}: ${d.message}`);
  return { group, routes, messages };
}
