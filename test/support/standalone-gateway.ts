/**
 * The standalone stack most end-to-end tests need: the controller in-process on a manifests folder (xDS and
 * admin on free loopback ports) and one real Envoy gateway of group `default` bootstrapped against it.
 */
import { runController, type RunningController } from '../../src/controller/app.js';
import { startEnvoy, type EnvoyProcess } from './envoy-process.js';
import { buildBootstrap } from '../../xds/bootstrap/bootstrap.js';

export interface StandaloneGateway {
  readonly controller: RunningController;
  readonly gateway: EnvoyProcess;
  /** Stops the gateway, then the controller. */
  stop(): Promise<void>;
}

export async function startStandaloneGateway(o: {
  readonly manifests: string;
  readonly httpPort: number;
  readonly httpsPort?: number;
  /** Names the Envoy process and its node id. */
  readonly name: string;
  readonly xdsProtocol?: 'delta' | 'sotw';
  /** Keep the gateway's per-cluster stats (`buildBootstrap`'s `clusterStats`). */
  readonly clusterStats?: boolean;
}): Promise<StandaloneGateway> {
  const controller = await runController({
    manifests: o.manifests,
    xdsAddress: '127.0.0.1:0',
    adminAddress: '127.0.0.1:0',
    httpPort: o.httpPort,
    ...(o.httpsPort !== undefined ? { httpsPort: o.httpsPort } : {}),
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
        adminPort: 0,
        ...(o.xdsProtocol !== undefined ? { xdsProtocol: o.xdsProtocol } : {}),
        ...(o.clusterStats === true ? { clusterStats: true } : {}),
      }),
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
    },
  };
}

/**
 * A standalone stack whose gateway already routes: its HTTP listener is up and it has applied a route
 * configuration (what most policy tests wait for before their first request).
 */
export async function startRoutingGateway(
  o: Parameters<typeof startStandaloneGateway>[0],
): Promise<StandaloneGateway> {
  const stack = await startStandaloneGateway(o);
  try {
    await stack.gateway.waitForListener(o.httpPort);
    await stack.gateway.waitForStat('http.http.rds.http.update_success', (v) => (v ?? 0) >= 1);
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}
