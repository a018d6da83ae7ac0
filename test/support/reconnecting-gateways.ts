/**
 * Light simulated gateways that reconnect like Envoy's ADS client: when a stream ends (or cannot be
 * opened), wait a jittered exponential backoff (uniform in [0, min(max, base * 2^attempt)), the
 * `retry_back_off` of the bootstrap) and open a new connection and stream; the attempt counter resets
 * once a stream gets its first response.
 *
 * Each stream starts from scratch (no `initial_resource_versions`), the worst case for the controller:
 * every reconnect asks for the whole config again. At the xDS level each gateway does what Envoy does:
 * Delta, CDS and LDS wildcard, EDS for the clusters' `eds_cluster_config.service_name`, RDS for the
 * listeners' route configs, everything ACKed. `names()` is what it holds now, per type.
 */
import type { ClientDuplexStream, StatusObject } from '@grpc/grpc-js';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { decodeResource, RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { DELTA_METHOD } from '../../xds/server/ads-service.js';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse } from '../../xds/server/discovery-messages.js';

const CDS = RESOURCE_TYPES.cluster;
const EDS = RESOURCE_TYPES.endpoint;
const LDS = RESOURCE_TYPES.listener;
const RDS = RESOURCE_TYPES.route;

export interface Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

export interface GatewayTimeline {
  /** When streams ended (ms since epoch), whatever the reason, before stop(). */
  readonly streamEnds: number[];
  /** When a stream got its first response (ms since epoch). */
  readonly established: number[];
  /** Connection/stream attempts that ended without any response. */
  failedAttempts: number;
}

function request(typeUrl: string, extra: Partial<DeltaDiscoveryRequest> = {}): DeltaDiscoveryRequest {
  return {
    node: null,
    type_url: typeUrl,
    resource_names_subscribe: [],
    resource_names_unsubscribe: [],
    initial_resource_versions: {},
    response_nonce: '',
    error_detail: null,
    ...extra,
  };
}

function routeNames(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) routeNames(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const name = k === 'rds' ? (v as Record<string, unknown>)['route_config_name'] : undefined;
      if (typeof name === 'string') out.add(name);
      else routeNames(v, out);
    }
  }
  return out;
}

export class ReconnectingGateway {
  readonly timeline: GatewayTimeline = { streamEnds: [], established: [], failedAttempts: 0 };
  private client: Client | undefined;
  private call: ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private stopped = false;
  /** type -> name -> version, of the current stream. */
  private held = new Map<string, Map<string, string>>();
  private edsOf = new Map<string, string>();
  private routesOf = new Map<string, ReadonlySet<string>>();

  constructor(
    private readonly address: string,
    readonly id: string,
    readonly group: string,
    private readonly backoff: Backoff,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.call?.cancel();
    this.client?.close();
  }

  /** The resource names it holds now, per type (sorted). */
  names(): Record<'clusters' | 'endpoints' | 'listeners' | 'routes', string[]> {
    const of = (t: string): string[] => [...(this.held.get(t)?.keys() ?? [])].sort();
    return { clusters: of(CDS), endpoints: of(EDS), listeners: of(LDS), routes: of(RDS) };
  }

  private connect(): void {
    if (this.stopped) return;
    this.held = new Map();
    this.edsOf = new Map();
    this.routesOf = new Map();
    // A new channel per attempt, as Envoy opens a new connection: grpc-js' own channel backoff stays out.
    const client = new Client(this.address, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': -1,
    });
    this.client = client;
    const call = client.makeBidiStreamRequest(
      DELTA_METHOD.path,
      DELTA_METHOD.requestSerialize,
      DELTA_METHOD.responseDeserialize,
      new Metadata(),
    );
    this.call = call;
    let responded = false;
    call.on('data', (res: DeltaDiscoveryResponse) => {
      if (!responded) {
        responded = true;
        this.attempt = 0;
        this.timeline.established.push(Date.now());
      }
      this.onResponse(call, res);
    });
    call.on('error', () => undefined); // the status carries it
    call.on('status', (_s: StatusObject) => {
      if (this.stopped || this.call !== call) return;
      this.timeline.streamEnds.push(Date.now());
      if (!responded) this.timeline.failedAttempts++;
      client.close();
      const ceiling = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** this.attempt);
      this.attempt++;
      this.timer = setTimeout(() => this.connect(), Math.floor(this.random() * ceiling));
    });
    call.write(request(CDS, { node: { id: this.id, cluster: this.group } }));
    call.write(request(LDS));
  }

  private apply(res: DeltaDiscoveryResponse): Map<string, string> {
    let m = this.held.get(res.type_url);
    if (!m) this.held.set(res.type_url, (m = new Map()));
    for (const r of res.resources) m.set(r.name, r.version);
    for (const n of res.removed_resources) m.delete(n);
    return m;
  }

  private onResponse(
    call: ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
    res: DeltaDiscoveryResponse,
  ): void {
    this.apply(res);
    call.write(request(res.type_url, { response_nonce: res.nonce }));
    if (res.type_url === CDS) {
      const before = new Set(this.edsOf.values());
      for (const r of res.resources) {
        const c = r.resource ? decodeResource(CDS, r.resource.value) : {};
        const cfg = c['eds_cluster_config'] as { service_name?: string } | undefined;
        this.edsOf.set(r.name, cfg?.service_name || r.name);
      }
      for (const n of res.removed_resources) this.edsOf.delete(n);
      this.resubscribe(call, EDS, before, new Set(this.edsOf.values()));
    } else if (res.type_url === LDS) {
      const before = new Set([...this.routesOf.values()].flatMap((s) => [...s]));
      for (const r of res.resources)
        this.routesOf.set(
          r.name,
          routeNames(r.resource ? decodeResource(LDS, r.resource.value) : {}, new Set()),
        );
      for (const n of res.removed_resources) this.routesOf.delete(n);
      this.resubscribe(call, RDS, before, new Set([...this.routesOf.values()].flatMap((s) => [...s])));
    }
  }

  private resubscribe(
    call: ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
    typeUrl: string,
    before: ReadonlySet<string>,
    after: ReadonlySet<string>,
  ): void {
    const subscribe = [...after].filter((n) => !before.has(n));
    const unsubscribe = [...before].filter((n) => !after.has(n));
    if (subscribe.length > 0 || unsubscribe.length > 0)
      call.write(
        request(typeUrl, { resource_names_subscribe: subscribe, resource_names_unsubscribe: unsubscribe }),
      );
  }
}

/** min / p50 / max of a list of numbers (ms), and the largest count in one `bucketMs` bucket. */
export function spreadOf(
  values: readonly number[],
  bucketMs = 100,
): { min: number; p50: number; max: number; maxPerBucket: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const buckets = new Map<number, number>();
  for (const v of sorted)
    buckets.set(Math.floor(v / bucketMs), (buckets.get(Math.floor(v / bucketMs)) ?? 0) + 1);
  return {
    min: sorted[0] ?? NaN,
    p50: sorted[Math.floor(sorted.length / 2)] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    maxPerBucket: Math.max(0, ...buckets.values()),
  };
}
