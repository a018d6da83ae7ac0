import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { jest } from '@jest/globals';
import * as cookie from 'cookie';
import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { CausewayError, diagnostic } from '../errors.js';
import type { Diagnostic } from '../errors.js';
import { createLogger } from '../observability/logger.js';
import { ControllerMetrics } from '../observability/metrics.js';
import { XdsMetrics } from '../../xds/server/xds-metrics.js';
import type {
  ConfigWatcher,
  EncodedResource,
  GroupSnapshot,
  PlainResource,
  TypeSnapshot,
} from '../../xds/cache/config-watcher.js';
import { RESOURCE_TYPES, encodeResource } from '../../xds/protos/envoy-protos.js';
import type { ResourceKind, ResourceTypeUrl } from '../../xds/protos/envoy-protos.js';
import type { AdsConnectionInfo } from '../../xds/server/connection.js';
import { REDACTED, createAdminServer, listenAdmin, parseListenAddress } from './admin-server.js';
import type { AdminServerOptions } from './admin-server.js';

// fastify's inject() loads light-my-request, which require()s the ESM-only `cookie` 2; Jest's CommonJS
// loader cannot require ESM (Node 20 can), so hand it the module loaded through ESM instead.
jest.mock('cookie', () => cookie);

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

function typeSnapshot(typeUrl: ResourceTypeUrl, resources: readonly PlainResource[]): TypeSnapshot {
  const encoded = new Map<string, EncodedResource>();
  for (const r of resources) {
    const value = encodeResource(typeUrl, r.resource);
    encoded.set(r.name, { name: r.name, version: sha256(value), value });
  }
  const pairs = [...encoded.values()].map((r) => `${r.name}=${r.version}`).sort();
  return { version: sha256(pairs.join('\n')), resources: encoded };
}

/** A ConfigWatcher over fixed groups, with resources really encoded as the xDS cache stores them. */
function fakeWatcher(
  groups: Record<string, Partial<Record<ResourceKind, readonly PlainResource[]>>>,
): ConfigWatcher {
  const snapshots = new Map<string, GroupSnapshot>();
  const build = (
    group: string,
    byKind: Partial<Record<ResourceKind, readonly PlainResource[]>>,
  ): GroupSnapshot => ({
    group,
    types: new Map(
      (Object.keys(RESOURCE_TYPES) as ResourceKind[]).map((kind) => [
        RESOURCE_TYPES[kind],
        typeSnapshot(RESOURCE_TYPES[kind], byKind[kind] ?? []),
      ]),
    ),
  });
  for (const [group, byKind] of Object.entries(groups)) snapshots.set(group, build(group, byKind));
  return {
    isReady: () => true,
    whenReady: () => Promise.resolve(),
    snapshot: (group) => snapshots.get(group) ?? build(group, {}),
    subscribe: () => () => undefined,
  };
}

const CERT = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const KEY =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC\n-----END PRIVATE KEY-----\n';

const cluster = (name: string): PlainResource => ({
  name,
  resource: { name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {} } }, connect_timeout: '5s' },
});
const endpoints: PlainResource = {
  name: 'shop/web/http',
  resource: {
    cluster_name: 'shop/web/http',
    endpoints: [
      {
        locality: { zone: 'a' },
        lb_endpoints: [
          { endpoint: { address: { socket_address: { address: '10.246.1.5', port_value: 8080 } } } },
        ],
      },
    ],
  },
};
const route: PlainResource = {
  name: 'http-80',
  resource: {
    name: 'http-80',
    virtual_hosts: [
      {
        name: 'shop.example.com',
        domains: ['shop.example.com'],
        routes: [{ match: { prefix: '/' }, route: { cluster: 'shop/web/http', timeout: '15s' } }],
      },
    ],
  },
};
const httpsListener: PlainResource = {
  name: 'https-443',
  resource: {
    name: 'https-443',
    address: { socket_address: { address: '0.0.0.0', port_value: 443 } },
    filter_chains: [
      {
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
            common_tls_context: {
              tls_certificates: [
                {
                  certificate_chain: { inline_string: CERT },
                  private_key: { inline_bytes: Buffer.from(KEY).toString('base64') },
                },
              ],
            },
          },
        },
      },
    ],
  },
};
const tlsSecret: PlainResource = {
  name: 'shop/web-tls',
  resource: {
    name: 'shop/web-tls',
    tls_certificate: {
      certificate_chain: { inline_string: CERT },
      private_key: { inline_string: KEY },
      password: { inline_string: 'hunter2' },
    },
  },
};
const fileSecret: PlainResource = {
  name: 'files/tls',
  resource: {
    name: 'files/tls',
    tls_certificate: {
      certificate_chain: { filename: '/etc/tls/tls.crt' },
      private_key: { filename: '/etc/tls/tls.key' },
    },
  },
};

const ingressRef = { kind: 'Ingress', namespace: 'shop', name: 'web' };

interface Harness {
  readonly server: FastifyInstance;
  readonly metrics: ControllerMetrics;
  ready: boolean;
  diagnostics: readonly Diagnostic[];
}

const servers: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function harness(overrides: Partial<AdminServerOptions> = {}): Harness {
  const metrics = new ControllerMetrics({ defaultMetrics: false });
  const watcher = fakeWatcher({
    edge: {
      cluster: [cluster('shop/web/http'), cluster('billing/api/grpc')],
      endpoint: [endpoints],
      listener: [httpsListener],
      route: [route],
      secret: [tlsSecret, fileSecret],
    },
    internal: {},
  });
  const h: Harness = {
    metrics,
    ready: false,
    diagnostics: [],
    server: undefined as unknown as FastifyInstance,
  };
  const server = createAdminServer({
    metrics,
    watcher,
    isReady: () => h.ready,
    diagnostics: () => h.diagnostics,
    groups: () => ['internal', 'edge'],
    ...overrides,
  });
  servers.push(server);
  return Object.assign(h, { server });
}

/** The GET routes of fastify's printRoutes() tree (each line a segment, indented 4 per level). */
function getRoutes(tree: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (.+?)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    const full = (depth > 0 ? (stack[depth - 1] ?? '') : '') + (m[2] ?? '');
    stack.length = depth;
    stack[depth] = full;
    if ((m[3] ?? '').split(', ').includes('GET')) out.push(full);
  }
  return out.sort();
}

describe('admin server', () => {
  it('GET /healthz answers 200 ok, ready or not', async () => {
    const { server } = harness();
    const res = await server.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('ok');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('GET /readyz answers 503 with a reason until the first full translation, then 200', async () => {
    const h = harness();
    const before = await h.server.inject({ method: 'GET', url: '/readyz' });
    expect(before.statusCode).toBe(503);
    expect(before.body).toMatch(/not ready: .*first full translation/);
    h.ready = true;
    const after = await h.server.inject({ method: 'GET', url: '/readyz' });
    expect(after.statusCode).toBe(200);
    expect(after.body).toBe('ok');
  });

  it('GET /metrics serves the registry as Prometheus text, with ready and diagnostics refreshed at scrape', async () => {
    const h = harness();
    new XdsMetrics(h.metrics.registry).recordPush('edge', RESOURCE_TYPES.cluster, 321);
    h.ready = true;
    h.diagnostics = [
      diagnostic('CW_E_SERVICE_NOT_FOUND', ingressRef, 'service "web" not found'),
      diagnostic('CW_E_SERVICE_NOT_FOUND', { ...ingressRef, name: 'api' }, 'service "api" not found'),
    ];
    const res = await h.server.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = res.body.split('\n');
    expect(lines).toContain('causeway_xds_push_bytes_total{group="edge",type="cluster"} 321');
    expect(lines).toContain('causeway_ready 1');
    expect(lines).toContain('causeway_diagnostics{code="CW_E_SERVICE_NOT_FOUND",severity="warning"} 2');

    h.ready = false;
    h.diagnostics = [];
    const again = (await h.server.inject({ method: 'GET', url: '/metrics' })).body.split('\n');
    expect(again).toContain('causeway_ready 0');
    expect(again).toContain('causeway_diagnostics{code="CW_E_SERVICE_NOT_FOUND",severity="warning"} 0');
  });

  describe('GET /debug/config', () => {
    it('answers 400 without a group, naming the parameter and the known groups', async () => {
      const { server } = harness();
      for (const url of ['/debug/config', '/debug/config?group=']) {
        const res = await server.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toEqual({
          error: 'missing query parameter "group": /debug/config?group=<gateway group>',
          groups: ['edge', 'internal'],
        });
      }
    });

    it('answers 404 for an unknown group, listing the known ones', async () => {
      const { server } = harness();
      const res = await server.inject({ method: 'GET', url: '/debug/config?group=nope' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({
        error: 'unknown gateway group "nope"; known groups: edge, internal',
        groups: ['edge', 'internal'],
      });
    });

    it('answers 400 for a repeated group', async () => {
      const { server } = harness();
      const res = await server.inject({ method: 'GET', url: '/debug/config?group=edge&group=internal' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('query parameter "group" must be given once');
    });

    it('answers 400 for an unknown format', async () => {
      const { server } = harness();
      const res = await server.inject({ method: 'GET', url: '/debug/config?group=edge&format=xml' });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('unknown format "xml"; expected json or yaml');
    });

    it("decodes the group's resources to canonical JSON, sorted by name, with the type versions", async () => {
      const { server } = harness();
      const res = await server.inject({ method: 'GET', url: '/debug/config?group=edge' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json();
      expect(Object.keys(body)).toEqual([
        'group',
        'versions',
        'clusters',
        'endpoints',
        'listeners',
        'routes',
        'secrets',
      ]);
      expect(body.group).toBe('edge');

      const empty = fakeWatcher({}).snapshot('x');
      const expected = fakeWatcher({
        edge: {
          cluster: [cluster('shop/web/http'), cluster('billing/api/grpc')],
          endpoint: [endpoints],
          listener: [httpsListener],
          route: [route],
          secret: [tlsSecret, fileSecret],
        },
      }).snapshot('edge');
      expect(body.versions).toEqual(
        Object.fromEntries(
          (Object.keys(RESOURCE_TYPES) as ResourceKind[]).map((k) => [
            k,
            expected.types.get(RESOURCE_TYPES[k])?.version,
          ]),
        ),
      );
      expect(body.versions.cluster).not.toBe(empty.types.get(RESOURCE_TYPES.cluster)?.version);

      // Round trip: what was encoded comes back in canonical JSON, sorted by name.
      expect(body.clusters).toEqual([
        cluster('billing/api/grpc').resource,
        cluster('shop/web/http').resource,
      ]);
      expect(body.endpoints).toEqual([endpoints.resource]);
      expect(body.routes).toEqual([route.resource]);
      expect(body.secrets.map((s: { name: string }) => s.name)).toEqual(['files/tls', 'shop/web-tls']);
    });

    it('redacts private keys and other secret material wherever they appear, and nothing else', async () => {
      const { server } = harness();
      const res = await server.inject({ method: 'GET', url: '/debug/config?group=edge' });
      const body = res.json();
      expect(body.secrets).toEqual([
        fileSecret.resource, // file names are not secret
        {
          name: 'shop/web-tls',
          tls_certificate: {
            certificate_chain: { inline_string: CERT },
            private_key: { inline_string: REDACTED },
            password: { inline_string: REDACTED },
          },
        },
      ]);
      const tls =
        body.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context
          .tls_certificates[0];
      expect(tls).toEqual({
        certificate_chain: { inline_string: CERT },
        private_key: { inline_bytes: REDACTED },
      });
      expect(res.body).not.toContain('PRIVATE KEY');
      expect(res.body).not.toContain(Buffer.from(KEY).toString('base64'));
      expect(res.body).not.toContain('hunter2');
    });

    it('answers the same content as YAML with format=yaml', async () => {
      const { server } = harness();
      const json = (await server.inject({ method: 'GET', url: '/debug/config?group=edge' })).json();
      const res = await server.inject({ method: 'GET', url: '/debug/config?group=edge&format=yaml' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/yaml; charset=utf-8');
      expect(res.body.startsWith('group: edge\n')).toBe(true);
      expect(parseYaml(res.body)).toEqual(json);
      expect(res.body).not.toContain('PRIVATE KEY');
    });

    it('serves an empty known group with empty lists', async () => {
      const { server } = harness();
      const body = (await server.inject({ method: 'GET', url: '/debug/config?group=internal' })).json();
      expect(body).toMatchObject({
        group: 'internal',
        clusters: [],
        endpoints: [],
        listeners: [],
        routes: [],
        secrets: [],
      });
      expect(Object.keys(body.versions).sort()).toEqual([
        'cluster',
        'endpoint',
        'listener',
        'route',
        'secret',
      ]);
    });

    it("without groups(), answers any group with the watcher's snapshot", async () => {
      const { server } = harness({ groups: undefined });
      const missing = await server.inject({ method: 'GET', url: '/debug/config' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).not.toHaveProperty('groups');
      const edge = await server.inject({ method: 'GET', url: '/debug/config?group=edge' });
      expect(edge.json().clusters).toHaveLength(2);
      const other = await server.inject({ method: 'GET', url: '/debug/config?group=other' });
      expect(other.statusCode).toBe(200);
      expect(other.json()).toMatchObject({ group: 'other', clusters: [] });
    });
  });

  it('GET /debug/diagnostics answers the current diagnostics', async () => {
    const h = harness();
    expect((await h.server.inject({ method: 'GET', url: '/debug/diagnostics' })).json()).toEqual([]);
    h.diagnostics = [diagnostic('CW_E_INGRESS_PATH_INVALID', ingressRef, 'path "foo" must start with /')];
    const res = await h.server.inject({ method: 'GET', url: '/debug/diagnostics' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      {
        code: 'CW_E_INGRESS_PATH_INVALID',
        severity: 'error',
        object: { kind: 'Ingress', namespace: 'shop', name: 'web' },
        message: 'path "foo" must start with /',
      },
    ]);
  });

  describe('GET /api/gateways', () => {
    const NOW = Date.parse('2026-11-25T12:00:00Z');
    const edgeVersions = (): Record<ResourceKind, string> => {
      const snap = fakeWatcher({
        edge: {
          cluster: [cluster('shop/web/http'), cluster('billing/api/grpc')],
          endpoint: [endpoints],
          listener: [httpsListener],
          route: [route],
          secret: [tlsSecret, fileSecret],
        },
      }).snapshot('edge');
      return Object.fromEntries(
        (Object.keys(RESOURCE_TYPES) as ResourceKind[]).map((k) => [
          k,
          snap.types.get(RESOURCE_TYPES[k])!.version,
        ]),
      ) as Record<ResourceKind, string>;
    };
    const connection = (
      nodeId: string,
      group: string,
      types: AdsConnectionInfo['types'],
      more: Partial<AdsConnectionInfo> = {},
    ): AdsConnectionInfo => ({
      id: `s-${nodeId}`,
      stream: 'delta',
      peer: '10.246.2.1:51234',
      nodeId,
      group,
      address: '10.246.2.1',
      zone: 'zone-a',
      userAgent: 'envoy',
      userAgentVersion: '1.40.0',
      connectedAt: new Date(NOW - 60_000).toISOString(),
      types,
      draining: false,
      ...more,
    });
    const ackedAt = (kind: ResourceKind, version: string): AdsConnectionInfo['types'][number] => ({
      typeUrl: RESOURCE_TYPES[kind],
      sentVersion: version,
      ackedVersion: version,
      state: 'acked',
      sentAt: new Date(NOW - 50_000).toISOString(),
      upToDate: false,
    });

    it('answers the fleet by group, known groups without gateways included', async () => {
      const none = harness({ now: () => NOW });
      const empty = await none.server.inject({ method: 'GET', url: '/api/gateways' });
      expect(empty.statusCode).toBe(200);
      expect(empty.json()).toMatchObject({
        generatedAt: '2026-11-25T12:00:00.000Z',
        laggingAfterMs: 10_000,
        summary: { groups: 2, gateways: 0, inSync: 0, lagging: 0, rejecting: 0, draining: 0 },
      });
      expect(
        empty.json().groups.map((g: { name: string; gateways: unknown[] }) => [g.name, g.gateways]),
      ).toEqual([
        ['edge', []],
        ['internal', []],
      ]);
      expect(empty.json().groups[0].versions).toEqual(edgeVersions());
    });

    it('marks each gateway in sync or rejecting against the current versions, with its NACK', async () => {
      const v = edgeVersions();
      const nack = {
        version: 'bad',
        message: 'listener rejected',
        resourceNames: ['https-443'],
        at: new Date(NOW - 1000).toISOString(),
      };
      const gateways = [
        connection('gw-2', 'edge', [
          ackedAt('cluster', v.cluster),
          { ...ackedAt('listener', v.listener), state: 'nacked', lastNack: nack },
        ]),
        connection('gw-1', 'edge', [ackedAt('cluster', v.cluster), ackedAt('listener', v.listener)]),
        connection('gw-9', 'internal', []),
      ];
      const h = harness({ now: () => NOW, gateways: () => gateways });
      const body = (await h.server.inject({ method: 'GET', url: '/api/gateways' })).json();
      expect(body.summary).toEqual({
        groups: 2,
        gateways: 3,
        inSync: 1,
        lagging: 1,
        rejecting: 1,
        draining: 0,
      });
      const edge = body.groups[0];
      expect(edge.gateways.map((g: { nodeId: string; status: string }) => [g.nodeId, g.status])).toEqual([
        ['gw-1', 'in-sync'],
        ['gw-2', 'rejecting'],
      ]);
      expect(edge.gateways[0]).toMatchObject({
        group: 'edge',
        zone: 'zone-a',
        address: '10.246.2.1',
        envoyVersion: '1.40.0',
        stream: 'delta',
        draining: false,
      });
      expect(edge.gateways[1].lastNack).toEqual({ ...nack, type: 'listener' });
      // gw-9 got nothing in the minute since it connected
      expect(body.groups[1].gateways[0]).toMatchObject({ nodeId: 'gw-9', status: 'lagging' });
    });

    it('keeps one group with ?group=, 404 for an unknown one, 400 when repeated', async () => {
      const gateways = [connection('gw-1', 'edge', []), connection('gw-x', 'rogue', [])];
      const h = harness({ now: () => NOW, gateways: () => gateways });
      const edge = (await h.server.inject({ method: 'GET', url: '/api/gateways?group=edge' })).json();
      expect(edge.groups.map((g: { name: string }) => g.name)).toEqual(['edge']);
      expect(edge.summary.gateways).toBe(1);
      // A group the configuration does not know is listed while a gateway of it is connected.
      const rogue = await h.server.inject({ method: 'GET', url: '/api/gateways?group=rogue' });
      expect(rogue.json().groups[0].gateways[0].nodeId).toBe('gw-x');
      const unknown = await h.server.inject({ method: 'GET', url: '/api/gateways?group=nope' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toEqual({
        error: 'unknown gateway group "nope"; known groups: edge, internal, rogue',
        groups: ['edge', 'internal', 'rogue'],
      });
      const twice = await h.server.inject({ method: 'GET', url: '/api/gateways?group=a&group=b' });
      expect(twice.statusCode).toBe(400);
    });
  });

  it('GET /fleet serves the page with a strict Content-Security-Policy; GET / redirects to it', async () => {
    const { server } = harness();
    const res = await server.inject({ method: 'GET', url: '/fleet' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'sha256-[^']+'/);
    expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(res.body).toContain('/api/gateways');
    const root = await server.inject({ method: 'GET', url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/fleet');
  });

  it('logs failures with the given pino logger', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const logger = createLogger({ name: 'test', destination: sink });
    const failing: ConfigWatcher = {
      ...fakeWatcher({}),
      snapshot: () => {
        throw new Error('cache exploded');
      },
    };
    const { server } = harness({ logger, watcher: failing, groups: undefined });
    const res = await server.inject({ method: 'GET', url: '/debug/config?group=edge' });
    expect(res.statusCode).toBe(500);
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const entry = entries.find((e) => e['level'] === 'error');
    expect(entry).toMatchObject({ name: 'test', component: 'admin' });
    expect(JSON.stringify(entry)).toContain('cache exploded');
    // Probes and scrapes are not logged.
    lines.length = 0;
    await server.inject({ method: 'GET', url: '/healthz' });
    expect(lines).toEqual([]);
  });

  it('logs a 5xx answer that is not an error (component admin), but not the 503 of /readyz before ready', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const { server } = harness({ logger: createLogger({ name: 'test', destination: sink }) });
    server.get('/test-bad-gateway', async (_request, reply) => reply.code(502).send('upstream gone'));
    expect((await server.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    expect(lines).toEqual([]);
    expect((await server.inject({ method: 'GET', url: '/test-bad-gateway?x=1' })).statusCode).toBe(502);
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toEqual([
      expect.objectContaining({
        level: 'error',
        component: 'admin',
        statusCode: 502,
        url: '/test-bad-gateway?x=1',
        msg: 'admin request failed',
      }),
    ]);
  });

  it('has exactly the documented endpoints (docs/metrics.md)', () => {
    const { server } = harness();
    const doc = fs.readFileSync(path.resolve(process.cwd(), 'docs/metrics.md'), 'utf8');
    const documented = [...doc.matchAll(/^\|\s*`GET (\/[^`?\s[]*)/gm)].map((m) => m[1] as string).sort();
    const routes = getRoutes(server.printRoutes({ commonPrefix: false }));
    expect(documented).toEqual([
      '/',
      '/api/gateways',
      '/debug/config',
      '/debug/diagnostics',
      '/fleet',
      '/healthz',
      '/metrics',
      '/readyz',
    ]);
    expect(routes).toEqual(documented);
  });
});

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:9901', '127.0.0.1', 9901],
    ['localhost:8080', 'localhost', 8080],
    ['[::1]:9901', '::1', 9901],
    [':9901', '0.0.0.0', 9901],
    ['127.0.0.1:0', '127.0.0.1', 0],
  ])('parses %s', (address, host, port) => {
    expect(parseListenAddress(address)).toEqual({ host, port });
  });

  it.each([
    '127.0.0.1',
    '9901',
    '127.0.0.1:',
    '127.0.0.1:70000',
    '127.0.0.1:-1',
    '::1:9901',
    'a b:80',
    'host:80x',
    '',
  ])('rejects %j with a clear usage error', (address) => {
    let error: unknown;
    try {
      parseListenAddress(address);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CausewayError);
    expect((error as CausewayError).code).toBe('CW_E_USAGE');
    expect((error as Error).message).toContain(`invalid admin address "${address}"`);
    expect((error as Error).message).toContain('expected HOST:PORT, e.g. 127.0.0.1:9901');
  });
});

describe('listenAdmin', () => {
  it('binds the parsed address and serves over HTTP', async () => {
    const { server } = harness();
    const bound = await listenAdmin(server, '127.0.0.1:0');
    expect(bound.host).toBe('127.0.0.1');
    expect(bound.port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${bound.port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('reports a bad address before binding, and a busy port clearly', async () => {
    const { server } = harness();
    await expect(listenAdmin(server, 'nonsense')).rejects.toThrow(/invalid admin address "nonsense"/);
    const bound = await listenAdmin(server, '127.0.0.1:0');
    const other = harness().server;
    await expect(listenAdmin(other, `127.0.0.1:${bound.port}`)).rejects.toThrow(
      `admin server cannot listen on 127.0.0.1:${bound.port}: EADDRINUSE`,
    );
  });
});
