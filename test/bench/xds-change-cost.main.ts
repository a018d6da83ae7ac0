/**
 * Benchmark of the xDS work one endpoint change costs, in one process and without gRPC: a group of the
 * benchmark config (generate-manifests.ts: one group, `--services` Services, so as many clusters and
 * ClusterLoadAssignments), `--delta` Delta and `--sotw` SotW stream machines that subscribed to
 * everything (CDS and LDS wildcard, every CLA and route) and ACKed it, then `--changes` changes of one
 * ClusterLoadAssignment through `SnapshotCache.updateResources` (the runner's endpoints fast path).
 *
 * Per change it times the cache (the update minus its subscribers) and the streams (each machine's
 * `onChange`, the response object and its protobuf encoding, as the stream driver and gRPC do), and
 * counts the resources the responses carried. Prints a table and writes dist/xds-change-cost.json.
 *
 * Then `--cluster-changes` changes of one cluster: per stream, the cluster (all of them for SotW, whose
 * list is encoded once and shared) and its CLA again; and, for comparison, the same SotW pushes encoded
 * each with its own copy of the list.
 *
 *   node dist/test/bench/xds-change-cost.main.js [--services 2000] [--delta 1000] [--sotw 100] [--changes 50]
 *     [--cluster-changes 5]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildResourceSet } from '../../src/resources/resource-set.js';
import { translate } from '../../src/translate/translate.js';
import { DEFAULT_TRANSLATE_OPTIONS } from '../../src/translate/translate-options.js';
import type { GroupSnapshot, PlainResource } from '../../xds/cache/config-watcher.js';
import { SnapshotCache } from '../../xds/cache/snapshot-cache.js';
import type { ResourceTypeUrl } from '../../xds/protos/envoy-protos.js';
import { DeltaMachine } from '../../xds/server/delta-machine.js';
import { deltaResponse } from '../../xds/server/delta-stream.js';
import {
  encodeDeltaDiscoveryResponse,
  encodeDiscoveryResponse,
  type DeltaDiscoveryRequest,
  type DiscoveryRequest,
} from '../../xds/server/discovery-messages.js';
import { createNonceSource } from '../../xds/server/nonce.js';
import { SotwMachine } from '../../xds/server/sotw-machine.js';
import { sotwResponse } from '../../xds/server/sotw-stream.js';
import type { Push, Step, StreamMachine } from '../../xds/server/stream-machine.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import { CDS, EDS, LDS, RDS, round, summary } from './bench-harness.js';
import { generateInput } from './generate-manifests.js';

type AnyMachine = StreamMachine<DeltaDiscoveryRequest> | StreamMachine<DiscoveryRequest>;

interface Stream {
  readonly kind: 'delta' | 'sotw';
  readonly machine: AnyMachine;
  /** Sends a request of the type that ACKs `push` (or a plain one without `push`). */
  readonly request: (typeUrl: ResourceTypeUrl, names: readonly string[], push?: Push) => Step;
  readonly encode: (push: Push) => number;
}

function deltaStream(snapshot: () => GroupSnapshot): Stream {
  const machine = new DeltaMachine(createNonceSource('b'));
  return {
    kind: 'delta',
    machine,
    request: (typeUrl, names, push) =>
      machine.onRequest(
        {
          node: { id: 'gw', cluster: 'bench' },
          type_url: typeUrl,
          resource_names_subscribe: push ? [] : names,
          resource_names_unsubscribe: [],
          initial_resource_versions: {},
          response_nonce: push?.nonce ?? '',
          error_detail: null,
        },
        snapshot(),
      ),
    encode: (push) => encodeDeltaDiscoveryResponse(deltaResponse(push)).byteLength,
  };
}

function sotwStream(snapshot: () => GroupSnapshot): Stream {
  const machine = new SotwMachine(createNonceSource('b'));
  const subscribed = new Map<string, readonly string[]>();
  return {
    kind: 'sotw',
    machine,
    request: (typeUrl, names, push) => {
      if (!push) subscribed.set(typeUrl, names);
      return machine.onRequest(
        {
          version_info: push?.version ?? '',
          node: { id: 'gw', cluster: 'bench' },
          resource_names: subscribed.get(typeUrl) ?? [],
          type_url: typeUrl,
          response_nonce: push?.nonce ?? '',
          error_detail: null,
        },
        snapshot(),
      );
    },
    encode: (push) => encodeDiscoveryResponse(sotwResponse(push)).byteLength,
  };
}

/** ACKs every push of `step`, and what the ACKs bring, until nothing more is sent. */
function ackAll(stream: Stream, step: Step): void {
  for (const push of step.pushes) ackAll(stream, stream.request(push.typeUrl, [], push));
}

/** Subscribes like Envoy: CDS, then the CLAs, LDS, then the routes; ACKs everything. */
function connect(stream: Stream, snapshot: GroupSnapshot): void {
  const names = (t: ResourceTypeUrl): string[] => [...(snapshot.types.get(t)?.resources.keys() ?? [])];
  ackAll(stream, stream.request(CDS, []));
  ackAll(stream, stream.request(EDS, names(EDS)));
  ackAll(stream, stream.request(LDS, []));
  ackAll(stream, stream.request(RDS, names(RDS)));
}

/** A copy of a ClusterLoadAssignment whose first endpoint's port is `port`. */
function withPort(cla: PlainResource, port: number): PlainResource {
  const resource = structuredClone(cla.resource) as {
    endpoints: Array<{
      lb_endpoints: Array<{ endpoint: { address: { socket_address: { port_value: number } } } }>;
    }>;
  };
  resource.endpoints[0]!.lb_endpoints[0]!.endpoint.address.socket_address.port_value = port;
  return { name: cla.name, resource };
}

interface Figures {
  readonly services: number;
  readonly deltaStreams: number;
  readonly sotwStreams: number;
  readonly changes: number;
  /** The cache's update with no subscriber. */
  readonly cacheAloneUsPerChange: { p50: number; p99: number };
  /** The update with the streams subscribed, minus the time in the streams (so: the cache and dispatch). */
  readonly cacheUsPerChange: { p50: number; p99: number };
  readonly deltaUsPerStream: { p50: number; p99: number };
  readonly sotwUsPerStream: { p50: number; p99: number };
  readonly deltaResourcesPerPush: number;
  readonly sotwResourcesPerPush: number;
  readonly sotwBytesPerPush: number;
  /** One cluster changed: per stream (the cluster and its CLA again), SotW with the shared cluster list. */
  readonly clusterChange: {
    readonly deltaUsPerStream: { p50: number; p99: number };
    readonly sotwUsPerStream: { p50: number; p99: number };
    /** The same SotW pushes, each encoding the whole cluster list itself. */
    readonly sotwUnsharedEncodeUsPerStream: { p50: number; p99: number };
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      services: { type: 'string', default: '2000' },
      delta: { type: 'string', default: '1000' },
      sotw: { type: 'string', default: '100' },
      changes: { type: 'string', default: '50' },
      'cluster-changes': { type: 'string', default: '5' },
      out: { type: 'string' },
    },
  });
  const services = Number(values.services);
  const input = generateInput({ ingresses: services, groups: 1, endpointsPerService: 10, namespaces: 10 });
  const resources = buildResourceSet(
    input.objects.map((object) => ({ object, origin: { cluster: 'bench' } })),
  );
  const xds = translateXds(translate(resources, DEFAULT_TRANSLATE_OPTIONS).ir).resources;
  const [group, groupResources] = [...xds].find(([, r]) => (r.get(EDS) ?? []).length > 0)!;
  const clas = groupResources.get(EDS) ?? [];
  const cache = new SnapshotCache();
  cache.setAll(xds);
  const snapshot = (): GroupSnapshot => cache.snapshot(group);

  const streams: Stream[] = [
    ...Array.from({ length: Number(values.delta) }, () => deltaStream(snapshot)),
    ...Array.from({ length: Number(values.sotw) }, () => sotwStream(snapshot)),
  ];
  for (const s of streams) connect(s, snapshot());

  const streamUs = { delta: [] as number[], sotw: [] as number[] };
  // Where the subscribers record their time: endpoint changes first, then cluster changes.
  let timing = streamUs;
  /** During cluster changes: the SotW pushes encoded again without the shared list, for comparison. */
  const unsharedUs: number[] = [];
  const carried = { delta: { pushes: 0, resources: 0 }, sotw: { pushes: 0, resources: 0, bytes: 0 } };
  const acks: Array<[Stream, Step]> = [];
  for (const s of streams) {
    cache.subscribe(group, (snap, changed, names) => {
      const t0 = performance.now();
      const step = s.machine.onChange(snap, changed, names);
      let bytes = 0;
      for (const push of step.pushes) bytes += s.encode(push);
      timing[s.kind].push((performance.now() - t0) * 1000);
      if (timing !== streamUs && s.kind === 'sotw') {
        const t1 = performance.now();
        for (const { shared: _shared, ...push } of step.pushes) s.encode(push);
        unsharedUs.push((performance.now() - t1) * 1000);
      }
      if (timing === streamUs) {
        carried[s.kind].pushes += step.pushes.length;
        for (const push of step.pushes) carried[s.kind].resources += push.resources.length;
        if (s.kind === 'sotw') carried.sotw.bytes += bytes;
      }
      acks.push([s, step]);
    });
  }

  const changes = Number(values.changes);
  // The cache alone: a second cache with the same content and no subscriber.
  const bare = new SnapshotCache();
  bare.setAll(xds);
  const bareUs: number[] = [];
  for (let i = 0; i < changes; i++) {
    const t0 = performance.now();
    bare.updateResources(group, EDS, [withPort(clas[(i * 7919) % clas.length]!, 20000 + i)], []);
    bareUs.push((performance.now() - t0) * 1000);
  }

  const cacheUs: number[] = [];
  for (let i = 0; i < changes; i++) {
    const cla = clas[(i * 7919) % clas.length]!;
    const before = { delta: streamUs.delta.length, sotw: streamUs.sotw.length };
    const t0 = performance.now();
    cache.updateResources(group, EDS, [withPort(cla, 20000 + i)], []);
    const total = (performance.now() - t0) * 1000;
    const inStreams =
      streamUs.delta.slice(before.delta).reduce((a, b) => a + b, 0) +
      streamUs.sotw.slice(before.sotw).reduce((a, b) => a + b, 0);
    cacheUs.push(total - inStreams);
    for (const [s, step] of acks.splice(0)) ackAll(s, step);
  }

  // Cluster changes: a SotW cluster response carries every cluster (its list encoded once, shared).
  const clusterUs = { delta: [] as number[], sotw: [] as number[] };
  timing = clusterUs;
  const clusters = groupResources.get(CDS) ?? [];
  for (let i = 0; i < Number(values['cluster-changes']); i++) {
    const c = clusters[(i * 104729) % clusters.length]!;
    const resource = { ...(c.resource as Record<string, unknown>), connect_timeout: `${2 + i}s` };
    cache.updateResources(group, CDS, [{ name: c.name, resource }], []);
    for (const [s, step] of acks.splice(0)) ackAll(s, step);
  }

  const fig = (xs: readonly number[]): { p50: number; p99: number } => {
    const s = summary(xs);
    return { p50: round(s.p50), p99: round(s.p99) };
  };
  const figures: Figures = {
    services,
    deltaStreams: Number(values.delta),
    sotwStreams: Number(values.sotw),
    changes,
    cacheAloneUsPerChange: fig(bareUs),
    cacheUsPerChange: fig(cacheUs),
    deltaUsPerStream: fig(streamUs.delta),
    sotwUsPerStream: fig(streamUs.sotw),
    deltaResourcesPerPush: round(carried.delta.resources / Math.max(1, carried.delta.pushes)),
    sotwResourcesPerPush: round(carried.sotw.resources / Math.max(1, carried.sotw.pushes)),
    sotwBytesPerPush: Math.round(carried.sotw.bytes / Math.max(1, carried.sotw.pushes)),
    clusterChange: {
      deltaUsPerStream: fig(clusterUs.delta),
      sotwUsPerStream: fig(clusterUs.sotw),
      sotwUnsharedEncodeUsPerStream: fig(unsharedUs),
    },
  };
  process.stdout.write(
    `\nxDS cost of one endpoint change: ${services} clusters/CLAs in one group, ` +
      `${figures.deltaStreams} Delta + ${figures.sotwStreams} SotW stream machines, ${changes} changes\n` +
      `  cache alone per change (p50 / p99):  ${figures.cacheAloneUsPerChange.p50} / ${figures.cacheAloneUsPerChange.p99} us\n` +
      `  cache + dispatch to ${streams.length} (p50 / p99): ${figures.cacheUsPerChange.p50} / ${figures.cacheUsPerChange.p99} us\n` +
      `  per Delta stream (p50 / p99):        ${figures.deltaUsPerStream.p50} / ${figures.deltaUsPerStream.p99} us` +
      ` (${figures.deltaResourcesPerPush} resources a push)\n` +
      `  per SotW stream (p50 / p99):         ${figures.sotwUsPerStream.p50} / ${figures.sotwUsPerStream.p99} us` +
      ` (${figures.sotwResourcesPerPush} resources, ${figures.sotwBytesPerPush} bytes a push)\n` +
      `one cluster change, per stream (p50 / p99): Delta ${figures.clusterChange.deltaUsPerStream.p50} / ` +
      `${figures.clusterChange.deltaUsPerStream.p99} us, SotW ${figures.clusterChange.sotwUsPerStream.p50} / ` +
      `${figures.clusterChange.sotwUsPerStream.p99} us (shared cluster list; encoding it per stream instead: ` +
      `${figures.clusterChange.sotwUnsharedEncodeUsPerStream.p50} / ${figures.clusterChange.sotwUnsharedEncodeUsPerStream.p99} us)\n`,
  );
  const out =
    values.out ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'xds-change-cost.json');
  fs.writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  process.stdout.write(`written to ${out}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`xds-change-cost benchmark failed: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
