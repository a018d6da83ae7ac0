/**
 * State-of-the-world ADS, per type: what the client subscribed to, what it was last sent, and when to
 * send again.
 *
 * - Listeners and clusters are wildcard when the first request names nothing (or `*`); other types get
 *   exactly the subscribed names that exist. `version_info` is the type version of the snapshot.
 * - Responses of listeners and clusters carry every resource (the protocol's state of the world). Other
 *   types are grouped as in Delta: a request is answered with every subscribed resource, a change with
 *   the changed ones only (xDS protocol, "Grouping Resources into Responses").
 * - A change costs O(changed names): the machine looks only at the names the cache says changed and the
 *   held ones (`dirty`, holding-machine.ts); listener and cluster responses are the cache's resources as
 *   they are (encoded once, shared by every stream).
 * - A request is answered when it is the first for its type, unless it carries the current version (a
 *   reconnect: the client has it), or when it subscribes to names it did not have before. An ACK, a
 *   NACK, a stale nonce or a request dropping names gets no response.
 * - A change is pushed when the content for the client differs from what it was last sent; so a
 *   NACKed content is never sent again, only a changed one. Nor on a reconnect: once the stream told a
 *   `version_info` (the client runs some config), a first request for a type whose current content
 *   the node NACKed on an earlier stream is not answered (rejected-memory.ts). For non-wildcard types,
 *   a resource that disappeared is no reason to push (a SotW response without it would not remove it
 *   anyway).
 * - A wildcard cluster response keeps clusters the snapshot dropped while removals are held back
 *   (make-before-break); its version is then the hash of what it contains. (For other types a SotW
 *   response without a resource does not remove it, so nothing is held.)
 * - Listeners and routes wait while newly added clusters warm (see make-before-break.ts).
 */
import type { EncodedResource, GroupSnapshot, TypeSnapshot } from '../cache/config-watcher.js';
import { typeVersion } from '../cache/config-watcher.js';
import { RESOURCE_TYPES, type ResourceTypeUrl } from '../protos/envoy-protos.js';
import type { DiscoveryRequest } from './discovery-messages.js';
import { HoldingMachine, markDirty, type Dirty } from './holding-machine.js';
import { HELD_REMOVAL_TYPES } from './make-before-break.js';
import type { NonceSource } from './nonce.js';
import type { AdsNackInfo } from './connection.js';
import { isRejectedContent, type NodeRejections, type RejectedContent } from './rejected-memory.js';
import type { Step, StreamMachine } from './stream-machine.js';
import { StepBuilder, WILDCARD_TYPES } from './stream-machine.js';

interface Subscription {
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
  /** `names` sorted, computed on first use (plans run on every change; most requests are ACKs). */
  sorted?: readonly string[];
  /** The content last sent (or, after a reconnect at the current version, known to be held). */
  sent: ReadonlyMap<string, EncodedResource>;
  /** `sent` when this subscription owns it (partial responses update it in place); else undefined. */
  ownSent?: Map<string, EncodedResource>;
  /** Names in `sent` the snapshot no longer has, kept for make-before-break. */
  held: ReadonlySet<string>;
  /** Names to look at on the next plan (holding-machine.ts). */
  dirty: Dirty;
}

interface Planned {
  readonly resources: ReadonlyMap<string, EncodedResource>;
  readonly version: string;
  readonly held: ReadonlySet<string>;
  /** Only the changed resources (a type whose responses need not carry all): merged into `sent`. */
  readonly partial: boolean;
  /** `resources` is a Map of this plan's own (not the cache's), which `sent` may then own. */
  readonly owned: boolean;
  /** After a change: the only names of `resources` that can differ from `sent` (sorted). */
  readonly candidates?: readonly string[];
}

/** The resource list and names of a cache type snapshot, computed once for every stream sending it. */
const listsOf = new WeakMap<object, { resources: EncodedResource[]; names: string[] }>();

function lists(p: Planned): { resources: EncodedResource[]; names: string[] } {
  let l = p.owned ? undefined : listsOf.get(p.resources);
  if (!l) {
    const resources = [...p.resources.values()];
    l = { resources, names: resources.map((r) => r.name) };
    if (!p.owned) listsOf.set(p.resources, l);
  }
  return l;
}

const EMPTY_TYPE: TypeSnapshot = { version: typeVersion([]), resources: new Map() };

/**
 * Listeners and clusters: a SotW response carries every resource (what it lacks is removed). Any other
 * type is grouped into responses as in Delta, so a change sends only the changed resources (xDS
 * protocol, "Grouping Resources into Responses"; Envoy's SotW mux updates only the watches whose
 * resources a response carries).
 */
const FULL_STATE_TYPES: ReadonlySet<string> = WILDCARD_TYPES;

function sortedNames(sub: Subscription): readonly string[] {
  sub.sorted ??= [...sub.names].sort();
  return sub.sorted;
}

function sameContent(
  a: ReadonlyMap<string, EncodedResource>,
  b: ReadonlyMap<string, EncodedResource>,
): boolean {
  if (a.size !== b.size) return false;
  for (const [name, r] of a) if (b.get(name)?.version !== r.version) return false;
  return true;
}

/** True if `planned` has a resource `sent` lacks or has at another version (removals alone are no news). */
function hasNews(
  planned: ReadonlyMap<string, EncodedResource>,
  sent: ReadonlyMap<string, EncodedResource>,
): boolean {
  for (const [name, r] of planned) if (sent.get(name)?.version !== r.version) return true;
  return false;
}

/**
 * The same, looking only at `names` (the dirty and held ones): elsewhere the plan and `sent` agree. For
 * a wildcard a name gone from the plan is news too.
 */
function hasNewsIn(
  names: Iterable<string>,
  planned: ReadonlyMap<string, EncodedResource>,
  sent: ReadonlyMap<string, EncodedResource>,
  wildcard: boolean,
): boolean {
  for (const name of names) {
    const r = planned.get(name);
    if (r ? sent.get(name)?.version !== r.version : wildcard && sent.has(name)) return true;
  }
  return false;
}

function subscriptionOf(typeUrl: string, requested: readonly string[], previous: Subscription | undefined) {
  const names = new Set(requested.filter((n) => n !== '*'));
  const emptyMeansAll = WILDCARD_TYPES.has(typeUrl) && (previous === undefined || previous.wildcard);
  const wildcard = requested.includes('*') || (requested.length === 0 && emptyMeansAll);
  return { wildcard, names };
}

function sameNames(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const n of a) if (!b.has(n)) return false;
  return true;
}

export class SotwMachine
  extends HoldingMachine<Subscription, Planned>
  implements StreamMachine<DiscoveryRequest>
{
  constructor(
    private readonly nextNonce: NonceSource,
    now: () => number = Date.now,
    rejected?: NodeRejections,
  ) {
    super(now, rejected);
  }

  onRequest(req: DiscoveryRequest, snapshot: GroupSnapshot): Step {
    const typeUrl = req.type_url as ResourceTypeUrl;
    const step = new StepBuilder();
    const verdict = this.acks.onRequest(typeUrl, req.response_nonce, req.error_detail);
    if (verdict.kind === 'stale') return step.build();
    step.verdict(typeUrl, verdict);
    this.noteVerdict(typeUrl, verdict);

    const previous = this.subs.get(typeUrl);
    const { wildcard, names } = subscriptionOf(typeUrl, req.resource_names, previous);
    const unchanged =
      previous !== undefined && previous.wildcard === wildcard && sameNames(names, previous.names);
    const sub: Subscription = {
      wildcard,
      names: unchanged ? previous.names : names,
      ...(unchanged && previous.sorted ? { sorted: previous.sorted } : {}),
      sent: previous?.sent ?? new Map(),
      ...(previous?.ownSent ? { ownSent: previous.ownSent } : {}),
      held: previous?.held ?? new Set(),
      dirty: previous?.dirty ?? 'all',
    };
    this.subs.set(typeUrl, sub);

    let answer: boolean;
    if (!previous) {
      const current = this.plan(typeUrl, sub, snapshot, true);
      const upToDate =
        req.version_info !== '' && current.version === req.version_info && current.held.size === 0;
      if (upToDate) {
        this.setSent(sub, current);
        this.acks.recordKnown(typeUrl, current.version);
      }
      // A reconnect of a client that runs some config and already rejected exactly this content.
      if (req.version_info !== '') this.runsConfig = true;
      const rejected = upToDate || !this.runsConfig ? undefined : this.rejected?.recall(typeUrl);
      const stillRejected =
        rejected !== undefined && current.held.size === 0 && isRejectedContent(current.resources, rejected);
      if (stillRejected) {
        this.setSent(sub, current);
        this.acks.recordRejected(typeUrl, rejected.nack, req.version_info);
      }
      answer = !upToDate && !stillRejected;
      if (!answer) sub.dirty = new Set();
    } else {
      answer = (wildcard && !previous.wildcard) || [...names].some((n) => !previous.names.has(n));
    }
    if (answer) {
      sub.dirty = 'all'; // a (re)subscription is answered with everything subscribed
      this.answer(step, snapshot, typeUrl, (t, allowed) => this.plan(t, sub, snapshot, allowed));
    }
    if (verdict.kind !== 'none' && this.hasHeld()) step.add(this.releaseHeld(snapshot, false));
    return step.build();
  }

  protected rejectedContent(typeUrl: ResourceTypeUrl, nack: AdsNackInfo): RejectedContent {
    const sent = this.subs.get(typeUrl)?.sent ?? new Map<string, EncodedResource>();
    return {
      version: nack.version,
      resources: new Map([...sent].map(([name, r]) => [name, r.version])),
      nack,
    };
  }

  protected newClusters(p: Planned, snapshot: GroupSnapshot): string[] {
    const sent = this.subs.get(RESOURCE_TYPES.cluster)?.sent;
    const sentEndpoints = this.subs.get(RESOURCE_TYPES.endpoint)?.sent;
    const assignments = snapshot.types.get(RESOURCE_TYPES.endpoint)?.resources;
    return this.changedNames(p).filter((n) => {
      const cla = assignments?.get(n);
      return !sent?.has(n) && cla !== undefined && sentEndpoints?.get(n)?.version !== cla.version;
    });
  }

  protected updatedClusters(p: Planned): string[] {
    const sent = this.subs.get(RESOURCE_TYPES.cluster)?.sent;
    return this.changedNames(p).filter((n) => {
      const before = sent?.get(n);
      return before !== undefined && before.version !== p.resources.get(n)!.version;
    });
  }

  /** The names of a plan that may differ from what was sent: its candidates, or all of them. */
  private changedNames(p: Planned): string[] {
    return p.candidates ? p.candidates.filter((n) => p.resources.has(n)) : [...p.resources.keys()];
  }

  protected forgetEndpoints(names: readonly string[]): void {
    const sub = this.subs.get(RESOURCE_TYPES.endpoint);
    if (!sub) return;
    const sent = this.ownedSent(sub);
    for (const name of names) sent.delete(name);
    markDirty(sub, new Set(names));
  }

  /** `sent`, made this subscription's own Map first if it is shared (the cache's). */
  private ownedSent(sub: Subscription): Map<string, EncodedResource> {
    if (!sub.ownSent) {
      sub.ownSent = new Map(sub.sent);
      sub.sent = sub.ownSent;
    }
    return sub.ownSent;
  }

  private setSent(sub: Subscription, p: Planned): void {
    if (p.partial) {
      const sent = this.ownedSent(sub);
      for (const [name, r] of p.resources) sent.set(name, r);
    } else {
      sub.sent = p.resources;
      if (p.owned) sub.ownSent = p.resources as Map<string, EncodedResource>;
      else delete sub.ownSent;
    }
    sub.dirty = new Set();
  }

  /**
   * Pushes a type when its content for the client changed (removals alone are news only for wildcards).
   * After a change only the dirty and held names are looked at.
   */
  protected planChange(
    typeUrl: ResourceTypeUrl,
    sub: Subscription,
    snapshot: GroupSnapshot,
    allowed: boolean,
  ): Planned | undefined {
    const p = this.plan(typeUrl, sub, snapshot, allowed);
    if (this.news(sub, p)) return p;
    sub.held = p.held; // nothing to send (e.g. a held cluster came back); the hold may end
    sub.dirty = new Set();
    return undefined;
  }

  private news(sub: Subscription, p: Planned): boolean {
    if (p.partial) return p.resources.size > 0;
    if (sub.dirty === 'all')
      return sub.wildcard ? !sameContent(p.resources, sub.sent) : hasNews(p.resources, sub.sent);
    return hasNewsIn([...sub.dirty, ...sub.held, ...p.held], p.resources, sub.sent, sub.wildcard);
  }

  private plan(
    typeUrl: ResourceTypeUrl,
    sub: Subscription,
    snapshot: GroupSnapshot,
    allowed: boolean,
  ): Planned {
    const ts = snapshot.types.get(typeUrl) ?? EMPTY_TYPE;
    if (!sub.wildcard) {
      const partial = sub.dirty !== 'all' && !FULL_STATE_TYPES.has(typeUrl);
      const names = partial ? [...(sub.dirty as Set<string>)].sort() : sortedNames(sub);
      const resources = new Map<string, EncodedResource>();
      for (const name of names) {
        const r = ts.resources.get(name);
        if (!r) continue;
        if (!partial || (sub.names.has(name) && sub.sent.get(name)?.version !== r.version))
          resources.set(name, r);
      }
      return { resources, version: ts.version, held: new Set(), partial, owned: true };
    }
    const held = new Set<string>();
    if (!allowed && HELD_REMOVAL_TYPES.has(typeUrl)) {
      const candidates = sub.dirty === 'all' ? sub.sent.keys() : [...sub.dirty, ...sub.held];
      for (const name of candidates) if (sub.sent.has(name) && !ts.resources.has(name)) held.add(name);
    }
    const candidates =
      sub.dirty === 'all' ? {} : { candidates: [...new Set([...sub.dirty, ...sub.held])].sort() };
    if (held.size === 0)
      return {
        resources: ts.resources,
        version: ts.version,
        held,
        partial: false,
        owned: false,
        ...candidates,
      };
    const merged = new Map(ts.resources);
    for (const name of held) merged.set(name, sub.sent.get(name) as EncodedResource);
    const resources = new Map([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const version = typeVersion(resources.values());
    return { resources, version, held, partial: false, owned: true, ...candidates };
  }

  protected commit(step: StepBuilder, typeUrl: ResourceTypeUrl, p: Planned): void {
    const sub = this.subs.get(typeUrl);
    if (!sub) return;
    const nonce = this.nextNonce();
    const { resources, names } = lists(p);
    this.acks.recordPush(typeUrl, nonce, p.version, names);
    this.setSent(sub, p);
    sub.held = p.held;
    const shared = !p.partial && !p.owned ? { shared: p.resources } : {};
    step.pushes.push({ typeUrl, nonce, version: p.version, resources, removed: [], ...shared });
  }
}
