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
  RouteActionIR,
  RouteIR,
  TlsFilterChainIR,
  VirtualHostIR,
} from '../ir/ir-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import { BackendRegistry } from './backend-registry.js';
import { groupEndpointPolicy } from './endpoint-policy.js';
import { claimGroup, type ClaimedRoute, type GroupClaims } from '../ingress/group-claims.js';
import {
  ANY_HOST,
  compareHosts,
  domainsFor,
  isWildcard,
  singleLabelAuthorityRegex,
  wildcardOf,
} from '../ingress/hosts.js';
import type { IngressEntries } from '../ingress/ingress-reader.js';
import { compareStrings } from '../ingress/ordering.js';
import type { PathMatch } from '../ingress/ingress-types.js';
import { pathOrderFor } from '../ingress/paths.js';
import type { IngressBackend } from '../resources/kube-types.js';
import { appRootRoute, wwwRedirects, wwwRedirectVhost, type WwwRedirect } from './path-routes.js';
import { routeRewrite } from './policies/paths.js';
import { DEFAULT_ROUTE_POLICY, readRoutePolicies, type RoutePolicy } from './route-policy.js';
import { compressionFilter } from './compression-filter.js';
import { groupTracing } from './tracing.js';
import { accessLogOf } from './access-log.js';
import { metricsListener } from './metrics-listener.js';
import { clientAddressOf, withProxyProtocol } from './client-address.js';
import { SecretRegistry } from './secret-registry.js';
import { routesWithCanary } from './canary-routes.js';
import { readCanaries, type CanaryPolicy } from './policies/canary.js';
import { readAllWeightedBackends } from './policies/weighted-backends.js';
import { SplitActions } from './split-actions.js';
import { buildTcpListeners, type TcpClaim } from './tcp-services.js';
import { buildUdpListeners, type UdpClaim } from './udp-services.js';
import type { GroupSettings } from './translate-options.js';
import { readPassthroughClaims, settlePassthrough, type PassthroughClaim } from './policies/passthrough.js';
import { buildPassthroughChains } from './passthrough-chains.js';
import { tlsOptionsIR } from './tls-options.js';
import {
  clientCertChainName,
  HTTPS_REQUIRED_BODY,
  hostClientCerts,
  mayFallThrough,
  refusalVhost,
  REFUSED_BODY,
  type HostClientCert,
  withRefusedRoutes,
} from './client-cert-hosts.js';

/** Lays out virtual hosts from the claims; route actions resolve their backends on first use. */
class VirtualHostLayout {
  private readonly tail: readonly RouteIR[];
  private readonly www: ReadonlyMap<string, WwwRedirect>;

  constructor(
    private readonly claims: GroupClaims,
    private readonly backends: SplitActions,
    private readonly policies: ReadonlyMap<IngressEntries, RoutePolicy>,
    private readonly canaries: ReadonlyMap<IngressEntries, CanaryPolicy>,
    /** Whether a concrete host may fall through to a wildcard's routes (client-cert-hosts.ts). */
    private readonly sharesWildcard: (host: string, wildcard: string) => boolean = () => true,
  ) {
    const d = claims.defaultBackend;
    const defaultRoute: RouteIR | undefined =
      d?.defaultBackend && this.routeIR(d, d.defaultBackend, { kind: 'prefix', path: '/' }, 'defaultBackend');
    this.www = wwwRedirects(claims, (o) => this.policyOf(o).paths);
    this.tail = [...this.routesOf(ANY_HOST), ...(defaultRoute ? [defaultRoute] : [])];
  }

  /** Every host with rules, the names redirected by from-to-www-redirect, and the catch-all, in output order. */
  hosts(): string[] {
    return [...new Set([...this.claims.byHost.keys(), ...this.www.keys(), ANY_HOST])].sort(compareHosts);
  }

  vhost(host: string): VirtualHostIR {
    const www = this.www.get(host);
    if (www) return wwwRedirectVhost(host, www);
    let routes: RouteIR[];
    if (host === ANY_HOST) routes = [...this.tail];
    else if (isWildcard(host)) {
      // Envoy's `*.foo.com` also matches deeper names: guard the wildcard's own routes to one label.
      const authority = { regex: singleLabelAuthorityRegex(host), invert: false };
      routes = [...this.routesOf(host).map((r) => ({ ...r, authority })), ...this.tail];
    } else {
      // At most one wildcard matches a concrete host (exactly one label more): look it up.
      const w = wildcardOf(host);
      const wild =
        w !== undefined && this.claims.byHost.has(w) && this.sharesWildcard(host, w) ? this.routesOf(w) : [];
      routes = [...this.routesOf(host), ...wild, ...this.tail];
    }
    return { name: host, domains: domainsFor(host), routes };
  }

  /**
   * A host's own routes: longest path first, Exact before Prefix on a tie (with regex paths: Exact, then
   * regexes, then Prefix; see pathOrderFor); a canary's right before its main; an app-root redirect of
   * `/` before them all.
   */
  private routesOf(host: string): RouteIR[] {
    const claimed = [...(this.claims.byHost.get(host)?.entries() ?? [])];
    const canaries = this.claims.canaries.get(host);
    const order = pathOrderFor(claimed.map(([, c]) => c.entry.match));
    const routes = claimed
      .map(([key, c]) => ({ main: this.route(c), canary: canaries?.get(key) }))
      .sort((x, y) => order(x.main.match, y.main.match) || compareStrings(x.main.name, y.main.name))
      .flatMap(({ main, canary }) => (canary ? this.withCanary(main, canary) : [main]));
    const appRoot = appRootRoute(
      claimed.map(([, c]) => c),
      (o) => this.policyOf(o).paths,
    );
    return appRoot ? [appRoot, ...routes] : routes;
  }

  /** The main route with its canary's routes; a canary whose backend does not resolve is left out. */
  private withCanary(main: RouteIR, c: ClaimedRoute): RouteIR[] {
    const policy = this.canaries.get(c.owner);
    if (!policy) return [main];
    const where = c.entry.name.split('/').slice(3).join('/');
    const cluster = this.backends.canaryAction(c.owner, c.entry.backend, where);
    if (cluster === undefined) return [main];
    return routesWithCanary(main, { name: c.entry.name, source: c.owner.ref, backend: cluster }, policy);
  }

  private route(c: ClaimedRoute): RouteIR {
    return this.routeIR(c.owner, c.entry, c.entry.match, c.entry.name.split('/').slice(3).join('/'));
  }

  /** A route of an Ingress: its redirect (permanent- or temporal-redirect) or its backend, with its policy. */
  private routeIR(
    owner: IngressEntries,
    entry: { readonly name: string; readonly backend: IngressBackend; readonly timeoutSeconds: number },
    match: PathMatch,
    where: string,
  ): RouteIR {
    const { paths, ...stream } = this.policyOf(owner);
    const rewrite = paths?.redirect ? undefined : routeRewrite(entry.name, match, paths);
    const action: RouteActionIR = paths?.redirect
      ? { kind: 'redirect', ...paths.redirect }
      : this.backends.action(owner, entry.backend, where);
    return {
      name: entry.name,
      match,
      action,
      timeoutSeconds: entry.timeoutSeconds,
      ...stream,
      ...(rewrite ? { rewrite } : {}),
      ...this.backends.routeAffinity(action),
      source: owner.ref,
    };
  }

  private policyOf(owner: IngressEntries): RoutePolicy {
    return this.policies.get(owner) ?? DEFAULT_ROUTE_POLICY;
  }
}

function redirectVhost(host: string, owner: IngressEntries): VirtualHostIR {
  const route: RouteIR = {
    name: `ingress/${owner.ref.namespace}/${owner.ref.name}/ssl-redirect`,
    match: { kind: 'prefix', path: '/' },
    action: { kind: 'redirect', scheme: 'https', code: 301 },
    timeoutSeconds: 0,
    ...DEFAULT_ROUTE_POLICY,
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

/** What the steps of one group's build share: its claims, registries and virtual host layout. */
interface GroupContext {
  readonly name: string;
  readonly claims: GroupClaims;
  readonly backends: BackendRegistry;
  readonly secrets: SecretRegistry;
  readonly layout: VirtualHostLayout;
  /** Every host with rules, plus the catch-all, in output order. */
  readonly hosts: readonly string[];
  readonly diags: Diagnostic[];
  /** TLS passthrough hosts (causeway.dev/ssl-passthrough), and the TLS hosts they take from certificates. */
  readonly passthrough: ReadonlyMap<string, PassthroughClaim>;
  readonly passedThrough: ReadonlySet<string>;
  /** The hosts with client-certificate authentication (client-cert-hosts.ts). */
  readonly clientCerts: ReadonlyMap<string, HostClientCert>;
  /** host -> Ingresses whose routes there answer 403 (client certificates asked on a host they do not own). */
  readonly clientCertRefusals: ReadonlyMap<string, ReadonlySet<IngressEntries>>;
}

/** HTTP: every host; a TLS host asking for ssl-redirect (with a usable certificate, or passed through) only redirects. */
/** A host's virtual host, the routes of Ingresses refused client certificates there answering 403. */
function hostVhost(ctx: GroupContext, h: string): VirtualHostIR {
  return withRefusedRoutes(ctx.layout.vhost(h), ctx.clientCertRefusals.get(h));
}

function httpVirtualHosts(ctx: GroupContext): VirtualHostIR[] {
  const { claims, secrets } = ctx;
  return ctx.hosts
    .map((h) => {
      const passthrough = ctx.passthrough.get(h);
      if (passthrough?.owner.sslRedirect) return redirectVhost(h, passthrough.owner);
      const owner = claims.redirectHosts.get(h);
      const tls = claims.tlsHosts.get(h);
      if (owner && tls && secrets.use(tls.secret, tls.owner)) return redirectVhost(h, owner);
      const clientCert = ctx.clientCerts.get(h);
      return clientCert ? refusalVhost(h, clientCert.owner, HTTPS_REQUIRED_BODY) : hostVhost(ctx, h);
    })
    .filter(nonEmpty);
}

interface CertificateHosts {
  readonly secret: string;
  readonly hosts: string[];
  readonly owner: IngressEntries;
  readonly clientCert?: HostClientCert;
}

/**
 * The TLS hosts with a usable certificate, grouped by Secret and client-certificate setting (hosts
 * sorted), with the first owner; keyed by filter chain name.
 */
function hostsByCertificate(ctx: GroupContext): Map<string, CertificateHosts> {
  const chains = new Map<string, CertificateHosts>();
  for (const [h, claim] of [...ctx.claims.tlsHosts].sort(([a], [c]) => compareHosts(a, c))) {
    if (ctx.passedThrough.has(h) || !ctx.secrets.use(claim.secret, claim.owner)) continue;
    const clientCert = ctx.clientCerts.get(h);
    const name = clientCertChainName(claim.secret, clientCert);
    const c = chains.get(name) ?? {
      secret: claim.secret,
      hosts: [],
      owner: claim.owner,
      ...(clientCert ? { clientCert } : {}),
    };
    c.hosts.push(h);
    chains.set(name, c);
  }
  return chains;
}

/** One SNI filter chain of a certificate; a TLS host without rules is a diagnostic (HTTPS gets 404). */
function sniFilterChain(ctx: GroupContext, name: string, c: CertificateHosts): TlsFilterChainIR {
  const cc = c.clientCert;
  const vhosts = c.hosts.map((h) =>
    cc?.kind === 'refuse' ? refusalVhost(h, cc.owner, REFUSED_BODY) : hostVhost(ctx, h),
  );
  for (const v of vhosts.filter((x) => !nonEmpty(x))) {
    ctx.diags.push(
      diagnostic(
        'CW_E_TLS_HOST_WITHOUT_RULE',
        c.owner.diagRef,
        `TLS host "${v.name}" has no rule in gateway group "${ctx.name}"; HTTPS requests get 404`,
      ),
    );
  }
  return {
    name,
    serverNames: [...c.hosts].sort(compareStrings),
    secret: c.secret,
    virtualHosts: vhosts.filter(nonEmpty),
    ...(cc?.kind === 'verify' ? { clientCert: cc.clientCert } : {}),
  };
}

/** HTTPS: one filter chain per certificate answering its SNI names, plus the default certificate's. */
function httpsFilterChains(ctx: GroupContext): TlsFilterChainIR[] {
  const filterChains = [...hostsByCertificate(ctx)].map(([name, c]) => sniFilterChain(ctx, name, c));
  const dc = ctx.claims.defaultCertificate;
  if (dc && ctx.secrets.use(dc.secret, dc.owner)) {
    filterChains.push({
      name: 'https/default',
      serverNames: [],
      secret: dc.secret,
      // A host with client-certificate authentication is served only on its own SNI chain.
      virtualHosts: ctx.hosts
        .filter((h) => !ctx.clientCerts.has(h))
        .map((h) => hostVhost(ctx, h))
        .filter(nonEmpty),
    });
  }
  return filterChains.sort((x, y) => compareStrings(x.name, y.name));
}

/** Settles the group's claims and sets up the registries its listeners resolve backends and secrets in. */
function groupContext(
  name: string,
  settings: GroupSettings,
  owners: readonly IngressEntries[],
  resources: ResourceSet,
  diags: Diagnostic[],
  clusterZones: Readonly<Record<string, string>>,
): GroupContext {
  const canaries = readCanaries(owners, diags);
  const claims = claimGroup(name, owners, diags, (o) => canaries.has(o));
  const mains = owners.filter((o) => !canaries.has(o));
  const secrets = new SecretRegistry(resources, diags);
  const backends = new BackendRegistry(
    resources,
    diags,
    groupEndpointPolicy(settings, clusterZones),
    secrets,
    settings.loadBalancing,
  );
  const splits = new SplitActions(backends, readAllWeightedBackends(mains, diags), diags);
  const groupEncodings = settings.compression?.encodings ?? [];
  const policies = readRoutePolicies(mains, diags, {
    backends,
    groupEncodings,
    secrets: resources.secrets,
  });
  const tlsOwners = new Map([...claims.tlsHosts].map(([h, c]) => [h, c.owner] as const));
  const { hosts: clientCerts, refusedOwners: clientCertRefusals } = hostClientCerts(
    mains,
    tlsOwners,
    secrets,
    diags,
  );
  const layout = new VirtualHostLayout(claims, splits, policies, canaries, (host, wildcard) =>
    mayFallThrough(clientCerts, host, wildcard),
  );
  const age = new Map(mains.map((m, i) => [m, i] as const));
  const { passthrough, taken: passedThrough } = settlePassthrough(
    readPassthroughClaims(mains, diags),
    claims.tlsHosts,
    (a, b) => (age.get(a) ?? 0) < (age.get(b) ?? 0),
    diags,
  );
  return {
    name,
    claims,
    backends,
    secrets,
    layout,
    hosts: layout.hosts(),
    diags,
    passthrough,
    passedThrough,
    clientCerts,
    clientCertRefusals,
  };
}

export function buildGroup(
  name: string,
  settings: GroupSettings,
  owners: readonly IngressEntries[],
  resources: ResourceSet,
  diags: Diagnostic[],
  clusterZones: Readonly<Record<string, string>> = {},
  tcpClaims: readonly TcpClaim[] = [],
  udpClaims: readonly UdpClaim[] = [],
): GatewayGroupIR {
  const ctx = groupContext(name, settings, owners, resources, diags, clusterZones);
  const virtualHosts = httpVirtualHosts(ctx);
  const filterChains = httpsFilterChains(ctx);
  const passthrough = buildPassthroughChains(ctx.passthrough, ctx.backends);
  const tlsOptions = tlsOptionsIR(settings);
  const health = healthListener(name, settings, diags);
  const tcp = buildTcpListeners(tcpClaims, settings, ctx.backends, diags);
  const udp = buildUdpListeners(udpClaims, ctx.backends, diags);

  const compression = compressionFilter(settings);
  const tracing = groupTracing(name, settings.tracing, ctx.backends, diags);
  const observed = tracing ? { tracing } : {};
  const limit = settings.connectionLimit ? { connectionLimit: { ...settings.connectionLimit } } : {};
  const accessLog = accessLogOf(settings);
  const metrics = metricsListener(name, settings, { tcp, health: health !== undefined }, diags);
  const clientAddress = clientAddressOf(settings);
  const edge = { ...observed, ...limit, ...(clientAddress ? { clientAddress } : {}) };
  return {
    name,
    http: { name: 'http', port: settings.httpPort, virtualHosts, compression, ...edge },
    ...(filterChains.length > 0 || passthrough.length > 0
      ? {
          https: {
            name: 'https',
            port: settings.httpsPort,
            filterChains,
            compression,
            ...edge,
            ...(passthrough.length > 0 ? { passthrough } : {}),
            ...(tlsOptions ? { tlsOptions } : {}),
          },
        }
      : {}),
    ...(health ? { health } : {}),
    tcp: withProxyProtocol(tcp, clientAddress),
    ...(udp.length > 0 ? { udp } : {}),
    backends: ctx.backends.list(),
    secrets: ctx.secrets.list(),
    ...(accessLog ? { accessLog } : {}),
    ...(metrics ? { metrics } : {}),
  };
}
