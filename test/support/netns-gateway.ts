/**
 * A real Envoy gateway inside a pod's network namespace (test/support/netns.ts), as on a dedicated node:
 * its listeners bind 0.0.0.0 there, so several gateways of one group share listener ports without
 * clashing, and the test reaches each by its pod address. The admin API binds the pod address too.
 *
 *   const gw = await startNetnsGateway({ pod, group: 'default', nodeId: 'gw-a', xdsHost, xdsPort });
 *   await gw.admin('/healthcheck/fail', 'POST');
 *   await gw.stop();
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ensureEnvoy } from '../../src/tools/envoy-binary.js';
import { allocateBaseId, type AdminResponse } from './envoy-process.js';
import { buildBootstrap, type BootstrapOptions } from '../../xds/bootstrap/bootstrap.js';
import type { Pod } from './netns.js';

export interface NetnsGateway {
  readonly nodeId: string;
  /** The Envoy process (`ip netns exec` execs it, so this is Envoy's pid). */
  readonly pid: number;
  /** The pod address: listeners and the admin API answer there. */
  readonly ip: string;
  readonly adminPort: number;
  readonly adminUrl: string;
  admin(pathAndQuery: string, method?: 'GET' | 'POST'): Promise<AdminResponse>;
  /** The last log lines. */
  logs(): string;
  /** SIGTERM (SIGKILL after 5 s), waits for the exit, removes its files. Idempotent. */
  stop(): Promise<void>;
}

export interface NetnsGatewayOptions {
  readonly pod: Pod;
  readonly group: string;
  readonly nodeId: string;
  /** The controller's xDS address as seen from the pod (e.g. the bridge address). */
  readonly xdsHost: string;
  readonly xdsPort: number;
  /** Envoy's --drain-time-s; default 2. */
  readonly drainTimeS?: number;
  readonly adminPort?: number;
  /** How long to wait for LIVE (which needs the controller's first config); default 30 s. */
  readonly liveTimeoutMs?: number;
  /** Envoy's --concurrency (worker threads); default 1. */
  readonly concurrency?: number;
  /** More bootstrap options (e.g. `clusterStats`), on top of the ones above. */
  readonly bootstrap?: Partial<BootstrapOptions>;
}

function adminRequest(url: string, method: 'GET' | 'POST'): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export async function startNetnsGateway(o: NetnsGatewayOptions): Promise<NetnsGateway> {
  const binary = await ensureEnvoy();
  const baseId = allocateBaseId();
  const adminPort = o.adminPort ?? 9901;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `causeway-netns-envoy-${o.nodeId}-`));
  const configPath = path.join(dir, 'bootstrap.json');
  fs.writeFileSync(
    configPath,
    JSON.stringify(
      buildBootstrap({
        group: o.group,
        nodeId: o.nodeId,
        xdsHost: o.xdsHost,
        xdsPort: o.xdsPort,
        adminPort,
        adminAddress: o.pod.ip,
        ...o.bootstrap,
      }),
    ),
  );
  const child = o.pod.spawn(binary, [
    '-c',
    configPath,
    '--base-id',
    String(baseId),
    '--concurrency',
    String(o.concurrency ?? 1),
    '--drain-time-s',
    String(o.drainTimeS ?? 2),
    '-l',
    'info',
  ]);
  const lines: string[] = [];
  const onData = (c: Buffer): void => {
    lines.push(...c.toString('utf8').split('\n'));
    if (lines.length > 2000) lines.splice(0, lines.length - 2000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  const adminUrl = `http://${o.pod.ip}:${adminPort}`;
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(t);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(`/dev/shm/envoy_shared_memory_${String(baseId * 10)}`, { force: true });
  };
  const gw: NetnsGateway = {
    nodeId: o.nodeId,
    pid: child.pid ?? -1,
    ip: o.pod.ip,
    adminPort,
    adminUrl,
    admin: (p, method = 'GET') => adminRequest(`${adminUrl}${p}`, method),
    logs: () => lines.join('\n'),
    stop,
  };
  const deadline = Date.now() + (o.liveTimeoutMs ?? 30_000);
  let last = 'no answer';
  for (;;) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(
        `gateway ${o.nodeId} in ${o.pod.netns} did not become LIVE (${exited ? 'exited' : last})\n${lines.slice(-40).join('\n')}`,
      );
    }
    try {
      const r = await gw.admin('/ready');
      last = `${r.status} ${r.body.trim()}`;
      if (r.status === 200 && r.body.trim() === 'LIVE') return gw;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
