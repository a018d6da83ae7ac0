/**
 * Objects for tests on the cluster harness: a Deployment of the conformance echo server (echo-basic,
 * with the downward-API environment the conformance manifests give it), a Service in front of it, and
 * `waitUntil`, a poll that fails naming the last value seen.
 */
import type { V1Deployment, V1Service } from '@kubernetes/client-node';

/** The image the conformance manifests run; the node agent maps it to the built echo-basic. */
export const ECHO_IMAGE = 'registry.k8s.io/gateway-api/echo-basic:v1.5.1';
/** echo-basic's HTTP port (its HTTP_PORT default). */
export const ECHO_PORT = 3000;

export interface EchoDeploymentOptions {
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  /** Seconds of `lifecycle.preStop.sleep`; none when undefined. */
  readonly preStopSleepS?: number;
  /** A readinessProbe (httpGet / on ECHO_PORT, this period in seconds); none when undefined. */
  readonly readinessPeriodS?: number;
  readonly terminationGracePeriodS?: number;
  /** Pod template annotations (changing one rolls the Deployment). */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A Deployment of echo-basic labelled `app: <name>`, as the conformance manifests write it. */
export function echoDeployment(o: EchoDeploymentOptions): V1Deployment {
  const labels = { app: o.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: o.name, namespace: o.namespace, labels },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, ...(o.annotations ? { annotations: { ...o.annotations } } : {}) },
        spec: {
          ...(o.terminationGracePeriodS !== undefined
            ? { terminationGracePeriodSeconds: o.terminationGracePeriodS }
            : {}),
          containers: [
            {
              name: 'echo',
              image: ECHO_IMAGE,
              ports: [{ name: 'http', containerPort: ECHO_PORT }],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              ],
              ...(o.readinessPeriodS !== undefined
                ? {
                    readinessProbe: {
                      httpGet: { path: '/', port: 'http' },
                      periodSeconds: o.readinessPeriodS,
                      failureThreshold: 1,
                    },
                  }
                : {}),
              ...(o.preStopSleepS !== undefined
                ? { lifecycle: { preStop: { sleep: { seconds: o.preStopSleepS } } } }
                : {}),
            },
          ],
        },
      },
    },
  };
}

/** A Service `name` selecting `app: <name>`, port 80 (named http) to echo-basic's port. */
export function echoService(o: { readonly namespace: string; readonly name: string }): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: o.name, namespace: o.namespace },
    spec: {
      selector: { app: o.name },
      ports: [{ name: 'http', port: 80, targetPort: ECHO_PORT, protocol: 'TCP' }],
    },
  };
}

/** Polls `probe` until `ok` holds and returns that value; fails after `timeoutMs` with the last one seen. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | string = 'nothing yet';
  for (;;) {
    try {
      const value = await probe();
      if (ok(value)) return value;
      last = value;
    } catch (err) {
      last = `error: ${String(err)}`;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not within ${String(timeoutMs)} ms; last seen: ${JSON.stringify(last, (k, v: unknown) => (k === 'managedFields' ? undefined : v))}`.slice(
          0,
          4000,
        ),
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
