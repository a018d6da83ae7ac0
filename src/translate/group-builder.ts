/**
 * Builds one gateway group's IR from the Ingresses that chose it (already sorted oldest first, so the
 * first claim on a host+path, a host's certificate or the default backend wins).
 */
import { diagnostic, type Diagnostic, type ObjectRef } from '../errors.js';
import type { IngressBackend } from '../resources/kube-types.js';
import type { ResourceSet } from '../resources/resource-set.js';
import type {
  BackendIR,
  GatewayGroupIR,
  RouteActionIR,
  RouteIR,
  SecretIR,
  TlsFilterChainIR,
  VirtualHostIR,
} from '../ir/ir-types.js';
import { CONNECT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT_SECONDS } from './annotations.js';
import { backendName, resolveBackend, upstreamProtocol } from './backends.js';
import { selectEndpoints } from './endpoints.js';
import {
  ANY_HOST,
  compareHosts,
  domainsFor,
  isWildcard,
  singleLabelAuthorityRegex,
  wildcardMatches,
} from './hosts.js';
import type { IngressEntries, RouteEntry } from './ingress-reader.js';
import { compareStrings } from './ordering.js';
import { comparePathMatches, pathKey } from './paths.js';
import { readTlsSecret } from './tls.js';
import type { GroupSettings } from './translate-options.js';

interface ClaimedRoute {
  readonly entry: RouteEntry;
  readonly owner: IngressEntries;
}

interface Builder {
  readonly resources: ResourceSet;
  readonly diags: Diagnostic[];
  readonly backends: Map<string, { ir: Omit<BackendIR, 'sources'>; sources: Map<string, ObjectRef> }>;
}

function refKey(r: ObjectRef): string {
  return `${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

/** Resolves a backend to a route action, registering the backend (and its endpoints) on first use. */
function actionFor(b: Builder, owner: IngressEntries, backend: IngressBackend, where: string): RouteActionIR {
  const res = resolveBackend(b.resources, owner.ref.namespace!, backend);
  if (!res.ok) {
    b.diags.push(diagnostic(res.code, owner.diagRef, `${where}: ${res.error}; requests get 503`));
    return { kind: 'direct', status: 503, body: 'no healthy upstream: backend not found\n' };
  }
  const name = backendName(res.ref);
  let entry = b.backends.get(name);
  if (!entry) {
    const sel = selectEndpoints(b.resources, res.ref);
    b.diags.push(...sel.diagnostics);
    const svcRef: ObjectRef = { kind: 'Service', namespace: res.ref.namespace, name: res.ref.name };
    const raw = res.service.metadata.annotations?.[CONNECT_TIMEOUT.name];
    let connectTimeoutSeconds = DEFAULT_CONNECT_TIMEOUT_SECONDS;
    if (raw !== undefined) {
      const p = CONNECT_TIMEOUT.parse(raw);
      if (p.ok) connectTimeoutSeconds = p.value;
      else
        b.diags.push(
          diagnostic(
            'CW_E_ANNOTATION_INVALID',
            svcRef,
            `annotation ${CONNECT_TIMEOUT.name}: ${p.error}; using the default`,
          ),
        );
    }
    entry = {
      ir: {
        name,
        service: res.ref,
        protocol: upstreamProtocol(res.service, res.ref),
        connectTimeoutSeconds,
        endpoints: sel.localities,
      },
      sources: new Map(),
    };
    b.backends.set(name, entry);
  }
  entry.sources.set(refKey(owner.ref), owner.ref);
  return { kind: 'forward', backend: name };
}

function toRoute(b: Builder, c: ClaimedRoute): RouteIR {
  return {
    name: c.entry.name,
    match: c.entry.match,
    action: actionFor(b, c.owner, c.entry.backend, c.entry.name.split('/').slice(3).join('/')),
    timeoutSeconds: c.entry.timeoutSeconds,
    source: c.owner.ref,
  };
}

function sortRoutes(routes: RouteIR[]): RouteIR[] {
  return routes.sort((x, y) => comparePathMatches(x.match, y.match) || compareStrings(x.name, y.name));
}

export function buildGroup(
  name: string,
  settings: GroupSettings,
  owners: readonly IngressEntries[],
  resources: ResourceSet,
  diags: Diagnostic[],
): GatewayGroupIR {
  const b: Builder = { resources, diags, backends: new Map() };

  // 1. Claims: host+path (oldest wins), default backend, TLS host -> secret.
  const byHost = new Map<string, Map<string, ClaimedRoute>>();
  let defaultRoute: RouteIR | undefined;
  let defaultOwner: IngressEntries | undefined;
  const tlsHost = new Map<string, { secret: string; owner: IngressEntries }>();
  let defaultCert: { secret: string; owner: IngressEntries } | undefined;
  const redirectHosts = new Map<string, IngressEntries>();

  for (const owner of owners) {
    for (const entry of owner.routes) {
      const paths = byHost.get(entry.host) ?? new Map<string, ClaimedRoute>();
      byHost.set(entry.host, paths);
      const key = pathKey(entry.match);
      const prev = paths.get(key);
      if (prev) {
        const winner =
          prev.owner === owner
            ? 'an earlier path of the same Ingress'
            : `Ingress ${prev.owner.ref.namespace}/${prev.owner.ref.name}`;
        diags.push(
          diagnostic(
            'CW_E_ROUTE_CONFLICT',
            owner.diagRef,
            `host "${entry.host}" ${entry.match.kind} path "${entry.match.path}" is already served by ${winner}; ignored here`,
          ),
        );
        continue;
      }
      paths.set(key, { entry, owner });
    }
    if (owner.defaultBackend) {
      if (defaultOwner) {
        diags.push(
          diagnostic(
            'CW_E_DEFAULT_BACKEND_CONFLICT',
            owner.diagRef,
            `gateway group "${name}" already has the default backend of Ingress ${defaultOwner.ref.namespace}/${defaultOwner.ref.name}; ignored here`,
          ),
        );
      } else {
        defaultOwner = owner;
        defaultRoute = {
          name: owner.defaultBackend.name,
          match: { kind: 'prefix', path: '/' },
          action: actionFor(b, owner, owner.defaultBackend.backend, 'defaultBackend'),
          timeoutSeconds: owner.defaultBackend.timeoutSeconds,
          source: owner.ref,
        };
      }
    }
    for (const t of owner.tls) {
      const secret = `${owner.ref.namespace}/${t.secretName}`;
      if (t.hosts.length === 0) {
        if (!defaultCert) defaultCert = { secret, owner };
        continue;
      }
      for (const h of t.hosts) {
        const prev = tlsHost.get(h);
        if (prev && prev.secret !== secret) {
          diags.push(
            diagnostic(
              'CW_E_TLS_HOST_CONFLICT',
              owner.diagRef,
              `host "${h}" already uses Secret ${prev.secret} of Ingress ${prev.owner.ref.namespace}/${prev.owner.ref.name}; ignored here`,
            ),
          );
          continue;
        }
        if (!prev) tlsHost.set(h, { secret, owner });
        if (owner.sslRedirect && !redirectHosts.has(h)) redirectHosts.set(h, owner);
      }
    }
  }

  // 2. Secrets: validate every Secret a claim uses; hosts whose Secret is missing or bad get no HTTPS.
  const secrets = new Map<string, SecretIR>();
  const badSecrets = new Set<string>();
  const useSecret = (secret: string, owner: IngressEntries): boolean => {
    if (secrets.has(secret)) return true;
    if (badSecrets.has(secret)) return false;
    const found = resources.secrets.get(secret);
    if (!found) {
      diags.push(
        diagnostic(
          'CW_E_TLS_SECRET_NOT_FOUND',
          owner.diagRef,
          `TLS Secret ${secret} not found (only Secrets of type kubernetes.io/tls are read); its hosts are not served over HTTPS`,
        ),
      );
      badSecrets.add(secret);
      return false;
    }
    const r = readTlsSecret(found.object);
    if (!r.ok) {
      const secretRef: ObjectRef = {
        kind: 'Secret',
        namespace: found.object.metadata.namespace,
        name: found.object.metadata.name,
      };
      diags.push(
        diagnostic(
          'CW_E_TLS_SECRET_INVALID',
          owner.diagRef,
          `TLS Secret ${secret}: ${r.error}; its hosts are not served over HTTPS`,
        ),
      );
      diags.push(diagnostic('CW_E_TLS_SECRET_INVALID', secretRef, r.error));
      badSecrets.add(secret);
      return false;
    }
    secrets.set(secret, {
      name: secret,
      certificateChain: r.certificateChain,
      privateKey: r.privateKey,
      source: {
        kind: 'Secret',
        namespace: found.object.metadata.namespace,
        name: found.object.metadata.name,
      },
    });
    return true;
  };

  // 3. Virtual hosts. Precedence for a request: its own host's routes, then a matching wildcard's,
  //    then the rules without host, then the group's default backend.
  const routesOf = (host: string): RouteIR[] =>
    sortRoutes([...(byHost.get(host)?.values() ?? [])].map((c) => toRoute(b, c)));
  const hostless = routesOf(ANY_HOST);
  const tail: RouteIR[] = [...hostless, ...(defaultRoute ? [defaultRoute] : [])];
  const vhostFor = (host: string): VirtualHostIR => {
    let routes: RouteIR[];
    if (host === ANY_HOST) routes = [...tail];
    else if (isWildcard(host)) {
      const authority = { regex: singleLabelAuthorityRegex(host), invert: false };
      routes = [...routesOf(host).map((r) => ({ ...r, authority })), ...tail];
    } else {
      const wild = [...byHost.keys()].filter((w) => wildcardMatches(w, host)).flatMap((w) => routesOf(w));
      routes = [...routesOf(host), ...wild, ...tail];
    }
    return { name: host, domains: domainsFor(host), routes };
  };

  const hosts = [...new Set([...byHost.keys(), ANY_HOST])].sort(compareHosts);
  const httpHosts = hosts.map((h) => {
    const owner = redirectHosts.get(h);
    if (owner && tlsHost.get(h) && useSecret(tlsHost.get(h)!.secret, tlsHost.get(h)!.owner)) {
      const redirect: RouteIR = {
        name: `ingress/${owner.ref.namespace}/${owner.ref.name}/ssl-redirect`,
        match: { kind: 'prefix', path: '/' },
        action: { kind: 'https-redirect' },
        timeoutSeconds: 0,
        source: owner.ref,
      };
      return { name: h, domains: domainsFor(h), routes: [redirect] };
    }
    return vhostFor(h);
  });

  // 4. HTTPS: one filter chain per certificate, answering the SNI names mapped to it.
  const chains = new Map<string, { hosts: string[]; owner: IngressEntries }>();
  for (const [h, claim] of [...tlsHost].sort(([a], [c]) => compareHosts(a, c))) {
    if (!useSecret(claim.secret, claim.owner)) continue;
    const c = chains.get(claim.secret) ?? { hosts: [], owner: claim.owner };
    c.hosts.push(h);
    chains.set(claim.secret, c);
  }
  const filterChains: TlsFilterChainIR[] = [];
  for (const [secret, c] of chains) {
    const vhosts = c.hosts.map(vhostFor);
    for (const v of vhosts) {
      if (v.routes.length === 0) {
        diags.push(
          diagnostic(
            'CW_E_TLS_HOST_WITHOUT_RULE',
            c.owner.diagRef,
            `TLS host "${v.name}" has no rule in gateway group "${name}"; HTTPS requests get 404`,
          ),
        );
      }
    }
    filterChains.push({
      name: `https/${secret}`,
      serverNames: [...c.hosts].sort(compareStrings),
      secret,
      virtualHosts: vhosts.filter((v) => v.routes.length > 0),
    });
  }
  if (defaultCert && useSecret(defaultCert.secret, defaultCert.owner)) {
    filterChains.push({
      name: 'https/default',
      serverNames: [],
      secret: defaultCert.secret,
      virtualHosts: hosts.map(vhostFor).filter((v) => v.routes.length > 0),
    });
  }
  filterChains.sort((x, y) => compareStrings(x.name, y.name));

  const backends: BackendIR[] = [...b.backends.values()]
    .map((e) => ({
      ...e.ir,
      sources: [...e.sources.values()].sort((x, y) => compareStrings(refKey(x), refKey(y))),
    }))
    .sort((x, y) => compareStrings(x.name, y.name));

  return {
    name,
    http: {
      name: 'http',
      port: settings.httpPort,
      virtualHosts: httpHosts.filter((v) => v.routes.length > 0),
    },
    ...(filterChains.length > 0 ? { https: { name: 'https', port: settings.httpsPort, filterChains } } : {}),
    backends,
    secrets: [...secrets.values()].sort((x, y) => compareStrings(x.name, y.name)),
  };
}
