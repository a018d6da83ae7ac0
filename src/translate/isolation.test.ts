/**
 * An exception while translating one object (a bug) is isolated (issue 11, finding 7): the object is
 * left out with CW_E_INTERNAL_OBJECT and the rest of its gateway group is translated as if it were not
 * there. The bug is simulated with a getter that throws, reached only by that object's translation.
 */
import type { KubeObject } from '../resources/kube-types.js';
import { buildResourceSet } from '../resources/resource-set.js';
import { translate, type TranslateResult } from './translate.js';
import type { TranslateOptions } from './translate-options.js';

const options: TranslateOptions = { defaults: { httpPort: 8080, httpsPort: 8443 }, groups: {} };

const cls: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'causeway', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
  spec: { controller: 'causeway.dev/gateway' },
};
const svc = (name: string, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop', ...(annotations ? { annotations } : {}) },
  spec: { ports: [{ name: 'http', port: 80 }] },
});
const slice = (service: string, ip: string): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${service}-1`, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080 }],
  endpoints: [{ addresses: [ip] }],
});
const ing = (name: string, service: string, tlsSecret?: string): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'shop', creationTimestamp: `2024-01-0${name.length % 9}T00:00:00Z` },
  spec: {
    ...(tlsSecret ? { tls: [{ hosts: [`${name}.example.com`], secretName: tlsSecret }] } : {}),
    rules: [
      {
        host: `${name}.example.com`,
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
});

/** `object` with `field` replaced by a getter that throws once `armed` (after the ResourceSet is built). */
function booby<T extends object>(
  object: T,
  field: string,
  path: (o: T) => object,
): { object: T; arm: () => void } {
  let armed = false;
  const target = path(object);
  const value = (target as Record<string, unknown>)[field];
  Object.defineProperty(target, field, {
    enumerable: true,
    get: () => {
      if (armed) throw new Error(`simulated bug reading ${field}\n(with a newline)`);
      return value;
    },
  });
  return { object, arm: () => (armed = true) };
}

function run(objects: readonly KubeObject[], arm: () => void): TranslateResult {
  const rs = buildResourceSet(objects.map((object) => ({ object, origin: { cluster: 'local' } })));
  arm();
  return translate(rs, options);
}

const healthy = [cls, svc('web'), slice('web', '10.0.0.1'), ing('good', 'web')];
const baseline = run(healthy, () => undefined);
const internal = (r: TranslateResult) => r.diagnostics.filter((d) => d.code === 'CW_E_INTERNAL_OBJECT');

test('an Ingress whose reading throws is left out; the other Ingress is translated unchanged', () => {
  const bad = booby(ing('broken', 'web'), 'spec', (o) => o);
  const r = run([...healthy, bad.object], bad.arm);
  expect(internal(r)).toEqual([
    {
      code: 'CW_E_INTERNAL_OBJECT',
      severity: 'error',
      object: { kind: 'Ingress', namespace: 'shop', name: 'broken', cluster: 'local' },
      message:
        'internal error while translating the Ingress (simulated bug reading spec\ufffd(with a newline)); it is left out, please report this bug',
    },
  ]);
  expect(r.ir).toEqual(baseline.ir);
});

test('an Ingress whose group build throws (its TLS Secret) is left out; the rest of the group is kept', () => {
  const secret = booby(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'tls', namespace: 'shop' },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'eA==', 'tls.key': 'eA==' },
    } as KubeObject,
    'data',
    (o) => o,
  );
  const r = run([...healthy, ing('withtls', 'web', 'tls'), secret.object], secret.arm);
  expect(internal(r).map((d) => `${d.object.kind}/${d.object.name}`)).toEqual(['Ingress/withtls']);
  expect(internal(r)[0]!.message).toMatch(
    /^internal error while translating Ingress in gateway group "default"/,
  );
  expect(r.ir).toEqual(baseline.ir);
});

test('a backend Service whose annotations throw: its routes answer 503, other routes are kept', () => {
  const bad = booby(svc('api'), 'annotations', (o) => o.metadata);
  const r = run([...healthy, bad.object, slice('api', '10.0.0.2'), ing('apiing', 'api')], bad.arm);
  // Both readers of its annotations fail: the TCP Service reader, and the backend.
  expect(internal(r).map((d) => d.message)).toEqual([
    'internal error while translating the TCP Service (simulated bug reading annotations\ufffd(with a newline)); it is left out, please report this bug',
    'internal error while translating the backend Service (simulated bug reading annotations\ufffd(with a newline)); it is left out, please report this bug',
  ]);
  const group = r.ir.groups[0]!;
  expect(group.backends.map((b) => b.name)).toEqual(baseline.ir.groups[0]!.backends.map((b) => b.name));
  const api = group.http.virtualHosts.find((v) => v.name === 'apiing.example.com')!;
  expect(api.routes[0]!.action).toEqual({
    kind: 'direct',
    status: 503,
    body: 'no healthy upstream: backend failed\n',
  });
  const good = group.http.virtualHosts.find((v) => v.name === 'good.example.com');
  expect(good).toEqual(baseline.ir.groups[0]!.http.virtualHosts.find((v) => v.name === 'good.example.com'));
});

test('a TCP Service whose annotations throw is left out, not the others', () => {
  const tcp = (name: string, port: string) => svc(name, { 'causeway.dev/gateway-tcp-port': port });
  const bad = booby(tcp('db', '5432'), 'annotations', (o) => o.metadata);
  const r = run([...healthy, tcp('cache', '6379'), slice('cache', '10.0.0.3'), bad.object], bad.arm);
  expect(internal(r).map((d) => `${d.object.kind}/${d.object.name}`)).toEqual(['Service/db']);
  expect(r.ir.groups[0]!.tcp.map((t) => t.port)).toEqual([6379]);
});
