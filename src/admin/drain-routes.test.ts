/** The drain API: POST/DELETE /api/gateways/:nodeId/drain against a drain target that records calls. */
import { jest } from '@jest/globals';
import * as cookie from 'cookie';
import { fastify } from 'fastify';
import { registerDrainRoutes, type DrainTarget } from './drain-routes.js';

// fastify's inject() require()s the ESM-only `cookie`: hand Jest the module loaded through ESM (as in
// admin-server.test.ts).
jest.mock('cookie', () => cookie);

class FakeFleet implements DrainTarget {
  readonly calls: Array<[string, boolean]> = [];
  private readonly drained = new Set<string>();
  constructor(private readonly connected: string[]) {}
  setDraining(nodeId: string, draining: boolean): void {
    this.calls.push([nodeId, draining]);
    if (draining) this.drained.add(nodeId);
    else this.drained.delete(nodeId);
  }
  drainingNodes(): string[] {
    return [...this.drained].sort();
  }
  connections(): Array<{ nodeId: string }> {
    return this.connected.map((nodeId) => ({ nodeId }));
  }
  disconnect(nodeId: string): void {
    this.connected.splice(this.connected.indexOf(nodeId), 1);
  }
}

function serverFor(fleet: FakeFleet) {
  const server = fastify();
  registerDrainRoutes(server, fleet);
  return server;
}

test('POST drains a connected gateway and DELETE ends the drain; both are idempotent', async () => {
  const fleet = new FakeFleet(['gw-1', 'gw-2']);
  const server = serverFor(fleet);
  const post = await server.inject({ method: 'POST', url: '/api/gateways/gw-1/drain' });
  expect(post.statusCode).toBe(200);
  expect(post.json()).toEqual({ nodeId: 'gw-1', draining: true });
  expect((await server.inject({ method: 'POST', url: '/api/gateways/gw-1/drain' })).statusCode).toBe(200);
  const del = await server.inject({ method: 'DELETE', url: '/api/gateways/gw-1/drain' });
  expect(del.statusCode).toBe(200);
  expect(del.json()).toEqual({ nodeId: 'gw-1', draining: false });
  expect(fleet.calls).toEqual([
    ['gw-1', true],
    ['gw-1', true],
    ['gw-1', false],
  ]);
});

test('an unknown node id answers 404 with an error and changes nothing', async () => {
  const fleet = new FakeFleet(['gw-1']);
  const server = serverFor(fleet);
  for (const method of ['POST', 'DELETE'] as const) {
    const r = await server.inject({ method, url: '/api/gateways/nope/drain' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: expect.stringContaining('"nope"') });
  }
  expect(fleet.calls).toEqual([]);
});

test('a drained gateway that is disconnected can still be undrained', async () => {
  const fleet = new FakeFleet(['gw-1']);
  const server = serverFor(fleet);
  await server.inject({ method: 'POST', url: '/api/gateways/gw-1/drain' });
  fleet.disconnect('gw-1');
  expect((await server.inject({ method: 'DELETE', url: '/api/gateways/gw-1/drain' })).statusCode).toBe(200);
  expect(fleet.drainingNodes()).toEqual([]);
  expect((await server.inject({ method: 'DELETE', url: '/api/gateways/gw-1/drain' })).statusCode).toBe(404);
});

test('node ids with URL-escaped characters are decoded', async () => {
  const fleet = new FakeFleet(['edge/gw 1']);
  const server = serverFor(fleet);
  const r = await server.inject({
    method: 'POST',
    url: `/api/gateways/${encodeURIComponent('edge/gw 1')}/drain`,
  });
  expect(r.statusCode).toBe(200);
  expect(r.json()).toEqual({ nodeId: 'edge/gw 1', draining: true });
});

test('a cross-site browser request is refused with 403 and drains nothing (CSRF)', async () => {
  const fleet = new FakeFleet(['gw-1']);
  const server = serverFor(fleet);
  const fromOtherSite = await server.inject({
    method: 'POST',
    url: '/api/gateways/gw-1/drain',
    headers: { host: '127.0.0.1:19000', origin: 'https://evil.example' },
  });
  expect(fromOtherSite.statusCode).toBe(403);
  const fetchMetadata = await server.inject({
    method: 'POST',
    url: '/api/gateways/gw-1/drain',
    headers: { 'sec-fetch-site': 'cross-site' },
  });
  expect(fetchMetadata.statusCode).toBe(403);
  expect(fleet.calls).toEqual([]);
  // The admin's own page (same origin) may drain.
  const sameOrigin = await server.inject({
    method: 'POST',
    url: '/api/gateways/gw-1/drain',
    headers: { host: '127.0.0.1:19000', origin: 'http://127.0.0.1:19000', 'sec-fetch-site': 'same-origin' },
  });
  expect(sameOrigin.statusCode).toBe(200);
  expect(fleet.calls).toEqual([['gw-1', true]]);
});
