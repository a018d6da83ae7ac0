/** The gateway group a client certificate names, and which node.cluster it may ask for. */
import { authorizeGroup, gatewaySpiffeId, groupFromCertificate, uriSans } from './tls-identity.js';

describe('groupFromCertificate', () => {
  test('reads the group from the one spiffe://<td>/causeway/group/<group> URI SAN', () => {
    expect(groupFromCertificate('DNS:gw-1.example, URI:spiffe://corp.example/causeway/group/edge')).toEqual({
      ok: true,
      group: 'edge',
      spiffeId: 'spiffe://corp.example/causeway/group/edge',
    });
    expect(gatewaySpiffeId('corp.example', 'edge')).toBe('spiffe://corp.example/causeway/group/edge');
  });

  test('ignores other URI SANs and JSON-quoted values', () => {
    expect(uriSans('URI:spiffe://a/ns/x, URI:"spiffe://a/causeway/group/x,y", DNS:a')).toEqual([
      'spiffe://a/ns/x',
    ]);
    expect(
      groupFromCertificate('URI:spiffe://a/ns/default/sa/gw, URI:spiffe://a/causeway/group/internal'),
    ).toMatchObject({ ok: true, group: 'internal' });
  });

  test.each<[string, string | undefined, string | undefined, RegExp]>([
    ['no SAN at all', undefined, undefined, /names no gateway group/],
    ['only DNS SANs', 'DNS:gw.example', undefined, /names no gateway group/],
    ['another SPIFFE path', 'URI:spiffe://a/ns/default/sa/gw', undefined, /names no gateway group/],
    [
      'two groups',
      'URI:spiffe://a/causeway/group/x, URI:spiffe://a/causeway/group/y',
      undefined,
      /several gateway groups/,
    ],
    ['a group that is no DNS label', 'URI:spiffe://a/causeway/group/Edge', undefined, /DNS label/],
    ['a nested path', 'URI:spiffe://a/causeway/group/x/y', undefined, /DNS label/],
    ['another trust domain', 'URI:spiffe://evil.example/causeway/group/x', 'corp.example', /trust domain/],
  ])('refuses %s', (_label, san, trustDomain, reason) => {
    const r = groupFromCertificate(san, trustDomain);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  test('accepts the configured trust domain', () => {
    expect(groupFromCertificate('URI:spiffe://corp.example/causeway/group/x', 'corp.example')).toMatchObject({
      ok: true,
      group: 'x',
    });
  });
});

describe('authorizeGroup', () => {
  const cert = groupFromCertificate('URI:spiffe://corp.example/causeway/group/edge');

  test("empty node.cluster or the certificate's own group: the certificate's group", () => {
    expect(authorizeGroup(cert, '')).toEqual({ ok: true, group: 'edge' });
    expect(authorizeGroup(cert, undefined)).toEqual({ ok: true, group: 'edge' });
    expect(authorizeGroup(cert, 'edge')).toEqual({ ok: true, group: 'edge' });
  });

  test('another group is refused, naming both', () => {
    const r = authorizeGroup(cert, 'internal');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toContain('"internal"');
      expect(r.reason).toContain('spiffe://corp.example/causeway/group/edge');
    }
  });

  test('a certificate without a group is refused whatever the node asks', () => {
    expect(authorizeGroup(groupFromCertificate('DNS:x'), 'edge').ok).toBe(false);
    expect(authorizeGroup(groupFromCertificate('DNS:x'), '').ok).toBe(false);
  });
});
