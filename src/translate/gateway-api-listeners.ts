/**
 * The virtual hosts of a Gateway's listeners (pure but for the registries it fills): per port, one
 * virtual host per hostname its routes serve, holding every attached route's matches in the spec's
 * precedence (src/gateway-api/http-matches.ts). HTTPS listeners become one TLS filter chain each (SNI:
 * the listener hostname; none: the default chain) with the listener's first certificate.
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type { RouteIR, SecretIR, TlsFilterChainIR, VirtualHostIR } from '../ir/ir-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { compareHosts, domainsFor } from '../ingress/hosts.js';
import { diagnosticRef } from '../ingress/ingress-reader.js';
import {
  compareMatches,
  normalizeMatch,
  type MatchResult,
  type RankedMatch,
} from '../gateway-api/http-matches.js';
import type { RouteModel } from '../gateway-api/grpc-routes.js';
import {
  compareGrpcMatches,
  normalizeGrpcMatch,
  type GrpcMatchResult,
  type GrpcRank,
} from '../gateway-api/grpc-matches.js';
import { compareByAge } from '../ingress/ordering.js';
import type { HttpRouteRule } from '../resources/gateway-api-types.js';
import type { ListenerModel } from '../gateway-api/listeners.js';
import type { BackendRegistry } from './backend-registry.js';
import { ruleRoute, type RuleContext } from './gateway-api-routes.js';
import { readTlsSecret } from './tls.js';

interface Entry extends RankedMatch {
  readonly model: RouteModel;
  /** A GRPCRoute match's rank (its precedence is the GRPCRoute one). */
  readonly rank?: GrpcRank;
}

/** HTTPRoute matches by their precedence, GRPCRoute matches by theirs; of the two kinds, the older route. */
function compareEntries(a: Entry, b: Entry): number {
  if (a.rank && b.rank) return compareGrpcMatches({ ...a, rank: a.rank }, { ...b, rank: b.rank });
  if (!a.rank && !b.rank) return compareMatches(a, b);
  return compareByAge(a.route, b.route) || (a.rank ? 1 : -1);
}

/** The normalized matches of rule `i` of a route of either kind (no matches: one that matches all). */
function ruleMatches(model: RouteModel, i: number): (MatchResult | GrpcMatchResult)[] {
  if (model.kind === 'GRPCRoute') {
    const ms = model.route.spec.rules![i]!.matches;
    return ms && ms.length > 0 ? ms.map(normalizeGrpcMatch) : [normalizeGrpcMatch(undefined)];
  }
  const ms = model.route.spec.rules![i]!.matches;
  return ms && ms.length > 0 ? ms.map((m) => normalizeMatch(m)) : [normalizeMatch(undefined)];
}

/** A rule as ruleRoute reads it: a GRPCRoute rule's filters and backendRefs are HTTPRoute-shaped. */
function httpRuleOf(model: RouteModel, ruleIndex: number): HttpRouteRule {
  if (model.kind === 'HTTPRoute') return model.route.spec.rules![ruleIndex]!;
  const r = model.route.spec.rules![ruleIndex]!;
  return {
    ...(r.filters ? { filters: r.filters } : {}),
    ...(r.backendRefs ? { backendRefs: r.backendRefs } : {}),
  };
}

/** Builds each (route, rule, match) once, whatever the number of hostnames and listeners it serves. */
export class GatewayRouteBuilder {
  private readonly built = new Map<string, RouteIR>();
  private readonly normalized = new Map<RouteModel, Entry[]>();

  constructor(
    private readonly resources: ResourceSet,
    private readonly backends: BackendRegistry,
    private readonly diags: Diagnostic[],
  ) {}

  private entriesOf(model: RouteModel): Entry[] {
    const known = this.normalized.get(model);
    if (known) return known;
    const out: Entry[] = [];
    const dref = diagnosticRef(
      { kind: model.kind, namespace: model.namespace, name: model.name },
      model.source.origin,
    );
    for (const ruleIndex of (model.route.spec.rules ?? []).keys()) {
      for (const [matchIndex, n] of ruleMatches(model, ruleIndex).entries()) {
        if (!n.ok) {
          this.diags.push(
            diagnostic(
              'CW_E_GATEWAY_API_VALUE',
              dref,
              `rules[${ruleIndex}].matches[${matchIndex}]: ${n.error}; match left out`,
            ),
          );
          continue;
        }
        const rank = 'rank' in n ? { rank: n.rank } : {};
        out.push({ match: n.match, route: model.route, ruleIndex, matchIndex, model, ...rank });
      }
    }
    this.normalized.set(model, out);
    return out;
  }

  private routeOf(e: Entry, listener: RuleContext['listener']): RouteIR {
    const key = `${e.model.source.origin.cluster}/${e.model.namespace}/${e.model.name}/${e.ruleIndex}/${e.matchIndex}/${listener.scheme}:${listener.port}`;
    const known = this.built.get(key);
    if (known) return known;
    const ref = { kind: e.model.kind, namespace: e.model.namespace, name: e.model.name };
    const ctx: RuleContext = {
      resources: this.resources,
      backends: this.backends,
      diags: this.diags,
      ref,
      diagRef: diagnosticRef(ref, e.model.source.origin),
      namespace: e.model.namespace,
      listener,
    };
    const r = ruleRoute(ctx, httpRuleOf(e.model, e.ruleIndex), e.ruleIndex, e.match, e.matchIndex);
    this.built.set(key, r);
    return r;
  }

  /** The virtual hosts of `listeners` (one port): one per hostname, routes in the spec's precedence. */
  virtualHosts(listeners: readonly ListenerModel[], routes: readonly RouteModel[]): VirtualHostIR[] {
    const byHost = new Map<string, Entry[]>();
    const names = new Set(listeners);
    for (const model of routes)
      for (const a of model.attachments) {
        if (!names.has(a.listener)) continue;
        for (const h of a.hostnames) {
          const list = byHost.get(h) ?? [];
          for (const e of this.entriesOf(model)) if (!list.includes(e)) list.push(e);
          byHost.set(h, list);
        }
      }
    // The listeners share one port (and so one protocol): a redirect keeping the port keeps that one.
    const first = listeners[0];
    const listener = {
      port: first?.port ?? 0,
      scheme: first?.protocol === 'HTTPS' ? 'https' : 'http',
    } as const;
    return [...byHost.keys()].sort(compareHosts).map((h) => ({
      name: h,
      domains: domainsFor(h),
      routes: [...byHost.get(h)!].sort(compareEntries).map((e) => this.routeOf(e, listener)),
    }));
  }
}

/** The serving certificate of an HTTPS listener (its first certificateRef), read once per group. */
export function listenerCertificate(
  resources: ResourceSet,
  l: ListenerModel,
  gatewayRef: ObjectRef,
  diags: Diagnostic[],
): SecretIR | undefined {
  const key = l.certificates[0];
  const found = key === undefined ? undefined : resources.secrets.get(key);
  if (!found) return undefined;
  const r = readTlsSecret(found.object);
  if (!r.ok) {
    diags.push(
      diagnostic(
        'CW_E_GATEWAY_API_VALUE',
        gatewayRef,
        `listener ${l.name}: certificate ${key}: ${r.error}; listener not served`,
      ),
    );
    return undefined;
  }
  const meta = found.object.metadata;
  return {
    name: key!,
    certificateChain: r.certificateChain,
    privateKey: r.privateKey,
    source: { kind: 'Secret', namespace: meta.namespace, name: meta.name },
  };
}

/** An HTTPS listener's filter chain: SNI = its hostname (none: the default chain). */
export function listenerChain(
  gateway: string,
  l: ListenerModel,
  secret: string,
  virtualHosts: readonly VirtualHostIR[],
): TlsFilterChainIR {
  return {
    name: `https/${l.port}/${gateway}/${l.name}`,
    serverNames: l.hostname === undefined ? [] : [l.hostname],
    secret,
    virtualHosts,
  };
}
