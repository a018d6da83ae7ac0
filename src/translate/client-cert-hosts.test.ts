/**
 * Client-certificate settings per host through the whole translation: the Ingress owning the host's
 * certificate decides for every route of the host (an Ingress without them does not turn them off,
 * another asking the same is covered, one asking otherwise gets CW_E_CLIENT_CERT_CONFLICT and its own
 * routes answer 403, never the host's other routes); a protected host is left out of the default
 * certificate's chain; and mayFallThrough's rule for a concrete host under a protected wildcard.
 */
import type { KubeObject } from '../resources/kube-types.js';
import type { IngressEntries } from '../ingress/ingress-reader.js';
import { SECRETS, tlsIngress, tlsSecret, CA } from './testdata/client-cert-fixtures.js';
import { DEFAULT_CLASS, shopService, translateForPolicies } from './testdata/policy-fixtures.js';
import { mayFallThrough, type HostClientCert } from './client-cert-hosts.js';

/** tlsIngress created on day `day` of 2024 (the oldest wins). */
function aged(day: number, name: string, annotations: Record<string, string>): KubeObject {
  const ing = tlsIngress(name, annotations);
  const metadata = { ...ing.metadata, creationTimestamp: `2024-01-0${day}T00:00:00Z` };
  return { ...ing, metadata } as KubeObject;
}

function run(...ingresses: KubeObject[]): ReturnType<typeof translateForPolicies> {
  return translateForPolicies([
    DEFAULT_CLASS,
    shopService(),
    ...SECRETS,
    tlsSecret('other-ca', { 'ca.crt': CA, 'tls.crt': '', 'tls.key': '' }),
    ...ingresses,
  ]);
}

const SECRET = 'causeway.dev/auth-tls-secret';

test("the certificate's owner decides for every route of the host; another setting refuses only its own routes", () => {
  const { group, messages } = run(
    aged(1, 'owner', { [SECRET]: 'client-ca', 'causeway.dev/auth-tls-verify-client': 'optional' }),
    aged(2, 'plain', {}),
    aged(3, 'other', { [SECRET]: 'other-ca' }),
    aged(4, 'same', { [SECRET]: 'client-ca', 'causeway.dev/auth-tls-verify-client': 'optional' }),
  );
  expect(messages).toEqual([
    'CW_E_CLIENT_CERT_CONFLICT other: host "shop.example.com" has the TLS certificate of Ingress shop/owner, which alone sets its client-certificate settings (others than these); this Ingress\'s routes on it answer 403',
  ]);
  const chains = group.https!.filterChains;
  expect(chains).toHaveLength(1);
  expect(chains[0]!.clientCert).toMatchObject({ caSecret: 'ca/shop/client-ca', mode: 'optional' });
  const routes = chains[0]!.virtualHosts.flatMap((v) => v.routes);
  const kinds = Object.fromEntries(routes.map((r) => [r.source.name, r.action.kind]));
  expect(kinds).toEqual({ owner: 'forward', plain: 'forward', other: 'direct', same: 'forward' });
  // Plain HTTP never reaches them (no ssl-redirect: 403).
  const http = group.http.virtualHosts.find((v) => v.name === 'shop.example.com')!;
  expect(http.routes.map((r) => r.action.kind)).toEqual(['direct']);
});

test("an Ingress that does not own the host's certificate cannot close the host's other routes", () => {
  const { group, messages } = run(aged(1, 'owner', {}), aged(2, 'intruder', { [SECRET]: 'other-ca' }));
  expect(messages).toEqual([
    'CW_E_CLIENT_CERT_CONFLICT intruder: host "shop.example.com" has the TLS certificate of Ingress shop/owner, which alone sets its client-certificate settings (none); this Ingress\'s routes on it answer 403',
  ]);
  const chains = group.https!.filterChains;
  expect(chains.map((c) => c.clientCert)).toEqual([undefined]);
  const kinds = Object.fromEntries(
    chains[0]!.virtualHosts.flatMap((v) => v.routes).map((r) => [r.source.name, r.action.kind]),
  );
  expect(kinds).toEqual({ owner: 'forward', intruder: 'direct' });
});

test("a protected host is not on the default certificate's chain (clients without its SNI)", () => {
  const withDefault = (ing: KubeObject): KubeObject => {
    const spec = (ing as unknown as { spec: { tls: object[] } }).spec;
    return { ...ing, spec: { ...spec, tls: [...spec.tls, { secretName: 'shop-tls' }] } } as KubeObject;
  };
  const fallbackHosts = (annotations: Record<string, string>): string[] => {
    const { group } = run(withDefault(aged(1, 'a', annotations)));
    const fallback = group.https!.filterChains.find((c) => c.name === 'https/default')!;
    expect(fallback.clientCert).toBeUndefined();
    return fallback.virtualHosts.map((v) => v.name);
  };
  expect(fallbackHosts({})).toEqual(['shop.example.com']);
  expect(fallbackHosts({ [SECRET]: 'client-ca' })).toEqual([]);
});

describe('mayFallThrough', () => {
  const owner = {} as IngressEntries;
  const verify = (caSecret: string): HostClientCert => ({
    kind: 'verify',
    owner,
    clientCert: { caSecret, mode: 'on', verifyDepth: 1, passCertificate: false },
  });
  const hosts = new Map<string, HostClientCert>([
    ['*.example.com', verify('ca/a/ca')],
    ['same.example.com', verify('ca/a/ca')],
    ['other.example.com', verify('ca/b/ca')],
    ['refused.example.com', { kind: 'refuse', owner }],
    ['secure.example.org', verify('ca/a/ca')],
  ]);

  test('into an unprotected wildcard: always', () => {
    expect(mayFallThrough(hosts, 'plain.example.org', '*.example.org')).toBe(true);
    expect(mayFallThrough(hosts, 'secure.example.org', '*.example.org')).toBe(true);
  });

  test('into a protected wildcard: only with the same settings', () => {
    expect(mayFallThrough(hosts, 'same.example.com', '*.example.com')).toBe(true);
    expect(mayFallThrough(hosts, 'plain.example.com', '*.example.com')).toBe(false);
    expect(mayFallThrough(hosts, 'other.example.com', '*.example.com')).toBe(false);
    expect(mayFallThrough(hosts, 'refused.example.com', '*.example.com')).toBe(false);
  });
});

test('asking on a host whose TLS another Ingress owns, or without any TLS, refuses only the own routes', () => {
  const withoutTls = (name: string, day: number): KubeObject => {
    const ing = aged(day, name, { [SECRET]: 'client-ca' }) as unknown as { spec: object };
    return { ...ing, spec: { ...ing.spec, tls: [] } } as unknown as KubeObject;
  };
  const shared = run(aged(1, 'tls', {}), withoutTls('b', 2));
  expect(shared.messages).toEqual([
    'CW_E_CLIENT_CERT_CONFLICT b: host "shop.example.com" has the TLS certificate of Ingress shop/tls, which alone sets its client-certificate settings (none); this Ingress\'s routes on it answer 403',
  ]);
  const kinds = Object.fromEntries(
    shared.group
      .https!.filterChains[0]!.virtualHosts.flatMap((v) => v.routes)
      .map((r) => [r.source.name, r.action.kind]),
  );
  expect(kinds).toEqual({ tls: 'forward', b: 'direct' });
  const alone = run(withoutTls('b', 2));
  expect(alone.messages).toEqual([
    'CW_E_CLIENT_CERT_NOT_APPLIED b: client-certificate authentication: host "shop.example.com" has no TLS certificate (spec.tls): not served over HTTPS, plain HTTP answers 403',
  ]);
  expect(alone.group.https).toBeUndefined();
  const http = alone.group.http.virtualHosts.find((v) => v.name === 'shop.example.com')!;
  expect(http.routes.map((r) => r.action.kind)).toEqual(['direct']);
});
