import type { KubeKind } from '../../resources/kube-types.js';
import { KubeObjectStore, referencedSecrets } from './kube-object-store.js';
import {
  rawIngress,
  rawIngressClass,
  rawService,
  rawSlice,
  rawOpaqueSecret,
  rawTlsSecret,
  withAnnotations,
  withResourceVersion,
} from '../testdata/kube-fixtures.js';

const namespaced = (k: KubeKind) => k !== 'IngressClass';

function store(): KubeObjectStore {
  return new KubeObjectStore('prod', namespaced);
}

function seeded(): KubeObjectStore {
  const s = store();
  s.replace('IngressClass', [rawIngressClass()]);
  s.replace('Ingress', [rawIngress('web', { tlsSecret: 'web-tls' })]);
  s.replace('Service', [rawService('web')]);
  s.replace('EndpointSlice', [rawSlice('web-1', 'web', ['10.244.1.2'])]);
  s.replace('Secret', [rawTlsSecret('web-tls'), rawTlsSecret('unused-tls')]);
  return s;
}

test('the first update lists every object as an upsert, sorted, with origin = cluster', () => {
  const { update, hasNews } = seeded().takeUpdate();
  expect(hasNews).toBe(true);
  expect(update.changed).toEqual([
    { kind: 'EndpointSlice', key: 'shop/web-1', op: 'upsert' },
    { kind: 'Ingress', key: 'shop/web', op: 'upsert' },
    { kind: 'IngressClass', key: 'causeway', op: 'upsert' },
    { kind: 'Secret', key: 'shop/web-tls', op: 'upsert' },
    { kind: 'Service', key: 'shop/web', op: 'upsert' },
  ]);
  const r = update.resources;
  expect([...r.ingresses.keys()]).toEqual(['prod/shop/web']);
  expect([...r.ingressClasses.keys()]).toEqual(['causeway']);
  expect([...r.services.keys()]).toEqual(['shop/web']);
  expect(r.endpointSlices.get('shop/web')?.map((s) => s.object.metadata.name)).toEqual(['web-1']);
  expect([...r.secrets.keys()]).toEqual(['shop/web-tls']);
  expect(r.ingresses.get('prod/shop/web')?.origin).toEqual({ cluster: 'prod' });
  expect(update.diagnostics).toEqual([]);
});

test('nothing changed: a relist of the same objects, or new resourceVersions and status, is no news', () => {
  const s = seeded();
  s.takeUpdate();
  s.replace('Service', [withResourceVersion(rawService('web'), '77')]);
  s.upsert('Ingress', {
    ...withResourceVersion(rawIngress('web', { tlsSecret: 'web-tls' }), '78'),
    status: { loadBalancer: { ingress: [{ ip: '10.0.0.9' }] } },
  });
  const { update, hasNews } = s.takeUpdate();
  expect(hasNews).toBe(false);
  expect(update.changed).toEqual([]);
});

test('changed names exactly the objects whose content changed, created or deleted', () => {
  const s = seeded();
  s.takeUpdate();
  s.upsert('EndpointSlice', rawSlice('web-1', 'web', ['10.244.1.2', '10.244.1.3']));
  s.upsert('Service', rawService('api'));
  s.remove('IngressClass', rawIngressClass());
  expect(s.takeUpdate().update.changed).toEqual([
    { kind: 'EndpointSlice', key: 'shop/web-1', op: 'upsert' },
    { kind: 'IngressClass', key: 'causeway', op: 'delete' },
    { kind: 'Service', key: 'shop/api', op: 'upsert' },
  ]);
  expect(s.takeUpdate().hasNews).toBe(false);
});

test('a relist drops the objects it no longer holds', () => {
  const s = seeded();
  s.takeUpdate();
  s.replace('EndpointSlice', [rawSlice('web-2', 'web', ['10.244.1.9'])]);
  expect(s.takeUpdate().update.changed).toEqual([
    { kind: 'EndpointSlice', key: 'shop/web-1', op: 'delete' },
    { kind: 'EndpointSlice', key: 'shop/web-2', op: 'upsert' },
  ]);
});

test('only TLS Secrets referenced by an Ingress of the set are emitted; they come and go with the reference', () => {
  const s = seeded();
  expect([...s.takeUpdate().update.resources.secrets.keys()]).toEqual(['shop/web-tls']);
  // An Ingress starts referencing the unused Secret: it enters the set.
  s.upsert('Ingress', rawIngress('shop', { tlsSecret: 'unused-tls' }));
  let u = s.takeUpdate().update;
  expect(u.changed).toEqual([
    { kind: 'Ingress', key: 'shop/shop', op: 'upsert' },
    { kind: 'Secret', key: 'shop/unused-tls', op: 'upsert' },
  ]);
  // A change of an unreferenced Secret is no news; of a referenced one, it is.
  s.upsert('Secret', rawTlsSecret('other-tls', 'shop', 'b3RoZXI='));
  expect(s.takeUpdate().hasNews).toBe(false);
  s.upsert('Secret', rawTlsSecret('web-tls', 'shop', 'bmV3'));
  expect(s.takeUpdate().update.changed).toEqual([{ kind: 'Secret', key: 'shop/web-tls', op: 'upsert' }]);
  // The Ingress goes: its Secret leaves the set.
  s.remove('Ingress', rawIngress('shop'));
  u = s.takeUpdate().update;
  expect(u.changed).toEqual([
    { kind: 'Ingress', key: 'shop/shop', op: 'delete' },
    { kind: 'Secret', key: 'shop/unused-tls', op: 'delete' },
  ]);
  // A Secret in another namespace than the Ingress is not referenced by it.
  s.upsert('Secret', rawTlsSecret('web-tls', 'other'));
  expect(s.takeUpdate().hasNews).toBe(false);
});

test('referencedSecrets reads spec.tls secretName in the Ingress namespace', () => {
  const s = store();
  s.replace('Ingress', [
    rawIngress('a', { tlsSecret: 'x' }),
    rawIngress('b', { namespace: 'n2', tlsSecret: 'y' }),
  ]);
  const u = s.takeUpdate().update;
  expect([...referencedSecrets(u.resources.ingresses.values())].sort()).toEqual(['n2/y', 'shop/x']);
});

test('a rejected version keeps the last good one in force, with a diagnostic, until fixed or deleted', () => {
  const s = seeded();
  const first = s.takeUpdate().update;
  const bad = rawService('web');
  (bad['spec'] as Record<string, unknown>)['ports'] = [{ name: 'http', port: 'eighty' }];
  s.upsert('Service', bad);
  const taken = s.takeUpdate();
  expect(taken.hasNews).toBe(true);
  let update = taken.update;
  expect(update.changed).toEqual([]);
  expect(update.resources.services.get('shop/web')).toEqual(first.resources.services.get('shop/web'));
  expect(update.diagnostics).toEqual([
    {
      code: 'CW_E_KUBE_OBJECT',
      severity: 'error',
      object: { kind: 'Service', namespace: 'shop', name: 'web', cluster: 'prod' },
      message:
        'Service shop/web in cluster prod: spec.ports[0].port must be a number, not the string "eighty"; its last good version stays in force',
    },
  ]);
  // The same problem again is no news.
  s.upsert('Service', bad);
  expect(s.takeUpdate().hasNews).toBe(false);
  // Fixed (with a change): the diagnostic goes and the object is listed.
  s.upsert('Service', rawService('web', 81));
  update = s.takeUpdate().update;
  expect(update.diagnostics).toEqual([]);
  expect(update.changed).toEqual([{ kind: 'Service', key: 'shop/web', op: 'upsert' }]);
});

test('a rejected object never seen good is left out, with a diagnostic; deleting it clears the diagnostic', () => {
  const s = store();
  const bad = rawIngressClass('broken');
  bad['spec'] = { controller: 7 };
  s.upsert('IngressClass', bad);
  let u = s.takeUpdate().update;
  expect(u.resources.ingressClasses.size).toBe(0);
  expect(u.diagnostics.map((d) => [d.object, d.message])).toEqual([
    [
      { kind: 'IngressClass', name: 'broken', cluster: 'prod' },
      'IngressClass broken in cluster prod: spec.controller must be a string, not number 7; it is ignored until it is fixed',
    ],
  ]);
  s.remove('IngressClass', bad);
  u = s.takeUpdate().update;
  expect(u.diagnostics).toEqual([]);
  expect(u.changed).toEqual([]);
});

test('a relist in which an object is rejected keeps its last good version', () => {
  const s = seeded();
  s.takeUpdate();
  const bad = rawSlice('web-1', 'web', ['10.244.1.2']);
  bad['addressType'] = 'Carrier-Pigeon';
  s.replace('EndpointSlice', [bad]);
  const u = s.takeUpdate().update;
  expect(u.changed).toEqual([]);
  expect(u.resources.endpointSlices.get('shop/web')).toHaveLength(1);
  expect(u.diagnostics.map((d) => d.object.name)).toEqual(['web-1']);
});

test('rejected Secrets are reported only when referenced', () => {
  const s = store();
  const bad = rawTlsSecret('web-tls');
  bad['data'] = { 'tls.crt': 'not base64!' };
  s.upsert('Secret', bad);
  expect(s.takeUpdate().update.diagnostics).toEqual([]);
  s.upsert('Ingress', rawIngress('web', { tlsSecret: 'web-tls' }));
  expect(s.takeUpdate().update.diagnostics.map((d) => d.object.kind)).toEqual(['Secret']);
});

test('a Secret changed to a type Causeway does not read leaves; objects without a name are refused', () => {
  const s = seeded();
  s.takeUpdate();
  s.upsert('Secret', { ...rawTlsSecret('web-tls'), type: 'kubernetes.io/basic-auth' });
  expect(s.takeUpdate().update.changed).toEqual([{ kind: 'Secret', key: 'shop/web-tls', op: 'delete' }]);
  expect(s.upsert('Service', { metadata: {} })).toBe(false);
  expect(s.remove('Service', {})).toBe(false);
});

test('the emitted set is deterministic whatever the arrival order', () => {
  const a = store();
  a.replace('Service', [rawService('b'), rawService('a'), rawService('c')]);
  const b = store();
  b.replace('Service', [rawService('c'), rawService('a'), rawService('b')]);
  const keysA = [...a.takeUpdate().update.resources.services.keys()];
  expect(keysA).toEqual(['shop/a', 'shop/b', 'shop/c']);
  expect([...b.takeUpdate().update.resources.services.keys()]).toEqual(keysA);
});

const TLS = 'Secret (type=kubernetes.io/tls)';
const OPAQUE = 'Secret (type=Opaque)';
const USERS = rawOpaqueSecret('users', { auth: Buffer.from('ann:{SHA}x\n').toString('base64') });

/** An Ingress with TLS Secret `web-tls` and basic auth users from `users`. */
function twoWatches(): KubeObjectStore {
  const s = store();
  s.replace('Ingress', [
    withAnnotations(rawIngress('web', { tlsSecret: 'web-tls' }), {
      'causeway.dev/auth-type': 'basic',
      'causeway.dev/auth-secret': 'users',
    }),
  ]);
  s.replace('Secret', [rawTlsSecret('web-tls')], TLS);
  s.replace('Secret', [USERS, rawOpaqueSecret('app-creds', { password: 'aHVudGVyMg==' })], OPAQUE);
  return s;
}

test('two watches of Secrets: both scopes reach the set; a relist of one keeps the other scope', () => {
  const s = twoWatches();
  expect([...s.takeUpdate().update.resources.secrets.keys()]).toEqual(['shop/users', 'shop/web-tls']);
  expect(s.count('Secret')).toBe(3);
  // An empty relist of the TLS watch drops only the TLS Secret.
  s.replace('Secret', [], TLS);
  expect(s.takeUpdate().update.changed).toEqual([{ kind: 'Secret', key: 'shop/web-tls', op: 'delete' }]);
  // A relist of the Opaque watch with the same objects is no news; without `users`, it goes.
  s.replace('Secret', [USERS, rawOpaqueSecret('app-creds', { password: 'aHVudGVyMg==' })], OPAQUE);
  expect(s.takeUpdate().hasNews).toBe(false);
  s.replace('Secret', [rawTlsSecret('web-tls')], TLS);
  s.replace('Secret', [], OPAQUE);
  expect(s.takeUpdate().update.changed).toEqual([
    { kind: 'Secret', key: 'shop/users', op: 'delete' },
    { kind: 'Secret', key: 'shop/web-tls', op: 'upsert' },
  ]);
  expect(s.count('Secret')).toBe(1);
});

test('a deletion seen by one scope never removes the object another scope holds now', () => {
  const s = twoWatches();
  s.takeUpdate();
  // `web-tls` is deleted and created again as Opaque; the Opaque watch's event comes first.
  s.upsert('Secret', rawOpaqueSecret('web-tls', { 'ca.crt': 'Y2E=' }), OPAQUE);
  s.remove('Secret', rawTlsSecret('web-tls'), TLS);
  const secret = s.takeUpdate().update.resources.secrets.get('shop/web-tls');
  expect(secret?.object.type).toBe('Opaque');
  // Its TLS version is not the last good version of the Opaque one: a bad Opaque version leaves nothing.
  s.upsert('Secret', rawTlsSecret('web-tls'), TLS);
  s.upsert('Secret', { ...rawOpaqueSecret('web-tls', {}), data: { 'ca.crt': 'not base64!' } }, OPAQUE);
  const u = s.takeUpdate().update;
  expect(u.resources.secrets.has('shop/web-tls')).toBe(false);
  expect(u.diagnostics.map((d) => d.code)).toEqual(['CW_E_KUBE_OBJECT']);
});

test('Opaque Secrets are emitted only when named by an auth or CA annotation (Ingress or Service)', () => {
  const s = store();
  const ca = rawOpaqueSecret('backend-ca', { 'ca.crt': 'Y2E=' });
  const clientCa = rawOpaqueSecret('client-ca', { 'ca.crt': 'Y2E=' }, 'pki');
  s.replace(
    'Secret',
    [USERS, ca, clientCa, rawOpaqueSecret('app-creds', { password: 'aHVudGVyMg==' })],
    OPAQUE,
  );
  s.replace('Service', [
    withAnnotations(rawService('web'), { 'causeway.dev/backend-tls-ca-secret': 'backend-ca' }),
  ]);
  s.replace('Ingress', [
    withAnnotations(rawIngress('web'), {
      'causeway.dev/auth-secret': 'shop/users',
      'causeway.dev/auth-tls-secret': 'pki/client-ca',
    }),
    // Basic auth from another namespace is refused by translation: not emitted.
    withAnnotations(rawIngress('other', { namespace: 'other' }), {
      'causeway.dev/auth-secret': 'shop/app-creds',
    }),
  ]);
  expect([...s.takeUpdate().update.resources.secrets.keys()]).toEqual([
    'pki/client-ca',
    'shop/backend-ca',
    'shop/users',
  ]);
});
