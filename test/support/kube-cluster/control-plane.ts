/**
 * kube-controller-manager and kube-scheduler for tests, built from the same Go module as the apiserver
 * (test/kube/build-binaries.sh) and run on 127.0.0.1 against a `startKubeApiserver` apiserver with its
 * admin kubeconfig. No leader election; the controller-manager runs only the controllers a cluster of
 * Deployments and Services needs (deployment, replicaset, endpointslice, endpoints, garbage collector,
 * namespace). Each serves /healthz on a free port, which is how start-up waits for it. Processes and
 * temp folders are reaped with the test process, like the apiserver's.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import {
  ensureKubeBinaries,
  LineRing,
  makeTempDir,
  removeTempDir,
  Run,
  type KubeApiserver,
} from '../kube-apiserver.js';
import { freePort } from '../ports.js';

/** The controllers a cluster running Deployments behind Services needs (names as in `--controllers`). */
export const CLUSTER_CONTROLLERS: readonly string[] = [
  'deployment-controller',
  'replicaset-controller',
  'endpointslice-controller',
  'endpoints-controller',
  'garbage-collector-controller',
  'namespace-controller',
];

export interface KubeComponent {
  readonly name: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** The last log lines. */
  logs(): string;
  /** SIGTERM (SIGKILL after 5 s), waits, removes its temp folder. Idempotent. */
  stop(): Promise<void>;
}

export interface ComponentOptions {
  readonly api: KubeApiserver;
  /** Appended to the command line (a later flag wins). */
  readonly extraArgs?: readonly string[];
  /** Copies log lines to stderr (also with env CAUSEWAY_KUBE_LOGS=1). */
  readonly echoLogs?: boolean;
  /** Default 60000. */
  readonly startTimeoutMs?: number;
}

function healthz(port: number): Promise<number> {
  return new Promise((resolve) => {
    // The component's self-signed serving certificate: nothing secret is read, so it is not verified.
    const req = https.get(
      `https://127.0.0.1:${String(port)}/healthz`,
      { rejectUnauthorized: false, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

async function startComponent(
  binaryName: 'kube-controller-manager' | 'kube-scheduler',
  args: (dir: string, port: number) => readonly string[],
  opts: ComponentOptions,
): Promise<KubeComponent> {
  const bins = await ensureKubeBinaries();
  const binary = path.join(bins.dir, binaryName);
  fs.accessSync(binary, fs.constants.X_OK);
  const echo = opts.echoLogs ?? process.env['CAUSEWAY_KUBE_LOGS'] === '1';
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const dir = makeTempDir(binaryName.replace('kube-', ''));
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.copyFileSync(opts.api.kubeconfig('admin'), kubeconfig);
  const ring = new LineRing(2000);
  const port = await freePort();
  const common = [
    `--kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    `--secure-port=${String(port)}`,
    `--cert-dir=${path.join(dir, 'certs')}`,
    // No TokenReview / SubjectAccessReview round trips for /healthz (always allowed) or anything else.
    '--authentication-skip-lookup=true',
    '--profiling=false',
  ];
  const run = new Run(binary, [...common, ...args(dir, port), ...(opts.extraArgs ?? [])], ring, echo);
  fs.writeFileSync(path.join(dir, 'pid'), String(run.child.pid ?? ''));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!run.running) {
      removeTempDir(dir);
      throw new Error(
        `${binaryName} exited (${JSON.stringify(run.exit)}) before it was healthy:\n${ring.text().split('\n').slice(-40).join('\n')}`,
      );
    }
    if ((await healthz(port)) === 200) break;
    if (Date.now() > deadline) {
      await run.terminate('SIGKILL');
      removeTempDir(dir);
      throw new Error(
        `${binaryName} not healthy within ${String(timeoutMs)} ms:\n${ring.text().split('\n').slice(-40).join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let stopped = false;
  return {
    name: binaryName,
    get pid() {
      return run.child.pid;
    },
    get running() {
      return run.running;
    },
    logs: () => ring.text(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await run.terminate('SIGTERM', 5000);
      removeTempDir(dir);
    },
  };
}

export interface ControllerManagerOptions extends ComponentOptions {
  /** Default CLUSTER_CONTROLLERS. */
  readonly controllers?: readonly string[];
}

/** Starts kube-controller-manager (the given controllers only) and waits for its /healthz. */
export function startKubeControllerManager(opts: ControllerManagerOptions): Promise<KubeComponent> {
  const controllers = opts.controllers ?? CLUSTER_CONTROLLERS;
  return startComponent(
    'kube-controller-manager',
    () => [
      `--controllers=${controllers.join(',')}`,
      // Every controller acts as the admin user of the kubeconfig (no ServiceAccounts are needed).
      '--use-service-account-credentials=false',
      // Quicker reactions than the defaults, for tests (the endpoint-slice controller batches by this).
      '--endpointslice-updates-batch-period=0s',
      '--concurrent-gc-syncs=5',
    ],
    opts,
  );
}

/** Starts kube-scheduler (default profile) and waits for its /healthz. */
export function startKubeScheduler(opts: ComponentOptions): Promise<KubeComponent> {
  return startComponent('kube-scheduler', () => [], opts);
}
