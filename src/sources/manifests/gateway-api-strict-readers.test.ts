/**
 * Every rule of the strict Gateway API reader (gateway-api-readers.ts, gateway-api-route-readers.ts,
 * gateway-api-fields.ts): a valid object of each kind reads without a problem, and each broken field is
 * reported with its full path. The watch uses the same reader (readKubeObject), so these cover it too.
 */
import type { GatewayApiKind } from '../../resources/gateway-api-types.js';
import { FieldReader, type Json } from './field-reader.js';
import { readKubeObject } from './kube-object-readers.js';
import { parseManifestFile } from './manifest-parser.js';

const VALID: Readonly<Record<GatewayApiKind, Json>> = {
  GatewayClass: { controllerName: 'causeway.dev/gateway', description: 'the edge' },
  Gateway: {
    gatewayClassName: 'causeway',
    listeners: [
      { name: 'http', port: 80, protocol: 'HTTP', hostname: '*.example.com' },
      {
        name: 'https',
        port: 443,
        protocol: 'HTTPS',
        tls: { mode: 'Terminate', certificateRefs: [{ name: 'cert' }] },
        allowedRoutes: {
          namespaces: { from: 'Selector', selector: { matchLabels: { a: 'b' } } },
          kinds: [{ kind: 'HTTPRoute' }],
        },
      },
    ],
    addresses: [{ type: 'IPAddress', value: '10.0.0.1' }],
  },
  HTTPRoute: {
    parentRefs: [{ name: 'edge', namespace: 'infra', sectionName: 'http', port: 80 }],
    hostnames: ['shop.example.com', '*.example.org'],
    rules: [
      {
        name: 'main',
        matches: [
          {
            path: { type: 'PathPrefix', value: '/api' },
            headers: [{ name: 'x-env', value: 'prod' }],
            queryParams: [{ type: 'Exact', name: 'q', value: '1' }],
            method: 'GET',
          },
        ],
        filters: [
          {
            type: 'RequestHeaderModifier',
            requestHeaderModifier: { set: [{ name: 'x-a', value: 'b' }], remove: ['x-c'] },
          },
          {
            type: 'URLRewrite',
            urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } },
          },
          { type: 'RequestMirror', requestMirror: { backendRef: { name: 'shadow', port: 80 }, percent: 10 } },
        ],
        backendRefs: [{ name: 'web', port: 8080, weight: 3 }],
        timeouts: { request: '10s', backendRequest: '500ms' },
      },
      { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
    ],
  },
  GRPCRoute: {
    parentRefs: [{ name: 'edge' }],
    rules: [
      {
        matches: [{ method: { service: 'echo.Echo', method: 'Ping' }, headers: [{ name: 'x', value: 'y' }] }],
        backendRefs: [{ name: 'grpc', port: 9000 }],
      },
    ],
  },
  TLSRoute: {
    parentRefs: [{ name: 'edge' }],
    hostnames: ['db.example.com'],
    rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }],
  },
  TCPRoute: { rules: [{ backendRefs: [{ name: 'db', port: 5432 }] }] },
  UDPRoute: { rules: [{ backendRefs: [{ name: 'dns', port: 53 }] }] },
  ReferenceGrant: {
    from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'shop' }],
    to: [{ group: '', kind: 'Service' }],
  },
};

/** Specs as tests poke at them: any shape. */
type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function problemsOf(kind: GatewayApiKind, spec: unknown): readonly string[] {
  const r = new FieldReader();
  const namespaced = kind === 'GatewayClass' ? {} : { namespace: 'shop' };
  readKubeObject(r, kind, { metadata: { name: 'x', ...namespaced }, spec });
  return r.problems;
}

/** A copy of VALID[kind] with `change` applied to it. */
function broken(kind: GatewayApiKind, change: (spec: Spec) => void): unknown {
  const spec = JSON.parse(JSON.stringify(VALID[kind])) as Spec;
  change(spec);
  return spec;
}

test.each(Object.keys(VALID) as GatewayApiKind[])(
  'a valid %s reads without a problem, spec as given',
  (kind) => {
    expect(problemsOf(kind, VALID[kind])).toEqual([]);
    const r = new FieldReader();
    const o = readKubeObject(r, kind, { metadata: { name: 'x' }, spec: VALID[kind], status: { a: 1 } });
    expect(o).toMatchObject({ kind, spec: VALID[kind] });
    expect(o).not.toHaveProperty('status');
  },
);

const CASES: readonly [GatewayApiKind, string, (s: Spec) => void, string][] = [
  [
    'GatewayClass',
    'controllerName missing',
    (s) => delete s.controllerName,
    'spec.controllerName is required',
  ],
  [
    'GatewayClass',
    'controllerName not a path',
    (s) => (s.controllerName = 'causeway'),
    'spec.controllerName "causeway" is not a controller name',
  ],
  [
    'GatewayClass',
    'parametersRef without name',
    (s) => (s.parametersRef = { group: 'example.com', kind: 'Config' }),
    'spec.parametersRef.name is required',
  ],
  [
    'GatewayClass',
    'description too long',
    (s) => (s.description = 'd'.repeat(65)),
    'spec.description is longer than 64 characters',
  ],
  [
    'Gateway',
    'gatewayClassName missing',
    (s) => delete s.gatewayClassName,
    'spec.gatewayClassName is required',
  ],
  ['Gateway', 'no listener', (s) => (s.listeners = []), 'spec.listeners needs at least 1 item(s)'],
  [
    'Gateway',
    '65 listeners',
    (s) =>
      (s.listeners = Array.from({ length: 65 }, (_, i) => ({ name: `l${i}`, port: 80, protocol: 'HTTP' }))),
    'spec.listeners has 65 items, at most 64',
  ],
  [
    'Gateway',
    'listener port 0',
    (s) => (s.listeners[0].port = 0),
    'spec.listeners[0].port must be between 1 and 65535, not 0',
  ],
  [
    'Gateway',
    'listener port 65536',
    (s) => (s.listeners[0].port = 65536),
    'spec.listeners[0].port must be between 1 and 65535, not 65536',
  ],
  [
    'Gateway',
    'listener port as a string',
    (s) => (s.listeners[0].port = '80'),
    'spec.listeners[0].port must be a number, not the string "80"',
  ],
  [
    'Gateway',
    'listener without port',
    (s) => delete s.listeners[0].port,
    'spec.listeners[0].port is required',
  ],
  [
    'Gateway',
    'listener without protocol',
    (s) => delete s.listeners[0].protocol,
    'spec.listeners[0].protocol is required',
  ],
  [
    'Gateway',
    'listener name invalid',
    (s) => (s.listeners[0].name = 'HTTP_1'),
    'spec.listeners[0].name "HTTP_1" is not a valid name',
  ],
  [
    'Gateway',
    'listener names repeated',
    (s) => (s.listeners[1].name = 'http'),
    'spec.listeners[1].name "http" is the name of an earlier listener',
  ],
  [
    'Gateway',
    'listener hostname an IP',
    (s) => (s.listeners[0].hostname = '10.0.0.1'),
    'spec.listeners[0].hostname "10.0.0.1" is an IP address, not a hostname',
  ],
  [
    'Gateway',
    'listener hostname with a middle wildcard',
    (s) => (s.listeners[0].hostname = 'a.*.com'),
    'spec.listeners[0].hostname "a.*.com" is not a valid hostname',
  ],
  [
    'Gateway',
    'tls mode unknown',
    (s) => (s.listeners[1].tls.mode = 'Mutual'),
    'spec.listeners[1].tls.mode must be one of Terminate, Passthrough, not "Mutual"',
  ],
  [
    'Gateway',
    'certificateRef without name',
    (s) => (s.listeners[1].tls.certificateRefs = [{ kind: 'Secret' }]),
    'spec.listeners[1].tls.certificateRefs[0].name is required',
  ],
  [
    'Gateway',
    'allowedRoutes from unknown',
    (s) => (s.listeners[1].allowedRoutes.namespaces.from = 'Some'),
    'spec.listeners[1].allowedRoutes.namespaces.from must be one of All, Same, Selector, None',
  ],
  [
    'Gateway',
    'Selector without selector',
    (s) => delete s.listeners[1].allowedRoutes.namespaces.selector,
    'spec.listeners[1].allowedRoutes.namespaces.selector is required when from is Selector',
  ],
  [
    'Gateway',
    'allowed kind without kind',
    (s) => (s.listeners[1].allowedRoutes.kinds = [{ group: 'gateway.networking.k8s.io' }]),
    'spec.listeners[1].allowedRoutes.kinds[0].kind is required',
  ],
  [
    'Gateway',
    '17 addresses',
    (s) => (s.addresses = Array.from({ length: 17 }, () => ({ value: '10.0.0.1' }))),
    'spec.addresses has 17 items, at most 16',
  ],
  [
    'HTTPRoute',
    'parentRef without name',
    (s) => (s.parentRefs = [{ namespace: 'infra' }]),
    'spec.parentRefs[0].name is required',
  ],
  [
    'HTTPRoute',
    'parentRef port 70000',
    (s) => (s.parentRefs[0].port = 70000),
    'spec.parentRefs[0].port must be between 1 and 65535',
  ],
  [
    'HTTPRoute',
    '33 parentRefs',
    (s) => (s.parentRefs = Array.from({ length: 33 }, () => ({ name: 'edge' }))),
    'spec.parentRefs has 33 items, at most 32',
  ],
  [
    'HTTPRoute',
    'hostname upper case',
    (s) => (s.hostnames = ['Shop.example.com']),
    'spec.hostnames[0] "Shop.example.com" is not a valid hostname',
  ],
  [
    'HTTPRoute',
    'hostname an IP',
    (s) => (s.hostnames = ['::1']),
    'spec.hostnames[0] "::1" is an IP address, not a hostname',
  ],
  [
    'HTTPRoute',
    '17 hostnames',
    (s) => (s.hostnames = Array.from({ length: 17 }, (_, i) => `h${i}.example.com`)),
    'spec.hostnames has 17 items, at most 16',
  ],
  [
    'HTTPRoute',
    '17 rules',
    (s) => (s.rules = Array.from({ length: 17 }, () => ({}))),
    'spec.rules has 17 items, at most 16',
  ],
  [
    'HTTPRoute',
    'path type unknown',
    (s) => (s.rules[0].matches[0].path.type = 'Glob'),
    'spec.rules[0].matches[0].path.type must be one of Exact, PathPrefix, RegularExpression',
  ],
  [
    'HTTPRoute',
    'relative path',
    (s) => (s.rules[0].matches[0].path.value = 'api'),
    'spec.rules[0].matches[0].path.value "api" must start with "/"',
  ],
  [
    'HTTPRoute',
    'path with //',
    (s) => (s.rules[0].matches[0].path.value = '/a//b'),
    'spec.rules[0].matches[0].path.value "/a//b" must not contain "//"',
  ],
  [
    'HTTPRoute',
    'path ending in /..',
    (s) => (s.rules[0].matches[0].path.value = '/a/..'),
    'must not end with "/.." or "/."',
  ],
  [
    'HTTPRoute',
    'path with a space',
    (s) => (s.rules[0].matches[0].path.value = '/a b'),
    'spec.rules[0].matches[0].path.value "/a b" has characters a path may not hold',
  ],
  [
    'HTTPRoute',
    'header name with a colon',
    (s) => (s.rules[0].matches[0].headers[0].name = 'x:y'),
    'spec.rules[0].matches[0].headers[0].name "x:y" is not a valid header name',
  ],
  [
    'HTTPRoute',
    'header match without value',
    (s) => delete s.rules[0].matches[0].headers[0].value,
    'spec.rules[0].matches[0].headers[0].value is required',
  ],
  [
    'HTTPRoute',
    'method unknown',
    (s) => (s.rules[0].matches[0].method = 'FETCH'),
    'spec.rules[0].matches[0].method must be one of GET',
  ],
  [
    'HTTPRoute',
    '129 matches over the rules',
    (s) => (s.rules = [0, 1, 2].map(() => ({ matches: Array.from({ length: 43 }, () => ({})) }))),
    'spec.rules hold 129 matches, at most 128',
  ],
  [
    'HTTPRoute',
    'filter type unknown',
    (s) => (s.rules[0].filters = [{ type: 'Gzip' }]),
    'spec.rules[0].filters[0].type must be one of RequestHeaderModifier',
  ],
  [
    'HTTPRoute',
    "filter without its type's field",
    (s) => (s.rules[0].filters = [{ type: 'RequestHeaderModifier' }]),
    'spec.rules[0].filters[0].requestHeaderModifier is required when type is RequestHeaderModifier',
  ],
  [
    'HTTPRoute',
    "another type's field",
    (s) => (s.rules[0].filters[0].urlRewrite = {}),
    'spec.rules[0].filters[0].urlRewrite must not be given when type is RequestHeaderModifier',
  ],
  [
    'HTTPRoute',
    'repeated header modifier',
    (s) => s.rules[0].filters.push(s.rules[0].filters[0]),
    'spec.rules[0].filters[3] repeats the RequestHeaderModifier filter',
  ],
  [
    'HTTPRoute',
    'redirect and rewrite',
    (s) => s.rules[0].filters.push({ type: 'RequestRedirect', requestRedirect: {} }),
    'spec.rules[0].filters may hold RequestRedirect or URLRewrite, not both',
  ],
  [
    'HTTPRoute',
    'redirect with backends',
    (s) => (s.rules[1].backendRefs = [{ name: 'web', port: 80 }]),
    'spec.rules[1].filters a RequestRedirect filter cannot be used together with backendRefs',
  ],
  [
    'HTTPRoute',
    'redirect status 304',
    (s) => (s.rules[1].filters[0].requestRedirect.statusCode = 304),
    'spec.rules[1].filters[0].requestRedirect.statusCode must be one of 301, 302, 303, 307, 308, not 304',
  ],
  [
    'HTTPRoute',
    'redirect scheme ftp',
    (s) => (s.rules[1].filters[0].requestRedirect.scheme = 'ftp'),
    'spec.rules[1].filters[0].requestRedirect.scheme must be one of http, https',
  ],
  [
    'HTTPRoute',
    'rewrite path without its value',
    (s) => delete s.rules[0].filters[1].urlRewrite.path.replacePrefixMatch,
    'spec.rules[0].filters[1].urlRewrite.path.replacePrefixMatch is required when type is ReplacePrefixMatch',
  ],
  [
    'HTTPRoute',
    'mirror percent and fraction',
    (s) => (s.rules[0].filters[2].requestMirror.fraction = { numerator: 1 }),
    'spec.rules[0].filters[2].requestMirror.fraction and percent cannot both be given',
  ],
  [
    'HTTPRoute',
    'mirror percent 101',
    (s) => (s.rules[0].filters[2].requestMirror.percent = 101),
    'requestMirror.percent must be between 0 and 100, not 101',
  ],
  [
    'HTTPRoute',
    'header filter remove invalid',
    (s) => (s.rules[0].filters[0].requestHeaderModifier.remove = ['a b']),
    'spec.rules[0].filters[0].requestHeaderModifier.remove[0] "a b" is not a valid header name',
  ],
  [
    'HTTPRoute',
    '17 header sets',
    (s) =>
      (s.rules[0].filters[0].requestHeaderModifier.set = Array.from({ length: 17 }, (_, i) => ({
        name: `h${i}`,
        value: 'v',
      }))),
    'requestHeaderModifier.set has 17 items, at most 16',
  ],
  [
    'HTTPRoute',
    'backend without port',
    (s) => delete s.rules[0].backendRefs[0].port,
    'spec.rules[0].backendRefs[0].port is required',
  ],
  [
    'HTTPRoute',
    'backend weight over a million',
    (s) => (s.rules[0].backendRefs[0].weight = 1_000_001),
    'spec.rules[0].backendRefs[0].weight must be between 0 and 1000000',
  ],
  [
    'HTTPRoute',
    'backend namespace invalid',
    (s) => (s.rules[0].backendRefs[0].namespace = 'Shop'),
    'spec.rules[0].backendRefs[0].namespace "Shop" is not a valid namespace',
  ],
  [
    'HTTPRoute',
    '17 backends',
    (s) => (s.rules[0].backendRefs = Array.from({ length: 17 }, () => ({ name: 'web', port: 80 }))),
    'spec.rules[0].backendRefs has 17 items, at most 16',
  ],
  [
    'HTTPRoute',
    'timeout not a duration',
    (s) => (s.rules[0].timeouts.request = '10 seconds'),
    'spec.rules[0].timeouts.request "10 seconds" is not a duration',
  ],
  ['HTTPRoute', 'rules not a list', (s) => (s.rules = { a: 1 }), 'spec.rules must be a list, not a mapping'],
  [
    'GRPCRoute',
    'method match empty',
    (s) => (s.rules[0].matches[0].method = {}),
    'spec.rules[0].matches[0].method needs a service, a method or both',
  ],
  [
    'GRPCRoute',
    'service with a slash',
    (s) => (s.rules[0].matches[0].method.service = 'echo/Echo'),
    'spec.rules[0].matches[0].method.service "echo/Echo" is not a gRPC service name',
  ],
  [
    'GRPCRoute',
    'method type unknown',
    (s) => (s.rules[0].matches[0].method.type = 'Prefix'),
    'spec.rules[0].matches[0].method.type must be one of Exact, RegularExpression',
  ],
  [
    'GRPCRoute',
    'an HTTP-only filter',
    (s) => (s.rules[0].filters = [{ type: 'URLRewrite', urlRewrite: {} }]),
    'spec.rules[0].filters[0].type must be one of RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, ExtensionRef',
  ],
  ['TLSRoute', 'no hostnames', (s) => delete s.hostnames, 'spec.hostnames is required'],
  ['TLSRoute', 'two rules', (s) => s.rules.push(s.rules[0]), 'spec.rules has 2 items, at most 1'],
  ['TCPRoute', 'no rules', (s) => delete s.rules, 'spec.rules is required'],
  ['TCPRoute', 'rule without backends', (s) => (s.rules = [{}]), 'spec.rules[0].backendRefs is required'],
  [
    'UDPRoute',
    'backend port 0',
    (s) => (s.rules[0].backendRefs[0].port = 0),
    'spec.rules[0].backendRefs[0].port must be between 1 and 65535, not 0',
  ],
  [
    'UDPRoute',
    'hostnames on a UDPRoute',
    (s) => (s.hostnames = ['a.example.com']),
    'spec.hostnames is not a field of this kind',
  ],
  ['ReferenceGrant', 'empty from', (s) => (s.from = []), 'spec.from needs at least 1 item(s)'],
  [
    'ReferenceGrant',
    'from without namespace',
    (s) => delete s.from[0].namespace,
    'spec.from[0].namespace is required',
  ],
  ['ReferenceGrant', 'to without kind', (s) => delete s.to[0].kind, 'spec.to[0].kind is required'],
  [
    'ReferenceGrant',
    '17 to',
    (s) => (s.to = Array.from({ length: 17 }, () => ({ group: '', kind: 'Service' }))),
    'spec.to has 17 items, at most 16',
  ],
];

test.each(CASES)('%s: %s is reported', (kind, _what, change, message) => {
  const problems = problemsOf(kind, broken(kind, change));
  expect(problems.join('\n')).toContain(message);
});

test('a list over its limit is reported without reading its items (hostile input stays cheap)', () => {
  const items = Array.from({ length: 100_000 }, () => ({ port: 'not a number' }));
  const problems = problemsOf('Gateway', { gatewayClassName: 'c', listeners: items });
  expect(problems).toEqual(['spec.listeners has 100000 items, at most 64']);
});

test('a bad route in a manifest file is reported on its object; the valid one next to it is read', () => {
  const text = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: bad, namespace: shop }
spec: { rules: [{ backendRefs: [{ name: web, port: 0 }] }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: good, namespace: shop }
spec: { rules: [{ backendRefs: [{ name: web, port: 80 }] }] }
`;
  const parsed = parseManifestFile('routes.yaml', text, 'local');
  expect(parsed.objects.map((o) => o.object.metadata.name)).toEqual(['good']);
  expect(parsed.diagnostics.map((d) => [d.code, d.object.kind, d.object.name, d.message])).toEqual([
    [
      'CW_E_MANIFEST_OBJECT',
      'HTTPRoute',
      'bad',
      'routes.yaml document 0: HTTPRoute bad: spec.rules[0].backendRefs[0].port must be between 1 and 65535, not 0',
    ],
  ]);
});
