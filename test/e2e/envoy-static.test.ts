/**
 * Proves the test support against a real Envoy: a static bootstrap (listeners -> clusters -> echo
 * backends) carries HTTP (Host-based routing), HTTPS (SNI) and TCP traffic; the admin helpers work; two
 * Envoys run side by side; a broken bootstrap fails with Envoy's own log; and a gateway bootstrap from
 * `buildBootstrap` opens a delta ADS stream that announces its node.
 */
import fs from 'node:fs';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { jest } from '@jest/globals';
import { startEchoBackend, startTcpEchoBackend } from '../../src/demo/echo-backend.js';
import type { EchoBackend, EchoResponse } from '../../src/demo/echo-backend.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { decodeResource } from '../../xds/protos/envoy-protos.js';
import { startEnvoy } from '../support/envoy-process.js';
import { generateCertificate } from '../support/manifests.js';
import type { EnvoyProcess } from '../support/envoy-process.js';
import { httpGet, httpsGet } from '../support/http-client.js';
import { freePorts } from '../support/ports.js';

jest.setTimeout(120_000);

type Obj = Record<string, unknown>;

const ROUTER = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
};

function address(port: number): Obj {
  return { socket_address: { address: '127.0.0.1', port_value: port } };
}

function hcm(statPrefix: string, domains: string[], cluster: string): Obj {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type':
        'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      stat_prefix: statPrefix,
      route_config: {
        name: statPrefix,
        virtual_hosts: [
          { name: statPrefix, domains, routes: [{ match: { prefix: '/' }, route: { cluster } }] },
        ],
      },
      http_filters: [ROUTER],
    },
  };
}

function staticCluster(name: string, port: number): Obj {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: address(port) } }] }],
    },
  };
}

describe('a real Envoy from a static bootstrap', () => {
  const tls = generateCertificate('secure.example.com');
  let web: EchoBackend;
  let tcp: EchoBackend;
  let envoy: EnvoyProcess;
  let httpPort: number;
  let httpsPort: number;
  let tcpPort: number;

  beforeAll(async () => {
    web = await startEchoBackend({ name: 'web-1' });
    tcp = await startTcpEchoBackend({ name: 'tcp-1' });
    [httpPort, httpsPort, tcpPort] = (await freePorts(3)) as [number, number, number];
    const listeners: Obj[] = [
      {
        name: 'http',
        address: address(httpPort),
        filter_chains: [{ filters: [hcm('http', ['echo.example.com'], 'web')] }],
      },
      {
        name: 'tcp',
        address: address(tcpPort),
        filter_chains: [
          {
            filters: [
              {
                name: 'envoy.filters.network.tcp_proxy',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
                  stat_prefix: 'tcp',
                  cluster: 'tcp',
                },
              },
            ],
          },
        ],
      },
    ];
    {
      listeners.push({
        name: 'https',
        address: address(httpsPort),
        listener_filters: [
          {
            name: 'envoy.filters.listener.tls_inspector',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
            },
          },
        ],
        filter_chains: [
          {
            filter_chain_match: { server_names: ['secure.example.com'] },
            filters: [hcm('https', ['*'], 'web')],
            transport_socket: {
              name: 'envoy.transport_sockets.tls',
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
                common_tls_context: {
                  tls_certificates: [
                    {
                      certificate_chain: { inline_string: tls.cert },
                      private_key: { inline_string: tls.key },
                    },
                  ],
                },
              },
            },
          },
        ],
      });
    }
    envoy = await startEnvoy({
      name: 'static-envoy',
      bootstrap: {
        node: { id: 'e2e-static', cluster: 'e2e' },
        static_resources: {
          listeners,
          clusters: [staticCluster('web', web.port), staticCluster('tcp', tcp.port)],
        },
      },
    });
    await envoy.waitForListener(httpPort);
  });

  afterAll(async () => {
    await envoy?.stop();
    await web?.close();
    await tcp?.close();
  });

  test('routes HTTP by Host header to the echo backend', async () => {
    const r = await httpGet(`http://127.0.0.1:${httpPort}/hello?x=1`, { host: 'echo.example.com' });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as EchoResponse;
    expect(body).toMatchObject({
      backend: 'web-1',
      method: 'GET',
      path: '/hello?x=1',
      host: 'echo.example.com',
    });
    expect(body.headers['x-envoy-expected-rq-timeout-ms']).toBeDefined();

    const other = await httpGet(`http://127.0.0.1:${httpPort}/`, { host: 'other.example.com' });
    expect(other.status).toBe(404);

    const status = await httpGet(`http://127.0.0.1:${httpPort}/status/503`, { host: 'echo.example.com' });
    expect(status.status).toBe(503);
    expect(status.headers['x-echo-backend']).toBe('web-1');
  });

  test('terminates TLS for the SNI name and proxies to the backend', async () => {
    await envoy.waitForListener(httpsPort);
    const r = await httpsGet(`https://127.0.0.1:${httpsPort}/secure`, {
      host: 'secure.example.com',
      ca: tls.cert,
    });
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as EchoResponse).backend).toBe('web-1');
    expect(r.peerCertificate?.subject?.CN).toBe('secure.example.com');
    // An unknown SNI name matches no filter chain: Envoy closes the connection.
    await expect(
      httpsGet(`https://127.0.0.1:${httpsPort}/`, {
        servername: 'unknown.example.com',
        rejectUnauthorized: false,
      }),
    ).rejects.toThrow();
  });

  test('proxies TCP to the echo backend', async () => {
    await envoy.waitForListener(tcpPort);
    const received = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: tcpPort });
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => {
        text += d;
        if (text === 'tcp-1\nping\n') socket.end();
      });
      socket.on('connect', () => socket.write('ping\n'));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.setTimeout(10_000, () => socket.destroy(new Error(`timeout, got ${JSON.stringify(text)}`)));
    });
    expect(received).toBe('tcp-1\nping\n');
  });

  test('exposes stats and the config dump', async () => {
    await httpGet(`http://127.0.0.1:${httpPort}/`, { host: 'echo.example.com' });
    const stats = await envoy.stats('^cluster\\.web\\.');
    expect(stats['cluster.web.upstream_rq_total']).toBeGreaterThanOrEqual(1);
    expect(
      await envoy.waitForStat('cluster.web.upstream_rq_2xx', (v) => (v ?? 0) >= 1),
    ).toBeGreaterThanOrEqual(1);
    const dump = await envoy.configDump({ resource: 'static_listeners' });
    const names = dump.configs.map(
      (c) => ((c['listener'] as Obj | undefined)?.['name'] as string | undefined) ?? '',
    );
    expect(names).toEqual(expect.arrayContaining(['http', 'tcp']));
    expect(envoy.logs()).toContain('starting main dispatch loop');
  });

  test('a second Envoy runs beside the first (distinct base ids)', async () => {
    const [port] = (await freePorts(1)) as [number];
    const second = await startEnvoy({
      name: 'second-envoy',
      bootstrap: {
        node: { id: 'e2e-second', cluster: 'e2e' },
        static_resources: {
          listeners: [
            {
              name: 'http',
              address: address(port),
              filter_chains: [{ filters: [hcm('http', ['*'], 'web')] }],
            },
          ],
          clusters: [staticCluster('web', web.port)],
        },
      },
    });
    try {
      expect(second.baseId).not.toBe(envoy.baseId);
      expect(second.adminPort).not.toBe(envoy.adminPort);
      await second.waitForListener(port);
      const r = await httpGet(`http://127.0.0.1:${port}/`);
      expect((JSON.parse(r.body) as EchoResponse).backend).toBe('web-1');
    } finally {
      const exit = await second.stop();
      expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    }
    await expect(httpGet(`http://127.0.0.1:${port}/`, { timeoutMs: 2000 })).rejects.toThrow();
    // Hot-restart shared memory (Linux) is removed with the process; the temp folder too.
    expect(fs.existsSync(`/dev/shm/envoy_shared_memory_${second.baseId * 10}`)).toBe(false);
    expect(fs.existsSync(second.configPath)).toBe(false);
  });
});

test('startEnvoy fails with the log of an Envoy that rejects its bootstrap', async () => {
  const bad = {
    node: { id: 'bad', cluster: 'bad' },
    static_resources: { clusters: [{ name: 'x', type: 'NO_SUCH_TYPE' }] },
  };
  await expect(startEnvoy({ name: 'bad-envoy', bootstrap: bad, startTimeoutMs: 20_000 })).rejects.toThrow(
    /bad-envoy .*exited during start[\s\S]*NO_SUCH_TYPE/,
  );
});

describe('a gateway bootstrap from buildBootstrap', () => {
  const ADS_PATH = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';
  let server: grpc.Server | undefined;

  afterEach(async () => {
    const s = server;
    server = undefined;
    if (s) await new Promise<void>((resolve) => s.tryShutdown(() => resolve()));
    s?.forceShutdown();
  });

  test('opens a delta ADS stream to causeway_xds that announces node id, group and zone', async () => {
    const requests: Obj[] = [];
    const gotRequest = new Promise<void>((resolve) => {
      server = new grpc.Server();
      const raw = (b: Buffer): Buffer => b;
      server.addService(
        {
          DeltaAggregatedResources: {
            path: ADS_PATH,
            requestStream: true,
            responseStream: true,
            requestSerialize: raw,
            requestDeserialize: raw,
            responseSerialize: raw,
            responseDeserialize: raw,
          },
        },
        {
          DeltaAggregatedResources: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
            call.on('data', (bytes: Buffer) => {
              requests.push(
                decodeResource('type.googleapis.com/envoy.service.discovery.v3.DeltaDiscoveryRequest', bytes),
              );
              resolve();
            });
            call.on('error', () => undefined);
          },
        },
      );
    });
    const xdsPort = await new Promise<number>((resolve, reject) =>
      server?.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    const envoy = await startEnvoy({
      name: 'gateway-envoy',
      waitFor: 'admin',
      bootstrap: buildBootstrap({
        group: 'edge',
        xdsHost: '127.0.0.1',
        xdsPort,
        nodeId: 'edge-test-1',
        adminPort: 0,
        zone: 'zone-a',
      }),
    });
    try {
      await gotRequest;
      const first = requests[0] ?? {};
      expect(first['type_url']).toBe('type.googleapis.com/envoy.config.cluster.v3.Cluster');
      expect(first['node']).toMatchObject({
        id: 'edge-test-1',
        cluster: 'edge',
        locality: { zone: 'zone-a' },
      });
      expect(
        await envoy.waitForStat('cluster.causeway_xds.upstream_cx_http2_total', (v) => (v ?? 0) >= 1),
      ).toBe(1);
    } finally {
      await envoy.stop();
    }
  });
});
