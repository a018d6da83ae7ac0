/**
 * A standalone stack with a controller config file and one real Envoy gateway per named group: the
 * controller in-process on a manifests folder and a config file (group settings such as `clientIp` or
 * `proxyProtocol`), xDS and admin on free loopback ports, each gateway bootstrapped for its group.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runController, type RunningController } from '../../src/controller/app.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';
import { startEnvoy, type EnvoyProcess } from './envoy-process.js';

export interface ConfiguredStack {
  readonly controller: RunningController;
  /** By group name. */
  readonly gateways: ReadonlyMap<string, EnvoyProcess>;
  /** Stops the gateways, then the controller. */
  stop(): Promise<void>;
}

export async function startConfiguredStack(o: {
  readonly manifests: string;
  /** The config file's YAML text, written next to the manifests folder. */
  readonly config: string;
  /** One gateway per group; names the Envoy processes and node ids (`<name>-<group>`). */
  readonly groups: readonly string[];
  readonly name: string;
  /** Keep the gateways' per-cluster stats (`buildBootstrap`'s `clusterStats`). */
  readonly clusterStats?: boolean;
}): Promise<ConfiguredStack> {
  const configFile = path.join(path.dirname(o.manifests), `${path.basename(o.manifests)}.config.yaml`);
  fs.writeFileSync(configFile, o.config);
  const controller = await runController({
    manifests: o.manifests,
    config: configFile,
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    logLevel: 'silent',
  });
  const gateways = new Map<string, EnvoyProcess>();
  const stop = async (): Promise<void> => {
    for (const g of gateways.values()) await g.stop();
    await controller.stop();
    fs.rmSync(configFile, { force: true });
  };
  try {
    for (const group of o.groups) {
      const nodeId = `${o.name}-${group}`;
      const bootstrap = buildBootstrap({
        group,
        xdsHost: '127.0.0.1',
        xdsPort: controller.xdsPort,
        nodeId,
        adminPort: 0,
        ...(o.clusterStats === true ? { clusterStats: true } : {}),
      });
      gateways.set(group, await startEnvoy({ name: nodeId, bootstrap }));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { controller, gateways, stop };
}
