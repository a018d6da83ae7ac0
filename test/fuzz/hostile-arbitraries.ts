/**
 * fast-check generators of hostile manifests: Ingresses, Services, EndpointSlices, TLS Secrets and
 * annotation values as a careless user or an attacker would write them (lone UTF-16 surrogates,
 * control characters, very long values, addresses that are not IPs, PEM private keys in certificate
 * fields, out-of-range ports). Every generated object lives in the `hostile` namespace and is newer than
 * the healthy objects of fuzz-scenario.ts, so it can never legitimately take anything from them.
 */
import fc from 'fast-check';
import { ANNOTATIONS } from '../../src/translate/annotations.js';

export type Doc = Record<string, unknown>;

export const HOSTILE_NAMESPACE = 'hostile';

/** Strings that broke, or could break, a translator or Envoy. */
const NASTY: readonly string[] = [
  '',
  ' ',
  '\uD800',
  'a\uDFFFb',
  '\u0000',
  'a\r\nb: c',
  '\u202Eevil',
  '%00',
  '../../etc/passwd',
  '*',
  '*.*',
  '^[^.+',
  '(a+)+$',
  '0',
  '-1',
  '99999999999999999999',
  '1e309',
  'NaN',
  'true',
  '10s',
  '-5s',
  'not-an-ip',
  '999.1.1.1',
  '10.0.0.1/24',
  '::ffff:10.0.0.1',
  'fe80::1%eth0',
  '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n',
];

/** Any string: nasty ones, arbitrary code points (surrogates included), long runs. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 300, maxLength: 3000 }) },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(64), 'a'.repeat(254), 'a'.repeat(70_000)) },
);

/** Mostly `valid`, sometimes `hostile`: most of an object stays usable, so its hostile parts reach the gateway. */
function mostly<T>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: hostile });
}

/** A few shared names (so Ingresses, Services, slices and Secrets refer to each other), or anything. */
const name = mostly(
  fc.constantFrom('web', 'api'),
  fc.oneof(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), hostileString),
);

const portName = mostly(fc.constant('http'), hostileString);

const port = mostly(
  fc.constant(80),
  fc.oneof(
    fc.constantFrom(8080, 0, -1, 65535, 65536, 1.5, Number.MAX_SAFE_INTEGER),
    fc.integer({ min: 1, max: 65535 }),
  ),
);

const host = mostly(
  fc.constantFrom('a.example', '*.example', 'healthy.example', 'UPPER.example'),
  fc.oneof(fc.constantFrom('*', 'x.*.example', '*.*'), fc.domain(), hostileString),
);

const path = mostly(
  fc.constantFrom('/', '/a', '/a/'),
  fc.oneof(
    fc.constantFrom('//', '/a b', '/\u0000', '/%2F', '/..', '/a?b=c', '/a#b', 'no-slash'),
    fc.webPath(),
    hostileString,
  ),
);

const address = mostly(fc.oneof(fc.ipV4(), fc.constant('10.244.0.30')), fc.oneof(fc.ipV6(), hostileString));

/** Annotations: Causeway's own with hostile values, and a few unknown keys. */
const annotations: fc.Arbitrary<Record<string, string>> = fc
  .array(
    fc.tuple(fc.constantFrom(...ANNOTATIONS.map((a) => a.name), 'causeway.dev/unknown', 'x'), hostileString),
    {
      maxLength: 3,
    },
  )
  .map((pairs) => Object.fromEntries(pairs));

const metadata: fc.Arbitrary<Doc> = fc.record({
  name,
  namespace: fc.constant(HOSTILE_NAMESPACE),
  creationTimestamp: fc.constant('2030-01-01T00:00:00Z'),
  annotations: mostly(fc.constant({}), annotations),
});

const backend: fc.Arbitrary<Doc> = fc.record({
  service: fc.record({
    name,
    port: mostly(
      fc.constant({ name: 'http' }),
      fc.oneof(fc.record({ number: port }), fc.record({ name: portName })),
    ),
  }),
});

const ingressPath: fc.Arbitrary<Doc> = fc.record({
  path,
  pathType: mostly(
    fc.constantFrom('Prefix', 'Exact'),
    fc.constantFrom('ImplementationSpecific', 'Regex', ''),
  ),
  backend,
});

const ingress: fc.Arbitrary<Doc> = fc.record({
  apiVersion: fc.constant('networking.k8s.io/v1'),
  kind: fc.constant('Ingress'),
  metadata,
  spec: fc.record(
    {
      defaultBackend: backend,
      rules: fc.array(
        fc.record({
          host,
          http: fc.record({ paths: fc.array(ingressPath, { minLength: 1, maxLength: 3 }) }),
        }),
        {
          minLength: 1,
          maxLength: 3,
        },
      ),
      tls: fc.array(fc.record({ hosts: fc.array(host, { maxLength: 2 }), secretName: name }), {
        maxLength: 2,
      }),
    },
    { requiredKeys: ['rules'] },
  ),
});

const service: fc.Arbitrary<Doc> = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Service'),
  metadata,
  spec: fc.record({
    ports: fc.array(fc.record({ name: portName, port, protocol: fc.constant('TCP') }), {
      minLength: 1,
      maxLength: 2,
    }),
  }),
});

const endpoint: fc.Arbitrary<Doc> = fc.record(
  {
    addresses: fc.array(address, { minLength: 1, maxLength: 2 }),
    conditions: mostly<Doc>(
      fc.constant({ ready: true }),
      fc.record({ ready: fc.boolean(), serving: fc.boolean(), terminating: fc.boolean() }),
    ),
    zone: mostly(fc.constant('zone-a'), hostileString),
    nodeName: mostly(fc.constant('node-1'), hostileString),
  },
  { requiredKeys: ['addresses', 'conditions'] },
);

const endpointSlice: fc.Arbitrary<Doc> = fc.record({
  apiVersion: fc.constant('discovery.k8s.io/v1'),
  kind: fc.constant('EndpointSlice'),
  metadata: fc
    .tuple(metadata, name)
    .map(([m, svc]) => ({ ...m, labels: { 'kubernetes.io/service-name': svc } })),
  addressType: mostly(fc.constant('IPv4'), fc.constantFrom('IPv6', 'FQDN', 'bogus')),
  endpoints: fc.array(endpoint, { minLength: 1, maxLength: 3 }),
  ports: fc.array(fc.record({ name: portName, port: mostly(fc.constant(8080), port) }), {
    minLength: 1,
    maxLength: 2,
  }),
});

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** TLS Secrets whose certificate and key are garbage, empty, or a certificate with a key appended. */
export function tlsSecret(validPair: { readonly cert: string; readonly key: string }): fc.Arbitrary<Doc> {
  const pem = fc.oneof(
    fc.constant(validPair.cert),
    fc.constant(`${validPair.cert}${validPair.key}`),
    fc.constant(validPair.key),
    hostileString,
  );
  return fc.record({
    apiVersion: fc.constant('v1'),
    kind: fc.constant('Secret'),
    metadata,
    type: fc.constant('kubernetes.io/tls'),
    data: fc.record({ 'tls.crt': pem.map(base64), 'tls.key': pem.map(base64) }),
  });
}

/**
 * An Ingress, its Service and an EndpointSlice of it that refer to each other (the same name), each
 * with some hostile fields: the shape that carries hostile values all the way into a gateway's config.
 */
const linkedBundle: fc.Arbitrary<Doc[]> = fc
  .tuple(fc.constantFrom('web', 'api', 'db'), ingress, service, endpointSlice)
  .map(([shared, ing, svc, slice]) => {
    const meta = (d: Doc): Doc => ({ ...(d['metadata'] as Doc), name: shared });
    const spec = ing['spec'] as Doc;
    const rules = (spec['rules'] as Doc[]).map((r) => ({
      ...r,
      http: {
        paths: ((r['http'] as Doc)['paths'] as Doc[]).map((p) => ({
          ...p,
          backend: { service: { name: shared, port: ((p['backend'] as Doc)['service'] as Doc)['port'] } },
        })),
      },
    }));
    const sliceMeta = slice['metadata'] as Doc;
    return [
      { ...ing, metadata: meta(ing), spec: { ...spec, rules } },
      { ...svc, metadata: meta(svc) },
      { ...slice, metadata: { ...sliceMeta, labels: { 'kubernetes.io/service-name': shared } } },
    ];
  });

/** A case: one or two linked bundles and a few more hostile objects of every kind. */
export function hostileObjects(validPair: {
  readonly cert: string;
  readonly key: string;
}): fc.Arbitrary<Doc[]> {
  return fc
    .tuple(
      fc.array(linkedBundle, { minLength: 1, maxLength: 2 }),
      fc.array(fc.oneof(ingress, service, endpointSlice, tlsSecret(validPair)), { maxLength: 4 }),
    )
    .map(([bundles, loose]) => [...bundles.flat(), ...loose]);
}
