/**
 * Incremental (Delta) ADS, per type: what the client subscribed to and which version of each resource
 * it has (`known`), so that a response carries only what differs: changed resources, and
 * `removed_resources` for names it has that are gone.
 *
 * - Listeners and clusters are wildcard when the first request subscribes to nothing (or `*`).
 * - The first request's `initial_resource_versions` seed `known` (a reconnect): only differences are
 *   sent, and a wildcard type answers its first request even with nothing to send (unless the client
 *   told its versions), so that the client's initialization completes.
 * - Subscribing to a name sends it again even if the client seems to have it (the protocol requires it);
 *   unsubscribing forgets it.
 * - `known` is updated when a response is sent, not when it is ACKed; so a NACKed resource is not sent
 *   again until it changes. Nor on a reconnect (the stream told versions of some type): resources the
 *   node NACKed on an earlier stream, still unchanged, count as known (rejected-memory.ts). A stale
 *   nonce does not ACK anything, but its subscription changes apply.
 * - Removals of clusters and endpoints are held back, and listeners and routes wait while new clusters
 *   warm, for make-before-break (see make-before-break.ts).
 * - A change costs O(changed names the stream subscribes to): the machine looks only at the names the
 *   cache says changed and the held ones (`dirty`, holding-machine.ts); so does a request, at the names
 *   it subscribes to (but a first request, or `*`, looks at everything).
 */
import type { EncodedResource, GroupSnapshot, TypeSnapshot } from '../cache/config-watcher.js';
import { typeVersion } from '../cache/config-watcher.js';
import { RESOURCE_TYPES, type ResourceTypeUrl } from '../protos/envoy-protos.js';
import type { DeltaDiscoveryRequest } from './discovery-messages.js';
import { HoldingMachine, markDirty, type Dirty } from './holding-machine.js';
import { HELD_REMOVAL_TYPES } from './make-before-break.js';
import type { NonceSource } from './nonce.js';
import type { AdsNackInfo } from './connection.js';
import type { NodeRejections, RejectedContent } from './rejected-memory.js';
import type { Step, StreamMachine } from './stream-machine.js';
import { StepBuilder, WILDCARD_TYPES } from './stream-machine.js';

interface Subscription {
  wildcard: boolean;
  readonly names: Set<string>;
  /** name -> version the client has. */
  readonly known: Map<string, string>;
  /** Names in `known` the snapshot no longer has, whose removal is held back. */
  held: ReadonlySet<string>;
  /** `names` sorted, computed on first use after a subscription change (plans run on every change). */
  sorted?: readonly string[];
  /** Names to look at on the next plan (holding-machine.ts). */
  dirty: Dirty;
}

function sortedNames(sub: Subscription): readonly string[] {
  sub.sorted ??= [...sub.names].sort();
  return sub.sorted;
}

interface Planned {
  readonly version: string;
  readonly resources: readonly EncodedResource[];
  readonly removed: readonly string[];
  readonly held: ReadonlySet<string>;
}

const EMPTY_TYPE: TypeSnapshot = { version: typeVersion([]), resources: new Map() };

/** How many names a stream subscribes to, over all types, and their total length (ads-stream caps both). */
export interface SubscriptionSize {
  names: number;
  chars: number;
}

function tallyAdd(size: SubscriptionSize, names: Set<string>, name: string): void {
  if (names.has(name)) return;
  names.add(name);
  size.names++;
  size.chars += name.length;
}

function tallyDelete(size: SubscriptionSize, names: Set<string>, name: string): void {
  if (!names.delete(name)) return;
  size.names--;
  size.chars -= name.length;
}

function newSubscription(typeUrl: string, req: DeltaDiscoveryRequest, size: SubscriptionSize): Subscription {
  const subscribe = req.resource_names_subscribe;
  const names = new Set<string>();
  for (const name of subscribe) if (name !== '*') tallyAdd(size, names, name);
  const wildcard = subscribe.includes('*') || (subscribe.length === 0 && WILDCARD_TYPES.has(typeUrl));
  const known = new Map(
    Object.entries(req.initial_resource_versions).filter(([name]) => wildcard || names.has(name)),
  );
  return { wildcard, names, known, held: new Set(), dirty: 'all' };
}

/**
 * Applies a request's subscription changes. The names it subscribes to become dirty (they are sent again);
 * `*` makes everything dirty. Work is O(names in the request), but for leaving wildcard mode.
 */
function applyChanges(sub: Subscription, req: DeltaDiscoveryRequest, size: SubscriptionSize): void {
  if (req.resource_names_subscribe.length > 0 || req.resource_names_unsubscribe.length > 0)
    sub.sorted = undefined;
  const wasWildcard = sub.wildcard;
  const dirty = (name: string): void => {
    if (sub.dirty !== 'all') sub.dirty.add(name);
  };
  for (const name of req.resource_names_subscribe) {
    if (name === '*') {
      sub.wildcard = true;
      sub.dirty = 'all';
    } else {
      tallyAdd(size, sub.names, name);
      sub.known.delete(name);
      dirty(name);
    }
  }
  for (const name of req.resource_names_unsubscribe) {
    if (name === '*') sub.wildcard = false;
    else {
      tallyDelete(size, sub.names, name);
      if (!sub.wildcard) sub.known.delete(name);
    }
  }
  if (!sub.wildcard && wasWildcard)
    for (const name of [...sub.known.keys()]) if (!sub.names.has(name)) sub.known.delete(name);
}

export class DeltaMachine
  extends HoldingMachine<Subscription, Planned>
  implements StreamMachine<DeltaDiscoveryRequest>
{
  private readonly size: SubscriptionSize = { names: 0, chars: 0 };

  constructor(
    private readonly nextNonce: NonceSource,
    now: () => number = Date.now,
    rejected?: NodeRejections,
  ) {
    super(now, rejected);
  }

  onRequest(req: DeltaDiscoveryRequest, snapshot: GroupSnapshot): Step {
    const typeUrl = req.type_url as ResourceTypeUrl;
    const step = new StepBuilder();
    const verdict = this.acks.onRequest(typeUrl, req.response_nonce, req.error_detail);
    const changesSubscription =
      req.resource_names_subscribe.length > 0 || req.resource_names_unsubscribe.length > 0;
    if (verdict.kind === 'stale' && !changesSubscription) return step.build();
    step.verdict(typeUrl, verdict);
    this.noteVerdict(typeUrl, verdict);

    let sub = this.subs.get(typeUrl);
    const first = sub === undefined;
    if (!sub) {
      sub = newSubscription(typeUrl, req, this.size);
      this.subs.set(typeUrl, sub);
    } else applyChanges(sub, req, this.size);

    const toldVersions = Object.keys(req.initial_resource_versions).length > 0;
    if (first && toldVersions) this.runsConfig = true;
    const rejected = first && this.runsConfig ? this.skipRejected(typeUrl, sub, snapshot) : undefined;
    // A running client that rejected everything it lacks needs no empty answer to finish initializing
    // (and its ACK would make the server forget the rejection).
    const answerEmpty = first && sub.wildcard && !toldVersions && !rejected;
    if (first || changesSubscription) {
      const s = sub;
      const answered = this.answer(step, snapshot, typeUrl, (t, allowed) => {
        const planned = this.plan(t, s, snapshot, allowed);
        const news = planned.resources.length > 0 || planned.removed.length > 0;
        if (news || answerEmpty) return planned;
        this.settle(s, planned);
        return undefined;
      });
      if (answered.pushes === 0 && !answered.deferred && first && (toldVersions || rejected)) {
        // A reconnect with nothing to catch up on: the client is at the current version, or it already
        // rejected what it lacks.
        if (rejected) this.acks.recordRejected(typeUrl, rejected.nack);
        else this.acks.recordKnown(typeUrl, (snapshot.types.get(typeUrl) ?? EMPTY_TYPE).version);
      }
    }
    if ((verdict.kind === 'ack' || verdict.kind === 'nack') && this.hasHeld())
      step.add(this.releaseHeld(snapshot, false));
    return step.build();
  }

  /** The names subscribed to over all types (Delta subscriptions accumulate over requests). */
  subscriptionSize(): Readonly<SubscriptionSize> {
    return this.size;
  }

  protected rejectedContent(typeUrl: ResourceTypeUrl, nack: AdsNackInfo): RejectedContent {
    const known = this.subs.get(typeUrl)?.known;
    const resources = new Map<string, string>();
    for (const name of nack.resourceNames) {
      const version = known?.get(name);
      if (version !== undefined) resources.set(name, version);
    }
    return { version: nack.version, resources, nack };
  }

  /**
   * A reconnect: the resources this node rejected on an earlier stream and that are unchanged count as
   * known, so they are not sent again. Returns the rejection when it skipped something.
   */
  private skipRejected(
    typeUrl: ResourceTypeUrl,
    sub: Subscription,
    snapshot: GroupSnapshot,
  ): RejectedContent | undefined {
    const rejected = this.rejected?.recall(typeUrl);
    if (!rejected) return undefined;
    const ts = snapshot.types.get(typeUrl) ?? EMPTY_TYPE;
    let skipped = false;
    for (const [name, version] of rejected.resources) {
      if (ts.resources.get(name)?.version !== version || sub.known.get(name) === version) continue;
      if (!sub.wildcard && !sub.names.has(name)) continue;
      sub.known.set(name, version);
      skipped = true;
    }
    return skipped ? rejected : undefined;
  }

  protected newClusters(p: Planned, snapshot: GroupSnapshot): string[] {
    const known = this.subs.get(RESOURCE_TYPES.cluster)?.known;
    const knownEndpoints = this.subs.get(RESOURCE_TYPES.endpoint)?.known;
    const assignments = snapshot.types.get(RESOURCE_TYPES.endpoint)?.resources;
    return p.resources
      .map((r) => r.name)
      .filter((n) => {
        const cla = assignments?.get(n);
        return !known?.has(n) && cla !== undefined && knownEndpoints?.get(n) !== cla.version;
      });
  }

  protected updatedClusters(p: Planned): string[] {
    const known = this.subs.get(RESOURCE_TYPES.cluster)?.known;
    return p.resources
      .filter((r) => known?.has(r.name) && known.get(r.name) !== r.version)
      .map((r) => r.name);
  }

  protected forgetEndpoints(names: readonly string[]): void {
    const sub = this.subs.get(RESOURCE_TYPES.endpoint);
    if (!sub) return;
    for (const name of names) sub.known.delete(name);
    markDirty(sub, new Set(names));
  }

  protected planChange(
    typeUrl: ResourceTypeUrl,
    sub: Subscription,
    snapshot: GroupSnapshot,
    allowed: boolean,
  ): Planned | undefined {
    const p = this.plan(typeUrl, sub, snapshot, allowed);
    if (p.resources.length === 0 && p.removed.length === 0) {
      this.settle(sub, p);
      return undefined;
    }
    return p;
  }

  /** Nothing to send: the dirty names were looked at; a hold may still start or end. */
  private settle(sub: Subscription, p: Planned): void {
    sub.held = p.held;
    sub.dirty = new Set();
  }

  /** What differs for the client: after a change, among the dirty and held names only. */
  private plan(
    typeUrl: ResourceTypeUrl,
    sub: Subscription,
    snapshot: GroupSnapshot,
    allowed: boolean,
  ): Planned {
    const ts = snapshot.types.get(typeUrl) ?? EMPTY_TYPE;
    const { resources, gone } = sub.dirty === 'all' ? planAll(sub, ts) : planNames(sub, ts, sub.dirty);
    const hold = !allowed && HELD_REMOVAL_TYPES.has(typeUrl);
    return { version: ts.version, resources, removed: hold ? [] : gone, held: new Set(hold ? gone : []) };
  }

  protected commit(step: StepBuilder, typeUrl: ResourceTypeUrl, p: Planned): void {
    const sub = this.subs.get(typeUrl);
    if (!sub) return;
    const nonce = this.nextNonce();
    for (const r of p.resources) sub.known.set(r.name, r.version);
    for (const name of p.removed) sub.known.delete(name);
    sub.held = p.held;
    sub.dirty = new Set();
    this.acks.recordPush(
      typeUrl,
      nonce,
      p.version,
      p.resources.map((r) => r.name),
      p.removed,
    );
    step.pushes.push({ typeUrl, nonce, version: p.version, resources: p.resources, removed: p.removed });
  }
}

/** Every subscribed resource the client lacks or has at another version, and every known name gone. */
function planAll(sub: Subscription, ts: TypeSnapshot): { resources: EncodedResource[]; gone: string[] } {
  const resources: EncodedResource[] = [];
  if (sub.wildcard) {
    for (const r of ts.resources.values()) if (sub.known.get(r.name) !== r.version) resources.push(r);
  } else {
    for (const name of sortedNames(sub)) {
      const r = ts.resources.get(name);
      if (r && sub.known.get(name) !== r.version) resources.push(r);
    }
  }
  const gone = [...sub.known.keys()].filter((name) => !ts.resources.has(name)).sort();
  return { resources, gone };
}

/** The same, among `dirty` and the held names (elsewhere the client has what the snapshot has). */
function planNames(
  sub: Subscription,
  ts: TypeSnapshot,
  dirty: ReadonlySet<string>,
): { resources: EncodedResource[]; gone: string[] } {
  const resources: EncodedResource[] = [];
  const gone: string[] = [];
  for (const name of [...new Set([...dirty, ...sub.held])].sort()) {
    const r = ts.resources.get(name);
    if (!r) {
      if (sub.known.has(name)) gone.push(name);
    } else if ((sub.wildcard || sub.names.has(name)) && sub.known.get(name) !== r.version) resources.push(r);
  }
  return { resources, gone };
}
