/**
 * alb build: (ResourceSet, AwsFacts, options) -> one desired AlbStack per IngressGroup, plus
 * diagnostics. Pure: no clock, randomness, environment or I/O. Ingress semantics (hosts, paths,
 * backends, endpoints, conflicts) come from src/translate; this file settles what is ALB-specific:
 * group settings, listeners and certificates, rule layout, the split over load balancers, names and
 * tags. See docs/alb.md.
 */
import { compareDiagnostics, diagnostic, type Diagnostic, type ObjectRef } from '../../errors.js';
import type { ResourceSet } from '../../resources/resource-set.js';
import { claimGroup } from '../../ingress/group-claims.js';
import { ANY_HOST, isWildcard, wildcardMatches } from '../../ingress/hosts.js';
import { indexClasses } from '../../ingress/ingress-class.js';
import { compareByAge, compareStrings } from '../../ingress/ordering.js';
import {
  DEFAULT_SSL_POLICY,
  IP_ADDRESS_TYPE,
  LOAD_BALANCER_ATTRIBUTES,
  SCHEME,
  SECURITY_GROUPS,
  SSL_POLICY,
  SSL_REDIRECT,
  SUBNETS,
  TAGS,
  type SslRedirect,
} from './alb-annotations.js';
import { AlbBackendRegistry, type AbstractAction } from './alb-backends.js';
import { certificateFor } from './alb-certificates.js';
import { albClassFor } from './alb-class.js';
import { readAlbIngress, readGroupName, type AlbIngress } from './alb-ingress-reader.js';
import {
  TAG_CLUSTER,
  TAG_GROUP,
  TAG_RESOURCE,
  type ActionSpec,
  type AlbScheme,
  type AlbStack,
  type AwsFacts,
  type AwsTags,
  type ConditionSpec,
  type ListenerSpec,
  type LoadBalancerSpec,
  type RuleSpec,
  type TargetGroupSpec,
} from '../model/alb-model.js';
import { awsName, ruleResourceId } from '../model/alb-names.js';
import { isCatchAll, layoutRules, type LaidOutRule, type RouteCandidate } from './alb-rules.js';
import { lbResourceId, MAX_RULES_PER_ALB, placeUnits, type PlacementUnit } from './host-placement.js';

export interface AlbBuildOptions {
  /** Goes into the `causeway.dev/cluster` tag and the AWS names: two clusters never share resources. */
  readonly clusterName: string;
}

export interface AlbBuildResult {
  /** Sorted by group. */
  readonly stacks: readonly AlbStack[];
  /**
   * Groups that have ALB Ingresses but none usable (every one left out by a diagnostic), and the lone
   * group `<namespace>/<name>` of an Ingress whose group.name is invalid: the applier must leave their
   * AWS resources alone rather than delete them. Sorted.
   */
  readonly heldGroups: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

interface Listener {
  readonly port: number;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly owners: AlbIngress[];
  certificateArns: string[];
}

export function buildAlbStacks(
  resources: ResourceSet,
  facts: AwsFacts,
  options: AlbBuildOptions,
): AlbBuildResult {
  const diags: Diagnostic[] = [];
  const classes = indexClasses(resources);
  const byGroup = new Map<string, AlbIngress[]>();
  const held: string[] = [];
  const ingresses = [...resources.ingresses.values()].sort((a, b) => compareByAge(a.object, b.object));
  for (const ing of ingresses) {
    if (!albClassFor(ing.object, classes)) continue;
    const group = readGroupName(ing, diags);
    if (group === undefined) {
      // A bad group name: the Ingress is in no group; the lone group it may have had is held, not deleted.
      held.push(`${ing.object.metadata.namespace ?? 'default'}/${ing.object.metadata.name}`);
      continue;
    }
    const list = byGroup.get(group) ?? [];
    list.push(readAlbIngress(ing, group, diags));
    byGroup.set(group, list);
  }
  const stacks: AlbStack[] = [];
  for (const group of [...byGroup.keys()].sort(compareStrings)) {
    const stack = new GroupBuilder(group, byGroup.get(group)!, resources, facts, options, diags).build();
    if (stack) stacks.push(stack);
    else held.push(group);
  }
  return { stacks, heldGroups: [...new Set(held)].sort(compareStrings), diagnostics: dedupe(diags) };
}

function dedupe(diags: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return [...diags].sort(compareDiagnostics).filter((d) => {
    const k = JSON.stringify(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function refKey(r: ObjectRef): string {
  return `${r.namespace ?? ''}/${r.name}`;
}

function describe(a: AlbIngress): string {
  return `Ingress ${a.entries.ref.namespace}/${a.entries.ref.name}`;
}

class GroupBuilder {
  private readonly members: AlbIngress[];
  private readonly settings = new Map<string, { value: unknown; owner: AlbIngress }>();
  private readonly listeners = new Map<number, Listener>();
  private readonly backends: AlbBackendRegistry;

  constructor(
    private readonly group: string,
    ingresses: readonly AlbIngress[],
    resources: ResourceSet,
    private readonly facts: AwsFacts,
    private readonly options: AlbBuildOptions,
    private readonly diags: Diagnostic[],
  ) {
    // Group order, then age (the list comes oldest first and sort is stable).
    this.members = [...ingresses].sort((a, b) => a.order - b.order).filter((a) => !a.excluded);
    this.backends = new AlbBackendRegistry(resources, diags);
  }

  build(): AlbStack | undefined {
    const members = this.members.filter((m) => this.join(m));
    if (members.length === 0) return undefined;
    const byRef = new Map(members.map((m) => [refKey(m.entries.ref), m]));
    const claims = claimGroup(
      this.group,
      members.map((m) => m.entries),
      this.diags,
    );
    const ownerOf = (ref: ObjectRef): AlbIngress => byRef.get(refKey(ref))!;

    this.certificates();
    const redirect = this.redirect();
    const ruleListeners = [...this.listeners.values()]
      .filter((l) => !(l.protocol === 'HTTP' && redirect !== undefined))
      .sort((a, b) => a.port - b.port);

    // Every claimed route, with its action (backends resolved once, in claim order).
    const candidates: { c: RouteCandidate; owner: AlbIngress }[] = [];
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
    const defaultBackend =
      dbOwner && claims.defaultBackend?.defaultBackend
        ? {
            owner: dbOwner,
            action: this.backends.action(
              dbOwner,
              claims.defaultBackend.defaultBackend.backend,
              'defaultBackend',
            ),
          }
        : undefined;

    const on = (l: Listener, owner: AlbIngress): boolean => owner.listenPorts.some((p) => p.port === l.port);
    const perListener = (l: Listener): { c: RouteCandidate; owner: AlbIngress }[] =>
      candidates.filter((x) => on(l, x.owner));

    // Placement units and their cost (rules before merging, over every rule-carrying listener).
    const hostCost = new Map<string, number>();
    let sharedCost = 0;
    for (const l of ruleListeners) {
      for (const { c } of perListener(l)) {
        if (isCatchAll(c)) continue;
        if (c.host === ANY_HOST) sharedCost++;
        else hostCost.set(c.host, (hostCost.get(c.host) ?? 0) + 1);
      }
    }
    const wildcards = [...hostCost.keys()].filter(isWildcard);
    const unitOf = (h: string): string =>
      isWildcard(h) ? h : (wildcards.find((w) => wildcardMatches(w, h)) ?? h);
    const unitHosts = new Map<string, string[]>();
    for (const h of [...hostCost.keys()].sort(compareStrings)) {
      const u = unitOf(h);
      unitHosts.set(u, [...(unitHosts.get(u) ?? []), h]);
    }
    const units: PlacementUnit[] = [...unitHosts].map(([key, hosts]) => ({
      key,
      hosts,
      cost: hosts.reduce((n, h) => n + hostCost.get(h)!, 0),
    }));
    const capacity = Math.max(1, MAX_RULES_PER_ALB - sharedCost);
    const placement = placeUnits(this.group, units, capacity, this.facts.placements?.[this.group] ?? {});

    const loadBalancers: LoadBalancerSpec[] = [];
    const targetGroups = new Map<string, TargetGroupSpec>();
    const lbBase = this.loadBalancerBase(members[0]!);
    // Without subnets in two zones AWS refuses the load balancer: hold the group (nothing created,
    // changed or deleted) until the subnets or the annotation are fixed.
    if (!lbBase) return undefined;
    const placedIngresses = new Set<string>();
    const shardIngresses: Map<number, Set<string>> = new Map();
    for (const [index, unitKeys] of placement.shards) {
      const lbId = lbResourceId(this.group, index);
      // A target group belongs to one load balancer: a replaced load balancer gets new target groups.
      const lbName = awsName(`${this.readableGroup()}${index > 0 ? `-${index}` : ''}`, [
        this.options.clusterName,
        lbId,
        lbBase.scheme,
      ]);
      const hosts = new Set(unitKeys.flatMap((k) => unitHosts.get(k) ?? []));
      const here = new Set<string>();
      const tgFor = (backend: string): string => {
        const b = this.backends.get(backend);
        const id = `${lbId}/tg/${b.service.namespace}/${b.service.name}/${b.service.port}`;
        if (!targetGroups.has(id)) targetGroups.set(id, this.targetGroup(id, backend, lbName));
        return id;
      };
      const finalize = (a: AbstractAction): ActionSpec =>
        a.kind === 'fixed'
          ? {
              type: 'fixed-response',
              statusCode: a.status,
              contentType: 'text/plain',
              ...(a.status === '503' ? { messageBody: 'backend unavailable' } : {}),
            }
          : {
              type: 'forward',
              targetGroups: a.backends.map((x) => ({ targetGroup: tgFor(x.backend), weight: x.weight })),
            };

      const laid = new Map<number, LaidOutRule[]>();
      for (const l of ruleListeners) {
        const mine = perListener(l).filter(({ c }) => c.host === ANY_HOST || hosts.has(c.host));
        for (const { owner } of mine) here.add(refKey(owner.entries.ref));
        laid.set(l.port, layoutRules(mine.map((x) => x.c)));
      }
      if (unitKeys.some((k) => placement.oversized.includes(k))) this.truncate(laid);

      const listeners: ListenerSpec[] = [];
      for (const l of [...this.listeners.values()].sort((a, b) => a.port - b.port)) {
        const listenerId = `${lbId}/listener/${l.port}`;
        let defaultAction: ActionSpec;
        if (l.protocol === 'HTTP' && redirect !== undefined) {
          defaultAction = {
            type: 'redirect',
            protocol: 'HTTPS',
            port: String(redirect),
            statusCode: 'HTTP_301',
          };
        } else {
          const catchAll = perListener(l).find(({ c }) => isCatchAll(c));
          const db = defaultBackend && on(l, defaultBackend.owner) ? defaultBackend : undefined;
          if (catchAll) here.add(refKey(catchAll.owner.entries.ref));
          else if (db) here.add(refKey(db.owner.entries.ref));
          defaultAction = finalize(catchAll?.c.action ?? db?.action ?? { kind: 'fixed', status: '404' });
        }
        const rules: RuleSpec[] = (laid.get(l.port) ?? []).map((r, i) => {
          const conditions: ConditionSpec[] = [
            ...(r.hosts.length > 0 ? [{ field: 'host-header' as const, values: r.hosts }] : []),
            ...(r.paths.length > 0 ? [{ field: 'path-pattern' as const, values: r.paths }] : []),
          ];
          return {
            resourceId: ruleResourceId(listenerId, conditions),
            priority: i + 1,
            conditions,
            action: finalize(r.action),
            source: r.source,
          };
        });
        listeners.push({
          resourceId: listenerId,
          port: l.port,
          protocol: l.protocol,
          certificateArns: l.certificateArns,
          ...(l.protocol === 'HTTPS'
            ? { sslPolicy: (this.setting(SSL_POLICY.name) as string) ?? DEFAULT_SSL_POLICY }
            : {}),
          defaultAction,
          rules,
        });
      }
      for (const k of here) placedIngresses.add(k);
      shardIngresses.set(index, here);
      const sharedContent =
        ruleListeners.some((l) => perListener(l).some(({ c }) => c.host === ANY_HOST)) ||
        defaultBackend !== undefined;
      loadBalancers.push({
        ...lbBase,
        resourceId: lbId,
        name: lbName,
        tags: this.tags(lbId),
        listeners,
        hosts: [...hosts, ...(sharedContent ? [ANY_HOST] : [])].sort(compareStrings),
        ingresses: [],
      });
    }
    // Ingresses with nothing on any load balancer still get the first one's address in their status.
    const lowest = loadBalancers[0]!;
    const refs = members.map((m) => m.entries.ref);
    const withIngresses = loadBalancers.map((lb, i) => {
      const index = [...placement.shards.keys()][i]!;
      const here = shardIngresses.get(index)!;
      const list = refs.filter(
        (r) => here.has(refKey(r)) || (lb === lowest && !placedIngresses.has(refKey(r))),
      );
      return { ...lb, ingresses: sortRefs(list) };
    });
    return {
      group: this.group,
      loadBalancers: withIngresses.sort((a, b) => compareStrings(a.resourceId, b.resourceId)),
      targetGroups: [...targetGroups.values()].sort((a, b) => compareStrings(a.resourceId, b.resourceId)),
      ingresses: sortRefs(refs),
    };
  }

  /** Admits an Ingress into the group when its group settings and listen ports agree with those before it. */
  private join(m: AlbIngress): boolean {
    const conflicts: string[] = [];
    for (const [name, value] of m.groupSettings) {
      const prev = this.settings.get(name);
      if (prev && JSON.stringify(prev.value) !== JSON.stringify(value))
        conflicts.push(
          `annotation ${name} is ${JSON.stringify(value)} but ${describe(prev.owner)}, before it in group "${this.group}", sets ${JSON.stringify(prev.value)}`,
        );
    }
    for (const p of m.listenPorts) {
      const l = this.listeners.get(p.port);
      if (l && l.protocol !== p.protocol)
        conflicts.push(
          `listen port ${p.port} is ${p.protocol} but ${describe(l.owners[0]!)} makes it ${l.protocol}`,
        );
    }
    if (conflicts.length > 0) {
      for (const c of conflicts)
        this.diags.push(
          diagnostic(
            'CW_E_ALB_GROUP_CONFLICT',
            m.entries.diagRef,
            `${c}; the Ingress is left out of the group`,
          ),
        );
      return false;
    }
    for (const [name, value] of m.groupSettings)
      if (!this.settings.has(name)) this.settings.set(name, { value, owner: m });
    for (const p of m.listenPorts) {
      const l = this.listeners.get(p.port) ?? { ...p, owners: [], certificateArns: [] };
      l.owners.push(m);
      this.listeners.set(p.port, l);
    }
    return true;
  }

  private setting(name: string): unknown {
    return this.settings.get(name)?.value;
  }

  /** Certificates of each HTTPS listener: annotated ARNs, else discovered for TLS hosts; default first. */
  private certificates(): void {
    for (const l of this.listeners.values()) {
      if (l.protocol !== 'HTTPS') continue;
      const arns: string[] = [];
      for (const o of l.owners) {
        if (o.certificateArns.length > 0) {
          arns.push(...o.certificateArns);
          continue;
        }
        for (const h of o.tlsHosts) {
          const arn = certificateFor(h, this.facts.certificates);
          if (arn !== undefined) arns.push(arn);
          else
            this.diags.push(
              diagnostic(
                'CW_E_ALB_CERTIFICATE_NOT_FOUND',
                o.entries.diagRef,
                `no ACM certificate covers TLS host "${h}" and no alb.causeway.dev/certificate-arn is set; HTTPS clients for it get the listener's default certificate`,
              ),
            );
        }
      }
      const unique = [...new Set(arns)];
      l.certificateArns = unique.length > 0 ? [unique[0]!, ...unique.slice(1).sort(compareStrings)] : [];
      if (unique.length === 0) {
        for (const o of l.owners)
          this.diags.push(
            diagnostic(
              'CW_E_ALB_LISTENER_WITHOUT_CERTIFICATE',
              o.entries.diagRef,
              `HTTPS listen port ${l.port} of group "${this.group}" has no certificate (annotate alb.causeway.dev/certificate-arn or add TLS hosts covered by an ACM certificate); the listener is not created`,
            ),
          );
        this.listeners.delete(l.port);
      }
    }
  }

  /** The HTTPS port HTTP listeners redirect to, when ssl-redirect is on and usable. */
  private redirect(): number | undefined {
    const s = this.settings.get(SSL_REDIRECT.name);
    const value = s?.value as SslRedirect | undefined;
    if (!s || !value?.enabled) return undefined;
    const https = [...this.listeners.values()]
      .filter((l) => l.protocol === 'HTTPS')
      .map((l) => l.port)
      .sort((a, b) => a - b);
    const port = value.port ?? https[0];
    if (port !== undefined && https.includes(port)) return port;
    this.diags.push(
      diagnostic(
        'CW_E_ALB_SSL_REDIRECT_WITHOUT_HTTPS',
        s.owner.entries.diagRef,
        `ssl-redirect: group "${this.group}" has no HTTPS listener${value.port !== undefined ? ` on port ${value.port}` : ''}; HTTP listeners keep serving the rules`,
      ),
    );
    return undefined;
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

  private loadBalancerBase(
    first: AlbIngress,
  ):
    | Pick<LoadBalancerSpec, 'scheme' | 'ipAddressType' | 'subnetIds' | 'securityGroupIds' | 'attributes'>
    | undefined {
    const scheme = (this.setting(SCHEME.name) as AlbScheme | undefined) ?? 'internal';
    const annotated = this.setting(SUBNETS.name) as readonly string[] | undefined;
    let subnetIds: string[];
    let zones: number;
    if (annotated) {
      subnetIds = [...annotated];
      const known = new Map(this.facts.subnets.map((s) => [s.id, s.availabilityZone]));
      zones = new Set(annotated.map((id) => known.get(id) ?? id)).size;
    } else {
      const byZone = new Map<string, string>();
      for (const s of [...this.facts.subnets].sort((a, b) => compareStrings(a.id, b.id)))
        if (s.roles.includes(scheme) && !byZone.has(s.availabilityZone)) byZone.set(s.availabilityZone, s.id);
      subnetIds = [...byZone.values()];
      zones = byZone.size;
    }
    if (zones < 2) {
      const owner = this.settings.get(SUBNETS.name)?.owner ?? first;
      this.diags.push(
        diagnostic(
          'CW_E_ALB_SUBNETS',
          owner.entries.diagRef,
          annotated
            ? `group "${this.group}": alb.causeway.dev/subnets names subnets in ${zones} availability zone(s); an ALB needs two; the group is held (nothing in AWS is created or changed) until this is fixed`
            : `group "${this.group}": ${zones} availability zone(s) have a subnet tagged for scheme ${scheme}; an ALB needs two (tag subnets kubernetes.io/role/${scheme === 'internal' ? 'internal-elb' : 'elb'}=1 or annotate alb.causeway.dev/subnets); the group is held (nothing in AWS is created or changed) until this is fixed`,
        ),
      );
      return undefined;
    }
    return {
      scheme,
      ipAddressType: (this.setting(IP_ADDRESS_TYPE.name) as 'ipv4' | 'dualstack' | undefined) ?? 'ipv4',
      subnetIds: subnetIds.sort(compareStrings),
      securityGroupIds: [...((this.setting(SECURITY_GROUPS.name) as readonly string[] | undefined) ?? [])],
      attributes: (this.setting(LOAD_BALANCER_ATTRIBUTES.name) as Record<string, string> | undefined) ?? {},
    };
  }

  private tags(resourceId: string): AwsTags {
    const user = (this.setting(TAGS.name) as Record<string, string> | undefined) ?? {};
    return sortedRecord({
      ...user,
      [TAG_CLUSTER]: this.options.clusterName,
      [TAG_GROUP]: this.group,
      [TAG_RESOURCE]: resourceId,
    });
  }

  private targetGroup(resourceId: string, backend: string, loadBalancerName: string): TargetGroupSpec {
    const b = this.backends.get(backend);
    const vpcId = this.facts.vpcId;
    return {
      resourceId,
      name: awsName(`${b.service.name}-${b.service.port}`, [
        this.options.clusterName,
        resourceId,
        loadBalancerName,
        b.protocol,
        b.protocolVersion,
        String(b.port),
        vpcId,
      ]),
      protocol: b.protocol,
      protocolVersion: b.protocolVersion,
      port: b.port,
      targetType: 'ip',
      vpcId,
      healthCheck: b.healthCheck,
      attributes: sortedRecord(b.attributes),
      tags: this.tags(resourceId),
      targets: b.targets,
      service: { kind: 'Service', namespace: b.service.namespace, name: b.service.name },
    };
  }

  private readableGroup(): string {
    return this.group.replace(/[^A-Za-z0-9]+/g, '-');
  }
}

function sortRefs(refs: readonly ObjectRef[]): ObjectRef[] {
  return [...refs].sort((a, b) => compareStrings(refKey(a), refKey(b)));
}

function sortedRecord(r: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => compareStrings(a, b)));
}
