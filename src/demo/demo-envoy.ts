/**
 * The demo's Envoy gateway (`npm run demo`): runs `envoy -c <bootstrap>` with the Envoy from
 * envoy-binary.ts, waits until its admin API answers LIVE on /ready and its listener accepts
 * connections, and stops it. One Envoy per machine, so no hot restart. (The tests' fuller harness,
 * with stats, config dumps and many Envoys at once, is test/support/envoy-process.ts.)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const KEEP_LOG_LINES = 40;

export interface DemoEnvoyOptions {
  /** The Envoy binary (ensureEnvoy()). */
  readonly binary: string;
  /** The bootstrap (canonical proto3 JSON), with its admin on 127.0.0.1:`adminPort`. */
  readonly bootstrap: object;
  readonly adminPort: number;
  /** Default 30000. */
  readonly startTimeoutMs?: number;
}

export interface DemoEnvoy {
  /** Resolves once something accepts TCP connections on 127.0.0.1:`port` (e.g. the gateway's listener). */
  waitForListener(port: number, timeoutMs: number): Promise<void>;
  /** SIGTERM (SIGKILL after 5 s), waits for the exit and removes the bootstrap file. Idempotent. */
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether GET `url` answers 200 with `body`. */
function answers(url: string, body: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve(res.statusCode === 200 && text.trim() === body));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Starts Envoy and resolves when it is LIVE; throws with its last log lines if it exits or times out. */
export async function startDemoEnvoy(o: DemoEnvoyOptions): Promise<DemoEnvoy> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-demo-envoy-'));
  const config = path.join(dir, 'bootstrap.json');
  fs.writeFileSync(config, `${JSON.stringify(o.bootstrap, null, 2)}\n`);
  const args = ['-c', config, '--disable-hot-restart', '--concurrency', '1', '--drain-time-s', '1'];
  const child = spawn(o.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(
      ...chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== ''),
    );
    lines.splice(0, Math.max(0, lines.length - KEEP_LOG_LINES));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      lines.push(`spawn error: ${err.message}`);
      resolve();
    });
  }).then(() => {
    exited = true;
  });
  const stop = async (): Promise<void> => {
    if (!exited) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exit;
    clearTimeout(timer);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const fail = async (why: string): Promise<never> => {
    await stop();
    throw new Error(`envoy ${why}\n--- last envoy log lines ---\n${lines.join('\n')}`);
  };
  const deadline = Date.now() + (o.startTimeoutMs ?? 30_000);
  while (!(await answers(`http://127.0.0.1:${o.adminPort}/ready`, 'LIVE'))) {
    if (exited) return fail('exited during start');
    if (Date.now() > deadline) return fail(`was not LIVE on admin port ${o.adminPort} in time`);
    await sleep(100);
  }
  const waitForListener = async (port: number, timeoutMs: number): Promise<void> => {
    const until = Date.now() + timeoutMs;
    while (!(await connects(port))) {
      if (exited) throw new Error(`envoy exited while waiting for port ${port}\n${lines.join('\n')}`);
      if (Date.now() > until)
        throw new Error(`envoy: nothing listens on 127.0.0.1:${port} after ${timeoutMs}ms`);
      await sleep(50);
    }
  };
  return { waitForListener, stop };
}
