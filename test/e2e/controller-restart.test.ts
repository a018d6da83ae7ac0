/**
 * Gateways keep serving their last good config when the controller is away, and a controller restart under
 * a steady request loop fails no request. The controller runs as a real process (kill -9).
 */
import fs from 'node:fs';
import path from 'node:path';
import { startEchoBackend, type EchoBackend } from '../../src/demo/echo-backend.js';
import { startEnvoy, type EnvoyProcess } from '../support/envoy-process.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startControllerProcess, type ControllerProcess } from '../support/controller-process.js';
import { httpGet } from '../support/http-client.js';
import { endpointSlice, INGRESS_CLASS, service, tempDir, yamlDocs } from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { connectedGateways } from '../support/fleet-api.js';

let dir: string;
let backend: EchoBackend;
let gateway: EnvoyProcess | undefined;
let controller: ControllerProcess | undefined;
let ports: { xds: number; admin: number; http: number; https: number };

beforeAll(async () => {
  dir = tempDir('causeway-e2e-restart-');
  backend = await startEchoBackend({ name: 'steady' });
  const [xds, admin, http, https] = (await freePorts(4)) as [number, number, number, number];
  ports = { xds, admin, http, https };
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
});

afterEach(async () => {
  await gateway?.stop();
  await controller?.kill('SIGKILL');
  gateway = controller = undefined;
});

afterAll(async () => {
  await backend.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startAll(): Promise<void> {
  controller = await startControllerProcess({
    manifests: dir,
    xdsPort: ports.xds,
    adminPort: ports.admin,
    httpPort: ports.http,
    httpsPort: ports.https,
  });
  gateway = await startEnvoy({
    name: 'restart-gateway',
    bootstrap: buildBootstrap({
      group: 'default',
      xdsHost: '127.0.0.1',
      xdsPort: ports.xds,
      nodeId: 'restart-gw',
      adminPort: 0,
      xdsReconnect: { baseIntervalMs: 100, maxIntervalMs: 500 },
    }),
  });
  await gateway.waitForListener(ports.http);
}

/** Sends requests back to back until `stop` resolves; returns [ok, failed] with the failures' reasons. */
function requestLoop(stop: Promise<void>): Promise<{ ok: number; failed: string[] }> {
  let done = false;
  void stop.then(() => (done = true));
  return (async () => {
    let ok = 0;
    const failed: string[] = [];
    while (!done) {
      try {
        const r = await httpGet(`http://127.0.0.1:${ports.http}/`, { timeoutMs: 2000 });
        if (r.status === 200) ok++;
        else failed.push(`status ${r.status}`);
      } catch (e) {
        failed.push((e as Error).message);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    return { ok, failed };
  })();
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('controller killed -> Envoy keeps serving its last good config', async () => {
  await startAll();
  expect((await httpGet(`http://127.0.0.1:${ports.http}/`)).status).toBe(200);
  await controller!.kill('SIGKILL');
  let release!: () => void;
  const loop = requestLoop(new Promise((r) => (release = r)));
  await sleep(2000);
  release();
  const { ok, failed } = await loop;
  expect(failed).toEqual([]);
  expect(ok).toBeGreaterThan(50);
}, 60_000);

test('controller restarted under a steady request loop -> zero failed requests', async () => {
  await startAll();
  let release!: () => void;
  const loop = requestLoop(new Promise((r) => (release = r)));
  await sleep(500);
  await controller!.kill('SIGKILL');
  await sleep(500);
  controller = await startControllerProcess({
    manifests: dir,
    xdsPort: ports.xds,
    adminPort: ports.admin,
    httpPort: ports.http,
    httpsPort: ports.https,
  });
  // Wait until the gateway is connected to the new controller, then keep the loop going a little longer.
  const deadline = Date.now() + 15_000;
  for (;;) {
    if ((await connectedGateways(ports.admin)).length > 0) break;
    if (Date.now() > deadline) throw new Error(`gateway did not reconnect:\n${controller.output()}`);
    await sleep(50);
  }
  await sleep(500);
  release();
  const { ok, failed } = await loop;
  expect(failed).toEqual([]);
  expect(ok).toBeGreaterThan(100);
}, 60_000);
