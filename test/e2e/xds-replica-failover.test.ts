/**
 * Two controller replicas (standalone mode, the same manifests folder, two xDS ports) and a real Envoy
 * whose bootstrap lists both (`--xds` twice). Under a steady request loop, kill -9 the replica the
 * gateway is connected to: Envoy reconnects to the other one (seen in its /api/gateways) and no request
 * fails.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startEchoBackend, type EchoBackend } from '../../src/demo/echo-backend.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startControllerProcess, type ControllerProcess } from '../support/controller-process.js';
import { connectedGateways } from '../support/fleet-api.js';
import { endpointSlice, INGRESS_CLASS, service, tempDir, yamlDocs } from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startRequestLoop } from '../support/request-loop.js';

let dir: string;
let backend: EchoBackend;
let gateway: EnvoyProcess | undefined;
const replicas: ControllerProcess[] = [];

afterAll(async () => {
  await gateway?.stop();
  for (const r of replicas) await r.kill('SIGKILL');
  await backend?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The replica (index) whose /api/gateways lists the node, if exactly one does. */
async function connectedTo(nodeId: string, live: readonly number[]): Promise<number | undefined> {
  const hits: number[] = [];
  for (const i of live) {
    if ((await connectedGateways(replicas[i]!.adminPort)).some((g) => g.nodeId === nodeId)) hits.push(i);
  }
  return hits.length === 1 ? hits[0] : undefined;
}

test('kill -9 the replica a gateway is connected to: it reconnects to the other, zero failed requests', async () => {
  dir = tempDir('causeway-e2e-failover-');
  backend = await startEchoBackend({ name: 'steady' });
  const [xds0, xds1, admin0, admin1, http, https] = (await freePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  fs.writeFileSync(
    path.join(dir, 'app.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('steady'),
      endpointSlice('steady', [{ address: '127.0.0.1', port: backend.port }]),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'steady', namespace: 'default' },
        spec: { defaultBackend: { service: { name: 'steady', port: { number: 80 } } } },
      },
    ),
  );
  const xdsPorts = [xds0, xds1];
  for (const [xdsPort, adminPort] of [
    [xds0, admin0],
    [xds1, admin1],
  ] as const) {
    replicas.push(
      await startControllerProcess({ manifests: dir, xdsPort, adminPort, httpPort: http, httpsPort: https }),
    );
  }
  gateway = await startEnvoy({
    name: 'failover-gateway',
    bootstrap: buildBootstrap({
      group: 'default',
      xdsHost: '127.0.0.1',
      xdsPort: xds0,
      additionalXdsAddresses: [{ host: '127.0.0.1', port: xds1 }],
      nodeId: 'failover-gw',
      adminPort: 0,
      xdsReconnect: { baseIntervalMs: 100, maxIntervalMs: 1000 },
    }),
  });
  await gateway.waitForListener(http);
  const loop = startRequestLoop({ url: `http://127.0.0.1:${http}/` });
  let reconnectMs = 0;
  try {
    await loop.waitFor('traffic through the gateway', (s) => s.status === 200);
    const first = await until('the gateway is connected to one replica', () =>
      connectedTo('failover-gw', [0, 1]),
    );
    const other = 1 - first;
    await new Promise((r) => setTimeout(r, 500));

    const killedAt = Date.now();
    await replicas[first]!.kill('SIGKILL');
    const now = await until('the gateway reconnects to the other replica', () =>
      connectedTo('failover-gw', [other]),
    );
    reconnectMs = Date.now() - killedAt;
    expect(now).toBe(other);
    expect((await gateway.stats('control_plane\\.connected_state'))['control_plane.connected_state']).toBe(1);
    // Traffic keeps flowing after the failover.
    const after = Date.now();
    await loop.waitFor('traffic after the failover', (s) => s.status === 200 && s.at > after + 500, 10_000);
    process.stdout.write(
      `replica failover: killed replica ${first} (xDS port ${xdsPorts[first]}), gateway on replica ${other} after ${reconnectMs} ms\n`,
    );
  } finally {
    const { samples, failures } = await loop.stop();
    expect(failures).toEqual([]);
    expect(samples.length).toBeGreaterThan(50);
  }
}, 120_000);
