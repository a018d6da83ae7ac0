/**
 * Builds the desired AlbStack of one IngressGroup: admits its members, resolves every claimed route to
 * an action, places hosts over load balancers, lays out each load balancer's listeners and rules, and
 * names the target groups each load balancer forwards to.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../../errors.js';
import type { ResourceSet } from '../../resources/resource-set.js';
import { claimGroup, type GroupClaims } from '../../ingress/group-claims.js';
import { ANY_HOST } from '../../ingress/hosts.js';
import { compareStrings } from '../../ingress/ordering.js';
import type {
  ActionSpec,
  AlbStack,
  AwsFacts,
  AwsTags,
  ConditionSpec,
  ListenerSpec,
  LoadBalancerSpec,
  RuleSpec,
  TargetGroupSpec,
} from '../model/alb-model.js';
import { awsName, ruleResourceId } from '../model/alb-names.js';
import { DEFAULT_SSL_POLICY, SSL_POLICY, TAGS } from './alb-group-annotations.js';
import { AlbBackendRegistry, type AbstractAction } from './alb-backends.js';
import { GroupMembers, type GroupListener } from './alb-group-members.js';
import { placeGroupHosts } from './alb-group-placement.js';
import type { AlbIngress } from './alb-ingress-reader.js';
import { loadBalancerBase, type LoadBalancerBase } from './alb-load-balancer-base.js';
import { refKey, resourceTags, sortRefs, targetGroupSpec, type ResourceOwner } from './alb-resource-specs.js';
import { isCatchAll, layoutRules, type LaidOutRule, type RouteCandidate } from './alb-rules.js';
import { lbResourceId, MAX_RULES_PER_ALB } from './host-placement.js';

export interface AlbBuildOptions {
  /** Goes into the `causeway.dev/cluster` tag and the AWS names: two clusters never share resources. */
  readonly clusterName: string;
}

/** A claimed route with its resolved action, and the member it belongs to. */
interface Candidate {
  readonly c: RouteCandidate;
  readonly owner: AlbIngress;
}

/** What every load balancer of the group is built from. */
interface GroupLayout {
  /** Every listener, by port. */
  readonly listeners: readonly GroupListener[];
  /** The listeners that carry rules (not the HTTP ones that redirect), by port. */
  readonly ruleListeners: readonly GroupListener[];
  readonly redirect: number | undefined;
  readonly candidates: readonly Candidate[];
  readonly defaultBackend: { readonly owner: AlbIngress; readonly action: AbstractAction } | undefined;
  readonly base: LoadBalancerBase;
  readonly unitHosts: ReadonlyMap<string, readonly string[]>;
  readonly oversized: readonly string[];
}

/** One load balancer of the group and the members with something on it. */
interface Shard {
  readonly lb: LoadBalancerSpec;
  readonly here: ReadonlySet<string>;
}

function listensOn(l: GroupListener, owner: AlbIngress): boolean {
  return owner.listenPorts.some((p) => p.port === l.port);
}

function onListener(candidates: readonly Candidate[], l: GroupListener): Candidate[] {
  return candidates.filter((x) => listensOn(l, x.owner));
}

function ruleSpec(listenerId: string, r: LaidOutRule, i: number, action: ActionSpec): RuleSpec {
  const conditions: ConditionSpec[] = [
    ...(r.hosts.length > 0 ? [{ field: 'host-header' as const, values: r.hosts }] : []),
    ...(r.paths.length > 0 ? [{ field: 'path-pattern' as const, values: r.paths }] : []),
  ];
  return {
    resourceId: ruleResourceId(listenerId, conditions),
    priority: i + 1,
    conditions,
    action,
    source: r.source,
  };
}

export class AlbGroupBuilder {
  private readonly members: AlbIngress[];
  private readonly admitted: GroupMembers;
  private readonly backends: AlbBackendRegistry;
  private readonly targetGroups = new Map<string, TargetGroupSpec>();
  private readonly owner: ResourceOwner;

  constructor(
    private readonly group: string,
    ingresses: readonly AlbIngress[],
    resources: ResourceSet,
    private readonly facts: AwsFacts,
    options: AlbBuildOptions,
    private readonly diags: Diagnostic[],
  ) {
    // Group order, then age (the list comes oldest first and sort is stable).
    this.members = [...ingresses].sort((a, b) => a.order - b.order).filter((a) => !a.excluded);
    this.admitted = new GroupMembers(group, diags);
    this.backends = new AlbBackendRegistry(resources, diags);
    this.owner = { clusterName: options.clusterName, group };
  }

  /** The group's stack; undefined when it is held (no usable member, or no subnets in two zones). */
  build(): AlbStack | undefined {
    const members = this.members.filter((m) => this.admitted.join(m));
    if (members.length === 0) return undefined;
    const claims = claimGroup(
      this.group,
      members.map((m) => m.entries),
      this.diags,
    );
    this.admitted.settleCertificates(this.facts);
    const redirect = this.admitted.redirectPort();
    const listeners = [...this.admitted.listeners.values()].sort((a, b) => a.port - b.port);
    const ruleListeners = listeners.filter((l) => !(l.protocol === 'HTTP' && redirect !== undefined));
    const { candidates, defaultBackend } = this.claimedRoutes(members, claims);
    const routes = ruleListeners.flatMap((l) => onListener(candidates, l).map((x) => x.c));
    const current = this.facts.placements?.[this.group] ?? {};
    const { placement, unitHosts } = placeGroupHosts(this.group, routes, current);
    // Without subnets in two zones AWS refuses the load balancer: hold the group (nothing created,
    // changed or deleted) until the subnets or the annotation are fixed.
    const base = loadBalancerBase(this.group, this.admitted, this.facts, members[0]!, this.diags);
    if (!base) return undefined;
    const layout: GroupLayout = {
      listeners,
      ruleListeners,
      redirect,
      candidates,
      defaultBackend,
      base,
      unitHosts,
      oversized: placement.oversized,
    };
    const shards = [...placement.shards].map(([index, unitKeys]) => this.shard(layout, index, unitKeys));
    return this.stack(members, shards);
  }

  /** Every claimed route with its action, and the default backend (backends resolved once, in claim order). */
  private claimedRoutes(
    members: readonly AlbIngress[],
    claims: GroupClaims,
  ): Pick<GroupLayout, 'candidates' | 'defaultBackend'> {
    const byRef = new Map(members.map((m) => [refKey(m.entries.ref), m]));
    const ownerOf = (ref: ObjectRef): AlbIngress => byRef.get(refKey(ref))!;
    const candidates: Candidate[] = [];
    for (const [host, paths] of claims.byHost) {
      for (const claimed of paths.values()) {
        const owner = ownerOf(claimed.owner.ref);
        const where = claimed.entry.name.split('/').slice(3).join('/');
        const action = this.backends.action(owner, claimed.entry.backend, where);
        candidates.push({
          c: { host, match: claimed.entry.match, action, source: owner.entries.ref },
          owner,
        });
      }
    }
    const dbOwner = claims.defaultBackend ? ownerOf(claims.defaultBackend.ref) : undefined;
    const db = claims.defaultBackend?.defaultBackend;
    const defaultBackend =
      dbOwner && db
        ? { owner: dbOwner, action: this.backends.action(dbOwner, db.backend, 'defaultBackend') }
        : undefined;
    return { candidates, defaultBackend };
  }

  /** The load balancer at `index`, holding the rules of the hosts of `unitKeys` and the shared ones. */
  private shard(layout: GroupLayout, index: number, unitKeys: readonly string[]): Shard {
    const lbId = lbResourceId(this.group, index);
    // A target group belongs to one load balancer: a replaced load balancer gets new target groups.
    const lbName = awsName(`${this.readableGroup()}${index > 0 ? `-${index}` : ''}`, [
      this.owner.clusterName,
      lbId,
      layout.base.scheme,
    ]);
    const hosts = new Set(unitKeys.flatMap((k) => layout.unitHosts.get(k) ?? []));
    const here = new Set<string>();
    const laid = new Map<number, LaidOutRule[]>();
    for (const l of layout.ruleListeners) {
      const mine = onListener(layout.candidates, l).filter(
        ({ c }) => c.host === ANY_HOST || hosts.has(c.host),
      );
      for (const { owner } of mine) here.add(refKey(owner.entries.ref));
      laid.set(l.port, layoutRules(mine.map((x) => x.c)));
    }
    if (unitKeys.some((k) => layout.oversized.includes(k))) this.truncate(laid);
    const finalize = (a: AbstractAction): ActionSpec => this.concreteAction(a, lbId, lbName);
    const listeners = layout.listeners.map((l) =>
      this.listenerSpec(layout, l, lbId, laid.get(l.port) ?? [], here, finalize),
    );
    const sharedContent =
      layout.ruleListeners.some((l) =>
        onListener(layout.candidates, l).some(({ c }) => c.host === ANY_HOST),
      ) || layout.defaultBackend !== undefined;
    const lb: LoadBalancerSpec = {
      ...layout.base,
      resourceId: lbId,
      name: lbName,
      tags: this.tags(lbId),
      listeners,
      hosts: [...hosts, ...(sharedContent ? [ANY_HOST] : [])].sort(compareStrings),
      ingresses: [],
    };
    return { lb, here };
  }

  private listenerSpec(
    layout: GroupLayout,
    l: GroupListener,
    lbId: string,
    laid: readonly LaidOutRule[],
    here: Set<string>,
    finalize: (a: AbstractAction) => ActionSpec,
  ): ListenerSpec {
    const listenerId = `${lbId}/listener/${l.port}`;
    const defaultAction = this.defaultAction(layout, l, here, finalize);
    return {
      resourceId: listenerId,
      port: l.port,
      protocol: l.protocol,
      certificateArns: l.certificateArns,
      ...(l.protocol === 'HTTPS'
        ? { sslPolicy: (this.admitted.setting(SSL_POLICY.name) as string) ?? DEFAULT_SSL_POLICY }
        : {}),
      defaultAction,
      rules: laid.map((r, i) => ruleSpec(listenerId, r, i, finalize(r.action))),
    };
  }

  /** A listener's default action: the redirect, else the catch-all route, else the default backend, else 404. */
  private defaultAction(
    layout: GroupLayout,
    l: GroupListener,
    here: Set<string>,
    finalize: (a: AbstractAction) => ActionSpec,
  ): ActionSpec {
    if (l.protocol === 'HTTP' && layout.redirect !== undefined)
      return { type: 'redirect', protocol: 'HTTPS', port: String(layout.redirect), statusCode: 'HTTP_301' };
    const catchAll = onListener(layout.candidates, l).find(({ c }) => isCatchAll(c));
    const db =
      layout.defaultBackend && listensOn(l, layout.defaultBackend.owner) ? layout.defaultBackend : undefined;
    if (catchAll) here.add(refKey(catchAll.owner.entries.ref));
    else if (db) here.add(refKey(db.owner.entries.ref));
    return finalize(catchAll?.c.action ?? db?.action ?? { kind: 'fixed', status: '404' });
  }

  /** An action on the load balancer `lbId`: a fixed response, or a forward to its target groups. */
  private concreteAction(a: AbstractAction, lbId: string, lbName: string): ActionSpec {
    if (a.kind === 'fixed')
      return {
        type: 'fixed-response',
        statusCode: a.status,
        contentType: 'text/plain',
        ...(a.status === '503' ? { messageBody: 'backend unavailable' } : {}),
      };
    return {
      type: 'forward',
      targetGroups: a.backends.map((x) => ({
        targetGroup: this.targetGroupFor(x.backend, lbId, lbName),
        weight: x.weight,
      })),
    };
  }

  /** The resource id of the target group of `backend` on load balancer `lbId` (its spec made once). */
  private targetGroupFor(backend: string, lbId: string, lbName: string): string {
    const b = this.backends.get(backend);
    const id = `${lbId}/tg/${b.service.namespace}/${b.service.name}/${b.service.port}`;
    if (!this.targetGroups.has(id))
      this.targetGroups.set(id, targetGroupSpec(this.owner, b, id, lbName, this.facts.vpcId, this.tags(id)));
    return id;
  }

  /** The stack: each load balancer with the members it serves; members on none go to the first one. */
  private stack(members: readonly AlbIngress[], shards: readonly Shard[]): AlbStack {
    const placedIngresses = new Set(shards.flatMap((s) => [...s.here]));
    // Ingresses with nothing on any load balancer still get the first one's address in their status.
    const lowest = shards[0]?.lb;
    const refs = members.map((m) => m.entries.ref);
    const withIngresses = shards.map(({ lb, here }) => {
      const list = refs.filter(
        (r) => here.has(refKey(r)) || (lb === lowest && !placedIngresses.has(refKey(r))),
      );
      return { ...lb, ingresses: sortRefs(list) };
    });
    return {
      group: this.group,
      loadBalancers: withIngresses.sort((a, b) => compareStrings(a.resourceId, b.resourceId)),
      targetGroups: [...this.targetGroups.values()].sort((a, b) =>
        compareStrings(a.resourceId, b.resourceId),
      ),
      ingresses: sortRefs(refs),
    };
  }

  /** Rules beyond one load balancer's limit (an oversized host): the least specific are left out. */
  private truncate(laid: Map<number, LaidOutRule[]>): void {
    const total = (): number => [...laid.values()].reduce((n, r) => n + r.length, 0);
    while (total() > MAX_RULES_PER_ALB) {
      const [port, rules] = [...laid].sort(([pa, a], [pb, b]) => b.length - a.length || pa - pb)[0]!;
      const dropped = rules[rules.length - 1]!;
      laid.set(port, rules.slice(0, -1));
      const owner = this.members.find((m) => refKey(m.entries.ref) === refKey(dropped.source));
      this.diags.push(
        diagnostic(
          'CW_E_ALB_RULE_LIMIT',
          owner?.entries.diagRef ?? dropped.source,
          `listener ${port}: the rule for hosts [${dropped.hosts.join(', ')}] paths [${dropped.paths.join(', ')}] does not fit: its host needs more than ${MAX_RULES_PER_ALB} rules on one load balancer; left out`,
        ),
      );
    }
  }

  private tags(resourceId: string): AwsTags {
    return resourceTags(
      this.owner,
      this.admitted.setting(TAGS.name) as Record<string, string> | undefined,
      resourceId,
    );
  }

  private readableGroup(): string {
    return this.group.replace(/[^A-Za-z0-9]+/g, '-');
  }
}
