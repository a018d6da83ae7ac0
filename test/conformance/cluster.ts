/**
 * The cluster the conformance run uses: the test cluster harness (test/support/kube-cluster/cluster.ts:
 * kube-apiserver, kube-controller-manager, kube-scheduler and one node agent running each Pod as a
 * process in a network namespace with the Pod's IP, so the real endpoint-slice controller writes the
 * EndpointSlices). The suite's echo image runs the echo-basic built from
 * sigs.k8s.io/gateway-api/conformance; its coredns image runs `coredns-standin.mjs` (see there).
 * The gateways join the node's pod network, so they reach the Pods and the suite reaches them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { startKubeCluster } from '../support/kube-cluster/cluster.js';
import type { PodNetwork } from '../support/netns.js';

export interface ConformanceCluster {
  /** An admin (system:masters) kubeconfig file: the suite, the controller and the provisioner use it. */
  readonly kubeconfig: string;
  /**
   * The pod network: the node agent's Pods live on it, the gateways are added to it, and its bridge
   * address (`network.gateway`) is where the controller's xDS server listens for them.
   */
  readonly network: PodNetwork;
  /** Stops everything it started (idempotent). */
  stop(): Promise<void>;
}

/** The suite's DNS backend image (base/manifests.yaml, used by UDPRoute tests). */
const COREDNS_IMAGE = 'registry.k8s.io/coredns/coredns:v1.12.2';

/**
 * An executable that runs coredns-standin.mjs with this Node (containers get no PATH, so the script's
 * own `#!/usr/bin/env node` would not find it).
 */
function corednsStandin(dir: string): string {
  const script = path.join(projectRoot(), 'test', 'conformance', 'coredns-standin.mjs');
  const wrapper = path.join(dir, 'coredns');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec '${process.execPath}' '${script}' "$@"\n`, { mode: 0o755 });
  return wrapper;
}

export async function startConformanceCluster(): Promise<ConformanceCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-coredns-'));
  const removeDir = (): void => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const images = { [COREDNS_IMAGE]: corednsStandin(dir) };
    const cluster = await startKubeCluster({ name: 'conformance', images });
    const network = cluster.nodes[0]!.network;
    return { kubeconfig: cluster.kubeconfigFile, network, stop: () => cluster.stop().finally(removeDir) };
  } catch (err) {
    removeDir();
    throw err;
  }
}
