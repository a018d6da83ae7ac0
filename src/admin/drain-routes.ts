/**
 * The drain API of the admin server (what `causeway gateways drain NODE_ID` calls):
 *
 *   POST   /api/gateways/:nodeId/drain  -> 200 { nodeId, draining: true }
 *   DELETE /api/gateways/:nodeId/drain  -> 200 { nodeId, draining: false }
 *
 * A node id that is neither connected to this replica nor drained on it answers 404 { error }. Both
 * calls are idempotent. A browser request from another site (an `Origin` that is not this server, or
 * `Sec-Fetch-Site: cross-site`) is refused with 403, so that a web page open in an operator's browser cannot
 * drain gateways (CSRF); the CLI and curl send neither header. The drain itself (the gateway's health listener answers 503, its HTTP/HTTPS
 * connections are closed gracefully) is the ADS server's (AdsServer.setDraining); see docs/drain.md.
 */
import type { FastifyInstance } from 'fastify';

/** What the routes need of the ADS server (AdsServer satisfies it). */
export interface DrainTarget {
  setDraining(nodeId: string, draining: boolean): void;
  drainingNodes(): readonly string[];
  connections(): ReadonlyArray<{ readonly nodeId: string }>;
}

export interface DrainResult {
  readonly nodeId: string;
  readonly draining: boolean;
}

/** True when a browser says the request comes from another site than the admin server itself. */
export function isCrossSiteRequest(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): boolean {
  if (headers['sec-fetch-site'] === 'cross-site' || headers['sec-fetch-site'] === 'same-site') return true;
  const origin = headers.origin;
  if (typeof origin !== 'string') return false;
  try {
    return new URL(origin).host !== headers.host;
  } catch {
    return true;
  }
}

export function registerDrainRoutes(server: FastifyInstance, target: DrainTarget): void {
  const known = (nodeId: string): boolean =>
    target.connections().some((c) => c.nodeId === nodeId) || target.drainingNodes().includes(nodeId);

  for (const [method, draining] of [
    ['POST', true],
    ['DELETE', false],
  ] as const) {
    server.route<{ Params: { nodeId: string } }>({
      method,
      url: '/api/gateways/:nodeId/drain',
      handler: async (request, reply) => {
        const { nodeId } = request.params;
        if (isCrossSiteRequest(request.headers)) {
          return reply.code(403).send({ error: 'cross-site requests may not drain gateways' });
        }
        if (!known(nodeId)) {
          return reply.code(404).send({
            error: `no gateway with node id "${nodeId}" is connected to this controller replica`,
          });
        }
        target.setDraining(nodeId, draining);
        const body: DrainResult = { nodeId, draining };
        return reply.send(body);
      },
    });
  }
}
