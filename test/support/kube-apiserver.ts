/**
 * A real Kubernetes control plane for tests: etcd and kube-apiserver, built from source by
 * test/kube/build-binaries.sh (versions pinned in test/kube/go.mod, binaries cached outside the clone)
 * and run on 127.0.0.1 with token authentication and RBAC. There is no controller-manager, scheduler or
 * kubelet: tests write EndpointSlices themselves, and deleting a Namespace leaves it Terminating
 * (test/support/kube-cluster/ adds a controller-manager, a scheduler and a test node agent).
 *
 *   const etcd = await startEtcd();
 *   const api = await startKubeApiserver({ etcd, name: 'east' });
 *   const kc = new KubeConfig(); kc.loadFromFile(api.kubeconfig('causeway-controller'));
 *   ...
 *   await api.stop(); await etcd.stop();
 *
 * Several apiservers may share one etcd (each under its own `--etcd-prefix`) to simulate several clusters.
 * Every process and temp folder is also removed when the test process exits.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { freePort, freePorts } from './ports.js';
import { memoizeAsync } from '../../src/util/memoize-async.js';

// ---------------------------------------------------------------------------------------------------
// Binaries

export interface KubeBinaries {
  /** The cache folder, e.g. `~/.cache/causeway/kube-v1.34.4-etcd-v3.6.4`. */
  readonly dir: string;
  readonly apiserver: string;
  readonly etcd: string;
}

/** A folder holding prebuilt `kube-apiserver` and `etcd` to use instead of building them. */
export const KUBE_BIN_DIR_ENV = 'CAUSEWAY_KUBE_BIN_DIR';

/** The script that builds (once) and caches the binaries; prints their folder on its last stdout line. */
export function kubeBuildScript(): string {
  return path.join(projectRoot(), 'test', 'kube', 'build-binaries.sh');
}

/**
 * The kube-apiserver and etcd binaries, built by test/kube/build-binaries.sh if missing (a cold build
 * takes ~5 min on 2 cores: call this in a `beforeAll` with a long timeout, or run the script first).
 * Build progress goes to stderr. The result is memoized per process.
 */
export const ensureKubeBinaries: () => Promise<KubeBinaries> = memoizeAsync(() => findOrBuildBinaries());

function binariesIn(dir: string): KubeBinaries {
  const result = { dir, apiserver: path.join(dir, 'kube-apiserver'), etcd: path.join(dir, 'etcd') };
  for (const file of [result.apiserver, result.etcd]) {
    fs.accessSync(file, fs.constants.X_OK);
  }
  return result;
}

async function findOrBuildBinaries(): Promise<KubeBinaries> {
  const prebuilt = process.env[KUBE_BIN_DIR_ENV];
  if (prebuilt) return binariesIn(prebuilt);
  const script = kubeBuildScript();
  const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exit = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    // 'close', not 'exit': only then has stdout (the folder the script prints last) been read.
    child.once('close', (code) => resolve(code));
  });
  if (exit !== 0) throw new Error(`${script} failed (exit ${String(exit)}); its progress is on stderr`);
  const dir = out.trim().split('\n').pop() ?? '';
  return binariesIn(dir);
}

// ---------------------------------------------------------------------------------------------------
// Processes, temp folders and the exit-time safety net

/** Keeps the last `max` lines of a stream. */
export class LineRing {
  private readonly lines: string[] = [];
  private partial = '';
  constructor(private readonly max: number) {}
  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }
  text(): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].join('\n');
  }
  clear(): void {
    this.lines.length = 0;
    this.partial = '';
  }
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One run of a child process, its output kept in a ring shared across restarts. */
export class Run {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  constructor(bin: string, args: readonly string[], ring: LineRing, echo: boolean) {
    this.child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      ring.push(text);
      if (echo) process.stderr.write(text);
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    // A test that forgets stop() must not keep jest from exiting: the exit handler kills what is left.
    unref(this.child);
    live.add(this.child);
    this.exited = new Promise<Exit>((resolve) => {
      this.child.once('error', (err) => {
        ring.push(`\nspawn error: ${err.message}\n`);
        this.exit = { code: -1, signal: null };
        live.delete(this.child);
        resolve(this.exit);
      });
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this.child);
        resolve(this.exit);
      });
    });
  }
  get running(): boolean {
    return this.exit === undefined;
  }
  /** Sends `signal`, escalates to SIGKILL after `graceMs`, and waits for the exit. */
  async terminate(signal: NodeJS.Signals, graceMs = 10_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Lets this process exit while `child` runs (its output is still read meanwhile). */
function unref(child: ChildProcess): void {
  child.unref();
  for (const stream of [child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }
}

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let safetyNet = false;

const TEMP_PREFIX = 'causeway-kube-';

/**
 * Waits (detached, so a signal to this process group spares it) for `owner` to exit, then kills the
 * process recorded in each of its temp folders (`pid`, if its command line names the folder) and
 * removes the folders. Needed because jest gives test code its own copy of `process`, whose 'exit'
 * event never fires, and because a killed worker runs no handler at all.
 */
const REAPER_SCRIPT = `
owner=$1 tmp=$2 prefix=$3
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
for d in "$tmp/$prefix$owner"-*; do
  [ -d "$d" ] || continue
  p=$(cat "$d/pid" 2>/dev/null)
  if [ -n "$p" ] && tr '\\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qF -- "$d"; then kill -9 "$p"; fi
  rm -rf -- "$d"
done
`;

function installSafetyNet(): void {
  if (safetyNet) return;
  safetyNet = true;
  const reaper = spawn(
    'bash',
    ['-c', REAPER_SCRIPT, 'causeway-kube-reaper', String(process.pid), os.tmpdir(), TEMP_PREFIX],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  reaper.on('error', () => undefined);
  reaper.unref();
  // Outside jest (plain node), this also cleans up at once on a normal exit.
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  });
}

/** A temp folder reaped with this process: a `pid` file in it names a process to kill then (if its command line names the folder). */
export function makeTempDir(kind: string): string {
  installSafetyNet();
  reapStale();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${String(process.pid)}-${kind}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let reaped = false;

/**
 * Once per process: temp folders left by test processes that died without cleaning up (SIGKILL, a
 * timeout) are removed, and the etcd / kube-apiserver they started (pid recorded in `pid` inside) killed.
 */
function reapStale(): void {
  if (reaped) return;
  reaped = true;
  let entries: string[];
  try {
    entries = fs.readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const entry of entries) {
    const m = new RegExp(`^${TEMP_PREFIX}(\\d+)-`).exec(entry);
    if (!m || pidAlive(Number(m[1]))) continue;
    const dir = path.join(os.tmpdir(), entry);
    try {
      const pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
      const cmdline = fs.readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8');
      if (cmdline.includes(dir)) process.kill(pid, 'SIGKILL');
    } catch {
      // no pid file, or the process is gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}

const ADDRESS_IN_USE = /address already in use/i;

// ---------------------------------------------------------------------------------------------------
// etcd

export interface StartEtcdOptions {
  /** Shown in errors and used as the member name; default `etcd`. */
  readonly name?: string;
  /** Default 30000. */
  readonly startTimeoutMs?: number;
  /** Copies etcd's log lines to stderr (also with env CAUSEWAY_KUBE_LOGS=1). */
  readonly echoLogs?: boolean;
}

export interface Etcd {
  readonly name: string;
  /** `http://127.0.0.1:PORT` (the same after `restart()`). */
  readonly clientUrl: string;
  /** Kept by `kill()` and `restart()`; removed by `stop()`. */
  readonly dataDir: string;
  /** Whether the process is up. */
  readonly running: boolean;
  readonly pid: number | undefined;
  /** The last log lines of every run. */
  logs(): string;
  /** The current store revision. */
  revision(): Promise<number>;
  /**
   * Compacts the whole store (every apiserver prefix) up to `revision` (default: the current one) and
   * returns it. A watch from an older resourceVersion then fails with 410 Gone, once the apiserver's
   * watch cache no longer holds it (start the apiserver with `watchCache: false` for a sure 410).
   */
  compact(revision?: number): Promise<number>;
  /** Keys under `prefix` (e.g. an apiserver's `prefix`), sorted. */
  keys(prefix: string): Promise<string[]>;
  /** Kills the process (default SIGKILL) and waits for it to exit; the data stays for `restart()`. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the process if it runs (SIGTERM) and starts it again with the same ports and data. */
  restart(): Promise<void>;
  /** Stops the process and removes its data. Idempotent. */
  stop(): Promise<void>;
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The key just after every key starting with `prefix` (etcd's range_end for a prefix scan). */
function prefixEnd(prefix: string): Buffer {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i] = bytes[i]! + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

/** Starts a single-member etcd on two free loopback ports with a temp data folder. */
export async function startEtcd(opts: StartEtcdOptions = {}): Promise<Etcd> {
  const bins = await ensureKubeBinaries();
  const name = opts.name ?? 'etcd';
  const echo = opts.echoLogs ?? process.env['CAUSEWAY_KUBE_LOGS'] === '1';
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  const dir = makeTempDir('etcd');
  const dataDir = path.join(dir, 'data');
  const ring = new LineRing(2000);
  let run: Run | undefined;
  let clientUrl = '';
  let stopped = false;

  const argsFor = (clientPort: number, peerPort: number): string[] => {
    const peerUrl = `http://127.0.0.1:${String(peerPort)}`;
    clientUrl = `http://127.0.0.1:${String(clientPort)}`;
    return [
      `--name=${name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=${name}=${peerUrl}`,
      '--initial-cluster-state=new',
      '--log-level=warn',
      // Test data: no fsync (much faster on shared disks); compaction only when a test asks for it.
      '--unsafe-no-fsync',
      '--auto-compaction-retention=0',
    ];
  };
  let args: string[] = [];

  const launch = async (): Promise<void> => {
    const current = new Run(bins.etcd, args, ring, echo);
    run = current;
    fs.writeFileSync(path.join(dir, 'pid'), String(current.child.pid ?? ''));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!current.running) {
        throw new Error(
          `${name} exited (${JSON.stringify(current.exit)}) before it was ready:\n${tail(ring.text())}`,
        );
      }
      const healthy = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(2000) })
        .then(async (res) => res.ok && ((await res.json()) as { health?: unknown }).health === 'true')
        .catch(() => false);
      if (healthy) return;
      if (Date.now() > deadline) {
        await current.terminate('SIGKILL');
        throw new Error(`${name} not healthy within ${String(timeoutMs)} ms:\n${tail(ring.text())}`);
      }
      await sleep(50);
    }
  };

  // Ports are picked free and then bound by etcd: another process may take one in between, so retry.
  for (let attempt = 1; ; attempt++) {
    const [clientPort, peerPort] = await freePorts(2);
    args = argsFor(clientPort!, peerPort!);
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt < 5 && ADDRESS_IN_USE.test(ring.text())) {
        fs.rmSync(dataDir, { recursive: true, force: true });
        ring.clear();
        continue;
      }
      removeTempDir(dir);
      throw err;
    }
  }

  const call = async <T>(api: string, body: object): Promise<T> => {
    const res = await fetch(`${clientUrl}/v3/${api}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`etcd ${api}: HTTP ${String(res.status)}: ${text}`);
    return JSON.parse(text) as T;
  };

  const etcd: Etcd = {
    name,
    get clientUrl() {
      return clientUrl;
    },
    dataDir,
    get running() {
      return run?.running ?? false;
    },
    get pid() {
      return run?.running ? run.child.pid : undefined;
    },
    logs: () => ring.text(),
    async revision() {
      const res = await call<{ header?: { revision?: string } }>('kv/range', { key: b64('\0'), limit: 1 });
      return Number(res.header?.revision ?? 0);
    },
    async compact(revision?: number) {
      const rev = revision ?? (await etcd.revision());
      await call('kv/compaction', { revision: String(rev), physical: true });
      return rev;
    },
    async keys(prefix: string) {
      const res = await call<{ kvs?: Array<{ key: string }> }>('kv/range', {
        key: b64(prefix),
        range_end: prefixEnd(prefix).toString('base64'),
        keys_only: true,
      });
      return (res.kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64').toString('utf8')).sort();
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (run?.running) await run.terminate(signal);
    },
    async restart() {
      if (stopped) throw new Error(`${name} was stopped; start a new one`);
      if (run?.running) await run.terminate('SIGTERM');
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (run?.running) await run.terminate('SIGTERM');
      removeTempDir(dir);
    },
  };
  return etcd;
}

// ---------------------------------------------------------------------------------------------------
// kube-apiserver

export interface KubeUser {
  readonly name: string;
  readonly groups?: readonly string[];
}

/** Users in every apiserver's token file (more with the `users` option). */
export const DEFAULT_KUBE_USERS: readonly KubeUser[] = [
  { name: 'admin', groups: ['system:masters'] },
  // No groups (besides system:authenticated): only what RBAC grants it.
  { name: 'causeway-controller' },
  { name: 'viewer' },
];

export interface StartKubeApiserverOptions {
  readonly etcd: Etcd;
  /** `--etcd-prefix`; default `/causeway/<name>-<random>` (unique, so apiservers on one etcd are apart). */
  readonly prefix?: string;
  /** Shown in errors and kubeconfig names; default `kube`. */
  readonly name?: string;
  /** Extra users for the token file (on top of DEFAULT_KUBE_USERS). */
  readonly users?: readonly KubeUser[];
  /** `--watch-cache`; default true. With false, watches go to etcd and compaction yields 410 at once. */
  readonly watchCache?: boolean;
  /** Appended to the command line (a later flag wins over a default one). */
  readonly extraArgs?: readonly string[];
  /** Default 60000. */
  readonly startTimeoutMs?: number;
  /** Copies the apiserver's log lines to stderr (also with env CAUSEWAY_KUBE_LOGS=1). */
  readonly echoLogs?: boolean;
}

export interface KubeApiserver {
  readonly name: string;
  /** `https://127.0.0.1:PORT` (the same after `restart()`). */
  readonly url: string;
  readonly port: number;
  readonly etcd: Etcd;
  /** The `--etcd-prefix` holding this apiserver's objects. */
  readonly prefix: string;
  /** Bearer token of `admin` (group system:masters). */
  readonly adminToken: string;
  /** PEM of the CA that signed the serving certificate (the same after `restart()`). */
  readonly caCert: string;
  /** The same CA, as a file. */
  readonly caFile: string;
  /** Every user of the token file. */
  readonly users: readonly KubeUser[];
  readonly running: boolean;
  readonly pid: number | undefined;
  /** The bearer token of `user`; throws if it is not in the token file (or, if given, has other groups). */
  tokenFor(user: string, groups?: readonly string[]): string;
  /**
   * Writes a kubeconfig for `user` (default `admin`), optionally with a default namespace, and returns
   * its path, e.g. for `new KubeConfig().loadFromFile(path)`. The file lives until `stop()`.
   */
  kubeconfig(user?: string, namespace?: string): string;
  /** The last log lines of every run. */
  logs(): string;
  /** Compacts the etcd (shared by every apiserver on it) to its current revision; returns the revision. */
  compact(): Promise<number>;
  /** Kills the process (default SIGKILL) and waits; `restart()` brings it back on the same port. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the process if it runs (SIGTERM) and starts it again: same port, certificates, tokens, etcd and prefix. */
  restart(): Promise<void>;
  /** Kills the process and removes its temp folder (the objects stay in etcd). Idempotent. */
  stop(): Promise<void>;
}

function randomToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

function csvField(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}

/** GET `url` over TLS with a bearer token; resolves to the status code (0 when unreachable). */
function httpsStatus(url: string, token: string, ca: string | undefined): Promise<number> {
  return new Promise((resolve) => {
    const req = https.get(
      url,
      {
        headers: { authorization: `Bearer ${token}` },
        // Until the apiserver has written its self-signed CA, readiness is probed without verifying it.
        ...(ca ? { ca } : { rejectUnauthorized: false }),
        timeout: 3000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** The apiserver's self-signed `apiserver.crt` holds the serving certificate followed by its CA. */
function caFromCertDir(certDir: string): string {
  const text = fs.readFileSync(path.join(certDir, 'apiserver.crt'), 'utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const ca = blocks[blocks.length - 1];
  if (!ca || blocks.length < 2) throw new Error(`no CA certificate in ${certDir}/apiserver.crt`);
  return `${ca}\n`;
}

/**
 * Starts kube-apiserver on a free 127.0.0.1 port against `etcd`, with token authentication (see
 * DEFAULT_KUBE_USERS), RBAC, a self-signed serving certificate and a fresh service-account key, and waits
 * until `/readyz` answers 200 (RBAC bootstrap roles included).
 */
export async function startKubeApiserver(opts: StartKubeApiserverOptions): Promise<KubeApiserver> {
  const bins = await ensureKubeBinaries();
  const name = opts.name ?? 'kube';
  const etcd = opts.etcd;
  const prefix = opts.prefix ?? `/causeway/${name}-${crypto.randomBytes(4).toString('hex')}`;
  const echo = opts.echoLogs ?? process.env['CAUSEWAY_KUBE_LOGS'] === '1';
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const dir = makeTempDir('apiserver');
  const certDir = path.join(dir, 'certs');
  const ring = new LineRing(2000);

  const users = [...DEFAULT_KUBE_USERS];
  for (const user of opts.users ?? []) {
    if (users.some((u) => u.name === user.name)) throw new Error(`user ${user.name} is defined twice`);
    users.push(user);
  }
  const tokens = new Map(users.map((u) => [u.name, randomToken()]));
  fs.writeFileSync(
    path.join(dir, 'tokens.csv'),
    users
      .map((u, i) => {
        const fields = [tokens.get(u.name)!, u.name, `uid-${String(i)}-${u.name}`];
        if (u.groups && u.groups.length > 0) fields.push(csvField(u.groups.join(',')));
        return fields.join(',');
      })
      .join('\n') + '\n',
    { mode: 0o600 },
  );
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  fs.writeFileSync(path.join(dir, 'sa.key'), privateKey, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'sa.pub'), publicKey);
  const adminToken = tokens.get('admin')!;

  let port = 0;
  let caCert = '';
  const caFile = path.join(dir, 'ca.crt');
  const argsFor = (): string[] => [
    `--etcd-servers=${etcd.clientUrl}`,
    `--etcd-prefix=${prefix}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${String(port)}`,
    `--cert-dir=${certDir}`,
    `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
    '--service-cluster-ip-range=10.96.0.0/16',
    // No controller-manager creates ServiceAccounts, so their admission would refuse every Pod.
    '--disable-admission-plugins=ServiceAccount',
    // The `kubernetes` Service's endpoints would be 127.0.0.1, which validation refuses.
    '--endpoint-reconciler-type=none',
    '--enable-priority-and-fairness=false',
    // Compaction only when a test asks (etcd.compact()): several apiservers may share the etcd.
    '--etcd-compaction-interval=0',
    `--watch-cache=${String(opts.watchCache ?? true)}`,
    '--profiling=false',
    ...(opts.extraArgs ?? []),
  ];

  let run: Run | undefined;
  let stopped = false;

  const launch = async (): Promise<void> => {
    const current = new Run(bins.apiserver, argsFor(), ring, echo);
    run = current;
    fs.writeFileSync(path.join(dir, 'pid'), String(current.child.pid ?? ''));
    const deadline = Date.now() + timeoutMs;
    let last = 0;
    for (;;) {
      if (!current.running) {
        throw new Error(
          `kube-apiserver ${name} exited (${JSON.stringify(current.exit)}) before it was ready:\n${tail(ring.text())}`,
        );
      }
      last = await httpsStatus(`https://127.0.0.1:${String(port)}/readyz`, adminToken, caCert || undefined);
      if (last === 200) break;
      if (Date.now() > deadline) {
        await current.terminate('SIGKILL');
        throw new Error(
          `kube-apiserver ${name} not ready within ${String(timeoutMs)} ms (last /readyz: ${String(last)}):\n${tail(ring.text())}`,
        );
      }
      await sleep(100);
    }
    if (!caCert) {
      caCert = caFromCertDir(certDir);
      fs.writeFileSync(caFile, caCert);
    }
  };

  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt < 5 && ADDRESS_IN_USE.test(ring.text())) {
        ring.clear();
        continue;
      }
      removeTempDir(dir);
      throw err;
    }
  }

  const url = `https://127.0.0.1:${String(port)}`;
  const tokenFor = (user: string, groups?: readonly string[]): string => {
    const known = users.find((u) => u.name === user);
    const token = tokens.get(user);
    if (!known || token === undefined) {
      throw new Error(
        `user ${user} is not in ${name}'s token file (${users.map((u) => u.name).join(', ')}); add it with the users option`,
      );
    }
    if (groups) {
      const want = [...groups].sort().join(',');
      const have = [...(known.groups ?? [])].sort().join(',');
      if (want !== have) throw new Error(`user ${user} has groups [${have}], not [${want}]`);
    }
    return token;
  };

  return {
    name,
    url,
    port,
    etcd,
    prefix,
    adminToken,
    caCert,
    caFile,
    users,
    get running() {
      return run?.running ?? false;
    },
    get pid() {
      return run?.running ? run.child.pid : undefined;
    },
    tokenFor,
    kubeconfig(user = 'admin', namespace?: string) {
      const token = tokenFor(user);
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name,
            cluster: { server: url, 'certificate-authority-data': Buffer.from(caCert).toString('base64') },
          },
        ],
        users: [{ name: user, user: { token } }],
        contexts: [
          { name: `${user}@${name}`, context: { cluster: name, user, ...(namespace ? { namespace } : {}) } },
        ],
        'current-context': `${user}@${name}`,
        preferences: {},
      };
      const file = path.join(dir, `kubeconfig-${user}${namespace ? `-${namespace}` : ''}.yaml`);
      // JSON is YAML: any kubeconfig reader takes it.
      fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
      return file;
    },
    logs: () => ring.text(),
    compact: () => etcd.compact(),
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (run?.running) await run.terminate(signal);
    },
    async restart() {
      if (stopped) throw new Error(`kube-apiserver ${name} was stopped; start a new one`);
      if (run?.running) await run.terminate('SIGTERM');
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // Nothing to keep: no need for the ~1 s graceful shutdown.
      if (run?.running) await run.terminate('SIGKILL');
      removeTempDir(dir);
    },
  };
}
