/**
 * The backend protocol annotations and their reader: values and limits, the precedence of
 * `causeway.dev/backend-protocol` over `appProtocol`, and the safe outcomes of TLS without a CA.
 */
import type { Diagnostic, ObjectRef } from '../../errors.js';
import type { IngressEntries } from '../../ingress/ingress-reader.js';
import type { Service, ServicePort } from '../../resources/kube-types.js';
import {
  BACKEND_TLS_CA_SECRET,
  BACKEND_TLS_VERIFY,
  parseBackendProtocol,
  parseDnsName,
} from './backend-tls-annotations.js';
import {
  appProtocolOf,
  readBackendTransport,
  reportBackendAnnotationsOnIngress,
  type TrustedCaLookup,
} from './backend-tls.js';

function svc(annotations: Record<string, string>, ports: readonly ServicePort[] = [{ port: 443 }]): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'shop', annotations },
    spec: { ports },
  };
}

/** A CA lookup that knows `shop/good-ca` only, recording every ask. */
function lookup(asked: string[] = []): TrustedCaLookup {
  return (secret: string, service: ObjectRef) => {
    asked.push(`${secret} for ${service.kind}/${service.namespace}/${service.name}`);
    return secret === 'shop/good-ca' ? 'ca/shop/good-ca' : undefined;
  };
}

function read(
  annotations: Record<string, string>,
  ports?: readonly ServicePort[],
  port = 443,
): { readonly transport: ReturnType<typeof readBackendTransport>; readonly diags: Diagnostic[] } {
  const diags: Diagnostic[] = [];
  const transport = readBackendTransport(
    svc(annotations, ports),
    { namespace: 'shop', name: 'web', port },
    lookup(),
    diags,
  );
  return { transport, diags };
}

const codes = (diags: readonly Diagnostic[]): string[] => diags.map((d) => d.code);

test('backend-protocol takes the five values in any case and refuses others', () => {
  for (const v of ['HTTP', 'https', 'Grpc', 'GRPCS', 'h2c', ' HTTPS '])
    expect(parseBackendProtocol(v)).toEqual({ ok: true, value: v.trim().toUpperCase() });
  for (const v of ['HTTP2', 'FCGI', 'AUTO_HTTP', 'tls', ''])
    expect(parseBackendProtocol(v)).toMatchObject({ ok: false });
});

test('the SNI is a DNS name: lowercased, no wildcard, no IP, at most 253 characters, labels at most 63', () => {
  expect(parseDnsName('API.Internal.example.com')).toEqual({ ok: true, value: 'api.internal.example.com' });
  expect(parseDnsName('web.shop.svc')).toEqual({ ok: true, value: 'web.shop.svc' });
  expect(parseDnsName('localhost')).toEqual({ ok: true, value: 'localhost' });
  const long = `${'a'.repeat(63)}.`.repeat(3) + 'b'.repeat(61);
  expect(long.length).toBe(253);
  expect(parseDnsName(long)).toMatchObject({ ok: true });
  for (const bad of [
    '*.example.com',
    '10.0.0.1',
    'a..b',
    'a.b.',
    '-a.b',
    'a_b.c',
    'a b',
    `${long}c`,
    `${'a'.repeat(64)}.com`,
  ])
    expect(parseDnsName(bad)).toMatchObject({ ok: false });
});

test('the CA Secret is a Kubernetes name and verify a boolean', () => {
  expect(BACKEND_TLS_CA_SECRET.parse('backend-ca')).toEqual({ ok: true, value: 'backend-ca' });
  expect(BACKEND_TLS_CA_SECRET.parse('Backend_CA')).toMatchObject({ ok: false });
  expect(BACKEND_TLS_CA_SECRET.parse('shop/backend-ca')).toMatchObject({ ok: false });
  expect(BACKEND_TLS_VERIFY.parse('false')).toEqual({ ok: true, value: false });
  expect(BACKEND_TLS_VERIFY.parse('no')).toMatchObject({ ok: false });
});

test('appProtocol values understood (case-insensitive); others mean nothing', () => {
  expect(appProtocolOf('kubernetes.io/h2c')).toBe('H2C');
  expect(appProtocolOf('h2c')).toBe('H2C');
  expect(appProtocolOf('GRPC')).toBe('GRPC');
  expect(appProtocolOf('https')).toBe('HTTPS');
  expect(appProtocolOf('kubernetes.io/wss')).toBe('HTTPS');
  expect(appProtocolOf('kubernetes.io/ws')).toBe('HTTP');
  expect(appProtocolOf('http')).toBe('HTTP');
  expect(appProtocolOf('mysql')).toBeUndefined();
  expect(appProtocolOf(undefined)).toBeUndefined();
});

test('precedence: the annotation, else the port appProtocol, else HTTP/1.1', () => {
  const h2cPort = [{ port: 443, appProtocol: 'kubernetes.io/h2c' }];
  expect(read({}, h2cPort).transport).toEqual({ ok: true, protocol: 'http2' });
  expect(read({ 'causeway.dev/backend-protocol': 'HTTP' }, h2cPort).transport).toEqual({
    ok: true,
    protocol: 'http1',
  });
  expect(read({}, [{ port: 443 }]).transport).toEqual({ ok: true, protocol: 'http1' });
  expect(read({ 'causeway.dev/backend-protocol': 'GRPC' }).transport).toEqual({
    ok: true,
    protocol: 'http2',
  });
  // A bad value falls back to the port's appProtocol, with a diagnostic naming the annotation.
  const bad = read({ 'causeway.dev/backend-protocol': 'HTTP3' }, h2cPort);
  expect(bad.transport).toEqual({ ok: true, protocol: 'http2' });
  expect(bad.diags[0]?.message).toMatch(/^annotation causeway\.dev\/backend-protocol: "HTTP3" is not one of/);
});

test('HTTPS with a CA: verified against it with the default SNI <service>.<namespace>.svc', () => {
  const r = read({
    'causeway.dev/backend-protocol': 'HTTPS',
    'causeway.dev/backend-tls-ca-secret': 'good-ca',
  });
  expect(r.transport).toEqual({
    ok: true,
    protocol: 'http1',
    tls: { verify: true, sni: 'web.shop.svc', caSecret: 'ca/shop/good-ca' },
  });
  expect(r.diags).toEqual([]);
});

test('GRPCS with an SNI: HTTP/2 over TLS, the SNI is also the name verified', () => {
  const r = read({
    'causeway.dev/backend-protocol': 'GRPCS',
    'causeway.dev/backend-tls-ca-secret': 'good-ca',
    'causeway.dev/backend-tls-sni': 'Grpc.Example.com',
  });
  expect(r.transport).toEqual({
    ok: true,
    protocol: 'http2',
    tls: { verify: true, sni: 'grpc.example.com', caSecret: 'ca/shop/good-ca' },
  });
});

test('HTTPS without a CA (or with a bad CA name) is refused with BackendTLSNoCA naming the annotations', () => {
  const none = read({ 'causeway.dev/backend-protocol': 'HTTPS' });
  expect(none.transport).toEqual({ ok: false });
  expect(codes(none.diags)).toEqual(['CW_E_BACKEND_TLS_NO_CA']);
  expect(none.diags[0]!.message).toContain('add causeway.dev/backend-tls-ca-secret');
  expect(none.diags[0]!.message).toContain('causeway.dev/backend-tls-verify: "false"');
  expect(none.diags[0]!.object).toEqual({ kind: 'Service', namespace: 'shop', name: 'web' });
  // appProtocol https alone also means TLS: refused the same way.
  expect(read({}, [{ port: 443, appProtocol: 'https' }]).transport).toEqual({ ok: false });
  const badName = read({
    'causeway.dev/backend-protocol': 'HTTPS',
    'causeway.dev/backend-tls-ca-secret': 'A_B',
  });
  expect(badName.transport).toEqual({ ok: false });
  expect(codes(badName.diags)).toEqual(['CW_E_ANNOTATION_INVALID', 'CW_E_BACKEND_TLS_NO_CA']);
});

test('a CA Secret the lookup cannot use refuses the backend (the lookup reports why)', () => {
  const asked: string[] = [];
  const diags: Diagnostic[] = [];
  const t = readBackendTransport(
    svc({ 'causeway.dev/backend-protocol': 'HTTPS', 'causeway.dev/backend-tls-ca-secret': 'other-ca' }),
    { namespace: 'shop', name: 'web', port: 443 },
    lookup(asked),
    diags,
  );
  expect(t).toEqual({ ok: false });
  expect(asked).toEqual(['shop/other-ca for Service/shop/web']);
});

test('verify "false": TLS without verification, a warning every read, the CA ignored', () => {
  const r = read({
    'causeway.dev/backend-protocol': 'HTTPS',
    'causeway.dev/backend-tls-verify': 'false',
    'causeway.dev/backend-tls-ca-secret': 'good-ca',
  });
  expect(r.transport).toEqual({ ok: true, protocol: 'http1', tls: { verify: false, sni: 'web.shop.svc' } });
  expect(r.diags.map((d) => [d.code, d.severity])).toEqual([['CW_E_BACKEND_TLS_UNVERIFIED', 'warning']]);
  expect(r.diags[0]!.message).toContain('backend-tls-ca-secret is ignored');
  // A bad verify value keeps verification on.
  const bad = read({
    'causeway.dev/backend-protocol': 'HTTPS',
    'causeway.dev/backend-tls-verify': 'nope',
    'causeway.dev/backend-tls-ca-secret': 'good-ca',
  });
  expect(bad.transport).toMatchObject({ ok: true, tls: { verify: true } });
});

test('an unusable default SNI (a Service name too long for DNS) refuses the backend', () => {
  const diags: Diagnostic[] = [];
  const t = readBackendTransport(
    svc({ 'causeway.dev/backend-protocol': 'HTTPS', 'causeway.dev/backend-tls-verify': 'false' }),
    { namespace: 'shop', name: 'w'.repeat(250), port: 443 },
    lookup(),
    diags,
  );
  expect(t).toEqual({ ok: false });
  expect(diags[0]?.message).toMatch(/^annotation causeway\.dev\/backend-tls-sni: unset, and the default/);
});

test('TLS annotations are reported as ignored only when no port of the Service speaks TLS', () => {
  const tlsAnnotations = {
    'causeway.dev/backend-tls-ca-secret': 'good-ca',
    'causeway.dev/backend-tls-sni': 'x.y',
  };
  const cleartext = read(tlsAnnotations, [{ port: 80 }], 80);
  expect(cleartext.transport).toEqual({ ok: true, protocol: 'http1' });
  expect(cleartext.diags.map((d) => d.message)).toEqual([
    "annotation causeway.dev/backend-tls-ca-secret: the Service's backend protocol is neither HTTPS nor GRPCS; ignored",
    "annotation causeway.dev/backend-tls-sni: the Service's backend protocol is neither HTTPS nor GRPCS; ignored",
  ]);
  // The cleartext port of a Service whose other port is HTTPS: nothing to report.
  const mixed = read(tlsAnnotations, [{ port: 80 }, { port: 443, appProtocol: 'https' }], 80);
  expect(mixed).toEqual({ transport: { ok: true, protocol: 'http1' }, diags: [] });
});

test('backend annotations on an Ingress are reported there as ignored', () => {
  const diags: Diagnostic[] = [];
  const diagRef = { kind: 'Ingress', namespace: 'shop', name: 'web' };
  const owner = {
    ingress: {
      object: {
        metadata: {
          name: 'web',
          annotations: { 'causeway.dev/backend-protocol': 'HTTPS', 'causeway.dev/idle-timeout': '5s' },
        },
      },
    },
    diagRef,
  } as unknown as IngressEntries;
  reportBackendAnnotationsOnIngress(owner, diags);
  expect(diags).toEqual([
    expect.objectContaining({
      code: 'CW_E_ANNOTATION_INVALID',
      object: diagRef,
      message:
        'annotation causeway.dev/backend-protocol: read on the backend Service, not on the Ingress; ignored (annotate the Service)',
    }),
  ]);
});
