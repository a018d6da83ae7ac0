/**
 * Real Envoys in the loop of a Kubernetes-mode benchmark: gateways in network namespaces on a bridge
 * (test/support/netns.ts, netns-gateway.ts), probe Services whose endpoints are real HTTP echo pods
 * (two pods per Service, `a` and `b`; a write moves the Service's only endpoint from one to the other),
 * one Ingress per probe Service in the gateways' group, and HTTP probers in a child process
 * (routed-prober.ts). Measures "every real gateway routes": after the controller starts (cold start),
 * and after each EndpointSlice write (write -> every gateway answers from the new pod).
 *
 * The objects are plain API objects for the benchmark's writer; writing them is the caller's (`put`).
 */
import { createPodNetwork, type Pod, type PodNetwork } from '../support/netns.js';
import { startNetnsGateway, type NetnsGateway } from '../support/netns-gateway.js';
import { monotonicMs } from './http-prober.js';
import { ProberProcess, type ProbeTarget } from './routed-prober.js';

export const PROBE_NAMESPACE = 'probe';
const HTTP_PORT = 8080;
const ECHO_PORT = 8080;
const ROUTED_TIMEOUT_MS = 15_000;
/** A cold start of a big input with several Envoys on a busy machine takes more than the default 30 s. */
const LIVE_TIMEOUT_MS = 300_000;

/** An API object as the benchmark's writer sends it. */
export interface ProbeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

export interface ProbeService {
  readonly name: string;
  readonly host: string;
  /** The two echo pods: pods[0] is `<name>-a`, pods[1] `<name>-b` (the backend names they answer with). */
  readonly pods: readonly [Pod, Pod];
}

/** The pods (echo pods, the gateways' pods) and the prober process, before any gateway runs. */
export interface ProbeNet {
  readonly net: PodNetwork;
  readonly services: readonly ProbeService[];
  readonly gatewayPods: readonly Pod[];
  /** Node ids the gateways will have (as in their ADS streams). */
  readonly nodeIds: readonly string[];
  readonly prober: ProberProcess;
  /** Stops the prober, removes the pods. */
  destroy(): Promise<void>;
}

export interface RealGateways extends ProbeNet {
  readonly gateways: readonly NetnsGateway[];
  /** Stops the gateways, then destroy(). */
  stop(): Promise<void>;
}

export const probeServiceName = (j: number): string => `probe-${j}`;

/** The EndpointSlice of probe Service `svc` with its one endpoint on pod `which` (0: a, 1: b). */
export function probeSlice(svc: ProbeService, which: 0 | 1, cluster: string): ProbeObject {
  const pod = svc.pods[which];
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${svc.name}-${cluster}`,
      namespace: PROBE_NAMESPACE,
      labels: { 'kubernetes.io/service-name': svc.name },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: ECHO_PORT, protocol: 'TCP' }],
    endpoints: [{ addresses: [pod.ip], conditions: { ready: true, serving: true, terminating: false } }],
  };
}

/** Namespace, Services, EndpointSlices (on pod a) and Ingresses (in `group`) of the probe Services. */
export function probeObjects(
  services: readonly ProbeService[],
  group: string,
  cluster: string,
  ingressClassName: string,
): ProbeObject[] {
  const namespace: ProbeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: PROBE_NAMESPACE } };
  return [
    namespace,
    ...services.map((svc): ProbeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: svc.name, namespace: PROBE_NAMESPACE },
      spec: { ports: [{ name: 'http', port: 80, targetPort: ECHO_PORT, protocol: 'TCP' }] },
    })),
    ...services.map((svc) => probeSlice(svc, 0, cluster)),
    ...services.map((svc): ProbeObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: svc.name,
        namespace: PROBE_NAMESPACE,
        annotations: { 'causeway.dev/gateway-group': group },
      },
      spec: {
        ingressClassName,
        rules: [
          {
            host: svc.host,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: svc.name, port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    })),
  ];
}

/** The pod network, the echo pods of `probeServices` Services, `gateways` pods and the prober process. */
export async function createProbeNet(
  name: string,
  probeServices: number,
  gateways: number,
): Promise<ProbeNet> {
  const net = await createPodNetwork({ name });
  let prober: ProberProcess | undefined;
  const destroy = async (): Promise<void> => {
    await prober?.close();
    await net.destroy();
  };
  try {
    const services: ProbeService[] = [];
    for (let j = 0; j < probeServices; j++) {
      const svc = probeServiceName(j);
      const pods = [await net.addPod(`${svc}-a`), await net.addPod(`${svc}-b`)] as const;
      for (const pod of pods) await pod.startHttpEcho(pod.name, ECHO_PORT);
      services.push({ name: svc, host: `${svc}.bench.example.com`, pods });
    }
    const nodeIds = Array.from({ length: gateways }, (_, i) => `real-gw-${i}`);
    const gatewayPods: Pod[] = [];
    for (const id of nodeIds) gatewayPods.push(await net.addPod(id));
    prober = new ProberProcess();
    return { net, services, gatewayPods, nodeIds, prober, destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}

/**
 * Starts an Envoy of `group` in each gateway pod, connecting to the controller at the bridge address;
 * resolves once every one is LIVE (which needs the controller's first config).
 */
export async function startRealGateways(p: ProbeNet, group: string, xdsPort: number): Promise<RealGateways> {
  const started = await Promise.allSettled(
    p.gatewayPods.map((pod, i) =>
      startNetnsGateway({
        pod,
        group,
        nodeId: p.nodeIds[i]!,
        xdsHost: p.net.gateway,
        xdsPort,
        liveTimeoutMs: LIVE_TIMEOUT_MS,
      }),
    ),
  );
  const gateways = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(gateways.map((g) => g.stop()));
    await p.destroy();
  };
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(gateways.map((g) => g.stop()));
    throw failed.reason;
  }
  return { ...p, gateways, stop };
}

/** Every (gateway, probe Service) pair, gateway-major. */
function targets(r: ProbeNet, services: readonly ProbeService[]): ProbeTarget[] {
  return r.gatewayPods.flatMap((g) => services.map((s) => ({ ip: g.ip, port: HTTP_PORT, host: s.host })));
}

/**
 * Waits until every gateway routes every probe Service to its pod `a`; returns monotonicMs() of the
 * moment the last one did (answers count from `since`, monotonicMs()).
 */
export async function awaitAllRouted(r: ProbeNet, since: number, timeoutMs: number): Promise<number> {
  const t = targets(r, r.services);
  // 5 ms apart: waiting probers should not load gateways that are still taking in their config.
  await r.prober.start(t, 5);
  try {
    const ms = await r.prober.routed(
      since,
      t.map((_, i) => `${r.services[i % r.services.length]!.name}-a`),
      timeoutMs,
    );
    await r.prober.stop();
    return since + Math.max(...ms);
  } catch (err) {
    await r.prober.stop().catch(() => undefined);
    throw err;
  }
}

export interface RoutedSample {
  readonly service: string;
  /** The write (PUT) answered by the apiserver, ms after it was sent. */
  readonly putMs: number;
  /** Write sent -> each gateway answers from the new pod (gateway order). */
  readonly perGatewayMs: readonly number[];
  /** Write sent -> the last gateway answers from the new pod. */
  readonly allMs: number;
}

/** Writes the slice; resolves with monotonicMs() when it was sent and answered. */
export type PutSlice = (
  slice: ProbeObject,
) => Promise<{ readonly sentMs: number; readonly answeredMs: number }>;

/**
 * `writes` EndpointSlice writes, one at a time, rotating over the probe Services: each moves the Service's
 * endpoint to its other pod, and is timed until every real gateway answers from that pod.
 */
export async function routedWrites(
  r: RealGateways,
  writes: number,
  cluster: string,
  put: PutSlice,
): Promise<RoutedSample[]> {
  const current = r.services.map(() => 0 as 0 | 1);
  const samples: RoutedSample[] = [];
  for (let i = 0; i < writes; i++) {
    const j = i % r.services.length;
    const svc = r.services[j]!;
    const next = current[j] === 0 ? 1 : 0;
    const t = targets(r, [svc]);
    await r.prober.start(t);
    try {
      // Settled on the current pod first (and connections warm).
      await r.prober.routed(
        monotonicMs(),
        t.map(() => svc.pods[current[j]!].name),
        ROUTED_TIMEOUT_MS,
      );
      const times = await put(probeSlice(svc, next, cluster));
      const ms = await r.prober.routed(
        times.sentMs,
        t.map(() => svc.pods[next].name),
        ROUTED_TIMEOUT_MS,
      );
      samples.push({
        service: svc.name,
        putMs: times.answeredMs - times.sentMs,
        perGatewayMs: ms,
        allMs: Math.max(...ms),
      });
    } finally {
      await r.prober.stop();
    }
    current[j] = next;
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 50));
  }
  return samples;
}

/** Each gateway's Envoy heap (MB, from its admin `/memory`), NaN when unreadable. */
export async function gatewayHeapMb(r: RealGateways): Promise<number[]> {
  return Promise.all(
    r.gateways.map(async (g) => {
      try {
        const m = JSON.parse((await g.admin('/memory')).body) as { heap_size?: string };
        return Math.round((Number(m.heap_size) / 1024 / 1024) * 10) / 10;
      } catch {
        return NaN;
      }
    }),
  );
}
