/**
 * A light ADS client for tests and benchmarks: opens SotW and Delta streams with the server's own
 * service definition, queues responses by type, and ACKs/NACKs them the way Envoy does. Responses are
 * decoded only down to the Any bytes; `sotwResourceNames` / `decodeSotwResources` decode resources when
 * a test asks.
 *
 *   const client = new XdsClient(`127.0.0.1:${port}`);
 *   const s = client.sotw({ id: 'gw-1', cluster: 'public' });
 *   s.subscribe(CDS);
 *   const res = await s.nextResponse(CDS);
 *   s.ack(res);
 */
import type { ChannelCredentials, ChannelOptions, ClientDuplexStream, StatusObject } from '@grpc/grpc-js';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import { decodeResource } from '../../xds/protos/envoy-protos.js';
import { DELTA_METHOD, SOTW_METHOD } from '../../xds/server/ads-service.js';
import type {
  DeltaDiscoveryRequest,
  DeltaDiscoveryResponse,
  DiscoveryRequest,
  DiscoveryResponse,
  NodeInfo,
} from '../../xds/server/discovery-messages.js';

export type { DeltaDiscoveryResponse, DiscoveryResponse } from '../../xds/server/discovery-messages.js';

/** The node of the first request: an id, a group, and optionally what Envoy also sends (locality, metadata...). */
export interface XdsNode extends Partial<Omit<NodeInfo, 'id' | 'cluster'>> {
  readonly id: string;
  /** The gateway group; empty means `default`. */
  readonly cluster?: string;
}

export interface XdsClientOptions {
  /** Extra grpc-js channel options. */
  readonly channelOptions?: ChannelOptions;
  /**
   * One TCP connection per client, as separate gateways would have (default true). With false, clients
   * to the same address share grpc-js' global subchannel pool.
   */
  readonly ownConnection?: boolean;
  /** TLS (e.g. `credentials.createSsl(ca, key, cert)` for mTLS); default plaintext. */
  readonly credentials?: ChannelCredentials;
}

export interface StreamOptions {
  /** ACK every response as soon as it arrives (benchmarks). Default false. */
  readonly autoAck?: boolean;
  /** Queue responses for nextResponse() (default true). Turn off when only counting, to save memory. */
  readonly keepResponses?: boolean;
  /** Called for every response, before it is queued or auto-ACKed. */
  readonly onResponse?: (typeUrl: string, nonce: string) => void;
}

/** Default wait of nextResponse(). */
export const DEFAULT_TIMEOUT_MS = 3000;
/** Default quiet period of expectNoResponse(). */
export const DEFAULT_QUIET_MS = 300;

interface Waiter<Res> {
  readonly typeUrl: string | undefined;
  readonly resolve: (res: Res) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Responses in arrival order; a waiter takes the first one of its type. */
class ResponseQueue<Res extends { readonly type_url: string }> {
  private readonly buffered: Res[] = [];
  private readonly waiters: Array<Waiter<Res>> = [];
  private failure: Error | undefined;

  constructor(private readonly keep: boolean) {}

  push(res: Res): void {
    const i = this.waiters.findIndex((w) => w.typeUrl === undefined || w.typeUrl === res.type_url);
    const waiter = i >= 0 ? this.waiters.splice(i, 1)[0] : undefined;
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(res);
    } else if (this.keep) this.buffered.push(res);
  }

  next(typeUrl: string | undefined, timeoutMs: number): Promise<Res> {
    const i = this.buffered.findIndex((r) => typeUrl === undefined || r.type_url === typeUrl);
    if (i >= 0) return Promise.resolve(this.buffered.splice(i, 1)[0] as Res);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(new Error(`no ${typeUrl ?? 'xDS'} response within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter<Res> = { typeUrl, resolve, reject, timer };
      this.waiters.push(waiter);
    });
  }

  /** Unconsumed responses (of a type). */
  pending(typeUrl?: string): Res[] {
    return this.buffered.filter((r) => typeUrl === undefined || r.type_url === typeUrl);
  }

  fail(err: Error): void {
    this.failure = err;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }
}

abstract class AdsClientStream<Req, Res extends { readonly type_url: string; readonly nonce: string }> {
  /** Resolves with the final status of the stream. */
  readonly status: Promise<StatusObject>;
  /** Responses received so far. */
  responseCount = 0;
  protected readonly queue: ResponseQueue<Res>;
  private nodeSent = false;

  protected constructor(
    protected readonly call: ClientDuplexStream<Req, Res>,
    readonly node: XdsNode,
    protected readonly options: StreamOptions,
  ) {
    this.queue = new ResponseQueue(options.keepResponses ?? true);
    this.status = new Promise((resolve) => {
      call.on('status', (s: StatusObject) => {
        this.queue.fail(new Error(`stream closed: ${s.code} ${s.details}`));
        resolve(s);
      });
    });
    call.on('error', () => undefined); // the status carries it
    call.on('data', (res: Res) => {
      this.responseCount++;
      options.onResponse?.(res.type_url, res.nonce);
      this.queue.push(res);
      if (options.autoAck) this.ack(res);
    });
  }

  /** The next response (of a type), waiting up to `timeoutMs`. */
  nextResponse(typeUrl?: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Res> {
    return this.queue.next(typeUrl, timeoutMs);
  }

  /** Resolves if no response (of a type) arrives within `quietMs`; rejects with the one that did. */
  async expectNoResponse(typeUrl?: string, quietMs = DEFAULT_QUIET_MS): Promise<void> {
    const early = this.queue.pending(typeUrl)[0];
    if (early) throw new Error(`unexpected ${early.type_url} response (nonce ${early.nonce})`);
    let res: Res | undefined;
    try {
      res = await this.queue.next(typeUrl, quietMs);
    } catch {
      return;
    }
    throw new Error(`unexpected ${res.type_url} response (nonce ${res.nonce})`);
  }

  /** Responses received and not yet taken by nextResponse(). */
  unconsumed(typeUrl?: string): Res[] {
    return this.queue.pending(typeUrl);
  }

  abstract ack(res: Res): void;

  /** Half-closes the stream (the server then ends it). */
  end(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }

  /** The node goes with the first request only, as Envoy does by default. */
  protected nodeOnce(): NodeInfo | null {
    if (this.nodeSent) return null;
    this.nodeSent = true;
    const { id, cluster, ...rest } = this.node;
    return { ...rest, id, cluster: cluster ?? '' };
  }
}

interface SotwTypeState {
  names: readonly string[];
  /** Last nonce received. */
  nonce: string;
  /** Last version ACKed (what a NACK reports). */
  version: string;
}

export class SotwStream extends AdsClientStream<DiscoveryRequest, DiscoveryResponse> {
  private readonly types = new Map<string, SotwTypeState>();

  constructor(
    call: ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>,
    node: XdsNode,
    options: StreamOptions,
  ) {
    super(call, node, options);
  }

  /** Sends a request as given (fields default to empty); the node is added to the first one. */
  send(req: Partial<DiscoveryRequest> & { readonly type_url: string }): void {
    this.call.write({
      version_info: '',
      resource_names: [],
      response_nonce: '',
      error_detail: null,
      ...req,
      node: req.node ?? this.nodeOnce(),
    });
  }

  /**
   * Requests a type with these names (none: wildcard for listeners and clusters), carrying the last
   * nonce received and version ACKed for the type, as Envoy does when its subscription changes.
   * `versionInfo` sets the version of a first request (a reconnect).
   */
  subscribe(
    typeUrl: string,
    names: readonly string[] = [],
    opts: { readonly versionInfo?: string } = {},
  ): void {
    const state = this.state(typeUrl);
    state.names = [...names];
    if (opts.versionInfo !== undefined) state.version = opts.versionInfo;
    this.send({
      type_url: typeUrl,
      resource_names: state.names,
      version_info: state.version,
      response_nonce: state.nonce,
    });
  }

  ack(res: DiscoveryResponse): void {
    const state = this.state(res.type_url);
    state.nonce = res.nonce;
    state.version = res.version_info;
    this.send({
      type_url: res.type_url,
      resource_names: state.names,
      version_info: res.version_info,
      response_nonce: res.nonce,
    });
  }

  /** Rejects a response: the previous ACKed version, the response's nonce, and an error_detail. */
  nack(res: DiscoveryResponse, message = 'rejected by test client'): void {
    const state = this.state(res.type_url);
    state.nonce = res.nonce;
    this.send({
      type_url: res.type_url,
      resource_names: state.names,
      version_info: state.version,
      response_nonce: res.nonce,
      error_detail: { code: 3, message },
    });
  }

  /** The last version ACKed for a type ('' if none). */
  ackedVersion(typeUrl: string): string {
    return this.types.get(typeUrl)?.version ?? '';
  }

  private state(typeUrl: string): SotwTypeState {
    let s = this.types.get(typeUrl);
    if (!s) this.types.set(typeUrl, (s = { names: [], nonce: '', version: '' }));
    return s;
  }
}

export class DeltaStream extends AdsClientStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  private readonly known = new Map<string, Map<string, string>>();

  constructor(
    call: ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>,
    node: XdsNode,
    options: StreamOptions,
  ) {
    super(call, node, options);
  }

  send(req: Partial<DeltaDiscoveryRequest> & { readonly type_url: string }): void {
    this.call.write({
      resource_names_subscribe: [],
      resource_names_unsubscribe: [],
      initial_resource_versions: {},
      response_nonce: '',
      error_detail: null,
      ...req,
      node: req.node ?? this.nodeOnce(),
    });
  }

  /** Subscribes to names (none: wildcard for listeners and clusters); `initialVersions` on a reconnect. */
  subscribe(
    typeUrl: string,
    names: readonly string[] = [],
    initialVersions: Readonly<Record<string, string>> = {},
  ): void {
    this.send({
      type_url: typeUrl,
      resource_names_subscribe: [...names],
      initial_resource_versions: initialVersions,
    });
  }

  unsubscribe(typeUrl: string, names: readonly string[]): void {
    this.send({ type_url: typeUrl, resource_names_unsubscribe: [...names] });
  }

  /** Applies the response to `versions()` and ACKs it. */
  ack(res: DeltaDiscoveryResponse): void {
    const known = this.versionsOf(res.type_url);
    for (const r of res.resources) known.set(r.name, r.version);
    for (const name of res.removed_resources) known.delete(name);
    this.send({ type_url: res.type_url, response_nonce: res.nonce });
  }

  nack(res: DeltaDiscoveryResponse, message = 'rejected by test client'): void {
    this.send({ type_url: res.type_url, response_nonce: res.nonce, error_detail: { code: 3, message } });
  }

  /** name -> version of the resources of a type this client ACKed (for initial_resource_versions). */
  versions(typeUrl: string): Record<string, string> {
    return Object.fromEntries(this.versionsOf(typeUrl));
  }

  private versionsOf(typeUrl: string): Map<string, string> {
    let m = this.known.get(typeUrl);
    if (!m) this.known.set(typeUrl, (m = new Map()));
    return m;
  }
}

export class XdsClient {
  private readonly client: Client;

  constructor(address: string, options: XdsClientOptions = {}) {
    this.client = new Client(address, options.credentials ?? credentials.createInsecure(), {
      'grpc.max_receive_message_length': -1,
      ...(options.ownConnection === false ? {} : { 'grpc.use_local_subchannel_pool': 1 }),
      ...options.channelOptions,
    });
  }

  sotw(node: XdsNode, options: StreamOptions = {}): SotwStream {
    const m = SOTW_METHOD;
    const call = this.client.makeBidiStreamRequest(
      m.path,
      m.requestSerialize,
      m.responseDeserialize,
      new Metadata(),
    );
    return new SotwStream(call, node, options);
  }

  delta(node: XdsNode, options: StreamOptions = {}): DeltaStream {
    const m = DELTA_METHOD;
    const call = this.client.makeBidiStreamRequest(
      m.path,
      m.requestSerialize,
      m.responseDeserialize,
      new Metadata(),
    );
    return new DeltaStream(call, node, options);
  }

  close(): void {
    this.client.close();
  }
}

/** Decodes the resources of a SotW response into canonical JSON (tests only: this is the heavy part). */
export function decodeSotwResources(res: DiscoveryResponse): Array<Record<string, unknown>> {
  return res.resources.map((a) => decodeResource(a.type_url, a.value));
}

/** The names of the resources of a SotW response (`name`, or `cluster_name` for a ClusterLoadAssignment). */
export function sotwResourceNames(res: DiscoveryResponse): string[] {
  return decodeSotwResources(res).map((r) => String(r['name'] ?? r['cluster_name'] ?? ''));
}

/** The names of the resources of a Delta response. */
export function deltaResourceNames(res: DeltaDiscoveryResponse): string[] {
  return res.resources.map((r) => r.name);
}
