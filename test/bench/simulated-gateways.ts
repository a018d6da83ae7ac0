/**
 * Simulated Envoy gateways for the benchmark: light Delta ADS clients that do what Envoy does at the xDS
 * level, and no more.
 *
 * - Open DeltaAggregatedResources with `node.cluster` = the gateway group; subscribe to CDS and LDS as
 *   wildcards.
 * - On a CDS response: ACK it, then subscribe to the EDS names of the new clusters (and unsubscribe the
 *   removed ones). On an LDS response: ACK it, then subscribe to the RDS names its HTTP connection
 *   managers name. Every other response is ACKed.
 * - Decode only what is needed to learn names: a Cluster is decoded (for `eds_cluster_config.service_name`)
 *   and a Listener (for `rds.route_config_name`) once per distinct resource version across the whole
 *   fleet (versions are content hashes), so 100 gateways do not decode the same 250 clusters 100 times.
 *   Endpoints and routes are never decoded.
 * - Wire bytes are counted in the gRPC (de)serializers: the encoded message sizes, without HTTP/2 framing.
 *
 * The fleet runs in the calling process (`GatewayFleet`) or in a child process (`ChildFleet`, the default
 * of the benchmark: the controller process then holds only the controller, as in production).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClientDuplexStream, StatusObject } from '@grpc/grpc-js';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { decodeResource, RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { DELTA_METHOD } from '../../xds/server/ads-service.js';
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DeltaResource,
} from '../../xds/server/discovery-messages.js';
import { decodeDeltaDiscoveryResponse } from '../../xds/server/discovery-messages.js';

export interface GatewaySpec {
  readonly id: string;
  readonly group: string;
}

export interface FleetOptions {
  /** host:port of the ADS server. */
  readonly address: string;
  readonly gateways: readonly GatewaySpec[];
  /** `own`: one HTTP/2 connection per gateway (as real gateways); n: gateways share n connections. */
  readonly connections: 'own' | number;
}

export interface TypeCounters {
  responses: number;
  bytes: number;
  resources: number;
  removed: number;
}

export interface FleetStats {
  readonly gateways: number;
  readonly connections: number;
  responses: number;
  /** Encoded DeltaDiscoveryResponse bytes received (gRPC message payloads). */
  responseBytes: number;
  requests: number;
  /** Encoded DeltaDiscoveryRequest bytes sent (subscriptions and ACKs). */
  requestBytes: number;
  readonly byType: Record<string, TypeCounters>;
  /** Resources decoded to learn names (clusters and listeners; once per distinct version). */
  decodedClusters: number;
  decodedListeners: number;
  /** Streams that ended with a non-OK status before close(). */
  streamErrors: number;
  readonly errorDetails: string[];
}

const CDS = RESOURCE_TYPES.cluster;
const EDS = RESOURCE_TYPES.endpoint;
const LDS = RESOURCE_TYPES.listener;
const RDS = RESOURCE_TYPES.route;

function emptyRequest(typeUrl: string): DeltaDiscoveryRequest {
  return {
    node: null,
    type_url: typeUrl,
    resource_names_subscribe: [],
    resource_names_unsubscribe: [],
    initial_resource_versions: {},
    response_nonce: '',
    error_detail: null,
  };
}

/** Every `rds.route_config_name` in a decoded Listener (HTTP connection managers of all filter chains). */
function routeConfigNames(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) routeConfigNames(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'rds' && v !== null && typeof v === 'object') {
        const name = (v as Record<string, unknown>)['route_config_name'];
        if (typeof name === 'string') out.add(name);
      } else routeConfigNames(v, out);
    }
  }
  return out;
}

class SimulatedGateway {
  private call: ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> | undefined;
  private nodeSent = false;
  /** cluster name -> EDS name it subscribed to. */
  private readonly clusters = new Map<string, string>();
  /** listener name -> its route names. */
  private readonly listeners = new Map<string, ReadonlySet<string>>();
  private readonly routes = new Set<string>();
  closing = false;

  constructor(
    private readonly client: Client,
    readonly spec: GatewaySpec,
    private readonly fleet: GatewayFleet,
  ) {}

  start(): void {
    const call = this.client.makeBidiStreamRequest(
      DELTA_METHOD.path,
      this.fleet.serialize,
      this.fleet.deserialize,
      new Metadata(),
    );
    this.call = call;
    call.on('data', (res: DeltaDiscoveryResponse) => this.onResponse(res));
    call.on('error', () => undefined); // the status carries it
    call.on('status', (s: StatusObject) => {
      if (!this.closing && s.code !== 0) this.fleet.streamFailed(`${this.spec.id}: ${s.code} ${s.details}`);
    });
    this.send({ ...emptyRequest(CDS) });
    this.send({ ...emptyRequest(LDS) });
  }

  cancel(): void {
    this.closing = true;
    this.call?.cancel();
  }

  private send(req: DeltaDiscoveryRequest): void {
    const node = this.nodeSent ? null : { id: this.spec.id, cluster: this.spec.group };
    this.nodeSent = true;
    this.call?.write({ ...req, node });
  }

  private ack(res: DeltaDiscoveryResponse): void {
    this.send({ ...emptyRequest(res.type_url), response_nonce: res.nonce });
  }

  private onResponse(res: DeltaDiscoveryResponse): void {
    if (res.type_url === CDS) {
      const subscribe: string[] = [];
      const unsubscribe: string[] = [];
      for (const r of res.resources) {
        const eds = this.fleet.edsNameOf(r);
        const before = this.clusters.get(r.name);
        if (before === eds) continue;
        if (before !== undefined) unsubscribe.push(before);
        this.clusters.set(r.name, eds);
        subscribe.push(eds);
      }
      for (const name of res.removed_resources) {
        const eds = this.clusters.get(name);
        if (eds !== undefined) unsubscribe.push(eds);
        this.clusters.delete(name);
      }
      this.ack(res);
      if (subscribe.length > 0 || unsubscribe.length > 0)
        this.send({
          ...emptyRequest(EDS),
          resource_names_subscribe: subscribe,
          resource_names_unsubscribe: unsubscribe,
        });
    } else if (res.type_url === LDS) {
      for (const r of res.resources) this.listeners.set(r.name, this.fleet.routeNamesOf(r));
      for (const name of res.removed_resources) this.listeners.delete(name);
      const wanted = new Set([...this.listeners.values()].flatMap((s) => [...s]));
      const subscribe = [...wanted].filter((n) => !this.routes.has(n));
      const unsubscribe = [...this.routes].filter((n) => !wanted.has(n));
      for (const n of subscribe) this.routes.add(n);
      for (const n of unsubscribe) this.routes.delete(n);
      this.ack(res);
      if (subscribe.length > 0 || unsubscribe.length > 0)
        this.send({
          ...emptyRequest(RDS),
          resource_names_subscribe: subscribe,
          resource_names_unsubscribe: unsubscribe,
        });
    } else this.ack(res);
  }
}

export class GatewayFleet {
  private readonly clients: Client[] = [];
  private readonly gateways: SimulatedGateway[] = [];
  private readonly edsNames = new Map<string, string>();
  private readonly routeNames = new Map<string, ReadonlySet<string>>();
  readonly counters: FleetStats;

  constructor(private readonly o: FleetOptions) {
    const n =
      o.connections === 'own' ? o.gateways.length : Math.max(1, Math.min(o.connections, o.gateways.length));
    this.counters = {
      gateways: o.gateways.length,
      connections: n,
      responses: 0,
      responseBytes: 0,
      requests: 0,
      requestBytes: 0,
      byType: {},
      decodedClusters: 0,
      decodedListeners: 0,
      streamErrors: 0,
      errorDetails: [],
    };
    for (let i = 0; i < n; i++)
      this.clients.push(
        new Client(o.address, credentials.createInsecure(), {
          'grpc.max_receive_message_length': -1,
          // Each Client its own subchannel, hence its own TCP connection.
          'grpc.use_local_subchannel_pool': 1,
        }),
      );
    o.gateways.forEach((g, i) => this.gateways.push(new SimulatedGateway(this.clients[i % n]!, g, this)));
  }

  readonly serialize = (req: DeltaDiscoveryRequest): Buffer => {
    const bytes = DELTA_METHOD.requestSerialize(req);
    this.counters.requests++;
    this.counters.requestBytes += bytes.length;
    return bytes;
  };

  readonly deserialize = (bytes: Buffer): DeltaDiscoveryResponse => {
    const res = decodeDeltaDiscoveryResponse(bytes);
    const c = this.counters;
    c.responses++;
    c.responseBytes += bytes.length;
    const t = (c.byType[res.type_url] ??= { responses: 0, bytes: 0, resources: 0, removed: 0 });
    t.responses++;
    t.bytes += bytes.length;
    t.resources += res.resources.length;
    t.removed += res.removed_resources.length;
    return res;
  };

  start(): void {
    for (const g of this.gateways) g.start();
  }

  stats(): FleetStats {
    return structuredClone(this.counters);
  }

  close(): void {
    for (const g of this.gateways) g.cancel();
    for (const c of this.clients) c.close();
  }

  streamFailed(detail: string): void {
    this.counters.streamErrors++;
    if (this.counters.errorDetails.length < 5) this.counters.errorDetails.push(detail);
  }

  /** The EDS name Envoy subscribes to for a cluster: `eds_cluster_config.service_name`, else its name. */
  edsNameOf(r: DeltaResource): string {
    const key = `${r.name}|${r.version}`;
    let eds = this.edsNames.get(key);
    if (eds === undefined) {
      this.counters.decodedClusters++;
      const c = r.resource ? decodeResource(CDS, r.resource.value) : {};
      const cfg = c['eds_cluster_config'] as { service_name?: unknown } | undefined;
      eds = typeof cfg?.service_name === 'string' && cfg.service_name !== '' ? cfg.service_name : r.name;
      this.edsNames.set(key, eds);
    }
    return eds;
  }

  routeNamesOf(r: DeltaResource): ReadonlySet<string> {
    const key = `${r.name}|${r.version}`;
    let names = this.routeNames.get(key);
    if (names === undefined) {
      this.counters.decodedListeners++;
      names = routeConfigNames(r.resource ? decodeResource(LDS, r.resource.value) : {}, new Set());
      this.routeNames.set(key, names);
    }
    return names;
  }
}

/** What the benchmark needs from a fleet, wherever it runs. */
export interface Fleet {
  readonly where: 'in-process' | 'child-process';
  start(): Promise<void>;
  stats(): Promise<FleetStats>;
  close(): Promise<void>;
}

export function inProcessFleet(o: FleetOptions): Fleet {
  const fleet = new GatewayFleet(o);
  return {
    where: 'in-process',
    start: () => Promise.resolve(fleet.start()),
    stats: () => Promise.resolve(fleet.stats()),
    close: () => Promise.resolve(fleet.close()),
  };
}

/** Messages between the benchmark and gateway-fleet.main.ts. */
export type FleetCommand =
  | { readonly cmd: 'start'; readonly options: FleetOptions }
  | { readonly cmd: 'stats' }
  | { readonly cmd: 'close' };
export type FleetReply =
  | { readonly reply: 'started' }
  | { readonly reply: 'stats'; readonly stats: FleetStats }
  | { readonly reply: 'closed' }
  | { readonly reply: 'error'; readonly message: string };

export function childProcessFleet(o: FleetOptions): Fleet {
  const entry = fileURLToPath(new URL('./gateway-fleet.main.js', import.meta.url));
  let child: ChildProcess | undefined;
  let failure: Error | undefined;
  const waiting: Array<{
    reply: FleetReply['reply'];
    resolve: (r: FleetReply) => void;
    reject: (e: Error) => void;
  }> = [];
  const fail = (err: Error): void => {
    failure ??= err;
    for (const w of waiting.splice(0)) w.reject(err);
  };
  const ask = (command: FleetCommand, reply: FleetReply['reply']): Promise<FleetReply> => {
    if (failure) return Promise.reject(failure);
    if (!child) return Promise.reject(new Error('gateway fleet not started'));
    return new Promise((resolve, reject) => {
      waiting.push({ reply, resolve, reject });
      child!.send(command);
    });
  };
  return {
    where: 'child-process',
    async start() {
      child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (m: FleetReply) => {
        if (m.reply === 'error') return fail(new Error(`gateway fleet: ${m.message}`));
        const i = waiting.findIndex((w) => w.reply === m.reply);
        if (i >= 0) waiting.splice(i, 1)[0]!.resolve(m);
      });
      child.on('exit', (code, signal) => fail(new Error(`gateway fleet exited (${code ?? signal})`)));
      await ask({ cmd: 'start', options: o }, 'started');
    },
    async stats() {
      const r = await ask({ cmd: 'stats' }, 'stats');
      if (r.reply !== 'stats') throw new Error('gateway fleet: unexpected reply');
      return r.stats;
    },
    async close() {
      if (!child || failure) return;
      const c = child;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      await ask({ cmd: 'close' }, 'closed').catch(() => undefined);
      await exited;
    },
  };
}
