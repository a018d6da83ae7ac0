import { parseManifestFile } from './manifest-parser.js';

const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: edge, namespace: infra }
spec:
  gatewayClassName: causeway
  listeners: [{ name: http, port: 80, protocol: HTTP }]
status: { addresses: [{ value: 1.2.3.4 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: causeway }
spec: { controllerName: causeway.dev/gateway }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: web }
spec:
  parentRefs: [{ name: edge, namespace: infra }]
  rules: [{ backendRefs: [{ name: web, port: 80 }] }]
`;

test('Gateway API objects are read from manifests: spec kept, status dropped, namespace defaulted', () => {
  const parsed = parseManifestFile('gw.yaml', GATEWAY, 'local');
  expect(parsed.diagnostics).toEqual([]);
  const [gw, cls, route] = parsed.objects.map((o) => o.object);
  expect(gw).toEqual({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'edge', namespace: 'infra' },
    spec: { gatewayClassName: 'causeway', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
  });
  expect(cls!.metadata).toEqual({ name: 'causeway' });
  expect(route!.metadata.namespace).toBe('default');
});

test.each([
  ['kind: Gateway\nmetadata: { name: g }\nspec: { listeners: [] }', /spec.gatewayClassName is required/],
  [
    'kind: Gateway\nmetadata: { name: g }\nspec: { gatewayClassName: c, listeners: 3 }',
    /spec.listeners must be a list/,
  ],
  ['kind: GatewayClass\nmetadata: { name: c }\nspec: {}', /spec.controllerName is required/],
  ['kind: ReferenceGrant\nmetadata: { name: r }\nspec: { from: [] }', /spec.to is required/],
  ['kind: HTTPRoute\nmetadata: { name: r }', /spec is required/],
])('a Gateway API object without its required fields is reported: %s', (doc, message) => {
  const parsed = parseManifestFile('bad.yaml', `apiVersion: gateway.networking.k8s.io/v1\n${doc}\n`, 'local');
  expect(parsed.ok).toBe(false);
  expect(parsed.diagnostics.map((d) => d.message).join('\n')).toMatch(message);
});
