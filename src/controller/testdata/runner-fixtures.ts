/**
 * Shared fixtures of the runner tests: Kubernetes objects (an IngressClass, Services, EndpointSlices,
 * Ingresses in `default`), an in-memory source whose `emit` hands the runner an exact change list, and
 * a started runner over it (short debounce, silent logs).
 */
import pino from 'pino';
import { ControllerMetrics } from '../../observability/metrics.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../translate/translate-options.js';
import { SnapshotCache } from '../../../xds/cache/snapshot-cache.js';
import { ControllerRunner } from '../runner.js';
import { buildResourceSet, type Sourced } from '../../resources/resource-set.js';
import type { KubeObject } from '../../resources/kube-types.js';
import type { ResourceChange, ResourceSource, SourceUpdate } from '../../sources/source-update.js';

const origin = { cluster: 'local' };
export const cls: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'causeway', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
  spec: { controller: 'causeway.dev/gateway' },
};
export const svc = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { ports: [{ name: 'http', port: 80 }] },
});
export const slice = (service: string, ip: string): KubeObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${service}-1`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080 }],
  endpoints: [{ addresses: [ip], conditions: { ready: true } }],
});
export const ing = (host: string, service: string): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: service, namespace: 'default' },
  spec: {
    rules: [
      {
        host,
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
});

/** An in-memory source: `emit` hands the runner a new state with an exact change list. */
export class FakeSource implements ResourceSource {
  objects: KubeObject[];
  private cb?: (u: SourceUpdate) => void;
  constructor(objects: KubeObject[]) {
    this.objects = objects;
  }
  update(changed: ResourceChange[]): SourceUpdate {
    return {
      resources: buildResourceSet(this.objects.map((o): Sourced<KubeObject> => ({ object: o, origin }))),
      diagnostics: [],
      changed,
    };
  }
  async load(): Promise<SourceUpdate> {
    return this.update([]);
  }
  async watch(cb: (u: SourceUpdate) => void): Promise<void> {
    this.cb = cb;
  }
  async close(): Promise<void> {}
  emit(objects: KubeObject[], changed: ResourceChange[]): void {
    this.objects = objects;
    this.cb!(this.update(changed));
  }
}

/** A started runner over `source` (flushes at least 5 ms apart), with its cache and metrics. */
export async function startRunner(source: FakeSource) {
  const cache = new SnapshotCache();
  const metrics = new ControllerMetrics({ defaultMetrics: false });
  const runner = new ControllerRunner({
    source,
    cache,
    metrics,
    logger: pino({ level: 'silent' }),
    translateOptions: DEFAULT_TRANSLATE_OPTIONS,
    minFlushGapMs: 5,
  });
  await runner.start();
  return { cache, metrics, runner };
}
