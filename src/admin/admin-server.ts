/**
 * The admin HTTP server (fastify), on its own port: health, readiness, Prometheus metrics, read-only
 * debug views of what the controller serves, and the fleet registry (`/api/gateways` as JSON, `/fleet`
 * as a live web page). It only reads; it never changes controller state (gateway drain aside), except
 * that a scrape refreshes `causeway_ready` and `causeway_diagnostics` from the same sources
 * /readyz and /debug/diagnostics answer from, so the three always agree.
 */
import { LogController, fastify } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { stringify as toYaml } from 'yaml';
import { CausewayError } from '../errors.js';
import type { Diagnostic } from '../errors.js';
import { buildFleetView, fleetGroupView } from '../fleet/fleet-view.js';
import { metricsPortsOf } from '../fleet/metrics-ports.js';
import { groupVersionsOf } from '../fleet/group-versions.js';
import type { ControllerMetrics } from '../observability/metrics.js';
import { registerDrainRoutes, type DrainTarget } from './drain-routes.js';
import { isAllowedHost } from './admin-access.js';
import type { MutatingAccess } from './mutating-access.js';
import type { ConfigWatcher, GroupSnapshot } from '../../xds/cache/config-watcher.js';
import { RESOURCE_LIST_NAMES, RESOURCE_TYPES, decodeResource } from '../../xds/protos/envoy-protos.js';
import type { ResourceKind } from '../../xds/protos/envoy-protos.js';
import type { AdsConnectionInfo } from '../../xds/server/connection.js';
import { FLEET_PAGE_CSP, fleetPageHtml } from './fleet-page.js';
import { redactPrivateKeysDeep } from '../util/private-keys.js';

export interface AdminServerOptions {
  readonly metrics: ControllerMetrics;
  readonly watcher: ConfigWatcher;
  /** True once the first full translation is done. */
  readonly isReady: () => boolean;
  /** The current diagnostics (complete list). */
  readonly diagnostics: () => readonly Diagnostic[];
  /** The connected gateways (the ADS server's `connections()`); none without it. */
  readonly gateways?: () => readonly AdsConnectionInfo[];
  /** Clock for the fleet view (tests). Default Date.now. */
  readonly now?: () => number;
  /** A gateway not at its group's current config for longer than this is lagging (fleet-view.ts). */
  readonly laggingAfterMs?: number;
  /** Gateway drain (`POST|DELETE /api/gateways/:nodeId/drain`, drain-routes.ts); no such routes without it. */
  readonly drain?: DrainTarget;
  /**
   * The gateway groups the configuration knows. With it, `/debug/config` answers 404 for any other
   * group; without it, any group is answered with the watcher's (possibly empty) snapshot.
   */
  readonly groups?: () => readonly string[];
  /**
   * Who may call it: `Host` allow-list for every route but the probes and /metrics (421 otherwise), and
   * the drain routes' bearer token (mutating-access.ts). Without it nothing is checked but CSRF.
   */
  readonly access?: Omit<MutatingAccess, 'logger'>;
  /** Request and error logging (child component `admin`): 5xx, errors and refused requests; none when absent. */
  readonly logger?: Logger;
}

/** The mutating API on its own address (`--admin-api-address`): only the drain routes. */
export interface AdminApiServerOptions {
  readonly drain: DrainTarget;
  readonly access: Omit<MutatingAccess, 'logger'>;
  readonly logger?: Logger;
}

/** The JSON body of `GET /debug/config`. */
export interface DebugConfig {
  readonly group: string;
  /** The SotW version of each type, by short kind. */
  readonly versions: Partial<Record<ResourceKind, string>>;
  readonly clusters: readonly unknown[];
  readonly endpoints: readonly unknown[];
  readonly listeners: readonly unknown[];
  readonly routes: readonly unknown[];
  readonly secrets: readonly unknown[];
}

export const REDACTED = '[redacted]';

/** Fields holding a DataSource whose inline content is secret. */
const SECRET_DATA_SOURCE_FIELDS = new Set([
  'private_key', // TlsCertificate
  'password', // TlsCertificate (private key password)
  'secret', // GenericSecret
  'keys', // TlsSessionTicketKeys (repeated)
  'users', // BasicAuth, BasicAuthPerRoute (htpasswd hashes)
]);
const INLINE_FIELDS = ['inline_bytes', 'inline_string'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function redactDataSource(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const f of INLINE_FIELDS) if (f in out) out[f] = REDACTED;
  return out;
}

/**
 * A copy of a decoded resource with the inline content of private keys (and other secret DataSources)
 * replaced by "[redacted]", wherever they appear (Secrets, but also TLS contexts inlined in listeners
 * or clusters). File names and SDS references are kept: they are not secret.
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (SECRET_DATA_SOURCE_FIELDS.has(key)) {
      out[key] = Array.isArray(v) ? v.map(redactDataSource) : redactDataSource(v);
    } else {
      out[key] = redactSecrets(v);
    }
  }
  return out;
}

const PLURAL = RESOURCE_LIST_NAMES;

/**
 * A group's snapshot decoded to canonical JSON, resources sorted by name, secrets redacted: secret
 * DataSources, and any PEM private key block in any other string (e.g. a certificate chain).
 */
export function debugConfig(snapshot: GroupSnapshot): DebugConfig {
  const versions: Partial<Record<ResourceKind, string>> = {};
  const lists = { clusters: [], endpoints: [], listeners: [], routes: [], secrets: [] } as Record<
    (typeof PLURAL)[ResourceKind],
    unknown[]
  >;
  for (const kind of Object.keys(PLURAL).sort() as ResourceKind[]) {
    const typeUrl = RESOURCE_TYPES[kind];
    const typeSnapshot = snapshot.types.get(typeUrl);
    if (!typeSnapshot) continue;
    versions[kind] = typeSnapshot.version;
    const resources = [...typeSnapshot.resources.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    lists[PLURAL[kind]] = resources.map((r) =>
      redactPrivateKeysDeep(redactSecrets(decodeResource(typeUrl, r.value))),
    );
  }
  return { group: snapshot.group, versions, ...lists };
}

/**
 * Probes and scrapes come every few seconds and would drown the log: requests are not logged, except
 * those that fail (errors, and 5xx answers at `error`; a 503 of /readyz before the first translation is
 * an answer, not a failure).
 */
class ErrorsOnlyLogController extends LogController {
  override incomingRequest(): void {}
  override routeNotFound(): void {}
  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    metadata?: Record<string, unknown>,
  ): void {
    if (error) {
      super.requestCompleted(error, request, reply, metadata);
    } else if (reply.statusCode >= 500 && request.routeOptions.url !== '/readyz') {
      reply.log.error(
        { method: request.method, url: request.url, statusCode: reply.statusCode, remote: request.ip },
        'admin request failed',
      );
    }
  }
}

/** Routes any `Host` may call: kubelet probes and scrapers name the pod by whatever address they use. */
const ANY_HOST_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** Answers 421 to a request whose `Host` is not allowed (DNS rebinding), probes and /metrics aside. */
function registerHostCheck(server: FastifyInstance, allowedHosts: readonly string[]): void {
  server.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (ANY_HOST_ROUTES.has(path) || isAllowedHost(request.headers.host, allowedHosts)) return;
    request.log.warn(
      {
        code: 'CW_E_ADMIN_REFUSED',
        status: 421,
        method: request.method,
        url: request.url,
        host: request.headers.host,
        remote: request.ip,
      },
      'admin request refused: Host is not an allowed admin host',
    );
    return reply.code(421).send({
      error: `host "${String(request.headers.host)}" is not an allowed admin host (DNS rebinding?); allow it with --admin-allowed-hosts`,
      code: 'CW_E_ADMIN_REFUSED',
    });
  });
}

/** `/healthz`, `/readyz` and `/metrics` (a scrape refreshes readiness and diagnostics first). */
function registerProbeRoutes(server: FastifyInstance, options: AdminServerOptions): void {
  server.get('/healthz', async (_request, reply) => {
    return reply.type('text/plain; charset=utf-8').send('ok');
  });

  server.get('/readyz', async (_request, reply) => {
    reply.type('text/plain; charset=utf-8');
    if (options.isReady()) return reply.send('ok');
    return reply.code(503).send('not ready: the first full translation is not done yet');
  });

  server.get('/metrics', async (_request, reply) => {
    options.metrics.setReady(options.isReady());
    options.metrics.setDiagnostics(options.diagnostics());
    const text = await options.metrics.metricsText();
    return reply.type(options.metrics.contentType).send(text);
  });
}

/** `/debug/config?group=G[&format=yaml]` (a group's snapshot, secrets redacted) and `/debug/diagnostics`. */
function registerDebugRoutes(server: FastifyInstance, options: AdminServerOptions): void {
  server.get<{ Querystring: { group?: string | string[]; format?: string | string[] } }>(
    '/debug/config',
    async (request, reply) => {
      const { group, format = 'json' } = request.query;
      if (typeof group !== 'string' && group !== undefined) {
        return reply.code(400).send({ error: 'query parameter "group" must be given once' });
      }
      if (format !== 'json' && format !== 'yaml') {
        return reply.code(400).send({ error: `unknown format "${format}"; expected json or yaml` });
      }
      const known = options.groups ? [...options.groups()].sort() : undefined;
      if (group === undefined || group === '') {
        return reply.code(400).send({
          error: 'missing query parameter "group": /debug/config?group=<gateway group>',
          ...(known ? { groups: known } : {}),
        });
      }
      if (known && !known.includes(group)) {
        return reply.code(404).send({
          error: `unknown gateway group "${group}"; known groups: ${known.length > 0 ? known.join(', ') : '(none)'}`,
          groups: known,
        });
      }
      const body = debugConfig(options.watcher.snapshot(group));
      if (format === 'yaml') {
        return reply
          .type('application/yaml; charset=utf-8')
          .send(toYaml(body, { aliasDuplicateObjects: false, lineWidth: 0 }));
      }
      return reply.send(body);
    },
  );

  server.get('/debug/diagnostics', async (_request, reply) => {
    return reply.send(options.diagnostics());
  });
}

/** The fleet registry: `/api/gateways[?group=G]` as JSON, `/fleet` as a web page, `/` redirecting to it. */
function registerFleetRoutes(server: FastifyInstance, options: AdminServerOptions): void {
  // The fleet registry: connections and current versions are read in the same tick (the watcher
  // notifies streams synchronously), so a gateway's status never compares against a newer snapshot.
  server.get<{ Querystring: { group?: string | string[] } }>('/api/gateways', async (request, reply) => {
    const { group } = request.query;
    if (typeof group !== 'string' && group !== undefined) {
      return reply.code(400).send({ error: 'query parameter "group" must be given once' });
    }
    const connections = options.gateways?.() ?? [];
    const groups = new Set([...(options.groups?.() ?? []), ...connections.map((c) => c.group)]);
    const view = buildFleetView({
      connections,
      groupVersions: groupVersionsOf(options.watcher, groups),
      metricsPorts: metricsPortsOf(options.watcher, groups),
      now: (options.now ?? Date.now)(),
      ...(options.laggingAfterMs !== undefined ? { laggingAfterMs: options.laggingAfterMs } : {}),
    });
    if (group === undefined || group === '') return reply.send(view);
    const one = fleetGroupView(view, group);
    if (one) return reply.send(one);
    const known = view.groups.map((g) => g.name);
    return reply.code(404).send({
      error: `unknown gateway group "${group}"; known groups: ${known.length > 0 ? known.join(', ') : '(none)'}`,
      groups: known,
    });
  });

  server.get('/fleet', async (_request, reply) => {
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', FLEET_PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store')
      .send(fleetPageHtml());
  });

  server.get('/', async (_request, reply) => reply.redirect('/fleet'));
}

/** A fastify instance logging through the controller's logger (child component `admin`). */
function adminFastify(logger: Logger | undefined): { server: FastifyInstance; log?: Logger } {
  const log = logger?.child({ component: 'admin' });
  const loggerInstance: FastifyBaseLogger | undefined = log;
  const server = fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    logController: new ErrorsOnlyLogController(),
  });
  return { server, ...(log ? { log } : {}) };
}

export function createAdminServer(options: AdminServerOptions): FastifyInstance {
  const { server, log } = adminFastify(options.logger);
  if (options.access) registerHostCheck(server, options.access.allowedHosts);
  registerProbeRoutes(server, options);
  registerDebugRoutes(server, options);
  registerFleetRoutes(server, options);
  if (options.drain) {
    registerDrainRoutes(
      server,
      options.drain,
      options.access ? { ...options.access, ...(log ? { logger: log } : {}) } : undefined,
    );
  }
  return server;
}

/** The mutating API alone (`--admin-api-address`): the drain routes behind their checks, nothing else. */
export function createAdminApiServer(options: AdminApiServerOptions): FastifyInstance {
  const { server, log } = adminFastify(options.logger);
  registerDrainRoutes(server, options.drain, { ...options.access, ...(log ? { logger: log } : {}) });
  return server;
}

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `HOST:PORT` (`127.0.0.1:9901`, `[::1]:9901`, `localhost:9901`; `:9901` means all interfaces).
 * Port 0 picks a free port. Throws CW_E_USAGE with the expected form on anything else.
 */
export function parseListenAddress(address: string): ListenAddress {
  const fail = (why: string): never => {
    throw new CausewayError(
      'CW_E_USAGE',
      `invalid admin address "${address}": ${why}; expected HOST:PORT, e.g. 127.0.0.1:9901`,
    );
  };
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]*)):(\d+)$/.exec(address.trim());
  if (!m) return fail('not of the form HOST:PORT');
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port > 65535) return fail(`port ${m[3]} is out of range 0-65535`);
  const host = m[1] ?? m[2] ?? '';
  if (m[1] === undefined && host !== '' && !/^[A-Za-z0-9.-]+$/.test(host)) return fail(`bad host "${host}"`);
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Parses the address, binds the server, and returns the bound address (the real port when 0 was asked). */
export async function listenAdmin(server: FastifyInstance, address: string): Promise<ListenAddress> {
  const { host, port } = parseListenAddress(address);
  try {
    await server.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CausewayError(
      'CW_E_LISTEN',
      `admin server cannot listen on ${address}: ${code ?? (err as Error).message}`,
    );
  }
  const bound = server.server.address();
  return typeof bound === 'object' && bound !== null
    ? { host: bound.address, port: bound.port }
    : { host, port };
}
