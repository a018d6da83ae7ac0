/**
 * Runs what a packaged gateway runs (the DaemonSet's containers, the systemd unit's commands) for real, on
 * loopback: `causeway gateway bootstrap` from dist/ with the packaged flags, Envoy 1.40 with the packaged
 * command line, and gateways/causeway-gateway-stop.sh with the packaged arguments.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ensureEnvoy, projectRoot } from '../../src/tools/envoy-binary.js';

export const STOP_SCRIPT = path.join(projectRoot(), 'gateways', 'causeway-gateway-stop.sh');

/** The value after `flag` in an argument list (`--flag value`). */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `args` with the value after each flag in `values` replaced. */
export function withFlagValues(args: readonly string[], values: Readonly<Record<string, string>>): string[] {
  return args.map((a, i) => {
    const flag = args[i - 1];
    return flag !== undefined && flag in values ? values[flag]! : a;
  });
}

export interface GatewayBootstrap {
  readonly text: string;
  readonly node: { readonly id: string; readonly cluster: string };
  readonly admin: { readonly address: { readonly socket_address: { address: string; port_value: number } } };
}

/** `causeway gateway bootstrap ARGS` from the compiled CLI; throws with its stderr when it fails. */
export function runBootstrapCommand(args: readonly string[]): GatewayBootstrap {
  const root = projectRoot();
  if (!fs.existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before the end-to-end tests');
  }
  const made = spawnSync('node', [path.join(root, 'bin', 'causeway.js'), 'gateway', 'bootstrap', ...args], {
    encoding: 'utf8',
  });
  if (made.status !== 0 || made.stderr !== '') {
    throw new Error(
      `causeway gateway bootstrap ${args.join(' ')} failed (${String(made.status)}): ${made.stderr}`,
    );
  }
  return { ...(YAML.parse(made.stdout) as Omit<GatewayBootstrap, 'text'>), text: made.stdout };
}

export interface PackagedEnvoy {
  /** `server.live` from the admin stats: '1' serving, '0' once the health check was failed. */
  serverLive(): Promise<string | undefined>;
  /** The body of GET `path` on its admin API (e.g. `/certs`). */
  admin(path: string): Promise<string>;
  logs(): string;
  kill(): void;
}

/**
 * Starts the real Envoy with exactly `args` (the packaged command line, paths mapped by the caller) and
 * waits until its admin API on 127.0.0.1:`adminPort` answers. The packaged flags include
 * --disable-hot-restart, so no --base-id is needed.
 */
export async function startPackagedEnvoy(args: readonly string[], adminPort: number): Promise<PackagedEnvoy> {
  if (!args.includes('--disable-hot-restart'))
    throw new Error('startPackagedEnvoy: expected --disable-hot-restart');
  const child: ChildProcess = spawn(await ensureEnvoy(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const admin = `http://127.0.0.1:${String(adminPort)}`;
  const envoy: PackagedEnvoy = {
    serverLive: async () => {
      const text = await (await fetch(`${admin}/stats?filter=^server\\.live$`)).text();
      return /server\.live: (\d+)/.exec(text)?.[1];
    },
    admin: async (p) => (await fetch(`${admin}${p}`)).text(),
    logs: () => log,
    kill: () => child.kill('SIGKILL'),
  };
  for (let i = 0; i < 150 && child.exitCode === null; i++) {
    const up = await fetch(`${admin}/server_info`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return envoy;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`Envoy ${args.join(' ')} did not answer on ${admin}:\n${log}`);
}

/** Runs the stop script under the host's sh with `args`; resolves with its exit code and output. */
export function runStopScript(
  args: readonly string[],
  timeoutMs = 30_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', [STOP_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
