/**
 * HTTP probers in a child process (routed-prober.main.ts), so that probing real gateways costs the
 * controller process nothing (its CPU, RSS and event-loop figures stay its own). The benchmark starts a
 * prober per target (a gateway address and a Host), asks when every target routes to an expected
 * backend after a moment, and stops them. Times are CLOCK_MONOTONIC ms (`monotonicMs`), the clock of
 * every process on the machine, so they compare with the writer's timestamps.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monotonicMs, Prober } from './http-prober.js';

export interface ProbeTarget {
  /** The gateway's address (its pod) and listener port. */
  readonly ip: string;
  readonly port: number;
  /** The Host header of the probed Ingress. */
  readonly host: string;
}

export type ProberCommand =
  | {
      readonly id: number;
      readonly cmd: 'start';
      readonly targets: readonly ProbeTarget[];
      readonly pauseMs: number;
    }
  | {
      readonly id: number;
      readonly cmd: 'routed';
      /** monotonicMs() from which answers count. */
      readonly from: number;
      /** The backend each target must answer from (same order as the targets). */
      readonly backends: readonly string[];
      readonly timeoutMs: number;
    }
  | { readonly id: number; readonly cmd: 'stop' };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type ProberReply =
  | { readonly id: number; readonly ok: true; readonly result?: readonly number[] }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** The child's side: runs until the parent disconnects. */
export async function proberChildMain(): Promise<void> {
  let probers: Prober[] = [];
  const handle = async (m: ProberCommand): Promise<readonly number[] | undefined> => {
    switch (m.cmd) {
      case 'start':
        probers = m.targets.map(
          (t) =>
            new Prober({
              ...t,
              clock: monotonicMs,
              errorPauseMs: Math.max(1, m.pauseMs),
              pauseMs: m.pauseMs,
            }),
        );
        for (const p of probers) p.start();
        return undefined;
      case 'routed':
        return Promise.all(probers.map((p, i) => p.routedAfter(m.from, m.backends[i]!, m.timeoutMs)));
      case 'stop':
        await Promise.all(probers.map((p) => p.stop()));
        probers = [];
        return undefined;
    }
  };
  process.on('message', (m: ProberCommand) => {
    handle(m).then(
      (result) => process.send!({ id: m.id, ok: true, result } satisfies ProberReply),
      (err: unknown) =>
        process.send!({
          id: m.id,
          ok: false,
          error: err instanceof Error ? err.message : String(err),
        } satisfies ProberReply),
    );
  });
  await new Promise<void>((resolve) => process.once('disconnect', resolve));
  await Promise.all(probers.map((p) => p.stop()));
}

type Pending = { resolve: (v: readonly number[] | undefined) => void; reject: (e: Error) => void };

/** The benchmark's side: one child process holding the probers. */
export class ProberProcess {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited = false;

  constructor() {
    const entry = fileURLToPath(new URL('./routed-prober.main.js', import.meta.url));
    this.child = fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (r: ProberReply) => {
      const p = this.pending.get(r.id);
      this.pending.delete(r.id);
      if (r.ok) p?.resolve(r.result);
      else p?.reject(new Error(`prober: ${r.error}`));
    });
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      if (this.pending.size > 0) process.stderr.write(`routed-prober: exited (${signal ?? code ?? '?'})\n`);
      for (const p of this.pending.values()) p.reject(new Error(`prober exited (${signal ?? code ?? '?'})`));
      this.pending.clear();
    });
  }

  get pid(): number | undefined {
    return this.exited ? undefined : this.child.pid;
  }

  private call(cmd: DistributiveOmit<ProberCommand, 'id'>): Promise<readonly number[] | undefined> {
    if (this.exited) return Promise.reject(new Error('prober exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...cmd, id });
    });
  }

  /** Starts one prober per target: GETs back to back, or `pauseMs` apart. */
  async start(targets: readonly ProbeTarget[], pauseMs = 0): Promise<void> {
    await this.call({ cmd: 'start', targets, pauseMs });
  }

  /** ms from `from` (monotonicMs) until each target routes to its backend, in target order. */
  async routed(from: number, backends: readonly string[], timeoutMs: number): Promise<readonly number[]> {
    return (await this.call({ cmd: 'routed', from, backends, timeoutMs })) ?? [];
  }

  async stop(): Promise<void> {
    await this.call({ cmd: 'stop' });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
