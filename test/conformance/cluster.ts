/**
 * THE JOIN POINT between the conformance run and the cluster harness (issue 15 item 5, i15-harness):
 * `startConformanceCluster()` must give a cluster whose Deployments really run (kube-apiserver,
 * kube-controller-manager, kube-scheduler, and the node agent running each Pod bound to its Node as a
 * process in a network namespace of `network`, with the Pod's IP, reporting readiness so the real
 * endpoint-slice controller writes EndpointSlices; the suite's echo image mapped to the echo-basic
 * binary built from sigs.k8s.io/gateway-api/conformance/echo-basic).
 *
 * Until it is wired, this starts only etcd and kube-apiserver on a fresh pod network: everything the run
 * does works (CRDs, controller, gateways, the suite binary), but the suite's base Deployments never get
 * ready Pods, so its setup waits for NamespacesMustBeReady (300 s) and fails. `podsRun` says which one
 * this is; run-conformance.ts warns when it is false.
 */
import { ensureKubeBinaries, startEtcd, startKubeApiserver } from '../support/kube-apiserver.js';
import { createPodNetwork, type PodNetwork } from '../support/netns.js';

export interface ConformanceCluster {
  /** An admin (system:masters) kubeconfig file: the suite, the controller and the provisioner use it. */
  readonly kubeconfig: string;
  /**
   * The pod network: the node agent's Pods live on it, the gateways are added to it, and its bridge
   * address (`network.gateway`) is where the controller's xDS server listens for them.
   */
  readonly network: PodNetwork;
  /** Whether Pods of Deployments really run (false for the apiserver-only stand-in). */
  readonly podsRun: boolean;
  /** Stops everything it started (idempotent). */
  stop(): Promise<void>;
}

// JOIN POINT: replace the body with the harness's cluster (same return shape).
export async function startConformanceCluster(): Promise<ConformanceCluster> {
  await ensureKubeBinaries();
  const etcd = await startEtcd();
  const api = await startKubeApiserver({ etcd, name: 'conformance' });
  const network = await createPodNetwork({ name: 'conf' });
  let stopping: Promise<void> | undefined;
  return {
    kubeconfig: api.kubeconfig('admin'),
    network,
    podsRun: false,
    stop: () =>
      (stopping ??= (async () => {
        await network.destroy();
        await api.stop();
        await etcd.stop();
      })()),
  };
}
