/**
 * Names end up in Envoy resource names (clusters, routes, SDS secrets), so a name a manifests folder
 * lets through (no apiserver checks it) that is not a valid Kubernetes name would break a resource the
 * whole group shares. Such an object (or reference) is left out with a diagnostic; the rest of the
 * group translates exactly as without it.
 */
import type { KubeObject } from '../resources/kube-types.js';
import { buildResourceSet } from '../resources/resource-set.js';
import { kubeNameProblem, printable } from '../ingress/text-checks.js';
import { translate, type TranslateResult } from './translate.js';
import { translateXds } from '../../xds/translator/xds.translator.js';

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
const ing = (name: string, service: string, secretName?: string): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'shop' },
  spec: {
    ...(secretName ? { tls: [{ hosts: ['tls.example.com'], secretName }] } : {}),
    rules: [
      {
        host: `${name.length}.example.com`,
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
});

function run(objects: readonly KubeObject[]): TranslateResult {
  const rs = buildResourceSet(objects.map((object) => ({ object, origin: { cluster: 'local' } })));
  return translate(rs, { defaults: { httpPort: 8080, httpsPort: 8443 }, groups: {} });
}

const base = [cls, svc('web'), ing('good', 'web')];
const baseline = run(base);
const named = (r: TranslateResult) =>
  r.diagnostics.filter(
    (d) => d.code === 'CW_E_OBJECT_NAME_INVALID' || d.code === 'CW_E_INGRESS_BACKEND_INVALID',
  );

test('kubeNameProblem and printable', () => {
  expect(kubeNameProblem('web-1.shop')).toBeUndefined();
  expect(kubeNameProblem('Web')).toMatch(/not a valid DNS-1123 subdomain/);
  expect(kubeNameProblem('a.b', true)).toMatch(/not a valid DNS-1123 label/);
  expect(kubeNameProblem('x'.repeat(254))).toBe('is 254 characters long (at most 253)');
  expect(kubeNameProblem('')).toBe('is empty');
  expect(printable('a\u0000b\ud800c\ud83d\ude00')).toBe('a\ufffdb\ufffdc\ud83d\ude00');
});

test('an Ingress with a lone surrogate in its name is left out; the group is otherwise unchanged', () => {
  const r = run([...base, ing('bad-\ud800', 'web')]);
  expect(named(r)).toEqual([
    {
      code: 'CW_E_OBJECT_NAME_INVALID',
      severity: 'error',
      object: { kind: 'Ingress', namespace: 'shop', name: 'bad-\ufffd', cluster: 'local' },
      message:
        "the Ingress name is not a valid DNS-1123 subdomain (lowercase letters, digits, '-', '.'); it is left out",
    },
  ]);
  expect(r.ir).toEqual(baseline.ir);
  expect(translateXds(r.ir).diagnostics).toEqual([]);
});

test('a backend Service name with a control character: that route answers 503, nothing else changes', () => {
  const r = run([...base, ing('other', 'web\u0000x')]);
  expect(named(r).map((d) => d.message)).toEqual([
    "rule/0/path/0: backend service name \"web\ufffdx\" is not a valid DNS-1123 subdomain (lowercase letters, digits, '-', '.'); requests get 503",
  ]);
  const xds = translateXds(r.ir);
  expect(xds.diagnostics).toEqual([]);
  expect(r.ir.groups[0]!.backends).toEqual(baseline.ir.groups[0]!.backends);
});

test('a TLS secretName that is not a name: its hosts get no HTTPS, with a diagnostic', () => {
  const r = run([...base, ing('tls', 'web', 'bad\u0001secret')]);
  expect(named(r).map((d) => `${d.object.kind}/${d.object.name}: ${d.message}`)).toEqual([
    "Ingress/tls: TLS secretName \"shop/bad\ufffdsecret\" is not a valid DNS-1123 subdomain (lowercase letters, digits, '-', '.'); its hosts are not served over HTTPS",
  ]);
  expect(r.ir.groups[0]!.https).toBeUndefined();
});

test('a TCP Service with a bad name is not exposed; another TCP Service is', () => {
  const r = run([
    ...base,
    svc('db\ud800', { 'causeway.dev/gateway-tcp-port': '5432' }),
    svc('cache', { 'causeway.dev/gateway-tcp-port': '6379' }),
  ]);
  expect(named(r).map((d) => `${d.object.kind}/${d.object.name}: ${d.message}`)).toEqual([
    "Service/db\ufffd: the TCP Service name is not a valid DNS-1123 subdomain (lowercase letters, digits, '-', '.'); it is not exposed",
  ]);
  expect(r.ir.groups[0]!.tcp.map((t) => t.port)).toEqual([6379]);
});
