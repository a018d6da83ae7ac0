/**
 * The cluster the conformance run uses: the test cluster harness (test/support/kube-cluster/cluster.ts:
 * kube-apiserver, kube-controller-manager, kube-scheduler and one node agent running each Pod as a
 * process in a network namespace with the Pod's IP, so the real endpoint-slice controller writes the
 * EndpointSlices). The suite's echo image runs the echo-basic built from
 * sigs.k8s.io/gateway-api/conformance; its coredns image runs `coredns-standin.mjs` (see there).
 * The gateways join the node's pod network, so they reach the Pods and the suite reaches them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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

export async function startConformanceCluster(): Promise<ConformanceCluster> {
  const standin = path.join(path.dirname(fileURLToPath(import.meta.url)), 'coredns-standin.mjs');
  const cluster = await startKubeCluster({ name: 'conformance', images: { [COREDNS_IMAGE]: standin } });
  const network = cluster.nodes[0]!.network;
  return { kubeconfig: cluster.kubeconfigFile, network, stop: () => cluster.stop() };
}
