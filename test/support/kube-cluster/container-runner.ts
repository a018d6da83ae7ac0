/**
 * One container of a Pod run by the node agent: a process inside the Pod's network namespace (its
 * whole environment given, nothing inherited), restarted with backoff when it exits (per the Pod's
 * restartPolicy), its readiness from the readinessProbe, and the kubelet's stop sequence: preStop
 * (`sleep.seconds`, or `exec` in the namespace), SIGTERM, SIGKILL when the grace period is over.
 */
import type { ChildProcess } from 'node:child_process';
import type { V1Container } from '@kubernetes/client-node';
import { ContainerLog } from './container-logs.js';
import type { ContainerProcessSpec } from './container-spec.js';
import type { ContainerRunState, ContainerView } from './pod-status.js';
import { probeOnce, probeTiming, ReadinessCounter, type ExecInPod } from './probes.js';

/** Where the container runs: a spawner and exec into the Pod's namespace, and the Pod's address. */
export interface PodSandbox {
  readonly ip: string;
  spawn(cmd: string, args: readonly string[]): ChildProcess;
  exec: ExecInPod;
}

/** First restart after 1 s, doubling up to 20 s (the kubelet: 10 s to 5 min; shorter for tests). */
export const RESTART_BACKOFF_MS = { first: 1000, max: 20_000 } as const;

const OUTPUT_LINES = 200;

export class ContainerRunner {
  private state: ContainerRunState = { kind: 'waiting', reason: 'ContainerCreating' };
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private restarts = 0;
  private stopping = false;
  private timers = new Set<NodeJS.Timeout>();
  private readiness: ReadinessCounter | undefined;
  /** Everything the container printed, across restarts (served as its log by the node agent). */
  readonly log = new ContainerLog();

  constructor(
    private readonly container: V1Container,
    private readonly spec: ContainerProcessSpec,
    private readonly sandbox: PodSandbox,
    private readonly restartPolicy: string,
    /** Called on every change the Pod status shows. */
    private readonly changed: () => void,
  ) {}

  view(): ContainerView {
    const running = this.state.kind === 'running';
    const ready = running && (this.container.readinessProbe ? (this.readiness?.value ?? false) : true);
    return {
      name: this.container.name,
      image: this.container.image ?? '',
      state: this.state,
      ready,
      restartCount: this.restarts,
      willRestart: !this.stopping && this.shouldRestart(),
    };
  }

  /** The last lines the process printed (for failure messages). */
  logs(): string {
    return this.log.lastLines(OUTPUT_LINES);
  }

  start(): void {
    if (this.stopping) return;
    const { binary, args, env } = this.spec;
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    // `ip netns exec` and `env` both exec: the child's pid is the container process itself.
    const child = this.sandbox.spawn('env', ['-i', ...envArgs, binary, ...args]);
    this.child = child;
    const startedAt = new Date().toISOString();
    this.state = { kind: 'running', startedAt };
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.log.write('stdout', chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.log.write('stderr', chunk));
    this.exited = new Promise<void>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.child !== child) return resolve();
        this.child = undefined;
        this.log.flush();
        this.onExit(startedAt, code ?? (signal === 'SIGKILL' ? 137 : 143));
        resolve();
      };
      child.once('exit', done);
      child.once('error', () => done(128, null));
    });
    this.startProbing();
    this.changed();
  }

  private shouldRestart(): boolean {
    if (this.state.kind !== 'terminated') return true;
    if (this.restartPolicy === 'Always') return true;
    return this.restartPolicy === 'OnFailure' && this.state.exitCode !== 0;
  }

  private onExit(startedAt: string, exitCode: number): void {
    const reason = exitCode === 0 ? 'Completed' : 'Error';
    this.state = { kind: 'terminated', exitCode, reason, startedAt, finishedAt: new Date().toISOString() };
    this.readiness = undefined;
    if (!this.stopping && this.shouldRestart()) {
      const delay = Math.min(RESTART_BACKOFF_MS.max, RESTART_BACKOFF_MS.first * 2 ** this.restarts);
      this.after(delay, () => {
        this.restarts++;
        this.start();
      });
    }
    this.changed();
  }

  private after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private startProbing(): void {
    const probe = this.container.readinessProbe;
    if (!probe) return;
    const timing = probeTiming(probe);
    const counter = new ReadinessCounter(timing);
    this.readiness = counter;
    const tick = async (): Promise<void> => {
      if (this.readiness !== counter || this.state.kind !== 'running') return;
      const ok = await probeOnce(probe, this.container, this.sandbox.ip, this.sandbox.exec);
      if (this.readiness !== counter) return;
      const before = counter.value;
      if (counter.record(ok) !== before) this.changed();
      this.after(timing.periodMs, () => void tick());
    };
    this.after(timing.initialDelayMs, () => void tick());
  }

  /** Runs `lifecycle.preStop` (bounded by `deadline`, ms since epoch); unsupported handlers are skipped. */
  private async preStop(deadline: number): Promise<void> {
    const hook = this.container.lifecycle?.preStop;
    const left = (): number => Math.max(0, deadline - Date.now());
    if (hook?.sleep) {
      await new Promise((r) => setTimeout(r, Math.min(left(), hook.sleep!.seconds * 1000)));
    } else if (hook?.exec?.command && hook.exec.command.length > 0) {
      const [cmd, ...args] = hook.exec.command;
      await this.sandbox.exec(cmd!, args, left());
    }
  }

  /**
   * The kubelet's stop: preStop, then SIGTERM, then SIGKILL at `deadline`. No restart afterwards;
   * readiness probes go on until the process is gone (a terminating endpoint stays `serving`).
   */
  async stop(deadline: number): Promise<void> {
    if (this.stopping) return this.exited;
    this.stopping = true;
    if (this.child) await this.preStop(deadline);
    for (const t of this.timers) if (this.state.kind !== 'running') clearTimeout(t);
    const child = this.child;
    if (child) {
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), Math.max(0, deadline - Date.now()));
      await this.exited;
      clearTimeout(kill);
    }
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.readiness = undefined;
    this.changed();
  }
}
