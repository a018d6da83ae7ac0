/**
 * The admin server's access checks through fastify inject: the mutating API (its own server and the
 * combined one) refuses a rebinding Host (421), a cross-site or rebinding Origin (403), a missing or
 * wrong token (401), allows the right token, re-reads a rotated token file, and logs refusals without
 * the token; the read-only server refuses a rebinding Host except on the probes and /metrics.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { jest } from '@jest/globals';
import * as cookie from 'cookie';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../observability/logger.js';
import { ControllerMetrics } from '../observability/metrics.js';
import type { ConfigWatcher } from '../../xds/cache/config-watcher.js';
import { allowedHostsFor } from './admin-access.js';
import { createAdminApiServer, createAdminServer } from './admin-server.js';
import type { DrainTarget } from './drain-routes.js';

// fastify's inject() require()s the ESM-only `cookie` (as in admin-server.test.ts).
jest.mock('cookie', () => cookie);

const TOKEN = 'tok-0123456789abcdef0123456789';
const ALLOWED = allowedHostsFor(['10.0.0.5'], ['admin.example'], {});
const dirs: string[] = [];
const servers: FastifyInstance[] = [];

afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tokenFile(content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-admin-token-'));
  dirs.push(dir);
  const file = path.join(dir, 'token');
  fs.writeFileSync(file, content);
  return file;
}

function fleet(): DrainTarget & { calls: Array<[string, boolean]> } {
  const calls: Array<[string, boolean]> = [];
  return {
    calls,
    setDraining: (nodeId, draining) => void calls.push([nodeId, draining]),
    drainingNodes: () => [],
    connections: () => [{ nodeId: 'gw-1' }],
  };
}

function logSink(): {
  lines: () => Array<Record<string, unknown>>;
  raw: string[];
  logger: ReturnType<typeof createLogger>;
} {
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ name: 'test', destination: sink });
  return { raw, logger, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const drain = (server: FastifyInstance, headers: Record<string, string>) =>
  server.inject({ method: 'POST', url: '/api/gateways/gw-1/drain', headers });

describe('the mutating API with a token file', () => {
  const target = fleet();
  const log = logSink();
  const file = tokenFile(`${TOKEN}\n`);
  const server = createAdminApiServer({
    drain: target,
    access: { allowedHosts: ALLOWED, tokenFile: file },
    logger: log.logger,
  });
  servers.push(server);

  it('refuses a request without a token (401, WWW-Authenticate) and with a wrong one', async () => {
    const none = await drain(server, { host: '10.0.0.5:19001' });
    expect([none.statusCode, none.headers['www-authenticate']]).toEqual([
      401,
      'Bearer realm="causeway-admin"',
    ]);
    expect(none.json()).toMatchObject({
      code: 'CW_E_ADMIN_REFUSED',
      error: expect.stringContaining('bearer token'),
    });
    const wrong = await drain(server, { host: '10.0.0.5:19001', authorization: `Bearer ${TOKEN}x` });
    expect(wrong.statusCode).toBe(401);
    expect(target.calls).toEqual([]);
  });

  it('refuses a rebinding Host with 421 even with the right token', async () => {
    const r = await drain(server, {
      host: 'rebind.example:29000',
      origin: 'http://rebind.example:29000',
      authorization: `Bearer ${TOKEN}`,
    });
    expect(r.statusCode).toBe(421);
    expect(target.calls).toEqual([]);
  });

  it('refuses a cross-site Origin, and an Origin equal to Host only when Host is allowed', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const cross = await drain(server, { host: 'admin.example', origin: 'http://evil.example', ...auth });
    expect(cross.statusCode).toBe(403);
    const fetchSite = await drain(server, { host: 'admin.example', 'sec-fetch-site': 'cross-site', ...auth });
    expect(fetchSite.statusCode).toBe(403);
    expect(target.calls).toEqual([]);
    const same = await drain(server, { host: 'admin.example', origin: 'http://admin.example', ...auth });
    expect(same.statusCode).toBe(200);
  });

  it('drains with the right token; a rotated file applies at the next request', async () => {
    const ok = await drain(server, { host: '[::1]:19001', authorization: `Bearer ${TOKEN}` });
    expect([ok.statusCode, ok.json()]).toEqual([200, { nodeId: 'gw-1', draining: true }]);
    fs.writeFileSync(file, 'rotated-0123456789abcdef');
    expect((await drain(server, { host: 'localhost', authorization: `Bearer ${TOKEN}` })).statusCode).toBe(
      401,
    );
    const rotated = await drain(server, {
      host: 'localhost',
      authorization: 'Bearer rotated-0123456789abcdef',
    });
    expect(rotated.statusCode).toBe(200);
    fs.writeFileSync(file, `${TOKEN}\n`);
  });

  it('an unreadable token file refuses with 503 and logs the reason at error, never a token', async () => {
    fs.rmSync(file);
    const r = await drain(server, { host: 'localhost', authorization: `Bearer ${TOKEN}` });
    expect(r.statusCode).toBe(503);
    fs.writeFileSync(file, `${TOKEN}\n`);
    const errors = log.lines().filter((e) => e['level'] === 'error');
    expect(errors.some((e) => String(e['msg']).includes('ENOENT'))).toBe(true);
  });

  it('logs every refusal (component admin, CW_E_ADMIN_REFUSED, status, Host) and never the token', () => {
    const refused = log.lines().filter((e) => e['code'] === 'CW_E_ADMIN_REFUSED' && e['level'] === 'warn');
    expect(refused.map((e) => e['status'])).toEqual([401, 401, 421, 403, 403, 401]);
    expect(refused[2]).toMatchObject({ component: 'admin', host: 'rebind.example:29000', method: 'POST' });
    expect(log.raw.join('\n')).not.toContain(TOKEN);
    expect(log.raw.join('\n')).not.toContain('rotated-0123456789abcdef');
  });

  it('serves nothing but the drain routes', async () => {
    expect((await server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(404);
    expect((await server.inject({ method: 'GET', url: '/api/gateways' })).statusCode).toBe(404);
  });
});

describe('the admin server with access rules', () => {
  const watcher = {
    snapshot: (group: string) => ({ group, types: new Map() }),
  } as unknown as ConfigWatcher;
  const log = logSink();
  const target = fleet();
  const server = createAdminServer({
    metrics: new ControllerMetrics({ defaultMetrics: false }),
    watcher,
    isReady: () => false,
    diagnostics: () => [],
    drain: target,
    access: { allowedHosts: ALLOWED },
    logger: log.logger,
  });
  servers.push(server);

  it('answers probes and /metrics for any Host, the other routes only for allowed hosts (421)', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      const r = await server.inject({ method: 'GET', url, headers: { host: 'rebind.example' } });
      expect([url, r.statusCode]).toEqual([url, url === '/readyz' ? 503 : 200]);
    }
    for (const url of ['/api/gateways', '/debug/diagnostics', '/fleet', '/debug/config?group=x']) {
      const bad = await server.inject({ method: 'GET', url, headers: { host: 'rebind.example:19000' } });
      expect([url, bad.statusCode]).toEqual([url, 421]);
      const good = await server.inject({ method: 'GET', url, headers: { host: '10.0.0.5:19000' } });
      expect([url, good.statusCode]).toEqual([url, 200]);
    }
  });

  it('without a token file (loopback), drain works from an allowed Host and is refused from a rebinding one', async () => {
    const rebind = await drain(server, {
      host: 'rebind.example:29000',
      origin: 'http://rebind.example:29000',
    });
    expect(rebind.statusCode).toBe(421);
    expect(target.calls).toEqual([]);
    expect((await drain(server, { host: '127.0.0.1:19000' })).statusCode).toBe(200);
    expect(target.calls).toEqual([['gw-1', true]]);
  });

  it('a 503 of /readyz before the first translation is not logged; refusals are', () => {
    const entries = log.lines();
    expect(entries.filter((e) => e['level'] === 'error')).toEqual([]);
    expect(entries.filter((e) => e['status'] === 421).length).toBe(5);
  });
});
