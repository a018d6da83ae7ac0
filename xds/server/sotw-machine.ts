/**
 * State-of-the-world ADS, per type: what the client subscribed to, what it was last sent, and when to
 * send again.
 *
 * - Listeners and clusters are wildcard when the first request names nothing (or `*`); other types get
 *   exactly the subscribed names that exist. `version_info` is the type version of the snapshot.
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
import { HoldingMachine } from './holding-machine.js';
import { HELD_REMOVAL_TYPES } from './make-before-break.js';
import type { NonceSource } from './nonce.js';
import type { AdsNackInfo } from './connection.js';
import { isRejectedContent, type NodeRejections, type RejectedContent } from './rejected-memory.js';
import type { Step, StreamMachine } from './stream-machine.js';
import { StepBuilder, WILDCARD_TYPES } from './stream-machine.js';

interface Subscription {
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
  /** `names` sorted once per request (plans run on every change). */
  readonly sortedNames: readonly string[];
  /** The content last sent (or, after a reconnect at the current version, known to be held). */
  sent: ReadonlyMap<string, EncodedResource>;
  /** Names in `sent` the snapshot no longer has, kept for make-before-break. */
  held: ReadonlySet<string>;
}

interface Planned {
  readonly resources: ReadonlyMap<string, EncodedResource>;
  readonly version: string;
  readonly held: ReadonlySet<string>;
}

const EMPTY_TYPE: TypeSnapshot = { version: typeVersion([]), resources: new Map() };

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

function subscriptionOf(typeUrl: string, requested: readonly string[], previous: Subscription | undefined) {
  const names = new Set(requested.filter((n) => n !== '*'));
  const emptyMeansAll = WILDCARD_TYPES.has(typeUrl) && (previous === undefined || previous.wildcard);
  const wildcard = requested.includes('*') || (requested.length === 0 && emptyMeansAll);
  return { wildcard, names };
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
    const sub: Subscription = {
      wildcard,
      names,
      sortedNames: [...names].sort(),
      sent: previous?.sent ?? new Map(),
      held: previous?.held ?? new Set(),
    };
    this.subs.set(typeUrl, sub);

    let answer: boolean;
    if (!previous) {
      const current = this.plan(typeUrl, sub, snapshot, true);
      const upToDate =
        req.version_info !== '' && current.version === req.version_info && current.held.size === 0;
      if (upToDate) {
        sub.sent = current.resources;
        this.acks.recordKnown(typeUrl, current.version);
      }
      // A reconnect of a client that runs some config and already rejected exactly this content.
      if (req.version_info !== '') this.runsConfig = true;
      const rejected = upToDate || !this.runsConfig ? undefined : this.rejected?.recall(typeUrl);
      const stillRejected =
        rejected !== undefined && current.held.size === 0 && isRejectedContent(current.resources, rejected);
      if (stillRejected) {
        sub.sent = current.resources;
        this.acks.recordRejected(typeUrl, rejected.nack, req.version_info);
      }
      answer = !upToDate && !stillRejected;
    } else {
      answer = (wildcard && !previous.wildcard) || [...names].some((n) => !previous.names.has(n));
    }
    if (answer) this.answer(step, snapshot, typeUrl, (t, allowed) => this.plan(t, sub, snapshot, allowed));
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
    return [...p.resources.keys()].filter((n) => {
      const cla = assignments?.get(n);
      return !sent?.has(n) && cla !== undefined && sentEndpoints?.get(n)?.version !== cla.version;
    });
  }

  protected updatedClusters(p: Planned): string[] {
    const sent = this.subs.get(RESOURCE_TYPES.cluster)?.sent;
    return [...p.resources.values()]
      .filter((r) => {
        const before = sent?.get(r.name);
        return before !== undefined && before.version !== r.version;
      })
      .map((r) => r.name);
  }

  protected forgetEndpoints(names: readonly string[]): void {
    const sub = this.subs.get(RESOURCE_TYPES.endpoint);
    if (!sub) return;
    const sent = new Map(sub.sent);
    for (const name of names) sent.delete(name);
    sub.sent = sent;
  }

  /** Pushes a type when its content for the client changed (removals alone are news only for wildcards). */
  protected planChange(
    typeUrl: ResourceTypeUrl,
    sub: Subscription,
    snapshot: GroupSnapshot,
    allowed: boolean,
  ): Planned | undefined {
    const p = this.plan(typeUrl, sub, snapshot, allowed);
    if (sub.wildcard ? !sameContent(p.resources, sub.sent) : hasNews(p.resources, sub.sent)) return p;
    sub.held = p.held; // nothing to send (e.g. a held cluster came back); the hold may end
    return undefined;
  }

  private plan(
    typeUrl: ResourceTypeUrl,
    sub: Subscription,
    snapshot: GroupSnapshot,
    allowed: boolean,
  ): Planned {
    const ts = snapshot.types.get(typeUrl) ?? EMPTY_TYPE;
    if (!sub.wildcard) {
      const resources = new Map<string, EncodedResource>();
      for (const name of sub.sortedNames) {
        const r = ts.resources.get(name);
        if (r) resources.set(name, r);
      }
      return { resources, version: ts.version, held: new Set() };
    }
    const held = new Set<string>();
    if (!allowed && HELD_REMOVAL_TYPES.has(typeUrl)) {
      for (const name of sub.sent.keys()) if (!ts.resources.has(name)) held.add(name);
    }
    if (held.size === 0) return { resources: ts.resources, version: ts.version, held };
    const merged = new Map(ts.resources);
    for (const name of held) merged.set(name, sub.sent.get(name) as EncodedResource);
    const resources = new Map([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { resources, version: typeVersion(resources.values()), held };
  }

  protected commit(step: StepBuilder, typeUrl: ResourceTypeUrl, p: Planned): void {
    const sub = this.subs.get(typeUrl);
    if (!sub) return;
    const nonce = this.nextNonce();
    const resources = [...p.resources.values()];
    this.acks.recordPush(
      typeUrl,
      nonce,
      p.version,
      resources.map((r) => r.name),
    );
    sub.sent = p.resources;
    sub.held = p.held;
    step.pushes.push({ typeUrl, nonce, version: p.version, resources, removed: [] });
  }
}
