/**
 * What a platform team's automation does for Causeway's Gateway API support, for tests: it follows the
 * Gateways (gateway.networking.k8s.io/v1) of the GatewayClasses whose controllerName is ours and, for each
 * gateway group they map onto (src/gateway-api/gateway-group-name.ts), runs one real Envoy in its own
 * network namespace on a test pod network (test/support/netns.ts, netns-gateway.ts), bootstrapped for
 * that group against the controller's xDS server and announcing its pod address (node metadata
 * `causeway.dev/address`), which the controller writes into the Gateways' `status.addresses`. When no
 * Gateway maps onto a group any more, its Envoy is stopped and its namespace removed.
 *
 *   const prov = await startGatewayProvisioner({ kubeconfig, network, xdsHost: network.gateway, xdsPort });
 *   await prov.waitForGroup('gateway-conformance-infra-same-namespace', true);
 *   await prov.stop();
 *
 * It is level-triggered: it lists GatewayClasses and Gateways every `intervalMs` and converges on them
 * (a missed or reordered event cannot leave a gateway behind). A group whose Envoy fails to start is
 * retried on the next round (the failure is kept in `problems()`); an Envoy that exits is replaced.
 */
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { gatewayGroupOf } from '../../src/gateway-api/gateway-group-name.js';
import type { PodNetwork, Pod } from './netns.js';
import { startNetnsGateway, type NetnsGateway } from './netns-gateway.js';

export const CAUSEWAY_CONTROLLER_NAME = 'causeway.dev/gateway';
const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

export interface GatewayObject extends KubernetesObject {
  readonly spec?: { readonly gatewayClassName?: string; readonly [field: string]: unknown };
}

export interface GatewayClassObject extends KubernetesObject {
  readonly spec?: { readonly controllerName?: string };
}

/** The gateway groups the Gateways of our classes map onto, with their Gateways (`ns/name`), sorted. */
export interface DesiredGroups {
  readonly groups: ReadonlyMap<string, readonly string[]>;
  /** Gateways of our classes that map onto no group (bad annotation), with why; sorted. */
  readonly problems: readonly string[];
}

/** Pure: which gateway groups need a gateway, given the listed classes and Gateways. */
export function desiredGatewayGroups(
  classes: readonly GatewayClassObject[],
  gateways: readonly GatewayObject[],
  controllerName: string = CAUSEWAY_CONTROLLER_NAME,
): DesiredGroups {
  const ours = new Set(
    classes.filter((c) => c.spec?.controllerName === controllerName).map((c) => c.metadata?.name ?? ''),
  );
  const groups = new Map<string, string[]>();
  const problems: string[] = [];
  for (const gw of gateways) {
    const className = gw.spec?.gatewayClassName;
    if (className === undefined || !ours.has(className) || gw.metadata?.deletionTimestamp) continue;
    const namespace = gw.metadata?.namespace ?? 'default';
    const name = gw.metadata?.name ?? '';
    const ref = `${namespace}/${name}`;
    const group = gatewayGroupOf({ namespace, name, annotations: gw.metadata?.annotations });
    if (!group.ok) {
      problems.push(`${ref}: ${group.error}`);
      continue;
    }
    groups.set(group.group, [...(groups.get(group.group) ?? []), ref]);
  }
  const sorted = new Map([...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  for (const refs of sorted.values()) refs.sort();
  return { groups: sorted, problems: problems.sort() };
}

/** Whether a process runs (signal 0). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface GatewayProvisionerOptions {
  /** A kubeconfig file allowed to list GatewayClasses and Gateways. */
  readonly kubeconfig: string;
  /** The pod network the gateways' namespaces are added to (their addresses are reachable from the host). */
  readonly network: PodNetwork;
  /** The controller's xDS address as the pods see it (the bridge address) and port; plaintext. */
  readonly xdsHost: string;
  readonly xdsPort: number;
  readonly controllerName?: string;
  /** Default 500 ms. */
  readonly intervalMs?: number;
  /** How long each Envoy may take to become LIVE; default 30 s. */
  readonly liveTimeoutMs?: number;
  /** Progress lines (a gateway started or stopped, a failure); default none. */
  readonly log?: (line: string) => void;
}

export interface ProvisionedGateway {
  readonly group: string;
  readonly gateway: NetnsGateway;
  readonly pod: Pod;
}

export interface GatewayProvisioner {
  /** The running gateways by group. */
  running(): ReadonlyMap<string, ProvisionedGateway>;
  /** The last round's problems (bad annotations, failed starts, list errors), sorted. */
  problems(): readonly string[];
  /** Resolves once the group's gateway runs (`true`) or is gone (`false`). */
  waitForGroup(group: string, present: boolean, timeoutMs?: number): Promise<void>;
  /** Stops the loop, every gateway, and removes their namespaces. Idempotent. */
  stop(): Promise<void>;
}

export async function startGatewayProvisioner(o: GatewayProvisionerOptions): Promise<GatewayProvisioner> {
  const kc = new KubeConfig();
  kc.loadFromFile(o.kubeconfig);
  const api = KubernetesObjectApi.makeApiClient(kc);
  const log = o.log ?? (() => undefined);
  const running = new Map<string, ProvisionedGateway>();
  let problems: readonly string[] = [];
  let counter = 0;
  let stopped = false;

  /** Keeps the round's problems; logs only the new ones (a lasting problem is logged once). */
  const setProblems = (next: readonly string[]): void => {
    for (const p of next) if (!problems.includes(p)) log(`problem: ${p}`);
    problems = next;
  };

  const startGroup = async (group: string): Promise<void> => {
    const index = ++counter;
    const pod = await o.network.addPod(`gw${String(index)}`);
    try {
      const gateway = await startNetnsGateway({
        pod,
        group,
        nodeId: `${group}-gw${String(index)}`,
        xdsHost: o.xdsHost,
        xdsPort: o.xdsPort,
        liveTimeoutMs: o.liveTimeoutMs ?? 30_000,
        bootstrap: { address: pod.ip },
      });
      running.set(group, { group, gateway, pod });
      log(`gateway for group ${group} started at ${pod.ip} (${gateway.nodeId})`);
    } catch (err) {
      await pod.remove();
      throw err;
    }
  };

  const stopGroup = async (p: ProvisionedGateway): Promise<void> => {
    running.delete(p.group);
    await p.gateway.stop();
    await p.pod.remove();
    log(`gateway for group ${p.group} stopped`);
  };

  const round = async (): Promise<void> => {
    const [classes, gateways] = await Promise.all([
      api.list<GatewayClassObject>(GATEWAY_API_VERSION, 'GatewayClass'),
      api.list<GatewayObject>(GATEWAY_API_VERSION, 'Gateway'),
    ]);
    const desired = desiredGatewayGroups(classes.items, gateways.items, o.controllerName);
    const found = [...desired.problems];
    const exited = [...running.values()].filter((p) => !isAlive(p.gateway.pid));
    for (const p of exited)
      log(`gateway for group ${p.group} (${p.gateway.nodeId}) exited; starting another`);
    await Promise.all(exited.map(stopGroup));
    await Promise.all([...running.values()].filter((p) => !desired.groups.has(p.group)).map(stopGroup));
    const missing = [...desired.groups.keys()].filter((g) => !running.has(g));
    const results = await Promise.allSettled(missing.map(startGroup));
    results.forEach((r, i) => {
      if (r.status === 'rejected') found.push(`group ${missing[i]!}: ${String(r.reason)}`);
    });
    setProblems(found.sort());
  };

  const loop = (async (): Promise<void> => {
    while (!stopped) {
      try {
        await round();
      } catch (err) {
        setProblems([`listing Gateways: ${(err as Error).message.split('\n')[0]!}`]);
      }
      await new Promise((r) => setTimeout(r, o.intervalMs ?? 500));
    }
  })();

  const waitForGroup = async (group: string, present: boolean, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (running.has(group) !== present) {
      if (Date.now() > deadline) {
        throw new Error(
          `gateway group ${group} ${present ? 'not running' : 'still running'} after ${String(timeoutMs)} ms` +
            (problems.length > 0 ? ` (problems: ${problems.join('; ')})` : ''),
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      stopped = true;
      await loop;
      await Promise.all([...running.values()].map(stopGroup));
    })());

  return { running: () => running, problems: () => problems, waitForGroup, stop };
}
