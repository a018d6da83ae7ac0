/**
 * The drain API of the admin server (what `causeway gateways drain NODE_ID` calls):
 *
 *   POST   /api/gateways/:nodeId/drain  -> 200 { nodeId, draining: true }
 *   DELETE /api/gateways/:nodeId/drain  -> 200 { nodeId, draining: false }
 *
 * A node id that is neither connected to this replica nor drained on it answers 404 { error }. Both
 * calls are idempotent. With a MutatingAccess (what the controller always gives), a request is first
 * checked by mutating-access.ts: a `Host` outside the allow-list answers 421 (DNS rebinding), a
 * cross-site browser request 403 (CSRF), a missing or wrong bearer token 401 when a token file is set.
 * The drain itself (the gateway's health listener answers 503, its HTTP/HTTPS connections are closed
 * gracefully) is the ADS server's (AdsServer.setDraining); see docs/drain.md and docs/security.md.
 */
import type { FastifyInstance } from 'fastify';
import { refusalOf, type MutatingAccess } from './mutating-access.js';

export { isCrossSiteRequest } from './mutating-access.js';

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

export function registerDrainRoutes(
  server: FastifyInstance,
  target: DrainTarget,
  access?: MutatingAccess,
): void {
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
        const refusal = refusalOf(request, access);
        if (refusal) {
          for (const [name, value] of Object.entries(refusal.headers ?? {})) reply.header(name, value);
          return reply.code(refusal.status).send({ error: refusal.error, code: refusal.code });
        }
        if (!known(nodeId)) {
          return reply.code(404).send({
            error: `no gateway with node id "${nodeId}" is connected to this controller replica`,
          });
        }
        target.setDraining(nodeId, draining);
        access?.logger?.info({ node: nodeId, draining, remote: request.ip }, 'gateway drain changed');
        const body: DrainResult = { nodeId, draining };
        return reply.send(body);
      },
    });
  }
}
