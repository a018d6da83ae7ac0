/** TLS passthrough: the annotation's values, which backend a host gets, and the conflicts. */
import type { Diagnostic } from '../../errors.js';
import type { IngressEntries, RouteEntry } from '../../ingress/ingress-reader.js';
import type { PathMatch } from '../../ingress/ingress-types.js';
import { readPassthroughClaims, settlePassthrough } from './passthrough.js';
import { SSL_PASSTHROUGH } from './passthrough-annotations.js';

function route(host: string, path: string, service: string, kind: PathMatch['kind'] = 'prefix'): RouteEntry {
  return {
    name: `ingress/default/x/rule/0/path/${path}`,
    host,
    match: { kind, path },
    backend: { service: { name: service, port: { number: 443 } } },
    timeoutSeconds: 0,
  };
}

function ingress(name: string, routes: RouteEntry[], passthrough?: string): IngressEntries {
  const ref = { kind: 'Ingress', namespace: 'default', name };
  const annotations = passthrough !== undefined ? { [SSL_PASSTHROUGH.name]: passthrough } : {};
  return {
    ingress: {
      object: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, annotations } },
      origin: { cluster: 'local' },
    } as IngressEntries['ingress'],
    ref,
    diagRef: ref,
    group: 'default',
    sslRedirect: false,
    routes,
    tls: [],
  };
}

test('the annotation is "true" or "false"', () => {
  expect(SSL_PASSTHROUGH.parse('true')).toEqual({ ok: true, value: true });
  expect(SSL_PASSTHROUGH.parse('false')).toEqual({ ok: true, value: false });
  expect(SSL_PASSTHROUGH.parse('yes').ok).toBe(false);
  expect(SSL_PASSTHROUGH.parse('TRUE').ok).toBe(false);
});

test('a host gets the backend of path "/" (else its first path), with a warning when it has several', () => {
  const diags: Diagnostic[] = [];
  const claims = readPassthroughClaims(
    [
      ingress(
        'a',
        [
          route('a.example.com', '/ui', 'ui'),
          route('a.example.com', '/', 'app'),
          route('b.example.com', '/x', 'b'),
        ],
        'true',
      ),
    ],
    diags,
  );
  expect(claims.get('a.example.com')?.entry.backend.service?.name).toBe('app');
  expect(claims.get('b.example.com')?.entry.backend.service?.name).toBe('b');
  expect(diags.map((d) => d.code)).toEqual(['CW_E_TLS_PASSTHROUGH_PATHS_IGNORED']);
  expect(diags[0]!.message).toContain('host "a.example.com" has 2 paths');
});

test('a regex path "/" is not the root path: the first path is taken', () => {
  const claims = readPassthroughClaims(
    [ingress('a', [route('a.example.com', '/x', 'x'), route('a.example.com', '/', 'r', 'regex')], 'true')],
    [],
  );
  expect(claims.get('a.example.com')?.entry.backend.service?.name).toBe('x');
});

test('no annotation, "false" or a bad value: no passthrough (a bad value is a diagnostic)', () => {
  const diags: Diagnostic[] = [];
  const claims = readPassthroughClaims(
    [
      ingress('none', [route('a.example.com', '/', 'a')]),
      ingress('off', [route('b.example.com', '/', 'b')], 'false'),
      ingress('bad', [route('c.example.com', '/', 'c')], 'on'),
    ],
    diags,
  );
  expect(claims.size).toBe(0);
  expect(diags).toHaveLength(1);
  expect(diags[0]!.message).toMatch(/ssl-passthrough: "on" is not "true" or "false"; TLS is terminated/);
});

test('the oldest passthrough Ingress wins a host; rules without host cannot be passed through', () => {
  const diags: Diagnostic[] = [];
  const claims = readPassthroughClaims(
    [
      ingress('old', [route('a.example.com', '/', 'old')], 'true'),
      ingress('young', [route('a.example.com', '/', 'young'), route('*', '/', 'any')], 'true'),
    ],
    diags,
  );
  expect([...claims.keys()]).toEqual(['a.example.com']);
  expect(claims.get('a.example.com')?.owner.ref.name).toBe('old');
  expect(diags.map((d) => [d.code, d.object.name])).toEqual([
    ['CW_E_TLS_PASSTHROUGH_PATHS_IGNORED', 'young'],
    ['CW_E_TLS_PASSTHROUGH_CONFLICT', 'young'],
  ]);
});

test('an older passthrough takes a terminated TLS host from its certificate, reported on its Ingress', () => {
  const diags: Diagnostic[] = [];
  const pt = ingress('pt', [route('a.example.com', '/', 'a')], 'true');
  const tls = ingress('tls', [route('a.example.com', '/', 'web'), route('b.example.com', '/', 'web')]);
  const claims = readPassthroughClaims([pt], diags);
  const { taken, passthrough } = settlePassthrough(
    claims,
    new Map([
      ['a.example.com', { secret: 'default/a-tls', owner: tls }],
      ['b.example.com', { secret: 'default/b-tls', owner: tls }],
    ]),
    (a) => a === pt,
    diags,
  );
  expect([...taken]).toEqual(['a.example.com']);
  expect([...passthrough.keys()]).toEqual(['a.example.com']);
  expect(diags).toHaveLength(1);
  expect(diags[0]).toMatchObject({ code: 'CW_E_TLS_PASSTHROUGH_CONFLICT', object: { name: 'tls' } });
  expect(diags[0]!.message).toContain('Secret default/a-tls is not served for it');
});

test('a younger passthrough cannot take a host whose certificate an older Ingress serves', () => {
  const diags: Diagnostic[] = [];
  const pt = ingress('pt', [route('a.example.com', '/', 'a')], 'true');
  const tls = ingress('tls', [route('a.example.com', '/', 'web')]);
  const { taken, passthrough } = settlePassthrough(
    readPassthroughClaims([pt], diags),
    new Map([['a.example.com', { secret: 'default/a-tls', owner: tls }]]),
    (a) => a === tls,
    diags,
  );
  expect([...taken]).toEqual([]);
  expect([...passthrough.keys()]).toEqual([]);
  expect(diags).toHaveLength(1);
  expect(diags[0]).toMatchObject({ code: 'CW_E_TLS_PASSTHROUGH_CONFLICT', object: { name: 'pt' } });
  expect(diags[0]!.message).toContain('not passed through');
});

test("the passthrough Ingress's own TLS entry for its host is unused without a warning", () => {
  const diags: Diagnostic[] = [];
  const pt = ingress('pt', [route('a.example.com', '/', 'a')], 'true');
  const claims = readPassthroughClaims([pt], diags);
  const { taken } = settlePassthrough(
    claims,
    new Map([['a.example.com', { secret: 'default/a-tls', owner: pt }]]),
    () => false,
    diags,
  );
  expect([...taken]).toEqual(['a.example.com']);
  expect(diags).toEqual([]);
});
