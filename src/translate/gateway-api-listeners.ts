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
import { compareMatches, normalizeMatch, type RankedMatch } from '../gateway-api/http-matches.js';
import type { HttpRouteModel } from '../gateway-api/http-routes.js';
import type { ListenerModel } from '../gateway-api/listeners.js';
import type { BackendRegistry } from './backend-registry.js';
import { ruleRoute, type RuleContext } from './gateway-api-routes.js';
import { readTlsSecret } from './tls.js';

interface Entry extends RankedMatch {
  readonly model: HttpRouteModel;
}

/** Builds each (route, rule, match) once, whatever the number of hostnames and listeners it serves. */
export class GatewayRouteBuilder {
  private readonly built = new Map<string, RouteIR>();
  private readonly normalized = new Map<HttpRouteModel, Entry[]>();

  constructor(
    private readonly resources: ResourceSet,
    private readonly backends: BackendRegistry,
    private readonly diags: Diagnostic[],
  ) {}

  private entriesOf(model: HttpRouteModel): Entry[] {
    const known = this.normalized.get(model);
    if (known) return known;
    const out: Entry[] = [];
    const dref = diagnosticRef(
      { kind: 'HTTPRoute', namespace: model.namespace, name: model.name },
      model.source.origin,
    );
    for (const [ruleIndex, rule] of (model.route.spec.rules ?? []).entries()) {
      const matches = rule.matches && rule.matches.length > 0 ? rule.matches : [undefined];
      for (const [matchIndex, m] of matches.entries()) {
        const n = normalizeMatch(m);
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
        out.push({ match: n.match, route: model.route, ruleIndex, matchIndex, model });
      }
    }
    this.normalized.set(model, out);
    return out;
  }

  private routeOf(e: Entry): RouteIR {
    const key = `${e.model.source.origin.cluster}/${e.model.namespace}/${e.model.name}/${e.ruleIndex}/${e.matchIndex}`;
    const known = this.built.get(key);
    if (known) return known;
    const ref = { kind: 'HTTPRoute', namespace: e.model.namespace, name: e.model.name };
    const ctx: RuleContext = {
      resources: this.resources,
      backends: this.backends,
      diags: this.diags,
      ref,
      diagRef: diagnosticRef(ref, e.model.source.origin),
      namespace: e.model.namespace,
    };
    const r = ruleRoute(ctx, e.model.route.spec.rules![e.ruleIndex]!, e.ruleIndex, e.match, e.matchIndex);
    this.built.set(key, r);
    return r;
  }

  /** The virtual hosts of `listeners` (one port): one per hostname, routes in the spec's precedence. */
  virtualHosts(listeners: readonly ListenerModel[], routes: readonly HttpRouteModel[]): VirtualHostIR[] {
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
    return [...byHost.keys()].sort(compareHosts).map((h) => ({
      name: h,
      domains: domainsFor(h),
      routes: [...byHost.get(h)!].sort(compareMatches).map((e) => this.routeOf(e)),
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
