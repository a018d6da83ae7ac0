/**
 * Client-certificate settings per host through the whole translation: the oldest Ingress that sets them
 * on a host wins for every route of the host (an older Ingress without them does not turn them off, a
 * younger one asking otherwise gets CW_E_CLIENT_CERT_CONFLICT, the same settings are no conflict); a
 * protected host is left out of the default certificate's chain; and mayFallThrough's rule for a
 * concrete host under a protected wildcard.
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

test('the oldest Ingress that sets them wins for every route of the host; another setting is a conflict', () => {
  const { group, messages } = run(
    aged(1, 'plain', {}),
    aged(2, 'winner', { [SECRET]: 'client-ca', 'causeway.dev/auth-tls-verify-client': 'optional' }),
    aged(3, 'loser', { [SECRET]: 'other-ca' }),
    aged(4, 'same', { [SECRET]: 'client-ca', 'causeway.dev/auth-tls-verify-client': 'optional' }),
  );
  expect(messages).toEqual([
    'CW_E_CLIENT_CERT_CONFLICT loser: host "shop.example.com" already has the client-certificate settings of Ingress shop/winner; they apply to this Ingress\'s routes on it',
  ]);
  const chains = group.https!.filterChains;
  expect(chains).toHaveLength(1);
  expect(chains[0]!.clientCert).toMatchObject({ caSecret: 'ca/shop/client-ca', mode: 'optional' });
  const routes = chains[0]!.virtualHosts.flatMap((v) => v.routes.map((r) => r.source.name));
  expect(routes.sort()).toEqual(['loser', 'plain', 'same', 'winner']);
  // Plain HTTP never reaches them (no ssl-redirect: 403).
  const http = group.http.virtualHosts.find((v) => v.name === 'shop.example.com')!;
  expect(http.routes.map((r) => r.action.kind)).toEqual(['direct']);
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

test('a protected host with TLS from another Ingress is covered; one without any TLS is a warning', () => {
  const withoutTls = (name: string, day: number): KubeObject => {
    const ing = aged(day, name, { [SECRET]: 'client-ca' }) as unknown as { spec: object };
    return { ...ing, spec: { ...ing.spec, tls: [] } } as unknown as KubeObject;
  };
  expect(run(aged(1, 'tls', {}), withoutTls('b', 2)).messages).toEqual([]);
  const alone = run(withoutTls('b', 2));
  expect(alone.messages).toEqual([
    'CW_E_CLIENT_CERT_NOT_APPLIED b: client-certificate authentication: host "shop.example.com" has no TLS certificate (spec.tls): not served over HTTPS, plain HTTP answers 403',
  ]);
  expect(alone.group.https).toBeUndefined();
  const http = alone.group.http.virtualHosts.find((v) => v.name === 'shop.example.com')!;
  expect(http.routes.map((r) => r.action.kind)).toEqual(['direct']);
});
