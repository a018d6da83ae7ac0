/**
 * Runs `causeway controller` as a separate process (from the compiled dist/, as users run it), so tests
 * can kill -9 and restart it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/tools/envoy-binary.js';

export interface ControllerProcess {
  readonly child: ChildProcess;
  readonly adminPort: number;
  output(): string;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Kubernetes mode: the flags that replace `--manifests`. */
export interface KubernetesModeFlags {
  /** `--kubeconfig` (one cluster); omit when the config file lists `clusters`. */
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly clusterName?: string;
  /** `--config` (e.g. a file with `clusters:` and `groups:`). */
  readonly config?: string;
  /**
   * The Lease's namespace, passed as $POD_NAMESPACE: the CLI has no `--lease-namespace` flag (README and
   * docs/kubernetes.md name one; only `runController({ leaseNamespace })` takes it).
   */
  readonly leaseNamespace?: string;
  /** The replica identity, passed as $POD_NAME (the CLI has no `--identity` flag). */
  readonly identity?: string;
}

export async function startControllerProcess(opts: {
  /** Standalone mode: the manifests folder. Give either this or `kubernetes`. */
  manifests?: string;
  /** Kubernetes mode flags, instead of `manifests`. */
  kubernetes?: KubernetesModeFlags;
  xdsPort: number;
  adminPort: number;
  httpPort: number;
  httpsPort: number;
  /** More `causeway controller` flags (e.g. `--manifests-max-file-bytes 64Mi`). */
  extraArgs?: readonly string[];
}): Promise<ControllerProcess> {
  const bin = path.join(projectRoot(), 'bin', 'causeway.js');
  if (!fs.existsSync(path.join(projectRoot(), 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm ci does it) before the end-to-end tests');
  }
  if ((opts.manifests === undefined) === (opts.kubernetes === undefined)) {
    throw new Error('startControllerProcess: give either `manifests` or `kubernetes`');
  }
  const k = opts.kubernetes;
  const sourceArgs =
    k === undefined
      ? ['--manifests', opts.manifests!]
      : [
          ...(k.kubeconfig !== undefined ? ['--kubeconfig', k.kubeconfig] : []),
          ...(k.context !== undefined ? ['--context', k.context] : []),
          ...(k.clusterName !== undefined ? ['--cluster-name', k.clusterName] : []),
          ...(k.config !== undefined ? ['--config', k.config] : []),
        ];
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (k?.leaseNamespace !== undefined) env['POD_NAMESPACE'] = k.leaseNamespace;
  if (k?.identity !== undefined) env['POD_NAME'] = k.identity;
  const child = spawn(
    process.execPath,
    [
      bin,
      'controller',
      ...sourceArgs,
      '--xds-address',
      `127.0.0.1:${opts.xdsPort}`,
      '--admin-address',
      `127.0.0.1:${opts.adminPort}`,
      '--http-port',
      String(opts.httpPort),
      '--https-port',
      String(opts.httpsPort),
      '--log-level',
      'info',
      ...(opts.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`controller exited early:\n${out}`);
    const ok = await fetch(`http://127.0.0.1:${opts.adminPort}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`controller not ready in 45 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    adminPort: opts.adminPort,
    output: () => out,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
