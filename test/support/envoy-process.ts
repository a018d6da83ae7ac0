/**
 * Runs real Envoy processes for end-to-end tests and benchmarks: start from a bootstrap object, wait until
 * the admin API reports LIVE, talk to the admin API, stop. Each process gets its own `--base-id`
 * (derived from this process' pid and a counter), so parallel jest workers never share hot-restart
 * shared memory or domain sockets.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureEnvoy } from '../../src/tools/envoy-binary.js';

export type EnvoyLogLevel = 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'critical' | 'off';

export interface StartEnvoyOptions {
  /** The bootstrap, canonical proto3 JSON. Without `admin`, one on 127.0.0.1 (kernel-chosen port) is added. */
  readonly bootstrap: object;
  /** Hot-restart base id; default: unique per process and call. */
  readonly baseId?: number;
  /** Default `info` (kept in memory, shown only when something fails). */
  readonly logLevel?: EnvoyLogLevel;
  /** E.g. `upstream:debug,config:trace`. */
  readonly componentLogLevel?: string;
  /**
   * `live` (default): until `/ready` answers LIVE, i.e. the initial xDS fetch is done (or timed out).
   * `admin`: only until the admin API answers, e.g. to watch a gateway while its control plane is down.
   */
  readonly waitFor?: 'live' | 'admin';
  /** Default 30000. */
  readonly startTimeoutMs?: number;
  /** Appended to the command line. */
  readonly extraArgs?: readonly string[];
  /** Copies Envoy's log lines to this process' stderr as they come (also with env CAUSEWAY_ENVOY_LOGS=1). */
  readonly echoLogs?: boolean;
  /** Shown in error messages; default `envoy`. */
  readonly name?: string;
}

export interface EnvoyExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface AdminResponse {
  readonly status: number;
  readonly body: string;
}

export interface EnvoyProcess {
  readonly name: string;
  readonly pid: number;
  readonly baseId: number;
  /** The admin port (read back from Envoy, so port 0 in the bootstrap works). */
  readonly adminPort: number;
  /** `http://127.0.0.1:<adminPort>`. */
  readonly adminUrl: string;
  /** The bootstrap file Envoy was started with. */
  readonly configPath: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<EnvoyExit>;
  /** Polls until a TCP connect to host:port (default 127.0.0.1) succeeds, e.g. a listener from LDS. */
  waitForListener(
    port: number,
    opts?: { readonly host?: string; readonly timeoutMs?: number },
  ): Promise<void>;
  /** Any admin endpoint, e.g. `admin('/clusters?format=json')` or `admin('/healthcheck/fail', 'POST')`. */
  admin(pathAndQuery: string, method?: 'GET' | 'POST'): Promise<AdminResponse>;
  /** Counters and gauges by name (`/stats?format=json`), optionally filtered by a regex. */
  stats(filter?: string): Promise<Readonly<Record<string, number>>>;
  /** Polls one counter or gauge until `predicate` holds (a missing stat counts as undefined); returns its value. */
  waitForStat(
    name: string,
    predicate: (value: number | undefined) => boolean,
    opts?: { readonly timeoutMs?: number },
  ): Promise<number | undefined>;
  /** `/config_dump` parsed, optionally one `resource` (e.g. `dynamic_active_clusters`), with EDS if asked. */
  configDump(opts?: { readonly resource?: string; readonly includeEds?: boolean }): Promise<ConfigDump>;
  /** The last log lines (stdout and stderr, up to 2000 lines). */
  logs(): string;
  /** Sends a signal (default SIGTERM) and returns at once. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, SIGKILL after 5 s, waits for the exit and removes the temp folder. Idempotent. */
  stop(): Promise<EnvoyExit>;
}

export interface ConfigDump {
  readonly configs: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

// ---------------------------------------------------------------------------------------------------

const LOG_LINES = 2000;

/** Keeps the last `max` lines of a stream. */
class LineRing {
  private readonly lines: string[] = [];
  private partial = '';
  constructor(private readonly max: number) {}
  push(chunk: string): string[] {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const l of parts) {
      this.lines.push(l);
      if (this.lines.length > this.max) this.lines.shift();
    }
    return parts;
  }
  text(): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].join('\n');
  }
}

let counter = 0;

/**
 * A base id unique among Envoys started by this machine's live processes: pid * 64 + a per-process
 * counter (64 concurrent Envoys per process). pid_max is at most 2^22, so this stays below 2^28;
 * Envoy multiplies the base id by 10 internally, which still fits in 32 bits.
 */
export function allocateBaseId(): number {
  const id = (process.pid % 4_194_304) * 64 + (counter % 64);
  counter++;
  return id;
}

/** Running Envoys and their base ids. */
const running = new Map<ChildProcess, number>();
let exitHookInstalled = false;

/** Jest (or a crashed test) must not leave Envoys behind: kill the remaining ones when this process exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [child, baseId] of running) {
      child.kill('SIGKILL');
      removeSharedMemory(baseId);
    }
  });
}

/**
 * Envoy leaves its hot-restart shared memory (`/dev/shm/envoy_shared_memory_<base id * 10>`, Linux)
 * behind when it exits; remove it once the process is gone (unlinking only removes the name).
 */
function removeSharedMemory(baseId: number): void {
  if (process.platform !== 'linux') return;
  try {
    fs.rmSync(`/dev/shm/envoy_shared_memory_${String(baseId * 10)}`, { force: true });
  } catch {
    // not there or not ours to remove
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tryConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function adminRequest(url: string, method: 'GET' | 'POST', timeoutMs: number): Promise<AdminResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

function withAdmin(bootstrap: object): Record<string, unknown> {
  const b = { ...(bootstrap as Record<string, unknown>) };
  b['admin'] ??= { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } };
  return b;
}

/** Writes the bootstrap as `bootstrap.json` in `dir` and returns its path. */
export function writeBootstrap(dir: string, bootstrap: object): string {
  // JSON, not YAML: Envoy's YAML reader follows YAML 1.1 (a bare `on` is a boolean).
  const file = path.join(dir, 'bootstrap.json');
  fs.writeFileSync(file, `${JSON.stringify(bootstrap, null, 2)}\n`);
  return file;
}

/** The command line: `--concurrency 1 --drain-time-s 1`, its own base id, the admin address written to a file. */
function envoyArgs(
  opts: StartEnvoyOptions,
  configPath: string,
  baseId: number,
  adminAddressPath: string,
): string[] {
  return [
    '-c',
    configPath,
    '--base-id',
    String(baseId),
    '--concurrency',
    '1',
    '--drain-time-s',
    '1',
    '--parent-shutdown-time-s',
    '2',
    '--admin-address-path',
    adminAddressPath,
    '-l',
    opts.logLevel ?? 'info',
    ...(opts.componentLogLevel !== undefined ? ['--component-log-level', opts.componentLogLevel] : []),
    ...(opts.extraArgs ?? []),
  ];
}

/** A spawned Envoy before it is ready: its process, its last log lines, its exit, and how to stop it. */
interface LaunchedEnvoy {
  readonly name: string;
  readonly child: ChildProcess;
  readonly ring: LineRing;
  readonly exited: Promise<EnvoyExit>;
  /** Set once the process has exited. */
  exitInfo(): EnvoyExit | undefined;
  /** SIGTERM, SIGKILL after 5 s, waits for the exit and removes the temp folder. Idempotent. */
  stop(): Promise<EnvoyExit>;
  /** Stops Envoy and throws `why` with the command line and the last log lines. */
  fail(why: string): Promise<never>;
}

/** Spawns Envoy, keeps (and with `echo` copies) its log lines, and tracks its exit. */
function launchEnvoy(
  binary: string,
  args: readonly string[],
  o: {
    readonly name: string;
    readonly baseId: number;
    readonly dir: string;
    readonly echo: boolean;
  },
): LaunchedEnvoy {
  const ring = new LineRing(LOG_LINES);
  installExitHook();
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.set(child, o.baseId);
  const onData = (chunk: Buffer): void => {
    const lines = ring.push(chunk.toString('utf8'));
    if (o.echo) for (const l of lines) process.stderr.write(`[${o.name}] ${l}\n`);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exitInfo: EnvoyExit | undefined;
  const exited = new Promise<EnvoyExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
    child.once('error', (err) => {
      running.delete(child);
      ring.push(`\nspawn error: ${err.message}\n`);
      exitInfo = { code: null, signal: null };
      resolve(exitInfo);
    });
  });
  let removed = false;
  const cleanup = (): void => {
    if (removed) return;
    removed = true;
    fs.rmSync(o.dir, { recursive: true, force: true });
    removeSharedMemory(o.baseId);
  };
  const stop = async (): Promise<EnvoyExit> => {
    if (!exitInfo) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    cleanup();
    return exitInfo ?? (await exited);
  };
  const fail = async (why: string): Promise<never> => {
    await stop();
    throw new Error(
      `${o.name} (${binary} ${args.join(' ')}) ${why}\n--- last ${o.name} log lines ---\n${ring.text().split('\n').slice(-80).join('\n')}`,
    );
  };
  return { name: o.name, child, ring, exited, exitInfo: () => exitInfo, stop, fail };
}

function exitedEarly(e: LaunchedEnvoy): string {
  const info = e.exitInfo();
  return `exited during start (code ${String(info?.code)}, signal ${String(info?.signal)})`;
}

/**
 * The admin port, from the address file (`127.0.0.1:PORT`, no newline) Envoy writes once the admin
 * listener is bound. Taken when two reads agree, so a half-written file is never mistaken for a port.
 */
async function waitForAdminPort(
  e: LaunchedEnvoy,
  adminAddressPath: string,
  deadline: number,
  timeoutMs: number,
): Promise<number> {
  let previous = '';
  for (;;) {
    if (e.exitInfo()) return e.fail(exitedEarly(e));
    if (Date.now() > deadline) return e.fail(`did not open its admin port within ${timeoutMs}ms`);
    let text = '';
    try {
      text = fs.readFileSync(adminAddressPath, 'utf8').trim();
    } catch {
      // not written yet
    }
    const port = Number(/:(\d+)$/.exec(text)?.[1] ?? '0');
    if (port > 0 && text === previous) return port;
    await sleep(25);
    previous = text;
  }
}

/** Readiness: `/ready` answers 200 LIVE once the server is initialized (or any answer, with `admin`). */
async function waitForReady(
  e: LaunchedEnvoy,
  admin: (pathAndQuery: string) => Promise<AdminResponse>,
  opts: StartEnvoyOptions,
  deadline: number,
  timeoutMs: number,
): Promise<void> {
  let lastState = 'no answer';
  for (;;) {
    if (e.exitInfo()) return e.fail(exitedEarly(e));
    if (Date.now() > deadline)
      return e.fail(`was not ${opts.waitFor ?? 'live'} within ${timeoutMs}ms (/ready: ${lastState})`);
    try {
      const r = await admin('/ready');
      lastState = `${r.status} ${r.body.trim()}`;
      if (opts.waitFor === 'admin' || (r.status === 200 && r.body.trim() === 'LIVE')) return;
    } catch (err) {
      lastState = (err as Error).message;
    }
    await sleep(50);
  }
}

/** Counters and gauges by name from `/stats?format=json`. */
async function readStats(
  name: string,
  admin: (pathAndQuery: string) => Promise<AdminResponse>,
  filter?: string,
): Promise<Readonly<Record<string, number>>> {
  const q = filter !== undefined ? `&filter=${encodeURIComponent(filter)}` : '';
  const r = await admin(`/stats?format=json${q}`);
  if (r.status !== 200) throw new Error(`${name} /stats answered ${r.status}: ${r.body}`);
  const parsed = JSON.parse(r.body) as { stats?: Array<{ name?: string; value?: number }> };
  const out: Record<string, number> = {};
  for (const s of parsed.stats ?? []) {
    if (typeof s.name === 'string' && typeof s.value === 'number') out[s.name] = s.value;
  }
  return out;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The test-facing handle of a ready Envoy. */
function envoyHandle(
  e: LaunchedEnvoy,
  fields: Pick<EnvoyProcess, 'baseId' | 'adminPort' | 'adminUrl' | 'configPath'>,
): EnvoyProcess {
  const name = e.name;
  const admin = (pathAndQuery: string, method: 'GET' | 'POST' = 'GET'): Promise<AdminResponse> =>
    adminRequest(`${fields.adminUrl}${pathAndQuery}`, method, 10_000);
  const stats = (filter?: string): Promise<Readonly<Record<string, number>>> =>
    readStats(name, admin, filter);
  return {
    name,
    pid: e.child.pid ?? -1,
    ...fields,
    exited: e.exited,
    async waitForListener(port, o = {}) {
      const host = o.host ?? '127.0.0.1';
      const t = o.timeoutMs ?? 20_000;
      const until = Date.now() + t;
      for (;;) {
        if (await tryConnect(host, port, 1000)) return;
        if (e.exitInfo())
          throw new Error(
            `${name} exited while waiting for a listener on ${host}:${port}\n${e.ring.text().split('\n').slice(-40).join('\n')}`,
          );
        if (Date.now() > until) throw new Error(`${name}: nothing listens on ${host}:${port} after ${t}ms`);
        await sleep(50);
      }
    },
    admin,
    stats,
    async waitForStat(statName, predicate, o = {}) {
      const t = o.timeoutMs ?? 20_000;
      const until = Date.now() + t;
      for (;;) {
        const value = (await stats(`^${escapeRegex(statName)}$`))[statName];
        if (predicate(value)) return value;
        if (Date.now() > until)
          throw new Error(`${name}: stat ${statName} is ${String(value)}, condition not met after ${t}ms`);
        await sleep(100);
      }
    },
    async configDump(o = {}) {
      const params = [
        ...(o.resource !== undefined ? [`resource=${encodeURIComponent(o.resource)}`] : []),
        ...(o.includeEds ? ['include_eds'] : []),
      ];
      const r = await admin(`/config_dump${params.length > 0 ? `?${params.join('&')}` : ''}`);
      if (r.status !== 200) throw new Error(`${name} /config_dump answered ${r.status}: ${r.body}`);
      return JSON.parse(r.body) as ConfigDump;
    },
    logs: () => e.ring.text(),
    kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (!e.exitInfo()) e.child.kill(signal);
    },
    stop: e.stop,
  };
}

/** Starts a real Envoy (from ensureEnvoy()) with `--concurrency 1 --drain-time-s 1` and waits for it. */
export async function startEnvoy(opts: StartEnvoyOptions): Promise<EnvoyProcess> {
  const binary = await ensureEnvoy();
  const name = opts.name ?? 'envoy';
  const baseId = opts.baseId ?? allocateBaseId();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-envoy-'));
  const configPath = writeBootstrap(dir, withAdmin(opts.bootstrap));
  const adminAddressPath = path.join(dir, 'admin-address');
  const args = envoyArgs(opts, configPath, baseId, adminAddressPath);
  const echo = opts.echoLogs ?? process.env['CAUSEWAY_ENVOY_LOGS'] === '1';
  const launched = launchEnvoy(binary, args, { name, baseId, dir, echo });
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const adminPort = await waitForAdminPort(launched, adminAddressPath, deadline, timeoutMs);
  const adminUrl = `http://127.0.0.1:${String(adminPort)}`;
  const admin = (pathAndQuery: string): Promise<AdminResponse> =>
    adminRequest(`${adminUrl}${pathAndQuery}`, 'GET', 10_000);
  await waitForReady(launched, admin, opts, deadline, timeoutMs);
  return envoyHandle(launched, { baseId, adminPort, adminUrl, configPath });
}
