/**
 * The standalone stack (controller in-process on a manifests folder, one real Envoy gateway of group
 * `default`) with what the observability tests need besides standalone-gateway.ts: a controller config
 * file, a fixed admin port (so the bootstrap defines the `causeway_admin` cluster the metrics listener
 * routes to), and Envoy's access log flush interval shortened so lines appear within ~100 ms
 * (`--file-flush-interval-msec`; Envoy's default is 10 s).
 */
import fs from 'node:fs';
import path from 'node:path';
import { runController, type RunningController } from '../../src/controller/app.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startEnvoy, type EnvoyProcess } from './envoy-process.js';
import { freePort } from './ports.js';

export interface ObservedGateway {
  readonly controller: RunningController;
  readonly gateway: EnvoyProcess;
  stop(): Promise<void>;
}

export async function startObservedGateway(o: {
  readonly manifests: string;
  readonly httpPort: number;
  readonly name: string;
  /** The controller config file's text (YAML); written next to the manifests folder. */
  readonly config?: string;
}): Promise<ObservedGateway> {
  const configFile = path.join(path.dirname(o.manifests), `${path.basename(o.manifests)}.config.yaml`);
  if (o.config !== undefined) fs.writeFileSync(configFile, o.config);
  const controller = await runController({
    manifests: o.manifests,
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    httpPort: o.httpPort,
    ...(o.config !== undefined ? { config: configFile } : {}),
    logLevel: 'silent',
  });
  let gateway: EnvoyProcess;
  try {
    gateway = await startEnvoy({
      name: o.name,
      bootstrap: buildBootstrap({
        group: 'default',
        xdsHost: '127.0.0.1',
        xdsPort: controller.xdsPort,
        nodeId: o.name,
        adminPort: await freePort(),
        address: '127.0.0.1',
        // The scrape tests read per-cluster series (the Grafana dashboard's backend panels need them).
        clusterStats: true,
      }),
      extraArgs: ['--file-flush-interval-msec', '100'],
    });
  } catch (err) {
    await controller.stop();
    throw err;
  }
  return {
    controller,
    gateway,
    async stop() {
      await gateway.stop();
      await controller.stop();
      fs.rmSync(configFile, { force: true });
    },
  };
}
