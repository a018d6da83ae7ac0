/**
 * The fleet registry with a real Envoy gateway: what Envoy 1.40 puts in its node (build version,
 * locality, the `causeway.dev/address` metadata of `causeway gateway bootstrap --address`) reaches
 * `/api/gateways` and `causeway gateways -o wide`, and a gateway that took the whole config is in sync.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { runController, type RunningController } from '../../src/controller/app.js';
import type { FleetView } from '../../src/fleet/fleet-view.js';
import { ENVOY_VERSION, projectRoot } from '../../src/tools/envoy-binary.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { freePorts } from '../support/ports.js';

const root = projectRoot();
let controller: RunningController | undefined;
let gateway: EnvoyProcess | undefined;

afterAll(async () => {
  await gateway?.stop();
  await controller?.stop();
});

async function fleet(): Promise<FleetView> {
  const r = await fetch(`http://127.0.0.1:${controller!.adminPort}/api/gateways`);
  return (await r.json()) as FleetView;
}

test('a real Envoy gateway shows its version, locality and announced address, in sync', async () => {
  const [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
  controller = await runController({
    manifests: path.join(root, 'examples'),
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    httpPort,
    httpsPort,
    logLevel: 'silent',
  });
  gateway = await startEnvoy({
    name: 'fleet-registry-gw',
    bootstrap: buildBootstrap({
      group: 'default',
      xdsHost: '127.0.0.1',
      xdsPort: controller.xdsPort,
      nodeId: 'fleet-registry-gw',
      adminPort: 0,
      zone: 'zone-a',
      region: 'region-1',
      address: '192.0.2.50',
    }),
  });

  const deadline = Date.now() + 15_000;
  let view = await fleet();
  const gw = (): FleetView['groups'][number]['gateways'][number] | undefined =>
    view.groups.flatMap((g) => g.gateways).find((g) => g.nodeId === 'fleet-registry-gw');
  while (gw()?.status !== 'in-sync' || gw()?.types.some((t) => t.state !== 'acked')) {
    if (Date.now() > deadline) throw new Error(`gateway not in sync: ${JSON.stringify(gw())}`);
    await new Promise((r) => setTimeout(r, 100));
    view = await fleet();
  }
  expect(gw()).toMatchObject({
    group: 'default',
    status: 'in-sync',
    draining: false,
    userAgent: 'envoy',
    envoyVersion: ENVOY_VERSION,
    zone: 'zone-a',
    region: 'region-1',
    address: '192.0.2.50',
    stream: 'delta',
  });
  expect(gw()?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
  // Envoy asked for what the examples need: clusters, endpoints, listeners, routes (no TLS: no secrets).
  expect(gw()?.types.map((t) => t.type)).toEqual(['cluster', 'endpoint', 'listener', 'route']);
  const versions = view.groups.find((g) => g.name === 'default')?.versions;
  for (const t of gw()?.types ?? []) expect(t.ackedVersion).toBe(versions?.[t.type as 'cluster']);

  const wide = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [
        path.join(root, 'bin', 'causeway.js'),
        'gateways',
        '-o',
        'wide',
        '--admin-address',
        `127.0.0.1:${controller!.adminPort}`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    ),
  );
  const row = wide.split('\n').find((l) => l.startsWith('fleet-registry-gw'));
  expect(row?.split(/ {3,}/).slice(0, 8)).toEqual([
    'fleet-registry-gw',
    'default',
    'zone-a',
    '192.0.2.50',
    'in-sync',
    expect.stringMatching(/^\d+s$/),
    ENVOY_VERSION,
    'delta',
  ]);
}, 60_000);
