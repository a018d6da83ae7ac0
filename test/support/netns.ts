/**
 * "Pods" for tests against a real kube-apiserver, which refuses loopback addresses in EndpointSlices:
 * each pod is a network namespace with a veth on a bridge in the host namespace, and an address from a
 * /24 of 10.244.0.0/16 routed from the host. Needs root and iproute2 (`ip`).
 *
 *   const net = await createPodNetwork({ name: 'shop' });
 *   const pod = await net.addPod('web-1');           // pod.ip e.g. 10.244.37.2
 *   const echo = await pod.startHttpEcho('web-1', 8080);
 *   await fetch(`http://${pod.ip}:8080/`);            // from the host namespace
 *   await net.destroy();
 *
 * Names carry this process' pid, so parallel jest workers never clash, and the /24 is claimed through
 * the kernel (its route can exist once). Everything is also removed when the process exits; what a
 * killed process left behind is removed by the next `createPodNetwork` (or `reapStalePodNetworks()`).
 * Traffic stays between the host and these namespaces: the pods have no route anywhere else.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

export interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface PodHttpEcho {
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  /** `http://IP:PORT`. */
  readonly url: string;
  readonly pid: number;
  /** The server's output so far. */
  output(): string;
  /** SIGTERM (SIGKILL after 5 s) and waits for the exit. Idempotent. */
  stop(): Promise<void>;
}

export interface Pod {
  readonly name: string;
  /** The pod's address, e.g. `10.244.37.2`. */
  readonly ip: string;
  /** The network namespace, for `ip netns exec`. */
  readonly netns: string;
  /** The host side of the pod's veth. */
  readonly hostVeth: string;
  /** Runs a command inside the pod's namespace and waits for it (default timeout 30 s, then SIGKILL). */
  exec(cmd: string, args?: readonly string[], opts?: { readonly timeoutMs?: number }): Promise<ExecResult>;
  /** Starts a command inside the pod's namespace (stdio piped); it is killed by `remove()` / `destroy()`. */
  spawn(cmd: string, args?: readonly string[]): ChildProcess;
  /**
   * Starts an HTTP echo server on 0.0.0.0:`port` (default 8080) inside the namespace, answering like
   * src/demo/echo-backend.ts: JSON `{ backend, method, path, host, headers }`, header `x-echo-backend`,
   * and `/status/NNN` answers NNN. Resolves once it listens.
   */
  startHttpEcho(name?: string, port?: number): Promise<PodHttpEcho>;
  /** Kills its processes and removes the namespace and veth. Idempotent. */
  remove(): Promise<void>;
}

export interface PodNetwork {
  readonly name: string;
  /** The bridge in the host namespace. */
  readonly bridge: string;
  /** E.g. `10.244.37.0/24`. */
  readonly subnet: string;
  /** The bridge's address (`.1`): the pods' default gateway, and the host's source address toward them. */
  readonly gateway: string;
  readonly pods: readonly Pod[];
  /** A new pod (network namespace) on this network, with the next free address (`.2` to `.254`). */
  addPod(name: string): Promise<Pod>;
  /** Removes every pod, the bridge and its route. Idempotent. */
  destroy(): Promise<void>;
}

export interface CreatePodNetworkOptions {
  /** Shown in names of namespaces (`cw-<pid>-<n>-<pod>`); letters, digits and dashes. */
  readonly name: string;
}

const MARK = 'causeway-test';
const SUBNET_BASE = '10.244';

/** Whether pod networks can be made here: root and iproute2. */
export function podNetworkSupport(): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: 'network namespaces need Linux' };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { ok: false, reason: 'network namespaces need root' };
  }
  const probe = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { ok: false, reason: '`ip` (iproute2) is not installed' };
  return { ok: true };
}

// ---------------------------------------------------------------------------------------------------
// Running `ip` and friends

class CommandError extends Error {}

function run(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      [...args],
      { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
        let code: number | null = 0;
        if (e) code = typeof e.code === 'number' ? e.code : e.signal ? null : -1;
        resolve({
          code,
          signal: e?.signal ?? null,
          stdout,
          stderr: e && code === -1 ? `${stderr}${e.message}` : stderr,
        });
      },
    );
  });
}

async function ip(...args: string[]): Promise<string> {
  const res = await run('ip', args);
  if (res.code !== 0)
    throw new CommandError(`ip ${args.join(' ')}: ${res.stderr.trim() || `exit ${String(res.code)}`}`);
  return res.stdout;
}

function ipSync(...args: string[]): void {
  spawnSync('ip', args, { stdio: 'ignore', timeout: 10_000 });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killPidsIn(netns: string): void {
  const res = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8', timeout: 10_000 });
  for (const line of (res.stdout ?? '').split('\n')) {
    const pid = Number(line.trim());
    if (pid > 0 && pid !== process.pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Removes a namespace (killing what runs in it) and links, synchronously: for the exit handler and reaping. */
function removeSync(netnses: readonly string[], links: readonly string[]): void {
  for (const ns of netnses) {
    killPidsIn(ns);
    ipSync('netns', 'del', ns);
  }
  for (const link of links) ipSync('link', 'del', link);
}

function netnsNames(): string[] {
  const res = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 10_000 });
  return (res.stdout ?? '')
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

function linkNames(): Array<{ name: string; alias: string }> {
  const res = spawnSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8', timeout: 10_000 });
  try {
    const links = JSON.parse(res.stdout || '[]') as Array<{ ifname?: string; ifalias?: string }>;
    return links.map((l) => ({ name: (l.ifname ?? '').split('@')[0] ?? '', alias: l.ifalias ?? '' }));
  } catch {
    return [];
  }
}

/**
 * Removes pod networks whose creating process is gone (killed before it could clean up): namespaces
 * `cw-<pid>-*` and links named `cw<pid in base 36>-*` (bridges are also marked `causeway-test pid=<pid>`).
 */
export function reapStalePodNetworks(): void {
  const dead = new Set<number>();
  const isDead = (pid: number): boolean => {
    if (pid === process.pid || !Number.isSafeInteger(pid) || pid <= 0) return false;
    if (dead.has(pid)) return true;
    if (pidAlive(pid)) return false;
    dead.add(pid);
    return true;
  };
  const staleNs = netnsNames().filter((ns) => {
    const m = /^cw-(\d+)-/.exec(ns);
    return m !== null && isDead(Number(m[1]));
  });
  const links = linkNames();
  for (const l of links) {
    const m = /^cw([0-9a-z]+)-/.exec(l.name);
    if (m) isDead(parseInt(m[1]!, 36));
  }
  const prefixes = [...dead].map((pid) => `cw${pid.toString(36)}-`);
  const staleLinks = links
    .filter((l) => prefixes.some((p) => l.name.startsWith(p)))
    // Bridges last: veths first, so nothing is left half-attached.
    .sort((a, b) => Number(a.alias.startsWith(MARK)) - Number(b.alias.startsWith(MARK)))
    .map((l) => l.name);
  removeSync(staleNs, staleLinks);
}

// ---------------------------------------------------------------------------------------------------
// Bookkeeping and the exit-time safety net

interface Cleanup {
  processes: Set<ChildProcess>;
  netnses: Set<string>;
  links: string[]; // removed in this order
}

const networks = new Map<string, Cleanup>();
let netCounter = 0;
let safetyNet = false;
let reaped = false;

/**
 * Waits (detached, so a signal to this process group spares it) for `owner` to exit, then removes what
 * it left: namespaces `cw-<owner>-*` (killing what runs in them) and links `cw<owner in base 36>-*`.
 * Needed because jest gives test code its own copy of `process`, whose 'exit' event never fires, and
 * because a killed worker runs no handler at all.
 */
const REAPER_SCRIPT = `
owner=$1 links=$2
while kill -0 "$owner" 2>/dev/null; do sleep 1; done
for ns in $(ip netns list | awk '{ print $1 }'); do
  case "$ns" in
    "cw-$owner-"*)
      for p in $(ip netns pids "$ns"); do kill -9 "$p"; done
      ip netns del "$ns"
      ;;
  esac
done
for l in $(ip -o link show | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
  case "$l" in "$links"*) ip link del "$l" 2>/dev/null ;; esac
done
`;

function installSafetyNet(): void {
  if (safetyNet) return;
  safetyNet = true;
  const reaper = spawn(
    'bash',
    ['-c', REAPER_SCRIPT, 'causeway-netns-reaper', String(process.pid), `cw${process.pid.toString(36)}-`],
    { detached: true, stdio: 'ignore' },
  );
  reaper.on('error', () => undefined);
  reaper.unref();
  // Outside jest (plain node), this also cleans up at once on a normal exit.
  process.once('exit', () => {
    for (const c of networks.values()) {
      for (const p of c.processes) p.kill('SIGKILL');
      removeSync([...c.netnses], c.links);
    }
    networks.clear();
  });
}

/** Destroys every pod network this process created (e.g. in an `afterAll`). */
export async function destroyAllPodNetworks(): Promise<void> {
  await Promise.all([...created].map((n) => n.destroy()));
}

const created = new Set<PodNetwork>();

async function claimSubnet(bridge: string): Promise<number> {
  // Start at a pid-dependent place so parallel workers rarely try the same /24 first.
  const start = (process.pid * 7 + netCounter * 13) % 254;
  let lastError = '';
  for (let i = 0; i < 254; i++) {
    const n = ((start + i) % 254) + 1;
    const gw = `${SUBNET_BASE}.${String(n)}.1`;
    await ip('addr', 'add', `${gw}/24`, 'dev', bridge, 'noprefixroute');
    // A route to a prefix exists once in the main table: adding it is the atomic claim of the /24.
    const res = await run('ip', [
      'route',
      'add',
      `${SUBNET_BASE}.${String(n)}.0/24`,
      'dev',
      bridge,
      'src',
      gw,
    ]);
    if (res.code === 0) return n;
    lastError = res.stderr.trim();
    await ip('addr', 'del', `${gw}/24`, 'dev', bridge);
  }
  throw new Error(`no free /24 in ${SUBNET_BASE}.0.0/16 (last error: ${lastError})`);
}

function sanitize(name: string): string {
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return clean.slice(0, 40) || 'x';
}

// ---------------------------------------------------------------------------------------------------
// The echo server run inside a namespace (plain JS for `node -e`; argv: name, port)

const ECHO_SCRIPT = `
const http = require('node:http');
const [name, port] = process.argv.slice(1);
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const url = req.url || '/';
    const m = /^\\/status\\/(\\d{3})(?:[/?#]|$)/.exec(url);
    let status = m ? Number(m[1]) : 200;
    if (status < 200 || status > 599) status = 200;
    const headers = {};
    for (const k of Object.keys(req.headers).sort()) headers[k] = req.headers[k];
    const text = JSON.stringify({ backend: name, method: req.method, path: url, host: req.headers.host || '', headers }) + '\\n';
    const noBody = status === 204 || status === 304 || req.method === 'HEAD';
    res.writeHead(status, Object.assign({ 'content-type': 'application/json', 'x-echo-backend': name },
      noBody ? {} : { 'content-length': String(Buffer.byteLength(text)) }));
    res.end(noBody ? undefined : text);
  });
});
server.keepAliveTimeout = 5000;
server.listen({ host: '0.0.0.0', port: Number(port) }, () => process.stdout.write('listening\\n'));
process.on('SIGTERM', () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
`;

// ---------------------------------------------------------------------------------------------------

/** Creates a bridge with a free /24 of 10.244.0.0/16, routed from the host namespace; add pods to it. */
export async function createPodNetwork(opts: CreatePodNetworkOptions): Promise<PodNetwork> {
  const support = podNetworkSupport();
  if (!support.ok) throw new Error(`cannot create pod networks: ${support.reason}`);
  installSafetyNet();
  if (!reaped) {
    reaped = true;
    reapStalePodNetworks();
  }
  const index = ++netCounter;
  // Interface names have at most 15 characters: cw + pid (base 36, <= 5) + - + network (base 36).
  const bridge = `cw${process.pid.toString(36)}-${index.toString(36)}`;
  const nsPrefix = `cw-${String(process.pid)}-${String(index)}-`;
  const cleanup: Cleanup = { processes: new Set(), netnses: new Set(), links: [bridge] };
  networks.set(bridge, cleanup);

  let subnetIndex: number;
  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('link', 'set', bridge, 'alias', `${MARK} pid=${String(process.pid)}`);
    await ip('link', 'set', bridge, 'up');
    subnetIndex = await claimSubnet(bridge);
  } catch (err) {
    removeSync([], [bridge]);
    networks.delete(bridge);
    throw err;
  }
  const prefix = `${SUBNET_BASE}.${String(subnetIndex)}`;
  const gateway = `${prefix}.1`;
  const pods: Pod[] = [];
  let podCounter = 0;
  let destroyed = false;

  const addPod = async (podName: string): Promise<Pod> => {
    if (destroyed) throw new Error(`pod network ${opts.name} was destroyed`);
    const podIndex = ++podCounter;
    if (podIndex > 253) throw new Error(`pod network ${opts.name} is full (253 pods)`);
    const netns = `${nsPrefix}${sanitize(podName)}`;
    if (pods.some((p) => p.netns === netns)) throw new Error(`pod ${podName} exists already in ${opts.name}`);
    const hostVeth = `${bridge}-${podIndex.toString(36)}`;
    const podIp = `${prefix}.${String(podIndex + 1)}`;
    cleanup.netnses.add(netns);
    cleanup.links.unshift(hostVeth);
    const processes = new Set<ChildProcess>();
    try {
      await ip('netns', 'add', netns);
      await ip('link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
      await ip('link', 'set', hostVeth, 'master', bridge, 'up');
      await ip('-n', netns, 'link', 'set', 'lo', 'up');
      await ip('-n', netns, 'addr', 'add', `${podIp}/24`, 'dev', 'eth0');
      await ip('-n', netns, 'link', 'set', 'eth0', 'up');
      await ip('-n', netns, 'route', 'add', 'default', 'via', gateway);
    } catch (err) {
      removeSync([netns], [hostVeth]);
      cleanup.netnses.delete(netns);
      cleanup.links = cleanup.links.filter((l) => l !== hostVeth);
      throw err;
    }

    const spawnIn = (cmd: string, args: readonly string[] = []): ChildProcess => {
      const child = spawn('ip', ['netns', 'exec', netns, cmd, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // A test that forgets destroy() must not keep jest from exiting: the exit handler kills what is left.
      child.unref();
      for (const stream of [child.stdout, child.stderr]) {
        (stream as unknown as { unref?: () => void } | null)?.unref?.();
      }
      processes.add(child);
      cleanup.processes.add(child);
      child.once('exit', () => {
        processes.delete(child);
        cleanup.processes.delete(child);
      });
      child.once('error', () => {
        processes.delete(child);
        cleanup.processes.delete(child);
      });
      return child;
    };

    let removed = false;
    const pod: Pod = {
      name: podName,
      ip: podIp,
      netns,
      hostVeth,
      exec: (cmd, args = [], execOpts = {}) =>
        run('ip', ['netns', 'exec', netns, cmd, ...args], execOpts.timeoutMs),
      spawn: spawnIn,
      async startHttpEcho(name = podName, port = 8080) {
        const child = spawnIn(process.execPath, ['-e', ECHO_SCRIPT, name, String(port)]);
        let out = '';
        const onData = (chunk: Buffer): void => {
          out += chunk.toString();
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        const exited = new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          child.once('exit', () => resolve());
          child.once('error', () => resolve());
        });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`echo ${name} in ${netns} did not listen in 10 s: ${out}`)),
            10_000,
          );
          const check = (): void => {
            if (out.includes('listening\n')) {
              clearTimeout(timer);
              child.stdout!.off('data', check);
              resolve();
            }
          };
          child.stdout!.on('data', check);
          void exited.then(() => {
            clearTimeout(timer);
            reject(new Error(`echo ${name} in ${netns} exited: ${out}`));
          });
        }).catch(async (err: unknown) => {
          child.kill('SIGKILL');
          await exited;
          throw err;
        });
        return {
          name,
          ip: podIp,
          port,
          url: `http://${podIp}:${String(port)}`,
          pid: child.pid ?? 0,
          output: () => out,
          async stop() {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(timer);
          },
        };
      },
      async remove() {
        if (removed) return;
        removed = true;
        const exits = [...processes].map(
          (p) =>
            new Promise<void>((resolve) =>
              p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve()),
            ),
        );
        for (const p of processes) p.kill('SIGKILL');
        await Promise.all(exits);
        removeSync([netns], [hostVeth]);
        cleanup.netnses.delete(netns);
        cleanup.links = cleanup.links.filter((l) => l !== hostVeth);
        const i = pods.indexOf(pod);
        if (i >= 0) pods.splice(i, 1);
      },
    };
    pods.push(pod);
    return pod;
  };

  const network: PodNetwork = {
    name: opts.name,
    bridge,
    subnet: `${prefix}.0/24`,
    gateway,
    get pods() {
      return [...pods];
    },
    addPod,
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      for (const pod of [...pods]) await pod.remove();
      removeSync([...cleanup.netnses], cleanup.links);
      networks.delete(bridge);
      created.delete(network);
    },
  };
  created.add(network);
  return network;
}
