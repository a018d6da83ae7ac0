/**
 * The incremental translation: the result of translate() (IR, diagnostics, served Ingresses), kept up
 * to date from lists of changed objects by re-translating only what they touch. Exactly equal to
 * translate() on the same ResourceSet (test/incremental: a property test over random change sequences).
 *
 * What a change touches:
 * - an Ingress: it is read again; its group before and after (an annotation can move it) is rebuilt;
 * - a Service: its TCP and UDP claims (causeway.dev/gateway-{tcp,udp}-port) are read again, and the group it claimed
 *   before and after is rebuilt, as is every group whose build looked the Service up (backends);
 * - a Secret, the EndpointSlices of a Service: every group whose build looked it up;
 * - whatever a group's build read is recorded as it builds (recording-resources.ts, dependency-index.ts).
 * A group is built alone (buildGroupIsolated) from its Ingresses oldest first and its TCP claims; no
 * group reads another (claims, passthrough, certificates are settled within a group). Untouched groups
 * keep their IR object, so later stages can reuse their output by identity.
 *
 * Falls back to a full translation (correctness first) on: an IngressClass change (which Ingresses are
 * ours); an object whose creationTimestamp does not parse (translate's age order over all objects is
 * then not a strict order, so a group's order cannot be derived from its own members); two objects of
 * equal age and name (same order reason); an Ingress of a cluster not seen before, or a change naming
 * no Ingress known before or now (a change names an Ingress by namespace/name, not by cluster).
 * An exception other than these leaves the instance unusable: the caller starts a new one (runner.ts).
 */
import { GATEWAY_API_KINDS } from '../resources/gateway-api-types.js';
import type { Diagnostic } from '../errors.js';
import type { GatewayGroupIR, IR } from '../ir/ir-types.js';
import { indexClasses } from '../ingress/ingress-class.js';
import { DEFAULT_GROUP } from '../ingress/ingress-annotations.js';
import type { IngressEntries } from '../ingress/ingress-reader.js';
import { compareByAge, compareStrings } from '../ingress/ordering.js';
import type { Ingress, KubeObject, Service } from '../resources/kube-types.js';
import type { ResourceSet, Sourced } from '../resources/resource-set.js';
import { changedEntries, DependencyIndex, endpointEntries, type ObjectChange } from './dependency-index.js';
import { buildGroupIsolated } from './isolation.js';
import { recordingView } from './recording-resources.js';
import type { TcpClaim } from './tcp-services.js';
import { readServicePortClaims, type UdpClaim } from './udp-services.js';
import {
  readOurIngress,
  sortedUniqueDiagnostics,
  type ServedIngress,
  type TranslateResult,
} from './translate.js';
import { groupSettings, type TranslateOptions } from './translate-options.js';
import { compareServed, ServedList } from './served-list.js';
import {
  EMPTY_GATEWAY_API_VIEW,
  hasGatewayApi,
  readGatewayApi,
  withGatewayApi,
} from './gateway-api-translate.js';

export interface IncrementalHooks {
  /** Called for every group built (tests count them). */
  readonly onGroupBuilt?: (group: string) => void;
}

/** What one step did: a full translation or not, the groups built again, the groups gone. */
export interface IncrementalStep {
  readonly full: boolean;
  readonly rebuilt: ReadonlySet<string>;
  readonly removed: readonly string[];
}

interface IngressState {
  readonly source: Sourced<Ingress>;
  readonly entries?: IngressEntries;
  readonly served?: ServedIngress;
  readonly diags: readonly Diagnostic[];
}

interface TcpState {
  readonly source: Sourced<Service>;
  readonly claim?: TcpClaim;
  readonly udp?: UdpClaim;
  readonly diags: readonly Diagnostic[];
}

interface GroupState {
  readonly ir: GatewayGroupIR;
  readonly diags: readonly Diagnostic[];
}

/** Kinds whose change translates in full: IngressClasses (which Ingresses are ours) and the Gateway API. */
const FULL_TRANSLATION_KINDS: ReadonlySet<string> = new Set(['IngressClass', ...GATEWAY_API_KINDS]);

/** Thrown inside a step when the change cannot be applied incrementally; the step translates in full. */
class NotIncremental extends Error {}

function badTime(o: KubeObject): boolean {
  const t = o.metadata.creationTimestamp;
  return t !== undefined && Number.isNaN(Date.parse(t));
}

/** Sorted oldest first; NotIncremental when two compare equal (translate would keep their map order). */
function byAgeStrict<T>(items: readonly T[], objectOf: (t: T) => KubeObject): T[] {
  const sorted = [...items].sort((a, b) => compareByAge(objectOf(a), objectOf(b)));
  for (let i = 1; i < sorted.length; i++)
    if (compareByAge(objectOf(sorted[i - 1]!), objectOf(sorted[i]!)) === 0) throw new NotIncremental();
  return sorted;
}

function addMember(index: Map<string, Set<string>>, group: string, key: string): void {
  const set = index.get(group);
  if (set) set.add(key);
  else index.set(group, new Set([key]));
}

export class IncrementalTranslation {
  /** Every Ingress of the ResourceSet (ours or not), by its ResourceSet key. */
  private readonly ingresses = new Map<string, IngressState>();
  /** Services with a TCP or UDP claim or a diagnostic reading them. */
  private readonly tcp = new Map<string, TcpState>();
  private readonly members = new Map<string, Set<string>>();
  private readonly tcpMembers = new Map<string, Set<string>>();
  private readonly groups = new Map<string, GroupState>();
  private readonly index = new DependencyIndex();
  private readonly clusters = new Set<string>();
  /** Objects (`Ingress|key`, `Service|key`) whose creationTimestamp does not parse. */
  private readonly badTimes = new Set<string>();
  /** Groups to build again at the next step (their endpoints were refreshed by the fast path). */
  private readonly dirty = new Set<string>();
  private served = ServedList.of();
  private current?: TranslateResult;
  /** Our Gateways and routes, read at the last full translation (any Gateway API object: always full). */
  private gatewayApi = EMPTY_GATEWAY_API_VIEW;

  private constructor(
    private readonly options: TranslateOptions,
    private readonly hooks: IncrementalHooks,
  ) {}

  /** A full translation of `resources`, kept for later steps. */
  static from(
    resources: ResourceSet,
    options: TranslateOptions,
    hooks: IncrementalHooks = {},
  ): IncrementalTranslation {
    const t = new IncrementalTranslation(options, hooks);
    t.translateAll(resources);
    return t;
  }

  /** The current translation (what translate() gives for the last ResourceSet). */
  result(): TranslateResult {
    return this.current!;
  }

  /**
   * Brings the translation to `resources`, which differ from `before` (the previous step's
   * ResourceSet) in exactly `changes`. Incremental when it can be, else a full translation.
   */
  apply(resources: ResourceSet, changes: readonly ObjectChange[], before: ResourceSet): IncrementalStep {
    if (
      this.badTimes.size > 0 ||
      changes.some((c) => FULL_TRANSLATION_KINDS.has(c.kind)) ||
      hasGatewayApi(resources)
    )
      return this.translateAll(resources);
    try {
      return this.applyChanges(resources, changes, before);
    } catch (err) {
      if (err instanceof NotIncremental) return this.translateAll(resources);
      throw err;
    }
  }

  /**
   * The fast path refreshed the endpoints of `services` (namespace/name), changing the IR of `groups`:
   * those groups and every group using the Services' slices are built again at the next step.
   */
  endpointsRefreshed(services: ReadonlySet<string>, groups: Iterable<string>): void {
    for (const g of this.index.touchedBy(endpointEntries(services))) this.dirty.add(g);
    for (const g of groups) if (this.groups.has(g)) this.dirty.add(g);
  }

  private applyChanges(
    resources: ResourceSet,
    changes: readonly ObjectChange[],
    before: ResourceSet,
  ): IncrementalStep {
    const touched = this.index.touchedBy(changedEntries(changes, before, resources));
    for (const g of this.dirty) touched.add(g);
    const served = this.served.copy();
    const classes = indexClasses(resources);
    for (const c of changes) {
      if (c.kind === 'Ingress') {
        const keys = [...this.clusters].map((cluster) => `${cluster}/${c.key}`);
        // A change naming no Ingress known before or now: its key is not what we think; translate in full.
        if (!keys.some((k) => this.ingresses.has(k) || resources.ingresses.has(k)))
          throw new NotIncremental();
        for (const k of keys) this.updateIngress(k, resources, classes, served, touched);
      }
      if (c.kind === 'Service') this.updateService(c.key, resources, touched);
    }
    if (resources.ingresses.size !== this.ingresses.size || this.badTimes.size > 0)
      throw new NotIncremental();
    const removed: string[] = [];
    const rebuilt = new Set<string>();
    for (const g of [...touched].sort(compareStrings)) {
      if (!this.present(g)) {
        if (this.groups.delete(g)) removed.push(g);
        this.index.remove(g);
        continue;
      }
      const owners = byAgeStrict(
        [...(this.members.get(g) ?? [])],
        (k) => this.ingresses.get(k)!.source.object,
      );
      const claims = byAgeStrict([...(this.tcpMembers.get(g) ?? [])], (k) => this.tcp.get(k)!.source.object);
      this.build(
        g,
        resources,
        owners.map((k) => this.ingresses.get(k)!.entries!),
        claims.flatMap((k) => this.tcp.get(k)!.claim ?? []),
        claims.flatMap((k) => this.tcp.get(k)!.udp ?? []),
      );
      rebuilt.add(g);
    }
    this.dirty.clear();
    this.served = served;
    this.publish();
    return { full: false, rebuilt, removed };
  }

  private updateIngress(
    key: string,
    resources: ResourceSet,
    classes: ReturnType<typeof indexClasses>,
    served: ServedList,
    touched: Set<string>,
  ): void {
    const old = this.ingresses.get(key);
    const now = resources.ingresses.get(key);
    if (old?.source === now) return;
    if (old) {
      this.ingresses.delete(key);
      this.badTimes.delete(`Ingress|${key}`);
      if (old.served) {
        served.remove(old.served);
        touched.add(old.served.group);
        this.members.get(old.served.group)?.delete(key);
      }
    }
    if (!now) return;
    const state = this.readIngress(key, now, classes);
    if (state.served) {
      if (!served.insert(state.served)) throw new NotIncremental();
      touched.add(state.served.group);
    }
  }

  private updateService(key: string, resources: ResourceSet, touched: Set<string>): void {
    const old = this.tcp.get(key);
    if (old) {
      this.tcp.delete(key);
      for (const c of [old.claim, old.udp]) {
        if (!c) continue;
        touched.add(c.group);
        this.tcpMembers.get(c.group)?.delete(key);
      }
    }
    this.badTimes.delete(`Service|${key}`);
    const now = resources.services.get(key);
    if (!now) return;
    const { claim, udp } = this.readService(key, now);
    for (const c of [claim, udp]) if (c) touched.add(c.group);
  }

  /** Reads one Ingress and records it (state, membership, odd timestamp). */
  private readIngress(
    key: string,
    s: Sourced<Ingress>,
    classes: ReturnType<typeof indexClasses>,
  ): IngressState {
    const diags: Diagnostic[] = [];
    const entries = readOurIngress(s, classes, diags);
    const served: ServedIngress | undefined = entries && {
      cluster: s.origin.cluster,
      namespace: entries.ref.namespace!,
      name: entries.ref.name,
      group: entries.group,
    };
    const state: IngressState = { source: s, ...(entries ? { entries, served } : {}), diags };
    this.ingresses.set(key, state);
    this.clusters.add(s.origin.cluster);
    if (badTime(s.object)) this.badTimes.add(`Ingress|${key}`);
    if (served) addMember(this.members, served.group, key);
    return state;
  }

  /** Reads one Service's TCP and UDP claims and records them (both are members of their group). */
  private readService(key: string, s: Sourced<Service>): { claim?: TcpClaim; udp?: UdpClaim } {
    const diags: Diagnostic[] = [];
    const { tcp: claim, udp } = readServicePortClaims(s, diags);
    const claims = { ...(claim ? { claim } : {}), ...(udp ? { udp } : {}) };
    if (claim || udp || diags.length > 0) this.tcp.set(key, { source: s, ...claims, diags });
    for (const c of [claim, udp]) if (c) addMember(this.tcpMembers, c.group, key);
    if (badTime(s.object)) this.badTimes.add(`Service|${key}`);
    return claims;
  }

  private present(group: string): boolean {
    return (
      group === DEFAULT_GROUP ||
      Object.prototype.hasOwnProperty.call(this.options.groups, group) ||
      (this.members.get(group)?.size ?? 0) > 0 ||
      (this.tcpMembers.get(group)?.size ?? 0) > 0
    );
  }

  private build(
    name: string,
    resources: ResourceSet,
    owners: readonly IngressEntries[],
    tcpClaims: readonly TcpClaim[],
    udpClaims: readonly UdpClaim[] = [],
  ): void {
    const { view, reads } = recordingView(resources);
    const diags: Diagnostic[] = [];
    const ir = buildGroupIsolated(
      {
        name,
        settings: groupSettings(this.options, name),
        owners,
        resources: view,
        clusterZones: this.options.clusterZones ?? {},
        tcpClaims,
        udpClaims,
      },
      diags,
    );
    this.hooks.onGroupBuilt?.(name);
    const settings = groupSettings(this.options, name);
    const zones = this.options.clusterZones ?? {};
    const withGateway = withGatewayApi(ir, this.gatewayApi, view, settings, zones, diags);
    this.groups.set(name, { ir: withGateway, diags });
    this.index.set(name, reads);
  }

  /** translate() itself, keeping what later steps need; the exact orders of translate.ts. */
  private translateAll(resources: ResourceSet): IncrementalStep {
    const before = new Set(this.groups.keys());
    for (const m of [this.ingresses, this.tcp, this.members, this.tcpMembers, this.groups]) m.clear();
    for (const s of [this.clusters, this.badTimes, this.dirty]) s.clear();
    for (const g of before) this.index.remove(g);
    const classes = indexClasses(resources);
    const owners = new Map<string, IngressEntries[]>([[DEFAULT_GROUP, []]]);
    for (const g of Object.keys(this.options.groups)) owners.set(g, []);
    this.gatewayApi = readGatewayApi(resources, (g) => groupSettings(this.options, g));
    for (const g of this.gatewayApi.owners.keys()) if (!owners.has(g)) owners.set(g, []);
    const served: ServedIngress[] = [];
    const ingresses = [...resources.ingresses].sort(([, a], [, b]) => compareByAge(a.object, b.object));
    for (const [key, s] of ingresses) {
      const state = this.readIngress(key, s, classes);
      if (!state.served) continue;
      served.push(state.served);
      const list = owners.get(state.served.group);
      if (list) list.push(state.entries!);
      else owners.set(state.served.group, [state.entries!]);
    }
    const claims = new Map<string, TcpClaim[]>();
    const udpClaims = new Map<string, UdpClaim[]>();
    const services = [...resources.services].sort(([, a], [, b]) => compareByAge(a.object, b.object));
    for (const [key, s] of services) {
      const { claim, udp } = this.readService(key, s);
      if (claim) claims.set(claim.group, [...(claims.get(claim.group) ?? []), claim]); // few: TCP Services
      if (udp) udpClaims.set(udp.group, [...(udpClaims.get(udp.group) ?? []), udp]);
    }
    const names = [...new Set([...owners.keys(), ...claims.keys(), ...udpClaims.keys()])].sort(
      compareStrings,
    );
    for (const g of names)
      this.build(g, resources, owners.get(g) ?? [], claims.get(g) ?? [], udpClaims.get(g) ?? []);
    this.served = ServedList.of(served.sort(compareServed));
    this.publish();
    return { full: true, rebuilt: new Set(names), removed: [...before].filter((g) => !this.groups.has(g)) };
  }

  private publish(): void {
    const groups: GatewayGroupIR[] = [...this.groups.keys()]
      .sort(compareStrings)
      .map((g) => this.groups.get(g)!.ir);
    const diags: Diagnostic[] = [];
    for (const s of this.ingresses.values()) if (s.diags.length > 0) diags.push(...s.diags);
    for (const s of this.tcp.values()) diags.push(...s.diags);
    for (const g of this.groups.values()) diags.push(...g.diags);
    const ir: IR = { groups };
    this.current = {
      ir,
      diagnostics: sortedUniqueDiagnostics(diags),
      served: this.served.list(),
      gatewayApiStatus: this.gatewayApi.status,
    };
  }
}
