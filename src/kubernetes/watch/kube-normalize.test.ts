import { parseManifestFile } from '../../sources/manifests/manifest-parser.js';
import { MAX_OPAQUE_SECRET_BYTES, normalizeKubeObject, rawObjectKey } from './kube-normalize.js';
import {
  rawIngress,
  rawIngressClass,
  rawService,
  rawSlice,
  rawTlsSecret,
  withResourceVersion,
} from '../testdata/kube-fixtures.js';

function ok(kind: Parameters<typeof normalizeKubeObject>[0], raw: unknown) {
  const r = normalizeKubeObject(kind, raw, 'prod');
  if (r.status !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.entry;
}

test('projects an Ingress onto the typed subset: status, managedFields and resourceVersion dropped', () => {
  const e = ok('Ingress', withResourceVersion(rawIngress('web', { tlsSecret: 'web-tls' }), '42'));
  expect(e.id).toBe('Ingress|shop/web');
  expect(e.key).toBe('shop/web');
  expect(e.sourced.origin).toEqual({ cluster: 'prod' });
  expect(e.sourced.object).toEqual({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'uid-ing-web',
      creationTimestamp: '2026-01-02T03:04:05Z',
      generation: 1,
    },
    spec: {
      ingressClassName: 'causeway',
      rules: [
        {
          host: 'web.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web', port: { name: 'http' } } },
              },
            ],
          },
        },
      ],
      tls: [{ hosts: ['web.example.com'], secretName: 'web-tls' }],
    },
  });
});

test('a status-only update or a new resourceVersion keeps the fingerprint', () => {
  const a = ok('Ingress', withResourceVersion(rawIngress('web'), '1'));
  const withStatus = {
    ...withResourceVersion(rawIngress('web'), '2'),
    status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } },
  };
  expect(ok('Ingress', withStatus).fingerprint).toBe(a.fingerprint);
});

test('a change of spec, labels or annotations changes the fingerprint', () => {
  const a = ok('Ingress', rawIngress('web'));
  expect(ok('Ingress', rawIngress('web', { service: 'other' })).fingerprint).not.toBe(a.fingerprint);
  const labelled = rawIngress('web');
  (labelled['metadata'] as Record<string, unknown>)['annotations'] = { 'causeway.dev/timeout': '5s' };
  expect(ok('Ingress', labelled).fingerprint).not.toBe(a.fingerprint);
});

test('a list item (no apiVersion/kind) and a watched object normalize identically', () => {
  for (const [kind, raw] of [
    ['Ingress', rawIngress('web')],
    ['IngressClass', rawIngressClass()],
    ['Service', rawService('web')],
    ['EndpointSlice', rawSlice('web-1', 'web', ['10.244.1.2'])],
    ['Secret', rawTlsSecret('web-tls')],
  ] as const) {
    const { apiVersion: _a, kind: _k, ...item } = raw;
    expect(ok(kind, item)).toEqual(ok(kind, raw));
  }
});

test('normalizes exactly as the manifests parser does (but for origin and resourceVersion)', () => {
  const raws = [
    rawIngress('web', { tlsSecret: 'web-tls' }),
    rawIngressClass(),
    rawService('web'),
    rawSlice('web-1', 'web', ['10.244.1.2']),
    rawTlsSecret('web-tls'),
  ];
  const parsed = parseManifestFile('all.json', JSON.stringify({ kind: 'List', items: raws }), 'prod');
  expect(parsed.diagnostics).toEqual([]);
  const kinds = ['Ingress', 'IngressClass', 'Service', 'EndpointSlice', 'Secret'] as const;
  parsed.objects.forEach((s, i) => {
    expect(ok(kinds[i]!, raws[i]).sourced.object).toEqual(s.object);
  });
});

test('IngressClass is cluster-scoped: keyed by name alone', () => {
  const e = ok('IngressClass', { ...rawIngressClass('c1'), metadata: { name: 'c1', namespace: 'ignored' } });
  expect(e.key).toBe('c1');
  expect(e.sourced.object.metadata.namespace).toBeUndefined();
  expect(rawObjectKey(rawIngressClass('c1'), false)).toBe('c1');
});

test('a Secret of another type is skipped; a TLS Secret is kept with its data', () => {
  const basicAuth = { ...rawTlsSecret('x'), type: 'kubernetes.io/basic-auth' };
  expect(normalizeKubeObject('Secret', basicAuth, 'prod')).toEqual({ status: 'skip' });
  const e = ok('Secret', rawTlsSecret('x'));
  expect(e.sourced.object).toMatchObject({ type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y2VydA==' } });
});

test('an Opaque Secret is kept with its data but without labels and annotations (last-applied holds the data)', () => {
  const raw = {
    ...rawTlsSecret('x'),
    type: 'Opaque',
    data: { auth: 'dTp7U0hBfXg=' },
    metadata: {
      ...(rawTlsSecret('x')['metadata'] as Record<string, unknown>),
      labels: { app: 'web' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"auth":"dTp7U0hBfXg="}}' },
    },
  };
  const e = ok('Secret', raw);
  expect(e.sourced.object).toMatchObject({ type: 'Opaque', data: { auth: 'dTp7U0hBfXg=' } });
  expect(e.sourced.object.metadata.annotations).toBeUndefined();
  expect(e.sourced.object.metadata.labels).toBeUndefined();
  expect(e.fingerprint).not.toContain('last-applied');
});

test('an Opaque Secret over MAX_OPAQUE_SECRET_BYTES of data is refused; a TLS Secret is not counted', () => {
  const big = Buffer.alloc(MAX_OPAQUE_SECRET_BYTES + 1).toString('base64');
  const atMost = Buffer.alloc(MAX_OPAQUE_SECRET_BYTES).toString('base64');
  const opaque = (v: string) => ({ ...rawTlsSecret('x'), type: 'Opaque', data: { a: v } });
  expect(normalizeKubeObject('Secret', opaque(big), 'prod')).toEqual({
    status: 'invalid',
    problems: [`data is over ${MAX_OPAQUE_SECRET_BYTES} bytes, the most kept of an Opaque Secret`],
  });
  expect(normalizeKubeObject('Secret', opaque(atMost), 'prod').status).toBe('ok');
});

test('an object with a wrong shape is invalid, with the problems the readers found', () => {
  const bad = rawIngress('web');
  (bad['spec'] as Record<string, unknown>)['rules'] = 'nope';
  expect(normalizeKubeObject('Ingress', bad, 'prod')).toEqual({
    status: 'invalid',
    problems: ['spec.rules must be a list, not the string "nope"'],
  });
  expect(normalizeKubeObject('Service', 'x', 'prod')).toMatchObject({ status: 'invalid' });
  expect(normalizeKubeObject('Service', { metadata: {} }, 'prod')).toMatchObject({
    status: 'invalid',
    problems: ['metadata.name is required'],
  });
});

test('rawObjectKey reads only the metadata', () => {
  expect(rawObjectKey({ metadata: { name: 'a', namespace: 'n' } }, true)).toBe('n/a');
  expect(rawObjectKey({ metadata: { name: 'a' } }, true)).toBe('default/a');
  expect(rawObjectKey({ metadata: {} }, true)).toBeUndefined();
  expect(rawObjectKey(null, true)).toBeUndefined();
});

test('a Gateway API object from the apiserver: spec kept, status and resourceVersion dropped; a bad one is invalid', () => {
  const raw = {
    metadata: { name: 'web', namespace: 'shop', resourceVersion: '7', generation: 2 },
    spec: { parentRefs: [{ name: 'edge' }], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    status: { parents: [{ controllerName: 'causeway.dev/gateway' }] },
  };
  const e = ok('HTTPRoute', raw);
  expect(e.id).toBe('HTTPRoute|shop/web');
  expect(e.sourced.object).toEqual({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'web', namespace: 'shop', generation: 2 },
    spec: raw.spec,
  });
  // A status-only change does not change the fingerprint.
  expect(ok('HTTPRoute', { ...raw, status: {} }).fingerprint).toBe(e.fingerprint);
  const bad = normalizeKubeObject(
    'HTTPRoute',
    { ...raw, spec: { rules: [{ backendRefs: [{ name: 'web' }] }] } },
    'prod',
  );
  expect(bad).toEqual({ status: 'invalid', problems: ['spec.rules[0].backendRefs[0].port is required'] });
  expect(rawObjectKey({ metadata: { name: 'causeway' } }, false)).toBe('causeway');
});
