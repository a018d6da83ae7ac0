/**
 * A tiny external load balancer for drain tests, in front of several gateways as a cloud or hardware LB
 * would be: an HTTP reverse proxy on 127.0.0.1 that health-checks each gateway's health listener
 * (`GET /healthz` every `intervalMs`, out of rotation after `unhealthyThreshold` failures, back after
 * `healthyThreshold` successes) and spreads requests round-robin over the healthy ones, on keep-alive
 * connections (one agent per gateway). It never retries: an upstream failure is answered 502, so a
 * request loop through it counts every request the gateways dropped.
 *
 *   const lb = await startTestLoadBalancer({ backends: [{ name: 'a', host: ip, port: 8080, healthPort: 8081 }] });
 *   await lb.waitFor('a in rotation', () => lb.healthy().includes('a'));
 *   const loop = startRequestLoop({ url: lb.url });
 */
import http from 'node:http';
import type net from 'node:net';

export interface LbBackend {
  readonly name: string;
  readonly host: string;
  /** Where traffic goes. */
  readonly port: number;
  /** Where health checks go. */
  readonly healthPort: number;
}

export interface LbBackendStats {
  /** Requests sent to the gateway (answered or not). */
  requests: number;
  /** Upstream connections opened. */
  connectionsOpened: number;
  /** Upstream connections the gateway closed without an error (after `Connection: close`, or idle). */
  connectionsClosed: number;
  /** Answers carrying `Connection: close` (the gateway asked to end the keep-alive connection). */
  connectionCloseAnswers: number;
  /** Upstream errors (resets, refused, timeouts), with their time; each also failed a request (502). */
  errors: Array<{ readonly at: number; readonly error: string }>;
  /** Rotation changes: `at` (ms since epoch) and whether the gateway became healthy. */
  transitions: Array<{ readonly at: number; readonly healthy: boolean }>;
  /** The last health check answer (status, or the error). */
  lastCheck: string;
}

export interface TestLoadBalancerOptions {
  readonly backends: readonly LbBackend[];
  /** Health check path; default `/healthz`. */
  readonly path?: string;
  /** Default 200 ms. */
  readonly intervalMs?: number;
  /** Default 2. */
  readonly unhealthyThreshold?: number;
  /** Default 2. */
  readonly healthyThreshold?: number;
}

export interface TestLoadBalancer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Names of the gateways in rotation, in backend order. */
  healthy(): string[];
  stats(name: string): Readonly<LbBackendStats>;
  /** Polls `pred` every 20 ms; rejects after `timeoutMs` (default 15 s) naming `what`. */
  waitFor(what: string, pred: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface State {
  readonly backend: LbBackend;
  readonly agent: http.Agent;
  readonly stats: LbBackendStats;
  readonly sockets: WeakSet<net.Socket>;
  healthy: boolean;
  streak: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

function check(host: string, port: number, path: string): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
      res.on('error', (e) => resolve(e.message));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(e.message));
  });
}

export async function startTestLoadBalancer(opts: TestLoadBalancerOptions): Promise<TestLoadBalancer> {
  const path = opts.path ?? '/healthz';
  const unhealthyThreshold = opts.unhealthyThreshold ?? 2;
  const healthyThreshold = opts.healthyThreshold ?? 2;
  const states: State[] = opts.backends.map((backend) => ({
    backend,
    agent: new http.Agent({ keepAlive: true, maxSockets: 8 }),
    stats: {
      requests: 0,
      connectionsOpened: 0,
      connectionsClosed: 0,
      connectionCloseAnswers: 0,
      errors: [],
      transitions: [],
      lastCheck: 'none yet',
    },
    sockets: new WeakSet(),
    healthy: false,
    streak: 0,
  }));
  let next = 0;
  let closed = false;

  const runChecks = async (): Promise<void> => {
    await Promise.all(
      states.map(async (s) => {
        const answer = await check(s.backend.host, s.backend.healthPort, path);
        s.stats.lastCheck = answer;
        const ok = answer === '200';
        if (ok === s.healthy) {
          s.streak = 0;
          return;
        }
        s.streak++;
        if (s.streak >= (ok ? healthyThreshold : unhealthyThreshold)) {
          s.healthy = ok;
          s.streak = 0;
          s.stats.transitions.push({ at: Date.now(), healthy: ok });
        }
      }),
    );
  };
  let checking: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    checking = checking.then(runChecks);
  }, opts.intervalMs ?? 200);

  const watch = (s: State, socket: net.Socket): void => {
    if (s.sockets.has(socket)) return;
    s.sockets.add(socket);
    s.stats.connectionsOpened++;
    let failed = false;
    socket.on('error', () => (failed = true));
    socket.on('close', (hadError) => {
      if (!hadError && !failed) s.stats.connectionsClosed++;
    });
  };

  const server = http.createServer((req, res) => {
    const healthy = states.filter((s) => s.healthy);
    if (healthy.length === 0) {
      res.writeHead(503).end('no healthy gateway');
      return;
    }
    const s = healthy[next++ % healthy.length]!;
    s.stats.requests++;
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
    const upstream = http.request(
      {
        host: s.backend.host,
        port: s.backend.port,
        method: req.method,
        path: req.url,
        headers,
        agent: s.agent,
        timeout: 5000,
      },
      (up) => {
        if (/\bclose\b/i.test(String(up.headers['connection'] ?? ''))) s.stats.connectionCloseAnswers++;
        const out: http.OutgoingHttpHeaders = { 'x-lb-gateway': s.backend.name };
        for (const [k, v] of Object.entries(up.headers))
          if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
        up.on('error', (e) => {
          s.stats.errors.push({ at: Date.now(), error: `response: ${e.message}` });
          res.destroy(e);
        });
      },
    );
    upstream.on('socket', (socket) => watch(s, socket));
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', (e) => {
      s.stats.errors.push({ at: Date.now(), error: e.message });
      if (!res.headersSent) res.writeHead(502).end(`upstream ${s.backend.name}: ${e.message}`);
      else res.destroy(e);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  const byName = (name: string): State => {
    const s = states.find((x) => x.backend.name === name);
    if (!s) throw new Error(`test load balancer: no backend ${name}`);
    return s;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    healthy: () => states.filter((s) => s.healthy).map((s) => s.backend.name),
    stats: (name) => byName(name).stats,
    async waitFor(what, pred, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (!pred()) {
        if (Date.now() > until) {
          const seen = states.map(
            (s) => `${s.backend.name}: ${s.healthy ? 'in' : 'out'} (last check ${s.stats.lastCheck})`,
          );
          throw new Error(`${what}: not within ${timeoutMs} ms; ${seen.join(', ')}`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await checking;
      for (const s of states) s.agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
