import { parseManifestFile } from './manifest-parser.js';
import type { EndpointSlice, Ingress, IngressClass, Secret, Service } from '../../resources/kube-types.js';

const FILE = 'examples/app.yaml';

function parse(text: string, file = FILE) {
  return parseManifestFile(file, text, 'local');
}

const INGRESS = `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  creationTimestamp: "2024-01-02T03:04:05Z"
  annotations:
    causeway.dev/request-timeout: 15s
spec:
  ingressClassName: causeway
  tls:
    - hosts: [shop.example.com]
      secretName: shop-tls
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
`;

const SERVICE = `
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: ClusterIP
  selector: { app: web }
  ports:
    - name: http
      port: 80
      targetPort: http
`;

describe('parseManifestFile', () => {
  it('reads a multi-document file, skipping empty documents, with origins and document indexes', () => {
    const r = parse(`---\n${INGRESS}\n---\n# only a comment\n---\n${SERVICE}\n---\n`);
    expect(r.ok).toBe(true);
    expect(r.diagnostics).toEqual([]);
    expect(
      r.objects.map((o) => [o.object.kind, o.object.metadata.namespace, o.object.metadata.name, o.origin]),
    ).toEqual([
      ['Ingress', 'shop', 'web', { cluster: 'local', file: FILE, documentIndex: 0 }],
      ['Service', 'default', 'web', { cluster: 'local', file: FILE, documentIndex: 2 }],
    ]);
    const ing = r.objects[0]!.object as Ingress;
    expect(ing).toEqual({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'web',
        namespace: 'shop',
        creationTimestamp: '2024-01-02T03:04:05Z',
        annotations: { 'causeway.dev/request-timeout': '15s' },
      },
      spec: {
        ingressClassName: 'causeway',
        tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
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
    });
    const svc = r.objects[1]!.object as Service;
    expect(svc.spec).toEqual({
      type: 'ClusterIP',
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
    });
  });

  it('returns nothing, and ok, for an empty file or a file of comments', () => {
    expect(parse('')).toEqual({ objects: [], diagnostics: [], ok: true });
    expect(parse('# nothing here\n---\n')).toEqual({ objects: [], diagnostics: [], ok: true });
    expect(parse('', 'a.json')).toEqual({ objects: [], diagnostics: [], ok: true });
  });

  it('reads kind: List and typed lists, numbering items inside the document', () => {
    const r = parse(`apiVersion: v1
kind: List
items:
  - apiVersion: networking.k8s.io/v1
    kind: IngressClass
    metadata: { name: causeway, namespace: ignored }
    spec: { controller: causeway.dev/gateway }
  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: web }
  - apiVersion: v1
    kind: Service
    metadata: { name: api, namespace: shop }
---
apiVersion: v1
kind: ServiceList
items:
  - apiVersion: v1
    kind: Service
    metadata: { name: other }
  - apiVersion: v1
    kind: Service
    metadata: { name: broken }
    spec: { ports: [{ port: "80" }] }
`);
    expect(
      r.objects.map((o) => [
        o.object.kind,
        o.object.metadata.namespace,
        o.object.metadata.name,
        o.origin.documentIndex,
      ]),
    ).toEqual([
      ['IngressClass', undefined, 'causeway', 0],
      ['Service', 'shop', 'api', 0],
      ['Service', 'default', 'other', 1],
    ]);
    expect((r.objects[0]!.object as IngressClass).spec).toEqual({ controller: 'causeway.dev/gateway' });
    expect(r.ok).toBe(false);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.message).toBe(
      'examples/app.yaml document 1 item 1: Service broken: spec.ports[0].port must be a number, not the string "80"',
    );
    expect(r.diagnostics[0]!.object).toEqual({
      kind: 'Service',
      namespace: 'default',
      name: 'broken',
      cluster: 'local',
      file: FILE,
      documentIndex: 1,
    });
  });

  it('reports broken YAML with the document index, keeps the valid documents, and is not ok', () => {
    const r = parse(`${SERVICE}---\nkind: [oops\n---\n${INGRESS}`);
    expect(r.ok).toBe(false);
    expect(r.objects.map((o) => [o.object.kind, o.origin.documentIndex])).toEqual([
      ['Service', 0],
      ['Ingress', 2],
    ]);
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0]!;
    expect(d.code).toBe('CW_E_MANIFEST_YAML');
    expect(d.severity).toBe('error');
    expect(d.object).toMatchObject({ file: FILE, documentIndex: 1 });
    expect(d.message).toMatch(/^examples\/app\.yaml document 1: invalid YAML: .*line \d+, column \d+/);
    expect(d.message).not.toContain('\n');
  });

  it('reports duplicate keys, unresolved aliases and invalid JSON as YAML errors', () => {
    expect(parse('a: 1\na: 2\n').diagnostics[0]).toMatchObject({ code: 'CW_E_MANIFEST_YAML' });
    expect(parse('a: *nope\n').diagnostics[0]?.message).toMatch(/document 0: invalid YAML: Unresolved alias/);
    const j = parse('{"apiVersion": "v1",', 'svc.json');
    expect(j.ok).toBe(false);
    expect(j.diagnostics[0]?.message).toMatch(/^svc\.json document 0: invalid JSON: /);
  });

  it('reads JSON files', () => {
    const r = parse(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: 'shop' },
        spec: { ports: [{ port: 80 }] },
      }),
      'svc.json',
    );
    expect(r.ok).toBe(true);
    expect(r.objects[0]?.object).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { ports: [{ port: 80 }] },
    });
  });

  it('supports YAML merge keys and keeps timestamps as strings', () => {
    const r = parse(`apiVersion: v1
kind: Service
metadata:
  name: web
  creationTimestamp: 2024-01-02T03:04:05Z
  labels: &l { app: web }
spec:
  selector:
    <<: *l
    tier: front
`);
    expect(r.ok).toBe(true);
    const svc = r.objects[0]!.object as Service;
    expect(svc.metadata.creationTimestamp).toBe('2024-01-02T03:04:05Z');
    expect(svc.spec?.selector).toEqual({ app: 'web', tier: 'front' });
  });

  it('defaults the namespace of namespaced kinds, drops it on IngressClass, and leaves creationTimestamp unset', () => {
    const r = parse(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: a, creationTimestamp: null }
spec: { defaultBackend: { service: { name: web, port: { name: http } } } }
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: { name: causeway, namespace: shop }
---
apiVersion: v1
kind: Service
metadata: { name: s, namespace: "" }
`);
    expect(r.ok).toBe(true);
    const [ing, cls, svc] = r.objects.map((o) => o.object);
    expect(ing?.metadata).toEqual({ name: 'a', namespace: 'default' });
    expect('creationTimestamp' in ing!.metadata).toBe(false);
    expect(cls?.metadata).toEqual({ name: 'causeway' });
    expect(svc?.metadata.namespace).toBe('default');
  });

  it('merges Secret stringData into data as base64 (stringData wins), and reads only TLS and Opaque Secrets', () => {
    const r = parse(`apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { name: shop-tls, namespace: shop }
data:
  tls.crt: ${Buffer.from('old cert').toString('base64')}
  ca.crt: ${Buffer.from('ca').toString('base64')}
stringData:
  tls.crt: "-----BEGIN CERTIFICATE-----"
  tls.key: key
---
apiVersion: v1
kind: Secret
metadata: { name: opaque }
stringData: { password: hunter2 }
---
apiVersion: v1
kind: Secret
type: kubernetes.io/dockerconfigjson
metadata: { name: pull }
data: { .dockerconfigjson: "not even base64 !" }
`);
    expect(r.ok).toBe(true);
    // TLS Secrets and Opaque ones (basic auth users; the type when none is given); not the others.
    expect(r.objects).toHaveLength(2);
    expect(r.objects[1]!.object).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'opaque', namespace: 'default' },
      type: 'Opaque',
      data: { password: Buffer.from('hunter2').toString('base64') },
    });
    const s = r.objects[0]!.object as Secret;
    expect(s).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'shop-tls', namespace: 'shop' },
      type: 'kubernetes.io/tls',
      data: {
        'ca.crt': Buffer.from('ca').toString('base64'),
        'tls.crt': Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64'),
        'tls.key': Buffer.from('key').toString('base64'),
      },
    });
    expect('stringData' in s).toBe(false);
  });

  it('rejects TLS Secret data that is not base64', () => {
    const r = parse(`apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata: { name: t }
data: { tls.crt: "-----BEGIN" }
`);
    expect(r.ok).toBe(false);
    expect(r.diagnostics[0]?.message).toBe(
      'examples/app.yaml document 0: Secret t: data.tls.crt is not valid base64 (use stringData for plain text)',
    );
  });

  it('keeps EndpointSlice addressType, endpoints and ports', () => {
    const r = parse(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: shop
  labels: { kubernetes.io/service-name: web }
addressType: IPv4
endpoints:
  - addresses: [10.0.0.1]
    conditions: { ready: true, serving: true, terminating: false }
    zone: a
    nodeName: n1
    targetRef: { kind: Pod, name: web-1, namespace: shop }
  - addresses: [10.0.0.2]
ports:
  - name: http
    port: 8080
    protocol: TCP
`);
    expect(r.ok).toBe(true);
    const es = r.objects[0]!.object as EndpointSlice;
    expect(es).toEqual({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      endpoints: [
        {
          addresses: ['10.0.0.1'],
          conditions: { ready: true, serving: true, terminating: false },
          zone: 'a',
          nodeName: 'n1',
          targetRef: { kind: 'Pod', name: 'web-1', namespace: 'shop' },
        },
        { addresses: ['10.0.0.2'] },
      ],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
  });

  it('skips kinds Causeway does not read, silently', () => {
    const r = parse(`apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec: { replicas: "whatever" }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: cfg }
data: { a: 1 }
---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [a.yaml]
---
apiVersion: example.com/v1
kind: Widget
metadata: { name: w }
`);
    expect(r).toEqual({ objects: [], diagnostics: [], ok: true });
  });

  it('reports the wrong apiVersion for a kind Causeway reads', () => {
    const r = parse(`${SERVICE}---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: { name: old }
spec: { backend: { serviceName: web, servicePort: 80 } }
`);
    expect(r.ok).toBe(false);
    expect(r.objects.map((o) => o.object.kind)).toEqual(['Service']);
    expect(r.diagnostics).toEqual([
      {
        code: 'CW_E_MANIFEST_OBJECT',
        severity: 'error',
        object: {
          kind: 'Ingress',
          namespace: 'default',
          name: 'old',
          cluster: 'local',
          file: FILE,
          documentIndex: 1,
        },
        message:
          'examples/app.yaml document 1: Ingress old: apiVersion extensions/v1beta1 is not supported, use networking.k8s.io/v1',
      },
    ]);
  });

  it('reports documents that are not Kubernetes objects or miss apiVersion, kind or metadata.name', () => {
    const r = parse(`- a\n- b\n---\njust a string\n---\nkind: Service\nmetadata: { name: x }\n---
apiVersion: v1
kind: Service
metadata: { generateName: web- }
---
apiVersion: v1
kind: Service
spec: {}
---
apiVersion: v1
kind: service
metadata: { name: lower }
---
apiVersion: v1
kind: Service
metadata: { name: Bad_Name }
`);
    expect(r.ok).toBe(false);
    expect(r.objects).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['CW_E_MANIFEST_OBJECT', 'examples/app.yaml document 0: is a list, not a Kubernetes object'],
      [
        'CW_E_MANIFEST_OBJECT',
        'examples/app.yaml document 1: is the string "just a string", not a Kubernetes object',
      ],
      [
        'CW_E_MANIFEST_OBJECT',
        'examples/app.yaml document 2: is not a Kubernetes object: apiVersion must be a non-empty string',
      ],
      [
        'CW_E_MANIFEST_OBJECT',
        'examples/app.yaml document 3: Service (unnamed): metadata.name is required (generateName is not supported)',
      ],
      ['CW_E_MANIFEST_OBJECT', 'examples/app.yaml document 4: Service (unnamed): metadata is required'],
      [
        'CW_E_MANIFEST_OBJECT',
        'examples/app.yaml document 5: kind "service" is misspelled: kinds are case-sensitive, use Service',
      ],
      [
        'CW_E_MANIFEST_OBJECT',
        'examples/app.yaml document 6: Service Bad_Name: metadata.name "Bad_Name" is not a valid name (lowercase DNS subdomain)',
      ],
    ]);
    expect(r.diagnostics[0]!.object).toEqual({
      kind: 'Manifest',
      name: FILE,
      cluster: 'local',
      file: FILE,
      documentIndex: 0,
    });
  });

  it('reports fields of the wrong shape that would crash translation', () => {
    const bad = (spec: string) =>
      parse(
        `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: web }\nspec: ${spec}\n`,
      ).diagnostics.map((d) => d.message.replace('examples/app.yaml document 0: Ingress web: ', ''));
    expect(bad('{ rules: { host: a } }')).toEqual(['spec.rules must be a list, not a mapping']);
    expect(
      bad(
        '{ rules: [{ http: { paths: [{ pathType: Prefix, backend: { service: { name: w, port: { number: http } } } }] } }] }',
      ),
    ).toEqual([
      'spec.rules[0].http.paths[0].backend.service.port.number must be a number, not the string "http"',
    ]);
    expect(bad('{ rules: [{ http: { paths: [{ path: /, backend: {} }] } }] }')).toEqual([
      'spec.rules[0].http.paths[0].pathType is required',
    ]);
    expect(bad('{ rules: [{ http: { paths: [{ path: /, pathType: Regex, backend: {} }] } }] }')).toEqual([
      'spec.rules[0].http.paths[0].pathType must be one of Exact, Prefix, ImplementationSpecific, not "Regex"',
    ]);
    expect(bad('{ rules: [{ host: 42, http: {} }] }')).toEqual([
      'spec.rules[0].host must be a string, not number 42; spec.rules[0].http.paths is required',
    ]);
    expect(bad('{ tls: [{ hosts: a.example.com }] }')).toEqual([
      'spec.tls[0].hosts must be a list, not the string "a.example.com"',
    ]);
    expect(bad('[]')).toEqual(['spec must be a mapping, not a list']);
    const ann = parse(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, annotations: { causeway.dev/request-timeout: 30, causeway.dev/ssl-redirect: true } }
`);
    expect(ann.diagnostics.map((d) => d.message)).toEqual([
      'examples/app.yaml document 0: Ingress web: metadata.annotations.causeway.dev/request-timeout must be a string, not number 30 (quote it); metadata.annotations.causeway.dev/ssl-redirect must be a string, not boolean true (quote it)',
    ]);
    const slice = parse(`apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: s }
endpoints: [{ addresses: 10.0.0.1, conditions: { ready: "yes" } }]
ports: [{ port: 70000 }]
`);
    expect(slice.diagnostics.map((d) => d.message)).toEqual([
      'examples/app.yaml document 0: EndpointSlice s: addressType is required; endpoints[0].addresses must be a list, not the string "10.0.0.1"; endpoints[0].conditions.ready must be true or false, not the string "yes"; ports[0].port must be between 1 and 65535, not 70000',
    ]);
  });

  it('is deterministic: string maps come out sorted', () => {
    const r = parse(`apiVersion: v1
kind: Service
metadata: { name: web, labels: { z: "1", a: "2" } }
`);
    expect(Object.keys(r.objects[0]!.object.metadata.labels ?? {})).toEqual(['a', 'z']);
  });
});
