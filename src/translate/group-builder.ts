/**
 * Builds one gateway group's IR from the Ingresses that chose it (sorted oldest first): settles the
 * claims, then lays out virtual hosts, the HTTP listener, and the HTTPS listener with one filter chain
 * per certificate.
 *
 * Precedence for a request to host h: the routes of h, then those of a wildcard matching h, then the
 * rules without host, then the group's default backend (see docs/ingress-semantics.md).
 */
import { diagnostic, type Diagnostic } from '../errors.js';
import type {
  GatewayGroupIR,
  HealthListenerIR,
  RouteIR,
  TlsFilterChainIR,
  VirtualHostIR,
} from '../ir/ir-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { BackendRegistry } from './backend-registry.js';
import { claimGroup, type ClaimedRoute, type GroupClaims } from '../ingress/group-claims.js';
import {
  ANY_HOST,
  compareHosts,
  domainsFor,
  isWildcard,
  singleLabelAuthorityRegex,
  wildcardMatches,
} from '../ingress/hosts.js';
import type { IngressEntries } from '../ingress/ingress-reader.js';
import { compareStrings } from '../ingress/ordering.js';
import { comparePathMatches } from '../ingress/paths.js';
import { SecretRegistry } from './secret-registry.js';
import { buildTcpListeners, type TcpClaim } from './tcp-services.js';
import type { GroupSettings } from './translate-options.js';

/** Lays out virtual hosts from the claims; route actions resolve their backends on first use. */
class VirtualHostLayout {
  private readonly tail: readonly RouteIR[];

  constructor(
    private readonly claims: GroupClaims,
    private readonly backends: BackendRegistry,
  ) {
    const d = claims.defaultBackend;
    const defaultRoute: RouteIR | undefined = d?.defaultBackend && {
      name: d.defaultBackend.name,
      match: { kind: 'prefix', path: '/' },
      action: backends.action(d, d.defaultBackend.backend, 'defaultBackend'),
      timeoutSeconds: d.defaultBackend.timeoutSeconds,
      source: d.ref,
    };
    this.tail = [...this.routesOf(ANY_HOST), ...(defaultRoute ? [defaultRoute] : [])];
  }

  /** Every host with rules, plus the catch-all, in output order. */
  hosts(): string[] {
    return [...new Set([...this.claims.byHost.keys(), ANY_HOST])].sort(compareHosts);
  }

  vhost(host: string): VirtualHostIR {
    let routes: RouteIR[];
    if (host === ANY_HOST) routes = [...this.tail];
    else if (isWildcard(host)) {
      // Envoy's `*.foo.com` also matches deeper names: guard the wildcard's own routes to one label.
      const authority = { regex: singleLabelAuthorityRegex(host), invert: false };
      routes = [...this.routesOf(host).map((r) => ({ ...r, authority })), ...this.tail];
    } else {
      const wild = [...this.claims.byHost.keys()]
        .filter((w) => wildcardMatches(w, host))
        .flatMap((w) => this.routesOf(w));
      routes = [...this.routesOf(host), ...wild, ...this.tail];
    }
    return { name: host, domains: domainsFor(host), routes };
  }

  /** A host's own routes: longest path first, Exact before Prefix on a tie. */
  private routesOf(host: string): RouteIR[] {
    const claimed = [...(this.claims.byHost.get(host)?.values() ?? [])];
    return claimed
      .map((c) => this.route(c))
      .sort((x, y) => comparePathMatches(x.match, y.match) || compareStrings(x.name, y.name));
  }

  private route(c: ClaimedRoute): RouteIR {
    return {
      name: c.entry.name,
      match: c.entry.match,
      action: this.backends.action(c.owner, c.entry.backend, c.entry.name.split('/').slice(3).join('/')),
      timeoutSeconds: c.entry.timeoutSeconds,
      source: c.owner.ref,
    };
  }
}

function redirectVhost(host: string, owner: IngressEntries): VirtualHostIR {
  const route: RouteIR = {
    name: `ingress/${owner.ref.namespace}/${owner.ref.name}/ssl-redirect`,
    match: { kind: 'prefix', path: '/' },
    action: { kind: 'https-redirect' },
    timeoutSeconds: 0,
    source: owner.ref,
  };
  return { name: host, domains: domainsFor(host), routes: [route] };
}

function nonEmpty(v: VirtualHostIR): boolean {
  return v.routes.length > 0;
}

/** The path of the health listener the external load balancer checks. */
export const HEALTH_PATH = '/healthz';

/**
 * The group's health listener, when `healthPort` is set and clashes with neither the HTTP nor the HTTPS
 * port (a clash is a diagnostic on the group and no health listener: the serving listeners stay intact).
 */
function healthListener(
  name: string,
  settings: GroupSettings,
  diags: Diagnostic[],
): HealthListenerIR | undefined {
  const port = settings.healthPort;
  if (port === undefined) return undefined;
  const clash = port === settings.httpPort ? 'HTTP' : port === settings.httpsPort ? 'HTTPS' : undefined;
  if (clash !== undefined) {
    diags.push(
      diagnostic(
        'CW_E_HEALTH_PORT_CONFLICT',
        { kind: 'GatewayGroup', name },
        `health port ${port} of gateway group "${name}" is its ${clash} port; the group gets no health listener`,
      ),
    );
    return undefined;
  }
  return { name: 'health', port, path: HEALTH_PATH };
}

export function buildGroup(
  name: string,
  settings: GroupSettings,
  owners: readonly IngressEntries[],
  resources: ResourceSet,
  diags: Diagnostic[],
  clusterZones: Readonly<Record<string, string>> = {},
  tcpClaims: readonly TcpClaim[] = [],
): GatewayGroupIR {
  const claims = claimGroup(name, owners, diags);
  const backends = new BackendRegistry(resources, diags, {
    ...(settings.homeCluster !== undefined ? { homeCluster: settings.homeCluster } : {}),
    clusterZones,
  });
  const secrets = new SecretRegistry(resources, diags);
  const layout = new VirtualHostLayout(claims, backends);
  const hosts = layout.hosts();

  // HTTP: every host; a TLS host asking for ssl-redirect (with a usable certificate) only redirects.
  const httpHosts = hosts.map((h) => {
    const owner = claims.redirectHosts.get(h);
    const tls = claims.tlsHosts.get(h);
    return owner && tls && secrets.use(tls.secret, tls.owner) ? redirectVhost(h, owner) : layout.vhost(h);
  });

  // HTTPS: one filter chain per certificate, answering the SNI names mapped to it.
  const chains = new Map<string, { hosts: string[]; owner: IngressEntries }>();
  for (const [h, claim] of [...claims.tlsHosts].sort(([a], [c]) => compareHosts(a, c))) {
    if (!secrets.use(claim.secret, claim.owner)) continue;
    const c = chains.get(claim.secret) ?? { hosts: [], owner: claim.owner };
    c.hosts.push(h);
    chains.set(claim.secret, c);
  }
  const filterChains: TlsFilterChainIR[] = [];
  for (const [secret, c] of chains) {
    const vhosts = c.hosts.map((h) => layout.vhost(h));
    for (const v of vhosts.filter((x) => !nonEmpty(x))) {
      diags.push(
        diagnostic(
          'CW_E_TLS_HOST_WITHOUT_RULE',
          c.owner.diagRef,
          `TLS host "${v.name}" has no rule in gateway group "${name}"; HTTPS requests get 404`,
        ),
      );
    }
    filterChains.push({
      name: `https/${secret}`,
      serverNames: [...c.hosts].sort(compareStrings),
      secret,
      virtualHosts: vhosts.filter(nonEmpty),
    });
  }
  const dc = claims.defaultCertificate;
  if (dc && secrets.use(dc.secret, dc.owner)) {
    filterChains.push({
      name: 'https/default',
      serverNames: [],
      secret: dc.secret,
      virtualHosts: hosts.map((h) => layout.vhost(h)).filter(nonEmpty),
    });
  }
  filterChains.sort((x, y) => compareStrings(x.name, y.name));
  const health = healthListener(name, settings, diags);
  const tcp = buildTcpListeners(tcpClaims, settings, backends, diags);

  return {
    name,
    http: { name: 'http', port: settings.httpPort, virtualHosts: httpHosts.filter(nonEmpty) },
    ...(filterChains.length > 0 ? { https: { name: 'https', port: settings.httpsPort, filterChains } } : {}),
    ...(health ? { health } : {}),
    tcp,
    backends: backends.list(),
    secrets: secrets.list(),
  };
}
