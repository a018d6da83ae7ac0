/** An ALB Ingress asking for gateway-only access control fails closed: left out of its group, with an error. */
import type { Diagnostic } from '../../errors.js';
import type { Ingress } from '../../resources/kube-types.js';
import type { Sourced } from '../../resources/resource-set.js';
import { ANNOTATIONS } from '../../translate/annotations.js';
import { GATEWAY_ONLY_ACCESS_ANNOTATIONS } from './alb-gateway-only-annotations.js';
import { readAlbIngress } from './alb-ingress-reader.js';

function albIngress(annotations: Record<string, string>): Sourced<Ingress> {
  return {
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'shop', annotations },
      spec: {
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
    origin: { cluster: 'local', file: 'web.yaml', documentIndex: 0 },
  };
}

test('every listed annotation is a gateway-mode catalog entry (the list cannot name a typo)', () => {
  const catalog = new Set(ANNOTATIONS.map((a) => a.name));
  for (const name of GATEWAY_ONLY_ACCESS_ANNOTATIONS) expect(catalog.has(name)).toBe(true);
});

test.each(GATEWAY_ONLY_ACCESS_ANNOTATIONS.map((n) => [n]))(
  '%s leaves an ALB Ingress out of its group',
  (name) => {
    const diags: Diagnostic[] = [];
    const read = readAlbIngress(albIngress({ [name]: 'x' }), 'shop/web', diags);
    expect(read.excluded).toBe(true);
    expect(diags.map((d) => d.code)).toEqual(['CW_E_ALB_ANNOTATION_INVALID']);
    expect(diags[0]!.message).toContain(name);
    expect(diags[0]!.message).toContain('left out of its ALB group');
  },
);

test('an ALB Ingress with gateway-only annotations that are not access control is kept', () => {
  const diags: Diagnostic[] = [];
  const read = readAlbIngress(albIngress({ 'causeway.dev/limit-rps': '5' }), 'shop/web', diags);
  expect(read.excluded).toBe(false);
  expect(diags).toEqual([]);
});
