/**
 * Hostile annotation values (issue 11): a value that is huge, holds a control character or a lone
 * surrogate is refused like any invalid value (the default is used) and is never quoted into the
 * diagnostic, so it reaches no log line, Event or /debug/diagnostics; and readAnnotation parses a value
 * once per annotations object while reporting a bad one on every read.
 */
import type { KubeObject } from '../resources/kube-types.js';
import { buildResourceSet } from '../resources/resource-set.js';
import type { Diagnostic } from '../errors.js';
import {
  parseAnnotation,
  readAnnotation,
  GATEWAY_GROUP,
  type AnnotationSpec,
} from '../ingress/ingress-annotations.js';
import { translate } from './translate.js';

test('parseAnnotation refuses hostile values without quoting them, and parses good ones', () => {
  expect(parseAnnotation(GATEWAY_GROUP, 'edge')).toEqual({ ok: true, value: 'edge' });
  expect(parseAnnotation(GATEWAY_GROUP, 'x'.repeat(5_000_000))).toEqual({
    ok: false,
    error: 'the value is 5000000 characters long (at most 1024)',
  });
  expect(parseAnnotation(GATEWAY_GROUP, 'edge\r\nX: y')).toEqual({
    ok: false,
    error: 'the value holds the control character U+000D at index 4',
  });
  expect(parseAnnotation(GATEWAY_GROUP, 'Edge')).toEqual({
    ok: false,
    error: '"Edge" is not a DNS label (a-z, 0-9, -; at most 63)',
  });
});

test('through translate: the Ingress and the Service keep their defaults, messages stay short', () => {
  const huge = `${'x'.repeat(100_000)}\u0000`;
  const objects: KubeObject[] = [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'causeway', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
      spec: { controller: 'causeway.dev/gateway' },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'web',
        namespace: 'shop',
        annotations: { 'causeway.dev/connect-timeout': '5s\ud800' },
      },
      spec: { ports: [{ port: 80 }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'shop', annotations: { 'causeway.dev/gateway-group': huge } },
      spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } },
    },
  ];
  const rs = buildResourceSet(objects.map((object) => ({ object, origin: { cluster: 'local' } })));
  const r = translate(rs, { defaults: { httpPort: 8080, httpsPort: 8443 }, groups: {} });
  const invalid = r.diagnostics.filter((d) => d.code === 'CW_E_ANNOTATION_INVALID');
  expect(invalid.map((d) => `${d.object.kind}: ${d.message}`)).toEqual([
    'Ingress: annotation causeway.dev/gateway-group: the value is 100001 characters long (at most 1024); using the default',
    'Service: annotation causeway.dev/connect-timeout: the value is not well-formed UTF-16/UTF-8 (lone surrogate U+D800 at index 2); using the default',
  ]);
  expect(r.served.map((s) => s.group)).toEqual(['default']);
  expect(r.ir.groups[0]!.backends[0]!.connectTimeoutSeconds).toBe(2);
});

test('readAnnotation parses a value once per annotations object and reports a bad one on every read', () => {
  let parses = 0;
  const spec: AnnotationSpec<number> = {
    name: 'causeway.dev/test-count',
    targets: ['Ingress'],
    defaultText: '`0`',
    description: 'test',
    parse: (raw) => {
      parses++;
      return /^\d+$/.test(raw) ? { ok: true, value: Number(raw) } : { ok: false, error: `"${raw}" is bad` };
    },
  };
  const ref = { kind: 'Ingress', namespace: 'ns', name: 'a' };
  const good = { 'causeway.dev/test-count': '3' };
  const diags: Diagnostic[] = [];
  expect(readAnnotation(spec, good, ref, diags)).toBe(3);
  expect(readAnnotation(spec, good, ref, diags)).toBe(3);
  expect(parses).toBe(1);
  // A changed object is a new object: parsed again.
  expect(readAnnotation(spec, { ...good }, ref, diags)).toBe(3);
  expect(parses).toBe(2);
  const bad = { 'causeway.dev/test-count': 'x' };
  expect(readAnnotation(spec, bad, ref, diags, 'no count')).toBeUndefined();
  expect(readAnnotation(spec, bad, ref, diags, 'no count')).toBeUndefined();
  expect(parses).toBe(3);
  expect(diags.map((d) => d.message)).toEqual([
    'annotation causeway.dev/test-count: "x" is bad; no count',
    'annotation causeway.dev/test-count: "x" is bad; no count',
  ]);
});
